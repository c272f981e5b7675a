"""Small, frequent transactions in one hop: a function of a sync ``Session``, run whole.

Through aiosqlite every statement is a round trip between the event loop and the driver's
thread (BEGIN, the statement, its cursor, COMMIT: about eight for a one-line update), and each
one wakes the event loop; on a small VM a wake-up costs ~0.2 ms of CPU, more than the SQL
(issue 15). The dispatcher's sent marks (several commits a second during a broadcast) and the
once-a-second looks for work go through here instead: on SQLite the whole transaction runs in
a thread of its own, on a plain ``sqlite3`` connection with the same settings, and the loop
wakes once. On PostgreSQL (asyncpg: no thread to hop to) the same function runs inside an
``AsyncSession`` through ``run_sync``.

A caller cancelled while its transaction runs in the thread does not stop it: the
transaction ends (committed, or rolled back on an error) and only the caller's wait is
cancelled, so a sent mark is never half written and no lock outlives a stop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from storage.db import configure_sqlite

T = TypeVar("T")
P = ParamSpec("P")


class Transactions:
    """Runs ``fn(session, *args)`` as one transaction, in a session of the async engine."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def run(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        async with self._sessions() as session, session.begin():
            return await session.run_sync(fn, *args, **kwargs)

    async def close(self) -> None:
        return None


class ThreadTransactions(Transactions):
    """SQLite: the transaction runs in one worker thread on a connection of its own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-tx")

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

    async def close(self) -> None:
        # Waits for a transaction still running (a stop never leaves one half done).
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
        pool_size=1,
    )
    configure_sqlite(sync)
    return ThreadTransactions(sync)
