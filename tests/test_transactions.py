"""One-hop transactions (storage/transactions.py): the dispatcher's sent marks and looks."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from bot.delivery.dispatcher import RECORD_OUTCOMES
from bot.delivery.fanout import ANYTHING_PENDING
from storage import delivery_stats, migrate
from storage import outbox as outbox_store
from storage.db import create_engine, session_factory
from storage.delivery_models import DeliveryCount
from storage.models import Chat, Outbox
from storage.outage_models import OutageFanout
from storage.transactions import Hot, ThreadTransactions, Transactions, transactions_for

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


# -- the hot transactions, written twice (storage/transactions.Hot) -------------------------


class Twins(NamedTuple):
    """One SQLite database twice: the plain-SQL versions run on ``plain_engine``'s, the
    SQLAlchemy versions on ``session_engine``'s; a test compares what each left behind."""

    plain: Transactions
    by_session: Transactions
    plain_engine: AsyncEngine
    session_engine: AsyncEngine


@pytest.fixture
async def twins(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Twins]:
    engines = []
    for url in (sqlite_url, f"sqlite+aiosqlite:///{tmp_path / 'session.db'}"):
        engine = create_engine(url)
        await migrate.upgrade(engine)
        async with session_factory(engine)() as session, session.begin():
            session.add(Chat(chat_id=1, kind="private", created_at=NOW))
            session.add(Chat(chat_id=2, kind="private", created_at=NOW, active=False))
            session.add_all(
                Outbox(chat_id=1, notice_id=n, priority=5, status="pending", created_at=NOW)
                for n in range(1, 4)
            )
        engines.append(engine)
    plain = transactions_for(engines[0], session_factory(engines[0]))
    assert isinstance(plain, ThreadTransactions)
    try:
        yield Twins(plain, Transactions(session_factory(engines[1])), engines[0], engines[1])
    finally:
        await plain.close()
        for engine in engines:
            await engine.dispose()


async def _rows(engine: AsyncEngine) -> list[tuple[object, ...]]:
    async with session_factory(engine)() as session:
        found = await session.execute(
            select(Outbox.id, Outbox.status, Outbox.sent_at, Outbox.last_error).order_by(Outbox.id)
        )
        return [tuple(row) for row in found]


async def test_sent_marks_in_plain_sql_read_back_as_the_sessions_write_them(
    twins: Twins,
) -> None:
    plain, by_session, plain_engine, session_engine = twins
    counts = Counter({(NOW.replace(second=0), "direct"): 2, (NOW.replace(second=0), "channel"): 1})
    for transactions in (plain, by_session):
        await transactions.run_hot(RECORD_OUTCOMES, [1, 2], NOW, counts)
    # The same minute again, written the other way on the plain twin (the writer's path when
    # it has other writes to commit too): added to the row, not a second row.
    await plain.run(RECORD_OUTCOMES.session, [], NOW, Counter({(NOW, "direct"): 3}))
    await by_session.run_hot(RECORD_OUTCOMES, [], NOW, Counter({(NOW, "direct"): 3}))
    assert await _rows(plain_engine) == await _rows(session_engine)
    assert [status for _, status, _, _ in await _rows(plain_engine)] == ["sent", "sent", "pending"]
    assert (await _rows(plain_engine))[0][2] == NOW, "sent_at reads back as the aware time"
    for engine in (plain_engine, session_engine):
        async with session_factory(engine)() as session:
            assert await delivery_stats.counts_since(session, NOW) == {"direct": 5, "channel": 1}
            assert len((await session.scalars(select(DeliveryCount))).all()) == 2


async def test_the_looks_in_plain_sql_see_what_the_sessions_see(
    twins: Twins,
) -> None:
    plain, by_session, plain_engine, session_engine = twins
    later = NOW + timedelta(seconds=30)
    for engine in (plain_engine, session_engine):
        async with session_factory(engine)() as session, session.begin():
            # Held back until later; and one for a chat that no longer takes messages.
            await session.execute(update(Outbox).values(not_before=later))
            session.add(
                Outbox(chat_id=2, notice_id=9, priority=5, status="pending", created_at=NOW)
            )
    for transactions in (plain, by_session):
        assert not await transactions.run_hot(outbox_store.ANY_DUE, NOW)
        assert await transactions.run_hot(outbox_store.ANY_DUE, later), "due at its time"
        assert not await transactions.run_hot(ANYTHING_PENDING)
    for engine in (plain_engine, session_engine):
        async with session_factory(engine)() as session, session.begin():
            session.add(OutageFanout(source="loe", feed_kind="loe", changes="[]", created_at=NOW))
    for transactions in (plain, by_session):
        assert await transactions.run_hot(ANYTHING_PENDING)


async def test_a_failing_plain_transaction_leaves_nothing_behind(
    twins: Twins,
) -> None:
    plain, _, plain_engine, _ = twins

    def half_then_fail(db: sqlite3.Connection) -> None:
        outbox_store.mark_sent_sqlite(db, [1], NOW)
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        await plain.run_hot(Hot(lambda _session: None, half_then_fail))
    assert [status for _, status, _, _ in await _rows(plain_engine)] == ["pending"] * 3
    await plain.run_hot(RECORD_OUTCOMES, [1], NOW, Counter())
    first = (await _rows(plain_engine))[0]
    assert first[1] == "sent", "the connection is still usable after a rollback"
