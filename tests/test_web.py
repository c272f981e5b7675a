"""The operator's HTTP endpoints (issue 14): /healthz, /readyz and /metrics of the real bot,
over loopback, and the cost of what they ask the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import AlertBot
from bot.config import ConfigError, WebConfig, parse_config
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from bot.web.activity import UpdateActivity
from bot.web.health import Readiness, health_routes
from bot.web.server import WebServer
from storage import channels, ops
from storage import outbox as ob
from storage.db import create_engine, session_factory
from tests.conftest import BotFactory, Clock
from tests.delivery_support import add_subscribers
from tests.payloads import lviv_alert
from tests.test_end_to_end import serve
from tests.test_query_plans import Captured, full_scans
from tests.test_query_plans import database as database  # the fixture: a SQLite file

CHANNEL = -1001234


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get(http: aiohttp.ClientSession, port: int, path: str) -> tuple[int, Any]:
    async with http.get(f"http://127.0.0.1:{port}{path}") as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def until_ready(http: aiohttp.ClientSession, port: int, timeout: float = 20.0) -> None:
    """Wait for /readyz to say 200 (the first getUpdates answer arrives within moments)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status, body = await get(http, port, "/readyz")
        if status == 200:
            return
        assert loop.time() < deadline, body
        await asyncio.sleep(0.05)


async def until_recorded(bot: AlertBot, depth: dict[int, int], timeout: float = 10.0) -> None:
    """Wait for the outbox's undelivered rows by priority to be ``depth``."""
    assert bot.sessions is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with bot.sessions() as session:
            found = await ops.outbox_depth(session)
        if found == depth:
            return
        assert loop.time() < deadline, found
        await asyncio.sleep(0.05)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value, from the Prometheus text."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def web_on(**values: Any) -> dict[str, object]:
    return {"web": WebConfig(listen="127.0.0.1:0", **values)}


