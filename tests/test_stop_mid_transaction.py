"""The dispatcher and the database between wake-ups: a stop inside a claim leaves the
database free for the next process, a backup or an admin's tool; a row another process
queued is found without a wake-up."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from typing import Any

import pytest
from sqlalchemy import event

from bot.demo.fakes.bot_api import FakeBotApi
from storage import outbox as outbox_store
from storage.db import create_engine, session_factory
from tests.conftest import BotFactory, Clock
from tests.delivery_support import add_subscribers


def _task(name: str) -> asyncio.Task[Any]:
    (task,) = [t for t in asyncio.all_tasks() if t.get_name() == name]
    return task


async def test_a_stop_during_a_claim_leaves_the_database_unlocked(
    start_bot: BotFactory, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    assert bot.engine is not None and bot.dispatcher is not None
    loop = asyncio.get_running_loop()
    inside = asyncio.Event()
    release = threading.Event()

    def hold_the_claim(statement: str) -> None:
        # Called in the connection's own thread, just before SQLite runs ``statement``.
        if statement.startswith("SELECT outbox.id") and not release.is_set():
            loop.call_soon_threadsafe(inside.set)
            release.wait(10)

    def on_checkout(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.run_async(lambda raw: raw.set_trace_callback(hold_the_claim))

    event.listen(bot.engine.sync_engine, "checkout", on_checkout)
    bot.dispatcher.wake()
    await asyncio.wait_for(inside.wait(), 10)
    refill = _task("outbox-refill")
    stopping = asyncio.create_task(bot.stop())
    while not refill.cancelling():  # noqa: ASYNC110 (a cancellation sets no event)
        await asyncio.sleep(0)
    release.set()
    with caplog.at_level(logging.WARNING, logger="alertbot"):
        await asyncio.wait_for(stopping, 20)
    assert not [r for r in caplog.records if r.getMessage() == "database_connections_left"]

    database = sqlite_url.split("///", 1)[1]
    other = sqlite3.connect(database, timeout=1, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # "database is locked" if the claim's is left open
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_a_row_queued_by_another_process_is_sent_without_a_wake_up(
    start_bot: BotFactory, bot_api: FakeBotApi, clock: Clock, sqlite_url: str
) -> None:
    """The idle dispatcher no longer claims every second: its one-hop look (outbox.any_due)
    must still find what another process queued (a CLI, a standby's handover)."""
    bot = await start_bot()
    await add_subscribers(bot, [7], clock)
    assert bot.dispatcher is not None
    await bot.dispatcher.drain_once()  # idle from here: no claim asked for
    engine = create_engine(sqlite_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await outbox_store.enqueue_notice(
                session, key="cli-1", kind="info", chat_ids=[7], now=clock.now, text="Перевірка"
            )
    finally:
        await engine.dispose()
    [sent] = await bot_api.wait_for_sent(1, chat_id=7, timeout=10)
    assert sent.text == "Перевірка"
