"""Truces from a curated registry (issue 13 part 6): a ``truces`` feed on the fake feed server,
polled by the real bot through the one poller; the feed's claims are marked as such, refused
from the chat, kept beside a local admin's claim, and an unknown major version fails the poll
with a clear error."""

from __future__ import annotations

import json
from typing import Any

from bot.config import FeedConfig
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from feeds.truces_feed import parse
from storage import truces as truce_store
from tests.conftest import ADMIN_ID, BotFactory, Clock
from tests.test_end_to_end import command

REGISTRY = "/registry/truces.json"


def registry(*truces: dict[str, Any], version: object = 1) -> bytes:
    return json.dumps({"version": version, "truces": list(truces)}).encode()


EASTER: dict[str, Any] = {
    "name": "easter-2025",
    "scope": "all",
    "regions": "all",
    "status": "expired",  # a report field: ignored
    "claims": [
        {
            "party": "Russia",
            "starts_at": "2025-04-19T15:00:00+00:00",
            "ends_at": "2025-04-20T21:00:00+00:00",
            "source": "https://example.org/easter",
            "window": {"alerts": 3},  # a report field: ignored
        }
    ],
}


def with_registry(feed_server: FakeFeedServer) -> dict[str, object]:
    return {
        "feeds": [
            FeedConfig(name="registry", kind="truces", url=feed_server.url(REGISTRY), interval=60)
        ]
    }


async def test_a_registry_feed_brings_truces_the_chat_cannot_change(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    database_url: str,
) -> None:
    feed_server.set(REGISTRY, registry(EASTER))
    bot = await start_bot(database_url, config_updates=with_registry(feed_server))
    assert bot.sessions is not None
    outcome = await bot.poll_now("registry")
    assert outcome.ok, outcome.error
    async with bot.sessions() as session:
        view = await truce_store.get_truce(session, "easter-2025")
    assert view is not None and view.regions is None and view.scope == "all"
    assert [(c.party, c.source) for c in view.claims] == [("Russia", "https://example.org/easter")]
    assert "easter-2025" in await command(bot_api, ADMIN_ID, "/truces")

    refused = await command(
        bot_api, ADMIN_ID, "/truce_set easter-2025 start=2025-04-19T18:00 party=Russia"
    )
    assert "надходить із джерела «registry»" in refused
    assert "надходить із джерела «registry»" in await command(
        bot_api, ADMIN_ID, "/truce_end easter-2025"
    )
    # A local admin's claim of another party stays beside the feed's.
    added = await command(
        bot_api, ADMIN_ID, "/truce_set easter-2025 start=2025-04-19T18:00 party=Ukraine"
    )
    assert added.startswith("✅"), added
    changed = dict(EASTER, claims=[dict(EASTER["claims"][0], ends_at="2025-04-21T21:00:00Z")])
    feed_server.set(REGISTRY, registry(changed))
    assert (await bot.poll_now("registry")).ok
    async with bot.sessions() as session:
        view = await truce_store.get_truce(session, "easter-2025")
    assert view is not None
    claims = {c.party: c for c in view.claims}
    assert set(claims) == {"Russia", "Ukraine"}
    assert claims["Russia"].ends_at is not None and claims["Russia"].ends_at.day == 21
    assert view.ended_at is None, "never ended from the chat"

    # The curator drops it: the feed's claim goes, the local one stays.
    feed_server.set(REGISTRY, registry())
    assert (await bot.poll_now("registry")).ok
    async with bot.sessions() as session:
        view = await truce_store.get_truce(session, "easter-2025")
    assert view is not None and [c.party for c in view.claims] == ["Ukraine"]


async def test_an_unknown_major_version_fails_the_poll_clearly(
    start_bot: BotFactory, feed_server: FakeFeedServer
) -> None:
    feed_server.set(REGISTRY, registry(EASTER, version=2))
    bot = await start_bot(config_updates=with_registry(feed_server))
    assert bot.sessions is not None
    outcome = await bot.poll_now("registry")
    assert not outcome.ok
    assert outcome.error is not None
    assert "version 2 is not supported (this bot reads version 1)" in outcome.error
    async with bot.sessions() as session:
        assert await truce_store.list_truces(session) == []


def test_a_minor_version_and_report_fields_are_read() -> None:
    (truce,) = parse(registry(EASTER, version="1.3"))
    assert truce.name == "easter-2025" and truce.claims[0].party == "Russia"
