"""Shared fixtures: real databases (a SQLite file, the machine's PostgreSQL), the loopback fakes,
and a factory that starts the real bot against them."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from pydantic import SecretStr

from bot.app import AlertBot
from bot.config import Config, DatabaseConfig, FeedConfig, TelegramConfig
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from bot.logs import setup_logging

SAMPLES = Path(__file__).resolve().parent.parent / "feeds" / "samples"
PG_HOST = os.environ.get("ALERTBOT_TEST_PG_HOST", "127.0.0.1")
PG_USER = os.environ.get("ALERTBOT_TEST_PG_USER", "postgres")
ADMIN_ID = 777
FEED_PATH = "/v1/alerts/active.json"
T = TypeVar("T")


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is now: pytest swaps it per test to capture output."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


@pytest.fixture(autouse=True, scope="session")
def production_logging() -> Iterator[None]:
    """Logging as `python -m bot run` sets it up: INFO on, the JSON formatter, the scrubber.

    With logging left at its WARNING default, a log call that fails only when its record is
    built (a reserved ``extra=`` key, arguments that do not fit) would pass every test and
    break the command in production."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    setup_logging(["123456:TEST-TOKEN", "feed-secret-token"], stream=_CurrentStderr())  # type: ignore[arg-type]
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 3, 18, 10, 0, tzinfo=UTC))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'alertbot.db'}"


def _in_thread(coro: Coroutine[Any, Any, T]) -> T:
    """Run admin SQL on a loop of its own: a sync fixture must not touch the test's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _admin_sql(statement: str) -> None:
    connection = await asyncpg.connect(host=PG_HOST, user=PG_USER, database="postgres", timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database of its own on the machine's PostgreSQL, dropped afterwards."""
    name = f"alertbot_test_{uuid.uuid4().hex[:12]}"
    try:
        _in_thread(_admin_sql(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL at {PG_HOST}:5432 is not usable: {exc}")
    try:
        yield f"postgresql+asyncpg://{PG_USER}@{PG_HOST}/{name}"
    finally:
        _in_thread(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def feed_server() -> AsyncIterator[FakeFeedServer]:
    async with FakeFeedServer() as server:
        yield server


BotFactory = Callable[..., Awaitable[AlertBot]]


@pytest.fixture
async def start_bot(
    bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock, sqlite_url: str
) -> AsyncIterator[BotFactory]:
    """Start the real bot against the fakes; every bot started here is stopped at the end."""
    running: list[AlertBot] = []

    async def _start(
        database_url: str | None = None,
        *,
        feeds: list[tuple[str, str]] | None = None,
        config_updates: dict[str, object] | None = None,
        **options: object,
    ) -> AlertBot:
        """``feeds``: (name, path on the fake feed server) pairs, alerts_in_ua kind."""
        config = Config(
            telegram=TelegramConfig(
                token=SecretStr(bot_api.token), base_url=bot_api.base_url, admins=[ADMIN_ID]
            ),
            database=DatabaseConfig(url=database_url or sqlite_url),
            feeds=[
                FeedConfig(
                    name=name,
                    kind="alerts_in_ua",
                    url=feed_server.url(path),
                    interval=15,
                    token=SecretStr("feed-secret-token"),
                )
                for name, path in (feeds or [("alerts-in-ua", FEED_PATH)])
            ],
        )
        if config_updates:
            config = config.model_copy(update=config_updates)
        options.setdefault("schedule_polls", False)
        bot = AlertBot(config, clock=clock, **options)  # type: ignore[arg-type]
        await bot.start()
        running.append(bot)
        return bot

    yield _start
    for bot in running:
        await bot.stop()
