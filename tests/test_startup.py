"""Start-up failures as an operator meets them: a rejected token, Telegram or the database
unreachable when the bot starts. One clear line each, no secret, no traceback; what can come
back is waited for while the rest of the bot works."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import AlertBot
from bot.config import Config, DatabaseConfig, FeedConfig, TelegramConfig
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from tests.conftest import ADMIN_ID, FEED_PATH, Clock
from tests.payloads import answer, lviv_alert

WRONG_TOKEN = "654321:WRONG-token-that-must-never-be-printed"
DB_PASSWORD = "db-password-never-printed"
FAST = (0.05, 0.2)  # start-up back-off in the in-process tests: first retry, longest wait


def free_port() -> int:
    """A free port below the ephemeral range. The bot keeps connecting to a closed port
    here; an ephemeral one may be picked as the connection's own source port, and Linux
    then connects the socket to itself and holds the port we mean to open later."""
    for port in random.sample(range(20000, 32000), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == name]


async def until(condition: Callable[[], bool], timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


def config_for(base_url: str, database_url: str, feed_url: str) -> Config:
    return Config(
        telegram=TelegramConfig(
            token=SecretStr("123456:TEST-TOKEN"), base_url=base_url, admins=[ADMIN_ID]
        ),
        database=DatabaseConfig(url=database_url),
        feeds=[
            FeedConfig(
                name="alerts-in-ua",
                kind="alerts_in_ua",
                url=feed_url,
                token=SecretStr("feed-secret-token"),
            )
        ],
    )


async def start_process(
    tmp_path: Path, *, base_url: str, token: str, database_url: str
) -> asyncio.subprocess.Process:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{base_url}"\nadmins = [1]\n',
        encoding="utf-8",
    )
    drop = ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "ALERTBOT_CONFIG")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env |= {"TELEGRAM_BOT_TOKEN": token, "DATABASE_URL": database_url}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


# --- a rejected token -------------------------------------------------------------------------


async def test_a_rejected_token_is_one_clear_line_without_the_token_and_exit_2(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    process = await start_process(
        tmp_path,
        base_url=bot_api.base_url,
        token=WRONG_TOKEN,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    text = stderr.decode()
    assert process.returncode == 2, text
    assert WRONG_TOKEN not in text + stdout.decode()
    assert "WRONG" not in text
    assert "Traceback" not in text
    assert text.splitlines()[-1] == (
        "error: telegram.token: Telegram rejected the bot token; check it with @BotFather "
        "(TELEGRAM_BOT_TOKEN or telegram.token in the config)"
    )
    # Everything before it is the bot's own JSON log.
    for line in text.splitlines()[:-1]:
        json.loads(line)


# --- Telegram unreachable at start ------------------------------------------------------------


async def test_telegram_down_at_start_feeds_poll_the_outbox_fills_and_it_sends_on_return(
    feed_server: FakeFeedServer,
    clock: Clock,
    sqlite_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="alertbot")
    port = free_port()
    config = config_for(f"http://127.0.0.1:{port}/bot", sqlite_url, feed_server.url(FEED_PATH))
    body, last_modified = answer(updated=clock.now)
    feed_server.set(FEED_PATH, body, last_modified=last_modified)

    # A resident subscribed while all was well.
    async with FakeBotApi(port=port) as before:
        first = AlertBot(config, clock=clock, schedule_polls=False)
        await first.start()
        try:
            before.send_command(42, "/subscribe Lviv oblast")
            await before.wait_for_sent(1, chat_id=42, timeout=30)
        finally:
            await first.stop()

    # Telegram goes away; the bot restarts.
    bot = AlertBot(config, clock=clock, schedule_polls=False, startup_backoff=FAST)
    try:
        await asyncio.wait_for(bot.start(), timeout=30)  # returns: it does not wait for Telegram
        assert not bot.telegram_connected.is_set()
        await until(lambda: len(events(caplog, "telegram_still_unreachable")) >= 3)
        assert len(events(caplog, "telegram_unreachable")) == 1, "logged once, not per retry"
        assert not any(r.exc_info for r in caplog.records if r.name.startswith("alertbot"))

        # An alert starts meanwhile: the feed is polled and the message queued.
        clock.advance(minutes=1)
        body, last_modified = answer(lviv_alert(), updated=clock.now)
        feed_server.set(FEED_PATH, body, last_modified=last_modified)
        outcome = await bot.poll_now("alerts-in-ua")
        assert outcome.ok, outcome
        await until(lambda: bool(events(caplog, "fanout_queued")))
        await until(lambda: len(events(caplog, "dispatcher_start_failed")) >= 2)
        loud = [r for r in events(caplog, "dispatcher_start_failed") if r.levelno >= logging.INFO]
        assert len(loud) == 1, "the dispatcher too says it once"

        # Telegram is back on the same address: the alert arrives, and commands work again.
        async with FakeBotApi(port=port) as back:
            sent = await back.wait_for_sent(1, chat_id=42, timeout=30)
            assert sent[0].text is not None
            assert sent[0].text.startswith("🔴 Повітряна тривога: Львівська область")
            await asyncio.wait_for(bot.telegram_connected.wait(), timeout=10)
            back.send_command(42, "/mysubs")
            replies = await back.wait_for_sent(2, chat_id=42, timeout=30)
            assert "Львівська область" in (replies[-1].text or "")
            assert len(events(caplog, "telegram_reachable")) == 1
            await bot.stop()
    finally:
        await bot.stop()


async def test_telegram_refusing_then_rejecting_the_token_in_the_background_is_fatal(
    feed_server: FakeFeedServer, sqlite_url: str, clock: Clock
) -> None:
    """Down at start, then back but refusing the token: the bot must not run on silently."""
    port = free_port()
    config = config_for(f"http://127.0.0.1:{port}/bot", sqlite_url, feed_server.url(FEED_PATH))
    bot = AlertBot(config, clock=clock, schedule_polls=False, startup_backoff=FAST)
    try:
        await asyncio.wait_for(bot.start(), timeout=30)
        assert bot.fatal is not None and not bot.fatal.done()
        async with FakeBotApi(token="999:another-bot-entirely", port=port):
            error = await asyncio.wait_for(bot.fatal, timeout=30)
        assert "Telegram rejected the bot token" in str(error)
        assert "TEST-TOKEN" not in str(error)
    finally:
        await bot.stop()


# --- the database unreachable at start --------------------------------------------------------


@contextlib.asynccontextmanager
async def tcp_forwarder(port: int, target: tuple[str, int]) -> AsyncIterator[None]:
    """PostgreSQL appearing on ``port``: a loopback relay to the real server."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    writers: list[asyncio.StreamWriter] = []

    async def relay(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(*target)
        writers.extend((client_w, server_w))
        await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))

    server = await asyncio.start_server(relay, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def test_database_down_at_start_is_logged_once_and_waited_for(
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    postgres_url: str,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="alertbot")
    port = free_port()
    host = postgres_url.split("@", 1)[1].split("/", 1)[0]
    closed_url = postgres_url.replace(f"@{host}/", f"@127.0.0.1:{port}/")
    config = config_for(bot_api.base_url, closed_url, feed_server.url(FEED_PATH))
    bot = AlertBot(config, clock=clock, schedule_polls=False, startup_backoff=FAST)
    starting = asyncio.create_task(bot.start())
    try:
        await until(lambda: len(events(caplog, "database_still_unreachable")) >= 3)
        assert not starting.done()
        [warning] = events(caplog, "database_unreachable")
        assert "Connect call failed" in warning.__dict__["error"]
        assert warning.exc_info is None, "a clear line, not a traceback"

        async with tcp_forwarder(port, (host.split(":")[0], 5432)):
            await asyncio.wait_for(starting, timeout=60)
            assert len(events(caplog, "database_reachable")) == 1
            bot_api.send_command(42, "/subscribe Lviv oblast")
            [reply] = await bot_api.wait_for_sent(1, chat_id=42, timeout=30)
            assert "Львівська область" in (reply.text or "")
            await bot.stop()
    finally:
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        await bot.stop()


async def test_run_with_the_database_down_logs_one_line_and_stops_on_sigterm(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    url = f"postgresql+asyncpg://postgres:{DB_PASSWORD}@127.0.0.1:{free_port()}/alertbot"
    process = await start_process(
        tmp_path, base_url=bot_api.base_url, token=bot_api.token, database_url=url
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("database_unreachable" in line for line in lines):
                line = (await process.stderr.readline()).decode()
                assert line, f"exited early: {lines}"
                lines.append(line)
    finally:
        process.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(process.stderr.read(), timeout=30)
        await asyncio.wait_for(process.wait(), timeout=30)
    text = "".join(lines) + rest.decode()
    assert process.returncode == 0, text
    assert DB_PASSWORD not in text
    assert "Traceback" not in text
    records = [json.loads(line) for line in text.splitlines()]
    unreachable = [r for r in records if r["event"] == "database_unreachable"]
    assert len(unreachable) == 1
    assert "retry_in" in unreachable[0]


async def test_run_ends_with_exit_2_when_telegram_comes_back_rejecting_the_token(
    tmp_path: Path,
) -> None:
    port = free_port()
    process = await start_process(
        tmp_path,
        base_url=f"http://127.0.0.1:{port}/bot",
        token=WRONG_TOKEN,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("telegram_unreachable" in line for line in lines):
                line = (await process.stderr.readline()).decode()
                assert line, f"exited early: {lines}"
                lines.append(line)
        async with FakeBotApi(port=port):  # answers every other token with 401
            rest = await asyncio.wait_for(process.stderr.read(), timeout=60)
            await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = "".join(lines) + rest.decode()
    assert process.returncode == 2, text
    assert "WRONG" not in text and "Traceback" not in text
    assert text.splitlines()[-1].startswith(
        "error: telegram.token: Telegram rejected the bot token"
    )
