"""``python -m tests.crash_entry --config PATH [--crash-after KIND] [--now ISO]``: the bot as
``python -m bot run`` starts it, with two test seams.

``--crash-after alert|outage`` makes the process SIGKILL itself the first time a poll has
committed a change of that kind and before its messages are queued (``AlertBot``'s
``after_commit``): the exact instant a crash used to lose outage notices, hit every time.
``--now`` starts the clock at that moment (it then runs at the real pace), so a recorded
schedule of another day is "today".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.app import AlertBot, utc_now
from bot.config import load_config, require_runnable
from bot.logs import setup_logging


def _clock(start: str | None) -> Callable[[], datetime]:
    if start is None:
        return utc_now
    origin, began = datetime.fromisoformat(start), time.monotonic()
    return lambda: origin + timedelta(seconds=time.monotonic() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--crash-after", choices=("alert", "outage"))
    parser.add_argument("--now")
    args = parser.parse_args()
    config = load_config(args.config)
    require_runnable(config)
    setup_logging([config.telegram.token.get_secret_value()])

    def after_commit(kind: str) -> None:
        if kind == args.crash_after:
            os.kill(os.getpid(), signal.SIGKILL)

    bot = AlertBot(config, clock=_clock(args.now), after_commit=after_commit)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(bot.run_until_signalled())


if __name__ == "__main__":
    main()
