"""The bot as an operator runs it: `python -m bot run` in its own process, scheduled polls."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from tests.conftest import FEED_PATH, Clock
from tests.payloads import answer, lviv_alert

FEED_TOKEN = "feed-token-do-not-log"


async def test_run_polls_on_schedule_delivers_and_stops_cleanly_on_sigterm(
    tmp_path: Path, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[telegram]
base_url = "{bot_api.base_url}"
admins = [1]

[database]
url = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"

[[feeds]]
name = "alerts-in-ua"
kind = "alerts_in_ua"
url = "{feed_server.url(FEED_PATH)}"
token_env = "TEST_ALERTS_TOKEN"
interval = 2
""",
        encoding="utf-8",
    )
    body, last_modified = answer(updated=clock.now)
    feed_server.set(FEED_PATH, body, last_modified=last_modified)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ALERTBOT_CONFIG")}
    env |= {"TELEGRAM_BOT_TOKEN": bot_api.token, "TEST_ALERTS_TOKEN": FEED_TOKEN}
    process = await asyncio.create_subprocess_exec(
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
    try:
        bot_api.send_command(42, "/subscribe Lviv oblast")
        await bot_api.wait_for_sent(1, chat_id=42, timeout=30)
        for _ in range(100):  # the first scheduled poll has happened (quiet: no Lviv alert)
            if feed_server.requests:
                break
            await asyncio.sleep(0.05)

        clock.advance(minutes=1)
        body, last_modified = answer(lviv_alert(), updated=clock.now)
        feed_server.set(FEED_PATH, body, last_modified=last_modified)
        sent = await bot_api.wait_for_sent(2, chat_id=42, timeout=15)
        assert sent[-1].text is not None
        assert sent[-1].text.startswith("🔴 Повітряна тривога: Львівська область")

        auth = [h.get("Authorization") for _, h in feed_server.requests]
        assert f"Bearer {FEED_TOKEN}" in auth, "the feed token from token_env is sent"
        assert any(h.get("If-Modified-Since") for _, h in feed_server.requests), "conditional GET"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)

    assert process.returncode == 0, stderr.decode()
    log = stderr.decode()
    assert bot_api.token not in log and FEED_TOKEN not in log
    events = [json.loads(line)["event"] for line in log.splitlines() if line.strip()]
    assert "bot_started" in events and "alert_start" in events and "bot_stopped" in events