async def test_health_readiness_and_metrics_of_a_running_bot(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot(config_updates=web_on(max_undelivered_age=30))
    assert bot.web is not None and bot.sessions is not None and bot.fanout is not None
    port = bot.web.port
    assert await get(http, port, "/healthz") == (200, {"status": "ok"})

    status, body = await get(http, port, "/readyz")
    assert status == 503 and "alert_feeds" in body["failed"], body  # nothing polled yet

    await add_subscribers(bot, [-5, 2], clock)
    async with bot.sessions() as session, session.begin():
        await channels.link(
            session, chat_id=CHANNEL, region_id="27", title="Львів", username=None, now=clock.now
        )
    # The group's 429 holds its alert (a group's own limit: the others go on).
    bot_api.fail_next(-5, "retry_after", retry_after=300)
    serve(feed_server, clock, lviv_alert())
    events = (await bot.poll_now("alerts-in-ua")).changes or []
    air_raids = [e for e in events if (e.kind, e.transition) == ("air_raid", "start")]
    assert air_raids, "the Lviv alert (and the sample's others) started"
    await bot.fanout.run_once()
    await bot_api.wait_for_sent(1, chat_id=CHANNEL)
    await bot_api.wait_for_sent(1, chat_id=2)
    await until_recorded(bot, {1: 1})  # the sent marks are committed just after the sends
    await until_ready(http, port)

    clock.advance(seconds=31)  # the group's message has now waited over max_undelivered_age
    status, body = await get(http, port, "/readyz")
    assert status == 503 and set(body["failed"]) == {"undelivered"}, body
    assert "31 s" in body["failed"]["undelivered"]

    status, text = await get(http, port, "/metrics")
    assert status == 200
    found = samples(text)
    feed = (("feed", "alerts-in-ua"),)
    assert found[("alertbot_feed_polls_total", (*feed, ("outcome", "ok")))] == 1
    assert found[("alertbot_feed_poll_duration_seconds_count", feed)] == 1
    assert (
        found[("alertbot_feed_last_success_age_seconds", (*feed, ("kind", "alerts_in_ua")))] == 31
    )
    assert found[("alertbot_feed_healthy", (*feed, ("kind", "alerts_in_ua")))] == 1
    event = (("kind", "air_raid"), ("transition", "start"))
    assert found[("alertbot_alert_events_total", event)] == len(air_raids)
    assert found[("alertbot_sends_total", (("outcome", "sent"),))] == 2
    assert found[("alertbot_sends_total", (("outcome", "retry_after"),))] == 1
    assert found[("alertbot_alert_delivery_seconds_count", (("target", "channel"),))] == 1
    assert found[("alertbot_alert_delivery_seconds_count", (("target", "direct"),))] == 1
    assert found[("alertbot_outbox_depth", (("priority", "1"),))] == 1  # air raid, direct
    assert found[("alertbot_oldest_undelivered_air_raid_seconds", ())] == 31
    assert found[("alertbot_subscribers", ())] == 2
    assert found[("alertbot_channels", ())] == 1
    assert found[("alertbot_chats_switched_off", ())] == 0
    assert found[("alertbot_leader", ())] == 1
    # Neither a token nor anything about a chat.
    for secret in (bot_api.token, "feed-secret-token", str(CHANNEL), "Львів"):
        assert secret not in text

    # Each bot has a registry of its own: a second one in this process starts from zero.
    other = AlertBot(bot.config)
    assert other.metrics.registry is not bot.metrics.registry
    assert "alertbot_feed_polls_total{" not in text_of(other)


def text_of(bot: AlertBot) -> str:
    return generate_latest(bot.metrics.registry).decode()


async def test_readiness_is_off_while_not_leader(
    start_bot: BotFactory,
    feed_server: FakeFeedServer,
    clock: Clock,
    http: aiohttp.ClientSession,
) -> None:
    leader = True
    bot = await start_bot(config_updates=web_on(), is_leader=lambda: leader)
    assert bot.web is not None
    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    await until_ready(http, bot.web.port)
    leader = False
    status, body = await get(http, bot.web.port, "/readyz")
    assert status == 503 and set(body["failed"]) == {"leader"}, body
    _, text = await get(http, bot.web.port, "/metrics")
    assert samples(text)[("alertbot_leader", ())] == 0
    assert await get(http, bot.web.port, "/healthz") == (200, {"status": "ok"})


async def test_readiness_names_every_failed_condition(http: aiohttp.ClientSession) -> None:
    # A PostgreSQL that does not answer (nothing listens on port 1).
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    readiness = Readiness(
        sessions=session_factory(engine),
        clock=lambda: datetime.now(UTC),
        stopping=lambda: True,
        is_leader=lambda: False,
        activity=UpdateActivity(),
        max_undelivered_age=60,
    )
    server = WebServer("127.0.0.1", 0, [health_routes(readiness)])
    await server.start()
    try:
        status, body = await get(http, server.port, "/readyz")
        assert status == 503
        assert set(body["failed"]) == {
            "stopping",
            "leader",
            "telegram",
            "database",
            "alert_feeds",
            "undelivered",
        }, body
        assert await get(http, server.port, "/healthz") == (503, {"status": "stopping"})
        assert (await get(http, server.port, "/nothing"))[0] == 404
    finally:
        await server.stop()
        await engine.dispose()


@pytest.mark.parametrize(
    ("raw", "env", "expected"),
    [
        ({"web": {"listen": "8080"}}, {}, 'web.listen: must be "host:port"'),
        ({"web": {"max_undelivered_age": 0}}, {}, "web.max_undelivered_age: "),
        (
            {"telegram": {"webhook_url": "https://bot.example.org/tg"}},
            {},
            "telegram.webhook_url: webhook mode needs [web] listen",
        ),
        (
            {"telegram": {"webhook_url": "http://bot.example.org/tg"}, "web": {"listen": ":1"}},
            {},
            "telegram.webhook_url: must be an https:// URL",
        ),
        (
            {
                "telegram": {"webhook_url": "https://bot.example.org/tg"},
                "web": {"listen": "127.0.0.1:8080"},
            },
            {},
            "telegram.secret_token: webhook mode needs a secret",
        ),
        (
            {
                "telegram": {"webhook_url": "https://bot.example.org/tg"},
                "web": {"listen": "127.0.0.1:8080"},
            },
            {"TELEGRAM_WEBHOOK_SECRET": "not allowed: spaces"},
            "TELEGRAM_WEBHOOK_SECRET: must be 1-256 characters",
        ),
    ],
)
def test_bad_web_and_webhook_config_names_the_key(
    raw: dict[str, Any], env: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(raw, env)
    assert str(error.value).startswith(expected), str(error.value)
    assert "spaces" not in str(error.value), "the secret is never repeated"


def test_web_is_off_by_default_and_the_secret_comes_from_the_environment() -> None:
    assert parse_config({}, {}).web.listen == ""
    config = parse_config(
        {
            "telegram": {"webhook_url": "https://bot.example.org/tg/hook"},
            "web": {"listen": "[::1]:8080"},
        },
        {"TELEGRAM_WEBHOOK_SECRET": "from-env_1"},
    )
    assert config.telegram.secret_token.get_secret_value() == "from-env_1"
    assert (config.web.host, config.web.port) == ("::1", 8080)
    assert config.telegram.webhook_path == "/tg/hook"
    assert "from-env_1" not in repr(config)


async def test_scrape_and_readiness_statements_read_by_index(
    database: tuple[async_sessionmaker[AsyncSession], Captured, str],
) -> None:
    sessions, captured, path = database
    now = datetime(2026, 9, 25, 9, 0, tzinfo=UTC)
    async with sessions() as session, session.begin():
        await ob.enqueue_notice(session, key="n", kind="info", chat_ids=[1], now=now, text="x")
    del captured[:]
    async with sessions() as session:
        await ops.ping(session)
        await ops.oldest_undelivered_air_raid(session)
        await ops.outbox_depth(session)
        await ops.feed_status(session)
        await ops.detected_at(session, [1, 2])
    assert len(captured) >= 8
    assert full_scans(path, captured) == []
