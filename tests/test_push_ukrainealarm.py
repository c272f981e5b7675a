"""ukrainealarm's webhook (issue 15): signed events reach subscribers through the real bot;
forged, stale and replayed requests are refused and change nothing; a pushed "end" never ends
an alert that a healthy polled source still reports."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import AlertBot
from bot.config import ConfigError, FeedConfig, WebConfig, parse_config
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from feeds.model import AlertKind, FeedFormatError
from feeds.ukrainealarm_push import ReplayGuard, parse_event
from storage.models import AlertState
from tests.conftest import FEED_PATH, BotFactory, Clock
from tests.payloads import answer, lviv_alert
from tests.test_end_to_end import command

RESIDENT = 1001
PUBLIC_URL = "https://bot.example.org/push/ukrainealarm"
PATH = "/push/ukrainealarm"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def provider_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def public_pem(tmp_path: Path, provider_key: rsa.RSAPrivateKey) -> Path:
    path = tmp_path / "ukrainealarm.pem"
    path.write_bytes(
        provider_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def event(region: str, status: str, *levels: str, at: str = "2025-03-18T09:59:00Z") -> bytes:
    """A webhook body with the provider's field names."""
    return json.dumps(
        {
            "regionId": region,
            "status": status,
            "alarmType": "AIR",
            "createdAt": at,
            "alertLevel": levels[0] if levels else None,
            "reason": "Ракетна загроза (червоний рівень)" if levels else None,
            "activeAlertLevels": [
                {"alertLevel": level, "reason": f"{level} reason", "createdAt": at}
                for level in levels
            ],
        },
        ensure_ascii=False,
    ).encode()


def signed(key: rsa.RSAPrivateKey, body: bytes, sent: datetime) -> dict[str, str]:
    timestamp = str(int(sent.timestamp()))
    signature = key.sign(timestamp.encode() + b"." + body, padding.PKCS1v15(), hashes.SHA256())
    return {
        "X-Webhook-Timestamp": timestamp,
        "X-Webhook-Signature": base64.b64encode(signature).decode(),
        "Content-Type": "application/json",
    }


async def push_bot(
    start_bot: BotFactory, feed_server: FakeFeedServer, public_pem: Path
) -> AlertBot:
    polled = FeedConfig(
        name="alerts-in-ua",
        kind="alerts_in_ua",
        url=feed_server.url(FEED_PATH),
        interval=15,
        token=SecretStr("feed-secret-token"),
    )
    push = FeedConfig(
        name="ua-push",
        kind="ukrainealarm_webhook",
        url=PUBLIC_URL,
        public_key_file=str(public_pem),
    )
    return await start_bot(
        config_updates={"web": WebConfig(listen="127.0.0.1:0"), "feeds": [polled, push]}
    )


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def active_states(bot: AlertBot) -> set[tuple[str, str]]:
    assert bot.sessions is not None
    async with bot.sessions() as session:
        rows = await session.execute(
            select(AlertState.region_id, AlertState.kind).where(AlertState.active)
        )
        return {(region, kind) for region, kind in rows}


class Poster:
    def __init__(self, bot: AlertBot, http: aiohttp.ClientSession) -> None:
        assert bot.web is not None
        self.endpoint = f"http://127.0.0.1:{bot.web.port}{PATH}"
        self.http = http

    async def __call__(self, body: bytes, headers: dict[str, str]) -> int:
        async with self.http.post(self.endpoint, data=body, headers=headers) as response:
            return response.status


