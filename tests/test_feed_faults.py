"""Every way a feed can fail: the poll fails cleanly, is logged once per outage and once on
recovery, backs off (capped at 5 intervals or 60 s; a longer Retry-After is honoured), the
other feeds go on, and the announced state is kept."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer, Reply
from bot.ingest.alert_intake import AlertIntake
from bot.ingest.poller import FeedPoller, PollTarget
from tests.conftest import BotFactory, Clock
from tests.payloads import answer, lviv_alert
from tests.test_end_to_end import RESIDENT, command, settle

A, B = "/a/active.json", "/b/active.json"


@dataclass
class Monotonic:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/active.json"


FAULTS: dict[str, Reply | None] = {
    "server error 500": Reply(status=500, body=b"oops"),
    "bad gateway 502 (HTML)": Reply(status=502, body=b"<html>cloudflare</html>"),
    "rate limited 429": Reply(status=429, body=b'{"message":"Too many requests"}'),
    "invalid JSON": Reply(status=200, body=b"{not json"),
    "wrong shape": Reply(status=200, body=b'{"alerts": {"27": true}}'),
    "answer over the size cap": Reply(status=200, body=b" " * (5 * 1024 * 1024 + 10)),
    "no answer in time": Reply(status=200, body=b"{}", delay=3.0),
    "slow trickling answer": Reply(status=200, body=b" " * 4096, trickle=0.05),
    "connection refused": None,
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_fault_fails_cleanly_keeps_state_and_spares_other_feeds(
    fault: str,
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_bot(feeds=[("a", A), ("b", B)])
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    for path in (A, B):
        body, modified = answer(lviv_alert(), updated=clock.now)
        feed_server.set(path, body, last_modified=modified)
    assert (await bot.poll_now("a")).ok and (await bot.poll_now("b")).ok
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2
    assert bot.sessions is not None

    caplog.set_level(logging.INFO, logger="alertbot")
    monotonic = Monotonic()
    reply = FAULTS[fault]
    url = closed_port_url() if reply is None else feed_server.url(A)
    if reply is not None:
        feed_server.script(A, *[reply] * 3)
    interval = 4.0
    async with httpx.AsyncClient() as client:
        assert bot.feeds is not None
        feed_id = bot.feeds.pollers["a"].target.feed_id
        poller = FeedPoller(
            PollTarget(feed_id, "a", "alerts_in_ua", url, interval, timeout=1.0, token="t"),
            AlertIntake(),
            client=client,
            sessions=bot.sessions,
            clock=clock,
            on_changes=lambda _e: None,
            monotonic=monotonic,
        )
        outcomes = []
        for _ in range(3):
            outcomes.append(await poller.poll())
            assert (await poller.poll()).skipped, "backing off: the next tick is skipped"
            monotonic.now += 5 * interval
        assert all(not o.ok and o.error for o in outcomes), outcomes

        # The other feed is unaffected, the alert stands, and nobody was told anything.
        clock.advance(seconds=30)
        assert (await bot.poll_now("b")).ok
        await settle(bot)
        assert len(bot_api.messages_to(RESIDENT)) == 2
        failed = [r for r in caplog.records if r.getMessage() == "feed_failed"]
        assert len(failed) == 1 and getattr(failed[0], "feed", None) == "a"

        if reply is not None:
            feed_server.clear_script(A)
            assert (await poller.poll(force=True)).ok
            recovered = [r for r in caplog.records if r.getMessage() == "feed_recovered"]
            assert len(recovered) == 1


async def test_backoff_grows_is_capped_and_honours_a_long_retry_after(
    start_bot: BotFactory, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    assert bot.sessions is not None and bot.feeds is not None
    feed_id = bot.feeds.pollers["alerts-in-ua"].target.feed_id
    monotonic = Monotonic()
    feed_server.script(A, *[Reply(status=503)] * 8)
    feed_server.script(A, Reply(status=429, headers={"Retry-After": "120"}))

    async def wait_for_next_poll(poller: FeedPoller[Any, Any]) -> float:
        """Seconds of skipped ticks before the poller fetches again (then it fetches)."""
        waited = 0.0
        while (await poller.poll()).skipped:
            monotonic.now += 1.0
            waited += 1.0
        return waited

    async with httpx.AsyncClient() as client:
        poller = FeedPoller(
            PollTarget(feed_id, "x", "alerts_in_ua", feed_server.url(A), 2.0, 1.0, "t"),
            AlertIntake(),
            client=client,
            sessions=bot.sessions,
            clock=clock,
            on_changes=lambda _e: None,
            monotonic=monotonic,
        )
        waits = [await wait_for_next_poll(poller) for _ in range(10)]
    # 8 failures (503), then a 429 asking for 120 s.
    assert waits[:4] == [0.0, 2.0, 4.0, 8.0], "doubling from the interval"
    assert waits[4:9] == [10.0] * 5, "never past 5 intervals (here 10 s, under 60 s)"
    assert waits[9] == 120.0, "a longer Retry-After is honoured"
