"""The registry learns every hromada from ukrainealarm's region list (the real, trimmed dump)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from bot.ingest.region_sync import regions_url, sync_regions
from feeds import regions
from tests.conftest import BotFactory, Clock, sample
from tests.test_end_to_end import command


def test_regions_url_is_derived_from_any_feed_url() -> None:
    for url in (
        "https://api.ukrainealarm.com",
        "https://api.ukrainealarm.com/api/v3/alerts",
        "https://siren.pp.ua/api/v3/alerts/status",
    ):
        derived = urlsplit(regions_url(url))
        assert derived.path == "/api/v3/regions"
        assert (derived.scheme, derived.netloc) == urlsplit(url)[:2]


async def test_sync_teaches_hromadas_that_residents_can_subscribe_to(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    assert "Не знаю" in await command(bot_api, 5, "/subscribe Яворівська громада")
    feed_server.set("/api/v3/regions", sample("ukrainealarm_regions_trimmed.json"))
    assert bot.sessions is not None
    async with httpx.AsyncClient() as client:
        changed = await sync_regions(
            client,
            feed_name="siren",
            kind="siren_pp_ua",
            url=feed_server.url("/api/v3/alerts"),
            token=None,
            sessions=bot.sessions,
            clock=clock,
        )
    assert changed > 50, "Lviv oblast's hromadas"
    reply = await command(bot_api, 5, "/subscribe Яворівська громада")
    assert reply.startswith("✅ Підписано: Яворівська територіальна громада"), reply
    hromada = regions.resolve("Яворівська громада")
    assert hromada is not None and regions.oblast_of(hromada.id) == "27"
    assert regions.get("90") is not None and regions.get("90").name_uk == "Львівський район"  # type: ignore[union-attr]


async def test_failed_sync_changes_nothing(
    start_bot: BotFactory, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    before = len(regions.all_regions())
    feed_server.set("/api/v3/regions", b"<html>502</html>")
    assert bot.sessions is not None
    async with httpx.AsyncClient() as client:
        changed = await sync_regions(
            client,
            feed_name="siren",
            kind="siren_pp_ua",
            url=feed_server.url("/api/v3/alerts"),
            token=None,
            sessions=bot.sessions,
            clock=clock,
        )
    assert changed == 0 and len(regions.all_regions()) == before