async def test_a_signed_event_starts_and_ends_an_alert_for_a_subscriber(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    public_pem: Path,
    provider_key: rsa.RSAPrivateKey,
    http: aiohttp.ClientSession,
) -> None:
    bot = await push_bot(start_bot, feed_server, public_pem)
    post = Poster(bot, http)
    assert "Львівська область" in await command(bot_api, RESIDENT, "/subscribe Lviv oblast")

    body = event("27", "Activate", "Red")
    assert await post(body, signed(provider_key, body, clock.now)) == 200
    sent = await bot_api.wait_for_sent(2, chat_id=RESIDENT)
    assert (sent[-1].text or "").startswith("🔴 Повітряна тривога: Львівська область")

    # Only the push source knows of Lviv (the polled feed never answered): its end ends it.
    clock.advance(minutes=20)
    body = event("27", "Deactivate")
    assert await post(body, signed(provider_key, body, clock.now)) == 200
    sent = await bot_api.wait_for_sent(3, chat_id=RESIDENT)
    assert (sent[-1].text or "").startswith("🟢 Відбій повітряної тривоги: Львівська область")

    # The feed's health is its last good delivery.
    assert bot.feeds is not None
    [info] = [f for f in await bot.feeds.list_feeds() if f.name == "ua-push"]
    assert info.last_success_at == clock.now


async def test_forged_stale_and_replayed_requests_are_refused_and_change_nothing(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    public_pem: Path,
    provider_key: rsa.RSAPrivateKey,
    http: aiohttp.ClientSession,
) -> None:
    bot = await push_bot(start_bot, feed_server, public_pem)
    post = Poster(bot, http)
    [source] = bot.push_sources
    lviv = event("27", "Activate", "Red")
    good = signed(provider_key, lviv, clock.now)

    forged = {**good, "X-Webhook-Signature": base64.b64encode(b"\x01" * 256).decode()}
    assert await post(lviv, forged) == 401
    assert await post(lviv, signed(new_key(), lviv, clock.now)) == 401, "another key"
    stale = clock.now - timedelta(minutes=5, seconds=5)
    assert await post(lviv, signed(provider_key, lviv, stale)) == 401
    future = clock.now + timedelta(minutes=5, seconds=5)
    assert await post(lviv, signed(provider_key, lviv, future)) == 401
    assert await post(lviv, {"Content-Type": "application/json"}) == 401, "unsigned"
    tampered = event("27", "Activate", "Yellow")
    assert await post(tampered, good) == 401, "a body the signature is not for"
    stamp = {**good, "X-Webhook-Timestamp": str(int(clock.now.timestamp()) + 1)}
    assert await post(lviv, stamp) == 401, "a timestamp the signature is not for"

    # A genuine event is applied; played back later it is refused.
    kyiv_on = event("31", "Activate", "Yellow")
    kyiv_on_headers = signed(provider_key, kyiv_on, clock.now)
    assert await post(kyiv_on, kyiv_on_headers) == 200
    await until(lambda: source.applied == 1)
    clock.advance(minutes=1)
    kyiv_off = event("31", "Deactivate")
    assert await post(kyiv_off, signed(provider_key, kyiv_off, clock.now)) == 200
    await until(lambda: source.applied == 2)
    assert await post(kyiv_on, kyiv_on_headers) == 403, "replayed"

    # A later genuine event is applied after anything queued before it: nothing else was.
    odesa_off = event("18", "Deactivate")
    assert await post(odesa_off, signed(provider_key, odesa_off, clock.now)) == 200
    await until(lambda: source.applied == 3)
    assert await active_states(bot) == set(), "no refused request started an alert"
    assert not [m for m in bot_api.sent if "Львівська" in (m.text or "")]


async def test_a_pushed_end_does_not_end_what_a_polled_source_still_reports(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    public_pem: Path,
    provider_key: rsa.RSAPrivateKey,
    http: aiohttp.ClientSession,
) -> None:
    bot = await push_bot(start_bot, feed_server, public_pem)
    post = Poster(bot, http)
    [source] = bot.push_sources
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")

    body, last_modified = answer(lviv_alert(), updated=clock.now)
    feed_server.set(FEED_PATH, body, last_modified=last_modified)
    assert (await bot.poll_now("alerts-in-ua")).ok
    sent = await bot_api.wait_for_sent(2, chat_id=RESIDENT)
    assert (sent[-1].text or "").startswith("🔴 Повітряна тривога")

    clock.advance(seconds=10)
    on = event("27", "Activate", "Red")
    assert await post(on, signed(provider_key, on, clock.now)) == 200
    clock.advance(seconds=10)
    off = event("27", "Deactivate")
    assert await post(off, signed(provider_key, off, clock.now)) == 200
    await until(lambda: source.applied == 2)
    assert ("27", "air_raid") in await active_states(bot), "the polled source still reports it"
    assert len(bot_api.messages_to(RESIDENT)) == 2, "no all clear"

    # Once the polled source stops reporting it, the alert ends.
    clock.advance(seconds=10)
    body, last_modified = answer(updated=clock.now)
    feed_server.set(FEED_PATH, body, last_modified=last_modified)
    assert (await bot.poll_now("alerts-in-ua")).ok
    sent = await bot_api.wait_for_sent(3, chat_id=RESIDENT)
    assert (sent[-1].text or "").startswith("🟢 Відбій")


