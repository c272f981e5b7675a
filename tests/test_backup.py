"""`python -m bot backup` and `python -m bot health` as an operator (and the image's
HEALTHCHECK) runs them."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from storage import migrate
from storage.db import create_engine

WRITER = textwrap.dedent(
    """
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], timeout=15, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    i = 1
    while True:
        # A chat and its subscription in one transaction, as the bot writes them.
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO chats (chat_id, kind, active, created_at) "
            "VALUES (?, 'private', 1, '2025-03-18 10:00:00')", (i,))
        db.execute(
            "INSERT INTO subscriptions (chat_id, region_id, created_at) "
            "VALUES (?, '27', '2025-03-18 10:00:00')", (i,))
        db.execute("COMMIT")
        if i == 50:
            print("writing", flush=True)
        i += 1
    """
)


def _cli(*args: str, config: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ALERTBOT_CONFIG")}
    env["TELEGRAM_BOT_TOKEN"] = "123:not-used"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args, "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _config(tmp_path: Path, url: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return path


async def _migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def test_backup_of_a_database_being_written_is_consistent_and_restorable(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{database}"
    asyncio.run(_migrated(url))
    config = _config(tmp_path, url)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(database)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        copies = []
        for n in range(3):
            copy = tmp_path / f"backup{n}.db"
            result = _cli("backup", str(copy), config=config)
            assert result.returncode == 0, result.stderr
            assert str(copy) in result.stdout
            copies.append(copy)
    finally:
        writer.kill()
        writer.wait()

    counts = []
    for copy in copies:
        db = sqlite3.connect(copy)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            chats = db.execute("SELECT count(*) FROM chats").fetchone()[0]
            orphans = db.execute(
                "SELECT count(*) FROM chats WHERE chat_id NOT IN "
                "(SELECT chat_id FROM subscriptions)"
            ).fetchone()[0]
        finally:
            db.close()
        assert chats >= 50 and orphans == 0, "one snapshot: every chat with its subscription"
        counts.append(chats)
    assert counts[-1] > counts[0], "the bot kept writing during the backups"
    assert not list(tmp_path.glob("*.partial"))

    # Restoring is pointing the bot at the copy: it migrates (nothing to do) and answers.
    restored = _config(tmp_path, f"sqlite+aiosqlite:///{copies[-1]}", "restored.toml")
    health = _cli("health", config=restored)
    assert health.returncode == 0, health.stderr
    asyncio.run(_migrated(f"sqlite+aiosqlite:///{copies[-1]}"))


def test_backup_of_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    config = _config(tmp_path, "postgresql+asyncpg://postgres@127.0.0.1/alertbot")
    result = _cli("backup", str(tmp_path / "copy.db"), config=config)
    assert result.returncode == 2
    assert "pg_dump" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "copy.db").exists()


def test_health_answers_for_the_database(tmp_path: Path, postgres_url: str) -> None:
    sqlite_db = tmp_path / "bot.db"
    asyncio.run(_migrated(f"sqlite+aiosqlite:///{sqlite_db}"))
    cases = {
        "sqlite.toml": (f"sqlite+aiosqlite:///{sqlite_db}", 0),
        "postgres.toml": (postgres_url, 0),
        "missing.toml": (f"sqlite+aiosqlite:///{tmp_path / 'nothing.db'}", 1),
        "down.toml": ("postgresql+asyncpg://postgres@127.0.0.1:1/alertbot", 1),
    }
    for name, (url, expected) in cases.items():
        result = _cli("health", config=_config(tmp_path, url, name))
        assert result.returncode == expected, (name, result.stdout, result.stderr)
        if expected:
            [line] = result.stderr.strip().splitlines()
            assert line.startswith("unhealthy: "), line
    assert not (tmp_path / "nothing.db").exists(), "a health check creates no database"
