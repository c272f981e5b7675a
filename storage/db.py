"""Engine and session factory; dialect-specific settings live here and nowhere else."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def _prepare_sqlite_path(url: str) -> None:
    """Create the directory of a SQLite file so a first start on an empty volume works."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; on SQLite, WAL and immediate write transactions."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        _prepare_sqlite_path(url)
        engine = create_async_engine(url, connect_args={"timeout": 15}, **kwargs)
        configure_sqlite(engine.sync_engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def sqlite_time(moment: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (storage.models.UTCDateTime: UTC, no
    offset), for the plain-SQL transactions of storage/transactions.py."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def configure_sqlite(engine: Engine) -> None:
    """WAL, immediate write transactions and a busy timeout on every connection of
    ``engine`` (the async engine's ``sync_engine``, or storage/transactions.py's own)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN; take it over so that every
        # transaction starts with BEGIN IMMEDIATE (a deferred read-then-write transaction
        # in WAL mode fails with SQLITE_BUSY at once, ignoring busy_timeout).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upsert_insert(session: AsyncSession) -> Any:
    """This database's ``insert`` with ``on_conflict_do_nothing`` / ``on_conflict_do_update``
    (PostgreSQL and SQLite spell them alike)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def id_chunks(ids: Iterable[str], size: int = 400) -> Iterable[list[str]]:
    """``ids`` sorted, in lists short enough for one ``IN (...)``."""
    ordered = sorted(ids)
    for index in range(0, len(ordered), size):
        yield ordered[index : index + size]
