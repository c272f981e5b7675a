"""A clean stop under load (issue 14), as an operator meets it: `python -m bot run` with the web
server on, SIGTERM in the middle of a broadcast to 10,000 chats. /readyz turns 503 the moment
the stop begins, the process exits 0 well within 15 s, and nothing is lost: every message
Telegram accepted is recorded as sent, every other one is back in the queue."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from storage.db import create_engine
from storage.models import Outbox
from tests.conftest import FEED_PATH, Clock
from tests.failover_support import subscribe_all
from tests.payloads import answer, lviv_alert
from tests.process_support import launch, write_config

CHATS = 10_000
LATENCY = 0.3  # a slow Telegram: 16 sends in flight make ~50 a second, and a stop has work
STOP_LIMIT = 15.0


async def _statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Outbox.status, func.count()).group_by(Outbox.status)
            )
            return {status: int(count) for status, count in rows}
    finally:
        await engine.dispose()


async def test_sigterm_mid_broadcast_turns_unready_at_once_and_loses_nothing(
    tmp_path: Path, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    config = write_config(
        tmp_path / "config.toml",
        api=bot_api,
        database_url=url,
        feed_url=feed_server.url(FEED_PATH),
        sections='[web]\nlisten = "127.0.0.1:0"\n\n[delivery]\nrate_per_second = 1000\n',
    )
    await subscribe_all(url, CHATS)
    bot_api.latency = LATENCY
    body, last_modified = answer(lviv_alert(), updated=clock.now)
    feed_server.set(FEED_PATH, body, last_modified=last_modified)
    process = await launch(config, bot_api)
    events: list[dict[str, Any]] = []
    started = asyncio.Event()

    async def read_log() -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            if line.startswith(b"{"):
                events.append(json.loads(line))
                if events[-1]["event"] == "web_started":
                    started.set()

    reader = asyncio.create_task(read_log())
    answers: list[tuple[int, dict[str, Any]]] = []
    try:
        await asyncio.wait_for(started.wait(), 30)
        port = next(e["port"] for e in events if e["event"] == "web_started")
        readyz = f"http://127.0.0.1:{port}/readyz"
        async with aiohttp.ClientSession() as http:
            await bot_api.wait_for_sent(200, timeout=60)  # the broadcast is on
            async with http.get(readyz) as response:
                assert response.status == 200, await response.text()

            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            # Ask until the listener closes; every answer from the stop's start must be 503.
            while True:
                try:
                    async with http.get(readyz) as response:
                        answers.append((response.status, await response.json()))
                except aiohttp.ClientConnectionError:
                    break
                await asyncio.sleep(0.01)
            await asyncio.wait_for(process.wait(), STOP_LIMIT)
            stopped_in = time.monotonic() - signalled
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(reader, 5)

    names = [e["event"] for e in events]
    assert process.returncode == 0, names[-20:]
    assert stopped_in < STOP_LIMIT
    print(f"\nstopped {stopped_in:.2f} s after SIGTERM; {len(answers)} readiness answers meanwhile")
    # The first request after the signal may have been answered before the loop saw it.
    after = [status for status, _ in answers[1:]]
    assert after and set(after) == {503}, answers[:5]
    assert all("stopping" in body["failed"] for status, body in answers if status == 503)

    delivered = Counter(int(m.chat_id) for m in bot_api.sent if (m.text or "").startswith("🔴"))
    assert max(delivered.values()) == 1, "no chat got the alert twice"
    statuses = await _statuses(url)
    assert "inflight" not in statuses, statuses
    assert statuses.get("sent", 0) == len(delivered), (statuses, len(delivered))
    assert statuses.get("pending", 0) == CHATS - len(delivered), statuses
    assert len(delivered) < CHATS, "the stop came mid-broadcast"
    assert "bot_stopped" in names
    log = json.dumps(events)
    assert bot_api.token not in log and "feed-token-stop-test" not in log
