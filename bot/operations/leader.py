"""Who may send: one leader among the processes that share a database.

On PostgreSQL any number of processes may run; the leader is the one holding a session-level
advisory lock on a connection of its own (outside the engine's pool). PostgreSQL frees the
lock the moment that session ends: the process exits or is killed (the kernel closes its
socket), or the connection is cut (the server notices through the TCP keepalives set on it).
The others try the lock every second and take over.

No two senders, ever: a leader only counts as one while its last successful check of the lock
connection is younger than ``lease`` seconds (the check is timed from before it was sent). A
leader whose connection died unseen stops by ``lease`` after the lock was freed, so a new
leader waits ``grace`` (> ``lease``) after winning the lock before it calls itself leader.

On SQLite there is one process only: :class:`SoleLeader` holds an exclusive lock on a file
next to the database for the process's life, and a second process refuses to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import asyncpg
from sqlalchemy.engine import make_url

from bot.aio import cancel_and_wait
from bot.operations.sqlite_lock import SqliteLock

log = logging.getLogger("alertbot.leader")

# pg_try_advisory_lock(bigint): "alertbot" in ASCII, one key per database.
LOCK_KEY = 0x616C_6572_7462_6F74

# Server-side keepalives on the lock connection: a leader whose host vanished (no FIN, no RST)
# is noticed within idle + interval * count = 4 s, and a socket that stops taking data within 4 s.
LOCK_SERVER_SETTINGS = {
    "application_name": "alertbot-leader-lock",
    "tcp_keepalives_idle": "2",
    "tcp_keepalives_interval": "1",
    "tcp_keepalives_count": "2",
    "tcp_user_timeout": "4000",
}

Connect = Callable[[str], Awaitable[Any]]


class Leadership(Protocol):
    """What the application needs of an election."""

    @property
    def is_leader(self) -> bool: ...

    @property
    def value(self) -> int:
        """1 while leader, else 0 (the ``leader`` gauge)."""
        ...

    def reserve(self) -> None:
        """Before anything touches the database (raises if this process may not run)."""

    async def acquire(self) -> None:
        """Wait until this process is the leader."""

    async def lost(self) -> None:
        """Return when the leadership is lost for good."""

    async def release(self) -> None:
        """Give the leadership up (idempotent)."""


class SoleLeader:
    """A single-process database: the process is the leader once it holds the file lock."""

    def __init__(self, lock: SqliteLock | None = None) -> None:
        self._lock = lock
        self._held = False
        self._never = asyncio.Event()

    @property
    def is_leader(self) -> bool:
        return self._held

    @property
    def value(self) -> int:
        return int(self._held)

    def reserve(self) -> None:
        if self._lock is not None:
            self._lock.acquire()

    async def acquire(self) -> None:
        self._held = True

    async def lost(self) -> None:
        await self._never.wait()

    async def release(self) -> None:
        self._held = False
        if self._lock is not None:
            self._lock.release()


async def _asyncpg_connect(dsn: str) -> Any:
    return await asyncpg.connect(dsn, timeout=5, server_settings=LOCK_SERVER_SETTINGS)


def asyncpg_dsn(url: str) -> str:
    """The plain ``postgresql://`` DSN of a SQLAlchemy ``postgresql+asyncpg://`` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresLeader:
    """Leader while holding ``pg_try_advisory_lock(key)`` on a dedicated connection."""

    def __init__(
        self,
        dsn: str,
        *,
        key: int = LOCK_KEY,
        connect: Connect = _asyncpg_connect,
        clock: Callable[[], float] = time.monotonic,
        retry_interval: float = 1.0,
        check_interval: float = 0.5,
        check_timeout: float = 1.0,
        lease: float = 2.0,
        grace: float | None = None,
    ) -> None:
        if not check_interval + check_timeout < lease:
            raise ValueError("a healthy leader must check more often than its lease")
        self._dsn = dsn
        self._key = key
        self._connect = connect
        self._clock = clock
        self._retry_interval = retry_interval
        self._check_interval = check_interval
        self._check_timeout = check_timeout
        self._lease = lease
        self._grace = lease + 0.5 if grace is None else grace
        self._conn: Any = None
        self._held = False
        self._last_ok = -float("inf")
        self._lost = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None

    @property
    def is_leader(self) -> bool:
        return (
            self._held and not self._lost.is_set() and self._clock() - self._last_ok < self._lease
        )

    @property
    def value(self) -> int:
        return int(self.is_leader)

    def reserve(self) -> None:
        """Any number of processes may share PostgreSQL."""

    async def acquire(self) -> None:
        standby_logged = False
        while True:
            try:
                if self._conn is None:
                    self._conn = await self._connect(self._dsn)
                started = self._clock()
                got = await asyncio.wait_for(
                    self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key),
                    self._check_timeout * 5,
                )
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("leader_lock_unavailable", extra={"error": str(exc) or repr(exc)})
                await self._drop_connection()
            else:
                if got:
                    self._last_ok = started
                    break
                if not standby_logged:
                    log.info("leader_standby", extra={"retry_seconds": self._retry_interval})
                    standby_logged = True
            await asyncio.sleep(self._retry_interval)
        # The keeper runs through the grace period too: a lock lost meanwhile is noticed.
        self._keeper = asyncio.create_task(self._keep(), name="leader-keeper")
        won = self._clock()
        await asyncio.sleep(self._grace)
        if self._lost.is_set():
            raise LeadershipLost("the leader lock was lost right after it was won")
        self._held = True
        log.info(
            "leader_acquired",
            extra={"waited_grace_seconds": round(self._clock() - won, 3)},
        )

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self._check_interval)
            started = self._clock()
            try:
                await asyncio.wait_for(self._conn.fetchval("SELECT 1"), self._check_timeout)
            except Exception as exc:
                log.error("leader_lock_lost", extra={"error": str(exc) or repr(exc)})
                self._lost.set()
                # Close it for sure: a connection that merely hangs still holds the lock.
                await self._drop_connection()
                return
            self._last_ok = started

    async def lost(self) -> None:
        await self._lost.wait()

    async def release(self) -> None:
        self._held = False
        keeper, self._keeper = self._keeper, None
        await cancel_and_wait(keeper)
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._conn.close(), 2)
            await self._drop_connection()

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()


class LeadershipLost(RuntimeError):
    pass


def leadership_for(database_url: str) -> Leadership:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresLeader(asyncpg_dsn(database_url))
    return SoleLeader(SqliteLock.for_database(url.database))
