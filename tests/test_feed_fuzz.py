"""Feed fuzz: random HTTP answers, served byte for byte from 127.0.0.1, through the real poll
path of every feed kind (alert and outage), with the real bot and database.

For each answer: nothing escapes the poller, one poll's memory stays bounded, the event loop
keeps running (a heartbeat's largest gap is measured), and a failed poll changes nothing stored
(a broken answer is never an all clear).
"""

from __future__ import annotations

import asyncio
import gzip
import os
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import AlertBot
from bot.config import Config, DatabaseConfig, FeedConfig, TelegramConfig
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.raw_http import RawHTTPServer, response
from feeds.kinds import KINDS
from feeds.outages import OUTAGE_KINDS
from storage.models import Feed, FeedObservation
from storage.outage_models import OutageSchedule
from tests.conftest import SAMPLES, Clock

MB = 1024 * 1024
MEMORY_BOUND = 48 * MB  # the answer is capped at 5 MB; parsing it may take a few times that
LOOP_GAP_BOUND = 1.5  # seconds; a shared 2-core machine. The gzip bomb took 3 s before.

# What a kind reads, to mutate: the real samples of its family.
_SAMPLE_FILES: dict[str, list[str]] = {
    "alerts_in_ua": ["alerts_in_ua_active_2025-03-11.json", "alerts_in_ua_active_2023-04-02.json"],
    "alerts_in_ua_iot": [],
    "ukrainealarm": ["ukrainealarm_alerts_kyiv_city_2026-09-25.json"],
    "siren_pp_ua": ["ukrainealarm_alerts_kyiv_city_2026-09-25.json"],
    "loe": ["loe_menus_rawHtml_2026-01-08.html", "loe_gpv_oe_outage_data_2025-12-06.json"],
    "dtek_json": ["dtek_krem_fact_GPV5.1_2026-10-08.json"],
    "yasno": ["yasno_v2_planned_outages_2025-11-05_excerpt.json"],
    "rss": [],
    "cap": ["cap_1.2_oasis_example_thunderstorm.xml"],
}
_EXTRA: dict[str, list[bytes]] = {
    "alerts_in_ua_iot": [b'"ANNNNNNNNNNNPNNNNNNNNNNNNNN"'],
    "ukrainealarm": [b'{"lastActionIndex": 12345}'],
    "siren_pp_ua": [b'{"lastActionIndex": 12345}'],
    "rss": [
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>'
        b"\xd0\x93\xd1\x80\xd0\xb0\xd1\x84\xd1\x96\xd0\xba</title><link>https://x.example/1</link>"
        b"<pubDate>Mon, 06 Jan 2025 10:00:00 +0200</pubDate></item></channel></rss>"
    ],
}
SEEDS = {
    kind: [(SAMPLES / name).read_bytes() for name in names] + _EXTRA.get(kind, [])
    for kind, names in _SAMPLE_FILES.items()
}
ALL_KINDS = sorted([*KINDS, *OUTAGE_KINDS])
assert set(ALL_KINDS) == set(SEEDS), "a new kind needs its samples here"

BOMB = gzip.compress(b"\0" * (24 * MB), 9)
BOMB_TWICE = gzip.compress(BOMB, 9)


def _path(kind: str) -> str:
    if kind in ("ukrainealarm", "siren_pp_ua"):
        return f"/{kind}"  # + /api/v3/alerts/status and /api/v3/alerts
    if kind == "yasno":
        return "/yasno/regions/25/dsos/902/planned-outages"
    return f"/{kind}/feed"


def _paths(kind: str) -> list[str]:
    if kind in ("ukrainealarm", "siren_pp_ua"):
        return [f"/{kind}/api/v3/alerts/status", f"/{kind}/api/v3/alerts"]
    return [_path(kind)]


@st.composite
def bodies(draw: st.DrawFn, kind: str) -> bytes:
    seed = draw(st.sampled_from(SEEDS[kind] or [b"{}"]))
    how = draw(st.sampled_from(["seed", "truncate", "flip", "splice", "dup_key", "random"]))
    if how == "seed":
        return seed
    if how == "truncate":
        return seed[: draw(st.integers(0, len(seed)))]
    if how == "flip":
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 8))):
            if data:
                i = draw(st.integers(0, len(data) - 1))
                data[i] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "splice":
        i = draw(st.integers(0, len(seed)))
        return seed[:i] + draw(st.binary(max_size=64)) + seed[i:]
    if how == "dup_key":
        # The same key twice in the outermost object (or a harmless change elsewhere).
        brace = seed.find(b"{")
        colon = seed.find(b":", brace)
        if brace < 0 or colon < 0:
            return seed
        return seed[: brace + 1] + seed[brace + 1 : colon] + b": [], " + seed[brace + 1 :]
    return draw(st.binary(max_size=2048))


