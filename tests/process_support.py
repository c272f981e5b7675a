"""The bot as a real process, for the crash and stop tests: its config file, its environment
(the fake Telegram's token, the feed's token) and its launch."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.demo.fakes.bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
FEED_TOKEN_ENV = "TEST_ALERTS_TOKEN"


def write_config(
    path: Path,
    *,
    api: FakeBotApi,
    database_url: str,
    feed_url: str,
    sections: str = "",
    more_feeds: str = "",
) -> Path:
    """A config with the fake Telegram, the database and an alerts.in.ua feed every 2 s;
    ``sections`` ([delivery], [web] …) go before the feeds, ``more_feeds`` after."""
    path.write_text(
        f'[telegram]\nbase_url = "{api.base_url}"\n\n[database]\nurl = "{database_url}"\n\n'
        f"{sections}\n"
        f'[[feeds]]\nname = "alerts-in-ua"\nkind = "alerts_in_ua"\nurl = "{feed_url}"\n'
        f'token_env = "{FEED_TOKEN_ENV}"\ninterval = 2\n\n{more_feeds}',
        encoding="utf-8",
    )
    return path


def bot_env(api: FakeBotApi) -> dict[str, str]:
    """This environment without a database or config of its own, with the two tokens."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ALERTBOT_CONFIG")}
    return env | {"TELEGRAM_BOT_TOKEN": api.token, FEED_TOKEN_ENV: "feed-token-of-a-test"}


async def launch(
    config: Path, api: FakeBotApi, *args: str, module: str = "bot"
) -> asyncio.subprocess.Process:
    """``python -m bot run --config …`` (or ``module`` with ``args``), its log on stderr."""
    command = ("run", "--config", str(config)) if module == "bot" else ("--config", str(config))
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", module, *command, *args),
        env=bot_env(api),
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
