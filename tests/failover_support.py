"""Two `python -m bot run` replicas on one PostgreSQL database, for the fail-over test and
bench/failover.py: start them, find the leader, kill it, watch the other take over."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from bot.demo.fakes.bot_api import FakeBotApi
from storage import migrate
from storage.db import create_engine
from storage.models import Chat, Subscription

ROOT = Path(__file__).resolve().parent.parent
FEED_TOKEN_ENV = "FAILOVER_FEED_TOKEN"


async def subscribe_all(url: str, chats: int) -> None:
    """``chats`` private chats (ids 1..chats), each subscribed to Lviv oblast."""
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        now = datetime.now(UTC)
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
                    for i in range(1, chats + 1)
                ],
            )
            await connection.execute(
                insert(Subscription),
                [{"chat_id": i, "region_id": "27", "created_at": now} for i in range(1, chats + 1)],
            )
    finally:
        await engine.dispose()


def write_config(
    path: Path, *, api: FakeBotApi, database_url: str, feed_url: str, rate: float, concurrency: int
) -> None:
    path.write_text(
        f'[telegram]\nbase_url = "{api.base_url}"\n\n[database]\nurl = "{database_url}"\n\n'
        f"[delivery]\nrate_per_second = {rate}\nconcurrency = {concurrency}\n\n"
        f'[[feeds]]\nname = "alerts-in-ua"\nkind = "alerts_in_ua"\nurl = "{feed_url}"\n'
        f'token_env = "{FEED_TOKEN_ENV}"\ninterval = 2\n',
        encoding="utf-8",
    )


def alerts(api: FakeBotApi) -> Counter[int]:
    return Counter(int(m.chat_id) for m in api.sent if (m.text or "").startswith("🔴"))


@dataclass
class Replica:
    name: str
    process: asyncio.subprocess.Process
    log_path: Path
    _events: list[dict[str, Any]] = field(default_factory=list)

    def events(self) -> list[dict[str, Any]]:
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def logged(self, event: str) -> bool:
        return any(e.get("event") == event for e in self.events())

    def log_tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 30)

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


async def start_replica(name: str, config: Path, api: FakeBotApi, log_dir: Path) -> Replica:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ALERTBOT_CONFIG")}
    env |= {"TELEGRAM_BOT_TOKEN": api.token, FEED_TOKEN_ENV: "failover-feed-token"}
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "bot", "run", "--config", str(config)),
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )
    return Replica(name, process, log_path)


async def until(condition: Callable[[], bool], timeout: float, what: str, *logs: Replica) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            tails = "".join(f"\n--- {r.name}:\n{r.log_tail()}" for r in logs)
            raise TimeoutError(f"not within {timeout} s: {what}{tails}")
        await asyncio.sleep(0.05)


async def lock_holder_pid(database_url: str) -> int | None:
    """The server process that holds the leader lock (the leader's lock connection)."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        pid: int | None = await connection.fetchval(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return pid
    finally:
        await connection.close()


async def terminate_backend(database_url: str, pid: int) -> None:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await connection.close()


def first_send_after(api: FakeBotApi, moment: float) -> float | None:
    """When (time.monotonic) the fake first accepted a message after ``moment``."""
    times = [m.at for m in api.sent if m.at > moment]
    return min(times) if times else None