@st.composite
def answers(draw: st.DrawFn, kind: str) -> bytes:
    status = draw(st.sampled_from([200, 200, 200, 200, 304, 302, 404, 429, 500, 503]))
    body = draw(bodies(kind))
    coding = draw(
        st.sampled_from(["", "", "gzip", "deflate", "gzip, gzip", "br", "lie", "bomb", "bomb2"])
    )
    headers: list[tuple[str, str]] = []
    if coding == "gzip":
        body = gzip.compress(body)
    elif coding == "deflate":
        body = zlib.compress(body)
    elif coding == "gzip, gzip":
        body = gzip.compress(gzip.compress(body))
    elif coding == "bomb":
        body, coding = BOMB, "gzip"
    elif coding == "bomb2":
        body, coding = BOMB_TWICE, "gzip, gzip"
    elif coding == "lie":
        coding = draw(st.sampled_from(["gzip", "deflate", "x-gzip", "gzip,identity", "zstd"]))
    if coding:
        headers.append(("Content-Encoding", coding))
    length = draw(st.sampled_from(["right", "right", "none", "short", "long", "huge", "junk"]))
    values = {
        "right": str(len(body)),
        "short": str(max(0, len(body) - 7)),
        "long": str(len(body) + 100),
        "huge": "99999999999999999999",
        "junk": "12, 13",
    }
    if length in values:
        headers.append(("Content-Length", values[length]))
    if status in (302,):
        headers.append(("Location", draw(st.sampled_from(["/", "http://127.0.0.1:1/x", "::"]))))
    if draw(st.booleans()):
        retry = draw(st.sampled_from(["inf", "nan", "1e300", "-1", "5", "soon"]))
        headers.append(("Retry-After", retry))
    if draw(st.booleans()):
        headers.append(
            (
                "ETag",
                draw(
                    st.text(max_size=40).map(
                        lambda s: (
                            s.encode("latin-1", "replace")
                            .decode("latin-1")
                            .replace("\r", "")
                            .replace("\n", "")
                        )
                    )
                ),
            )
        )
    return response(status, headers, body)


@pytest.fixture
async def fuzz_bot(
    tmp_path: Path, bot_api: FakeBotApi, clock: Clock
) -> AsyncIterator[tuple[AlertBot, RawHTTPServer]]:
    async with RawHTTPServer() as server:
        feeds = [
            FeedConfig(
                name=f"fuzz-{kind}",
                kind=kind,
                url=server.url(_path(kind)),
                interval=60,
                timeout=3,
                token=SecretStr("fuzz-token"),
            )
            for kind in ALL_KINDS
        ]
        config = Config(
            telegram=TelegramConfig(token=SecretStr(bot_api.token), base_url=bot_api.base_url),
            database=DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}"),
            feeds=feeds,
        )
        bot = AlertBot(config, clock=clock, schedule_polls=False)
        await bot.start()
        try:
            yield bot, server
        finally:
            await bot.stop()


async def _stored(bot: AlertBot, name: str) -> Any:
    """Everything a poll of feed ``name`` may change that a reader would notice."""
    assert bot.sessions is not None
    async with bot.sessions() as session:
        feed_id = await session.scalar(select(Feed.id).where(Feed.name == name))
        observations = sorted(
            map(
                tuple,
                (
                    await session.execute(
                        select(FeedObservation.region_id, FeedObservation.kind).where(
                            FeedObservation.feed_id == feed_id
                        )
                    )
                ).all(),
            )
        )
        schedules = sorted(
            map(
                tuple,
                (
                    await session.execute(
                        select(
                            OutageSchedule.region_id, OutageSchedule.grp, OutageSchedule.day
                        ).where(OutageSchedule.source == name)
                    )
                ).all(),
            )
        )
    return observations, schedules


class Heartbeat:
    """Ticks as often as the loop lets it; the largest gap between ticks is how long the
    loop was blocked (at worst)."""

    def __init__(self) -> None:
        self.max_gap = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.max_gap = max(self.max_gap, now - last)
            last = now

    def __enter__(self) -> Heartbeat:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


# 60 examples take about 30 s here; ALERTBOT_FUZZ_EXAMPLES=400 for a longer hunt.
@settings(
    max_examples=int(os.environ.get("ALERTBOT_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
async def test_hostile_answers_never_escape_block_or_clear(
    fuzz_bot: tuple[AlertBot, RawHTTPServer], data: st.DataObject
) -> None:
    bot, server = fuzz_bot
    kind = data.draw(st.sampled_from(ALL_KINDS), label="kind")
    name = f"fuzz-{kind}"
    paths = _paths(kind)
    if len(paths) == 2:
        # The change index moves, so the list is fetched; or the index itself is hostile.
        index = response(200, [], b'{"lastActionIndex": %d}' % data.draw(st.integers(0, 10**9)))
        server.replies[paths[0]] = data.draw(st.sampled_from([index, index, None]), "status") or (
            data.draw(answers(kind), label="status answer")
        )
    server.replies[paths[-1]] = data.draw(answers(kind), label="answer")
    before = await _stored(bot, name)

    assert bot.outages is not None
    tracemalloc.start()
    try:
        with Heartbeat() as beat:
            if kind in OUTAGE_KINDS:
                outcome: Any = await bot.outages.poll_now(name)
            else:
                outcome = await bot.poll_now(name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < MEMORY_BOUND, f"{kind}: {peak / MB:.1f} MB in one poll"
    assert beat.max_gap < LOOP_GAP_BOUND, f"{kind}: the loop stood still {beat.max_gap:.2f} s"
    if not outcome.ok:
        assert await _stored(bot, name) == before, f"{kind}: a failed poll changed the state"
