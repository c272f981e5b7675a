"""``python -m bot backup`` and ``python -m bot health``: the operator's two small checks."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import Config
from storage.db import create_engine

PG_DUMP_HINT = (
    "the database is PostgreSQL: back it up with pg_dump, e.g. "
    "pg_dump --format=custom --file=alertbot.dump DBNAME (see docs/operations.md)"
)


class BackupError(RuntimeError):
    pass


def backup_sqlite(database_url: str, target: Path) -> int:
    """A consistent copy of a live SQLite database (SQLite's online backup API, which copies
    one snapshot however the bot writes meanwhile); returns the copy's size in bytes.

    Written next to ``target`` and renamed over it, so a failed backup never leaves a half
    file under the name a restore would use."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(PG_DUMP_HINT)
    database = url.database
    if not database or database == ":memory:" or not Path(database).expanduser().is_file():
        raise BackupError(f"no SQLite database file at {database!r}")
    source_path = Path(database).expanduser()
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=15)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    os.replace(partial, target)
    return target.stat().st_size


def _healthz_url(config: Config) -> str | None:
    web = config.web
    if not web.listen:
        return None
    host = web.host
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"  # a wildcard listener answers on loopback too
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{web.port}/healthz"


def _missing_sqlite_file(database_url: str) -> str | None:
    # Connecting would create an empty database and call that healthy.
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if Path(str(url.database)).expanduser().is_file():
        return None
    return f"no SQLite database file at {url.database}"


async def health(config: Config, *, timeout: float = 5.0) -> str | None:
    """None when healthy, else what is wrong (one line, no secret)."""
    missing = _missing_sqlite_file(config.database.url)
    if missing is not None:
        return missing
    engine = create_engine(config.database.url)
    try:
        async with asyncio.timeout(timeout), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        return f"database does not answer: {type(exc).__name__}"
    finally:
        await engine.dispose()
    healthz = _healthz_url(config)
    if healthz is not None:
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                response = await client.get(healthz)
        except httpx.HTTPError as exc:
            return f"{healthz} does not answer: {type(exc).__name__}"
        if response.status_code != 200:
            return f"{healthz} answered {response.status_code}"
    return None