async def test_a_standby_refuses_events_for_the_leader(
    start_bot: BotFactory,
    feed_server: FakeFeedServer,
    clock: Clock,
    public_pem: Path,
    provider_key: rsa.RSAPrivateKey,
    http: aiohttp.ClientSession,
) -> None:
    bot = await push_bot(start_bot, feed_server, public_pem)
    post = Poster(bot, http)
    bot.stopping = True
    body = event("27", "Activate", "Red")
    headers = signed(provider_key, body, clock.now)
    assert await post(body, headers) == 503
    bot.stopping = False
    assert await post(body, headers) == 200, "the retry is no replay"


# --- the parts -----------------------------------------------------------------------------


def test_the_event_is_the_regions_whole_state() -> None:
    started = parse_event(event("9999", "Activate", "Yellow", "Red"))
    assert started is not None and started.region_id == "29"
    assert started.kind == AlertKind.AIR_RAID
    assert started.active is not None and started.active.level == "red"
    # Red ended, yellow goes on: still an alert.
    lowered = parse_event(event("27", "Deactivate", "Yellow"))
    assert lowered is not None and lowered.active is not None
    assert lowered.active.level == "yellow"
    ended = parse_event(event("27", "Deactivate"))
    assert ended is not None and ended.active is None
    assert parse_event(event("0", "Activate", "Red")) is None, "the provider's test region"
    for broken in (b"[]", b'{"regionId": "x"}', event("27", "Maybe")):
        with pytest.raises(FeedFormatError):
            parse_event(broken)


def test_the_replay_memory_is_bounded() -> None:
    guard = ReplayGuard(limit=100)
    for index in range(1000):
        assert guard.first_time(index.to_bytes(4, "big"), now=0.0)
    assert len(guard) <= 100
    assert not guard.first_time((999).to_bytes(4, "big"), now=1.0)
    assert guard.first_time(b"old", now=0.0)
    assert guard.first_time(b"other", now=301.0)
    assert guard.first_time(b"old", now=301.0), "older than the window: refused by its time"


def _config(tmp: Path, feed: dict[str, Any], web: bool = True) -> None:
    raw: dict[str, Any] = {"feeds": [feed]}
    if web:
        raw["web"] = {"listen": "127.0.0.1:8080"}
    parse_config(raw, {})


def test_config_refuses_a_push_source_it_cannot_serve(tmp_path: Path, public_pem: Path) -> None:
    feed = {
        "name": "push",
        "kind": "ukrainealarm_webhook",
        "url": PUBLIC_URL,
        "public_key_file": str(public_pem),
    }
    _config(tmp_path, feed)  # fine
    cases: list[tuple[dict[str, Any], bool, str]] = [
        ({**feed}, False, "needs [web] listen"),
        ({**feed, "public_key_file": str(tmp_path / "missing.pem")}, True, "cannot read"),
        ({**feed, "public_key_file": str(Path(__file__))}, True, "not a PEM public key"),
        ({k: v for k, v in feed.items() if k != "public_key_file"}, True, "public key"),
        ({**feed, "interval": 5}, True, "for polled feeds"),
        ({**feed, "url": "https://bot.example.org/healthz"}, True, "already served"),
    ]
    for raw, web, expected in cases:
        with pytest.raises(ConfigError) as caught:
            _config(tmp_path, raw, web)
        assert expected in str(caught.value), (raw, str(caught.value))
