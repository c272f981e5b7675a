"""How often does a SIGKILL mid-broadcast make a chat get an alert twice?

    .venv/bin/python bench/crash_kill.py [--kills 20] [--chats 300] [--rate 28] [--latency 0.08]

Each round: a fresh SQLite database with ``--chats`` subscribers of Lviv oblast, ``python -m
bot run`` against the fake Bot API (bot/fakes, 127.0.0.1, ``--latency`` per call) and the
fake alerts.in.ua (the real 2025-03-11 answer plus one Lviv record built from the provider's
documented fields), an alert, a SIGKILL at a random moment of the broadcast, a restart, and
a count of who got the alert how often once everyone has it. A duplicate is the one
exception the outbox allows: a send Telegram accepted whose "sent" mark the kill prevented.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fanout import FEED_PATH, alerts_answer, make_database  # noqa: E402

from bot.demo.fakes.bot_api import FakeBotApi  # noqa: E402
from bot.demo.fakes.feed_server import FakeFeedServer  # noqa: E402


def _alerts(api: FakeBotApi) -> Counter[int]:
    return Counter(int(m.chat_id) for m in api.sent if (m.text or "").startswith("🔴"))


async def one_round(args: argparse.Namespace, tmp: Path, index: int) -> tuple[int, int]:
    """Returns (messages delivered before the kill, duplicates)."""
    async with FakeBotApi(latency=args.latency) as api, FakeFeedServer() as feeds:
        url = await make_database(tmp / f"kill{index}.db", args.chats, 0)
        body, modified = alerts_answer(True, datetime.now(UTC))
        feeds.set(FEED_PATH, body, last_modified=modified)
        config = tmp / f"kill{index}.toml"
        config.write_text(
            f'[telegram]\nbase_url = "{api.base_url}"\n\n[database]\nurl = "{url}"\n\n'
            f"[delivery]\nrate_per_second = {args.rate}\n\n"
            f'[[feeds]]\nname = "alerts-in-ua"\nkind = "alerts_in_ua"\n'
            f'url = "{feeds.url(FEED_PATH)}"\ntoken_env = "BENCH_FEED_TOKEN"\ninterval = 2\n',
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ALERTBOT_CONFIG")}
        env |= {"TELEGRAM_BOT_TOKEN": api.token, "BENCH_FEED_TOKEN": "bench-feed-token"}

        async def start() -> asyncio.subprocess.Process:
            return await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "bot", "run", "--config", str(config)),
                env=env,
                cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )

        process = await start()
        await api.wait_for_sent(1, timeout=60)  # the broadcast has begun
        # A random moment of the broadcast, not one tied to a send.
        await asyncio.sleep(random.uniform(0.05, 0.9) * args.chats / args.rate)
        process.kill()
        await process.wait()
        before = sum(_alerts(api).values())
        process = await start()
        while len(_alerts(api)) < args.chats:
            await api.wait_for_sent(len(api.sent) + 1, timeout=60)
        await asyncio.sleep(1.0)  # anything sent twice would show up now
        process.terminate()
        await process.wait()
        counts = _alerts(api)
        return before, sum(n - 1 for n in counts.values())


async def main(args: argparse.Namespace) -> None:
    duplicates: list[int] = []
    with tempfile.TemporaryDirectory(prefix="alertbot-kill-") as tmpdir:
        for index in range(args.kills):
            before, dup = await one_round(args, Path(tmpdir), index)
            duplicates.append(dup)
            print(
                f"kill {index + 1}: {before} sent before the kill, {dup} duplicate(s)", flush=True
            )
    kills = len(duplicates)
    print(
        f"\n{kills} kills at {args.rate}/s, {args.latency * 1000:.0f} ms per call: "
        f"{sum(duplicates)} duplicates in all, {sum(1 for d in duplicates if d)} kills with any "
        f"({sum(1 for d in duplicates if d) / kills:.0%}), at most {max(duplicates)} in one kill, "
        f"{sum(duplicates) / kills:.2f} per kill"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="duplicates after SIGKILL mid-broadcast")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--rate", type=float, default=28.0)
    parser.add_argument("--latency", type=float, default=0.08)
    asyncio.run(main(parser.parse_args()))
