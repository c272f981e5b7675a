"""One-hop transactions (storage/transactions.py): the dispatcher's sent marks and looks."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from storage import migrate
from storage import outbox as outbox_store
from storage.db import create_engine, session_factory
from storage.models import Chat, Outbox
from storage.transactions import ThreadTransactions, Transactions, transactions_for

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    async with session_factory(engine)() as session, session.begin():
        session.add(Chat(chat_id=1, kind="private", created_at=NOW))
        session.add_all(
            Outbox(chat_id=1, notice_id=n, priority=5, status="pending", created_at=NOW)
            for n in range(1, 4)
        )
    try:
        yield engine
    finally:
        await engine.dispose()


async def _statuses(engine: AsyncEngine) -> list[str]:
    async with session_factory(engine)() as session:
        return list((await session.scalars(select(Outbox.status).order_by(Outbox.id))).all())


async def test_sent_marks_are_committed_in_either_database(engine: AsyncEngine) -> None:
    transactions = transactions_for(engine, session_factory(engine))
    try:
        assert await transactions.run(outbox_store.any_due, NOW)
        await transactions.run(outbox_store.mark_sent, [1, 2], NOW)
        assert await _statuses(engine) == ["sent", "sent", "pending"]
        await transactions.run(outbox_store.mark_sent, [3], NOW)
        assert not await transactions.run(outbox_store.any_due, NOW), "nothing left to send"
    finally:
        await transactions.close()


def _thread_of(_session: Session) -> int:
    return threading.get_ident()


async def test_on_sqlite_the_transaction_runs_in_a_thread_of_its_own(
    sqlite_url: str,
) -> None:
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    transactions = transactions_for(engine, session_factory(engine))
    try:
        assert isinstance(transactions, ThreadTransactions)
        assert await transactions.run(_thread_of) != threading.get_ident()
    finally:
        await transactions.close()
        await engine.dispose()


async def test_an_in_memory_database_stays_in_the_async_sessions() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    try:
        transactions = transactions_for(engine, session_factory(engine))
        assert type(transactions) is Transactions, "a second connection would not see it"
    finally:
        await engine.dispose()


async def test_a_cancelled_caller_does_not_cut_the_transaction_short(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    async with session_factory(engine)() as session, session.begin():
        session.add(Chat(chat_id=1, kind="private", created_at=NOW))
        session.add(Outbox(chat_id=1, notice_id=1, priority=5, status="pending", created_at=NOW))
    transactions = transactions_for(engine, session_factory(engine))
    started, release = threading.Event(), threading.Event()

    def slow_mark(session: Session) -> None:
        outbox_store.mark_sent(session, [1], NOW)
        started.set()
        release.wait(10)

    caller = asyncio.create_task(transactions.run(slow_mark))
    await asyncio.to_thread(started.wait, 10)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    release.set()
    await transactions.close()  # waits for the transaction still running
    try:
        assert await _statuses(engine) == ["sent"], "a sent mark is never half written"
    finally:
        await engine.dispose()
