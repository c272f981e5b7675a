"""A change and its messages are one: the bot (a real subprocess) SIGKILLs itself right after a
poll committed a change and before that change's messages are queued (tests/crash_entry.py's
seam), is started again, and every follower gets the message exactly once.

Before the outage notices had a durable marker, the restarted bot saw no change in the feed
and the schedule notice was lost for good.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from storage import migrate
from storage.db import create_engine
from storage.models import Chat, Outbox, Subscription
from storage.outage_models import OutageFollow
from tests.conftest import FEED_PATH
from tests.payloads import answer, lviv_alert
from tests.process_support import launch, write_config
from tests.test_outage_bot import SCHEDULE_PATH, publish

CHATS = 40
# 12:00 in Kyiv on the day of the recorded LOE schedule: it is today's, so it is news.
SCHEDULE_DAY = datetime(2026, 1, 8, 10, 0, tzinfo=UTC)


async def _prepare(url: str, *, outage: bool) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        now = datetime.now(UTC)
        chats = range(1, CHATS + 1)
        async with engine.begin() as connection:
            await connection.execute(
                insert(Chat),
                [
                    {
                        "chat_id": i,
                        "kind": "private",
                        "lang": None,
                        "active": True,
                        "created_at": now,
                    }
                    for i in chats
                ],
            )
            if outage:
                await connection.execute(
                    insert(OutageFollow),
                    [
                        {"chat_id": i, "region_id": "27", "grp": "1.1", "created_at": now}
                        for i in chats
                    ],
                )
            else:
                await connection.execute(
                    insert(Subscription),
                    [{"chat_id": i, "region_id": "27", "created_at": now} for i in chats],
                )
    finally:
        await engine.dispose()


async def _outbox_rows_per_chat(url: str) -> Counter[int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Outbox.chat_id, func.count()).group_by(Outbox.chat_id)
            )
            return Counter({int(chat): int(count) for chat, count in rows})
    finally:
        await engine.dispose()


@pytest.mark.parametrize("kind", ["outage", "alert"])
async def test_sigkill_between_commit_and_queueing_loses_nothing(
    kind: str, tmp_path: Path, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    config = write_config(
        tmp_path / "config.toml",
        api=bot_api,
        database_url=url,
        feed_url=feed_server.url(FEED_PATH),
        more_feeds=(
            f'[[feeds]]\nname = "loe"\nkind = "loe"\n'
            f'url = "{feed_server.url(SCHEDULE_PATH)}"\ninterval = 300\n'
        ),
    )
    await _prepare(url, outage=kind == "outage")
    now = SCHEDULE_DAY if kind == "outage" else datetime.now(UTC)
    body, last_modified = answer(*([lviv_alert()] if kind == "alert" else []), updated=now)
    feed_server.set(FEED_PATH, body, last_modified=last_modified)
    publish(feed_server)

    async def run(*extra: str) -> asyncio.subprocess.Process:
        return await launch(
            config, bot_api, "--now", now.isoformat(), *extra, module="tests.crash_entry"
        )

    first = await run("--crash-after", kind)
    _, stderr = await asyncio.wait_for(first.communicate(), 60)
    assert first.returncode == -signal.SIGKILL, stderr.decode()[-2000:]
    assert bot_api.sent == [], "killed before anything was queued"

    second = await run()
    try:
        await bot_api.wait_for_sent(CHATS, timeout=30)
    finally:
        # A clean stop: what is claimed is sent and recorded, anything queued twice stays.
        second.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(second.communicate(), 20)
    assert second.returncode == 0, stderr.decode()[-2000:]

    received = Counter(int(m.chat_id) for m in bot_api.sent)
    assert received == Counter(dict.fromkeys(range(1, CHATS + 1), 1)), "each chat, once"
    queued = await _outbox_rows_per_chat(url)
    assert queued == Counter(dict.fromkeys(range(1, CHATS + 1), 1)), "one message each, no more"
    if kind == "outage":
        assert all("1.1" in (m.text or "") for m in bot_api.sent)
    else:
        assert all((m.text or "").startswith("🔴") for m in bot_api.sent)
