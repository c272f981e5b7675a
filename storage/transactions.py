"""Small, frequent transactions in one hop: a function of a sync ``Session``, run whole.

Through aiosqlite every statement is a round trip between the event loop and the driver's
thread (BEGIN, the statement, its cursor, COMMIT: about eight for a one-line update), and each
one wakes the event loop; on a small VM a wake-up costs ~0.2 ms of CPU, more than the SQL
(issue 15). The dispatcher's sent marks (several commits a second during a broadcast) and the
once-a-second looks for work go through here instead: on SQLite the whole transaction runs in
a thread of its own, on a plain ``sqlite3`` connection with the same settings, and the loop
wakes once. On PostgreSQL (asyncpg: no thread to hop to) the same function runs inside an
``AsyncSession`` through ``run_sync``.

The hottest of them (a commit of sent marks every few sends, the looks each second) are
written twice, as a :class:`Hot`: through SQLAlchemy for any database, and as plain SQL on
the thread's own ``sqlite3`` connection. SQLAlchemy's session, pool and execution context
cost about 1.5 ms of CPU for such a transaction on a small VM against 0.5 ms for the
same statements through ``sqlite3`` (issue 15); tests/test_transactions.py holds the two
versions to the same effect.

A caller cancelled while its transaction runs in the thread does not stop it: the
transaction ends (committed, or rolled back on an error) and only the caller's wait is
cancelled, so a sent mark is never half written and no lock outlives a stop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Concatenate, Generic, ParamSpec, TypeVar

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from storage.db import configure_sqlite

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Hot(Generic[P, T]):
    """One small, frequent transaction written twice, to the same effect: ``session`` for
    any database, ``sqlite`` with plain SQL on a SQLite file (the thread's connection)."""

    session: Callable[Concatenate[Session, P], T]
    sqlite: Callable[Concatenate[sqlite3.Connection, P], T]


class Transactions:
    """Runs ``fn(session, *args)`` as one transaction, in a session of the async engine."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def run(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        async with self._sessions() as session, session.begin():
            return await session.run_sync(fn, *args, **kwargs)

    async def run_hot(self, hot: Hot[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.run(hot.session, *args, **kwargs)

    async def close(self) -> None:
        return None


class ThreadTransactions(Transactions):
    """SQLite: the transaction runs in one worker thread on a connection of its own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-tx")
        # Checked out of the engine's pool once, used in the thread only.
        self._plain: PoolProxiedConnection | None = None
        self._closed = False

    def _whole(
        self, fn: Callable[..., T], args: tuple[object, ...], kwargs: dict[str, object]
    ) -> T:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            return fn(session, *args, **kwargs)

    async def run(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._whole, fn, args, kwargs)

    def _connection(self) -> sqlite3.Connection:
        if self._plain is None:
            # With the settings storage.db.configure_sqlite gives the engine's connections
            # (WAL, busy timeout, no implicit BEGIN).
            self._plain = self._engine.raw_connection()
        connection = self._plain.driver_connection
        assert isinstance(connection, sqlite3.Connection)
        return connection

    def _plain_whole(
        self, fn: Callable[..., T], args: tuple[object, ...], kwargs: dict[str, object]
    ) -> T:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            result = fn(db, *args, **kwargs)
            db.execute("COMMIT")
        except BaseException:
            # Whatever failed (the function, or the commit itself), the connection is left
            # outside a transaction, ready for the next one.
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return result

    async def run_hot(self, hot: Hot[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._plain_whole, hot.sqlite, args, kwargs)

    def _close_plain(self) -> None:
        if self._plain is not None:
            self._plain.close()
            self._plain = None

    async def close(self) -> None:
        # Waits for a transaction still running (a stop never leaves one half done).
        if not self._closed:
            self._closed = True
            await asyncio.wrap_future(self._thread.submit(self._close_plain))
        await asyncio.to_thread(self._thread.shutdown, True)
        self._engine.dispose()


def transactions_for(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> Transactions:
    """One-hop transactions for ``engine``'s database: in a thread for a SQLite file, in the
    async sessions otherwise (PostgreSQL; an in-memory SQLite, which a second connection
    would not see)."""
    url = engine.url
    database = url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in database
    if url.get_backend_name() != "sqlite" or in_memory:
        return Transactions(sessions)
    sync = create_sync_engine(
        url.set(drivername="sqlite"),
        connect_args={"timeout": 15, "check_same_thread": False},
        pool_size=2,  # one stays with the plain-SQL transactions (Hot)
    )
    configure_sqlite(sync)
    return ThreadTransactions(sync)
