"""How fast does a standby take over when the leader is SIGKILLed mid-broadcast, and how
many chats get the alert twice?

    .venv/bin/python bench/failover.py [--kills 5] [--chats 300] [--rate 60] [--json]

Each round: a fresh PostgreSQL database (``--pg-host``, trust auth) with ``--chats``
subscribers of Lviv oblast, two ``python -m bot run`` replicas against the fake Bot API
(20 ms per call) and the fake alerts.in.ua, an alert, a SIGKILL of the leader at a random
moment of the broadcast, and the standby finishing it. Take-over is the time from the kill to
the next message Telegram (the fake) accepts. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.demo.fakes.bot_api import FakeBotApi  # noqa: E402
from bot.demo.fakes.feed_server import FakeFeedServer  # noqa: E402
from tests.conftest import FEED_PATH  # noqa: E402
from tests.failover_support import (  # noqa: E402
    alerts,
    first_send_after,
    start_replica,
    subscribe_all,
    until,
    write_config,
)
from tests.payloads import answer, lviv_alert  # noqa: E402


async def _admin(host: str, user: str, statement: str) -> None:
    connection = await asyncpg.connect(host=host, user=user, database="postgres", timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def one_round(args: argparse.Namespace, tmp: Path, index: int) -> dict[str, float]:
    name = f"alertbot_failover_{uuid.uuid4().hex[:10]}"
    await _admin(args.pg_host, args.pg_user, f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://{args.pg_user}@{args.pg_host}/{name}"
    replicas = []
    try:
        async with FakeBotApi(latency=0.02) as api, FakeFeedServer() as feeds:
            await subscribe_all(url, args.chats)
            now = datetime.now(UTC)
            body, modified = answer(updated=now)
            feeds.set(FEED_PATH, body, last_modified=modified)
            config = tmp / f"round{index}.toml"
            write_config(
                config,
                api=api,
                database_url=url,
                feed_url=feeds.url(FEED_PATH),
                rate=args.rate,
                concurrency=4,
            )
            leader = await start_replica(f"a{index}", config, api, tmp)
            replicas.append(leader)
            await until(lambda: leader.logged("bot_started"), 60, "leader up", leader)
            standby = await start_replica(f"b{index}", config, api, tmp)
            replicas.append(standby)
            await until(lambda: standby.logged("leader_standby"), 60, "standby", standby)
            body, modified = answer(lviv_alert(), updated=datetime.now(UTC))
            feeds.set(FEED_PATH, body, last_modified=modified)
            await api.wait_for_sent(1, timeout=60)
            await asyncio.sleep(random.uniform(0.05, 0.6) * args.chats / args.rate)
            before = sum(alerts(api).values())
            leader.kill()
            killed_at = time.monotonic()
            await leader.process.wait()
            await until(lambda: len(alerts(api)) == args.chats, 120, "all delivered", standby)
            resumed = first_send_after(api, killed_at + 0.3)
            assert resumed is not None
            await standby.stop()
            counts = alerts(api)
            return {
                "sent_before_kill": before,
                "takeover_seconds": round(resumed - killed_at, 3),
                "duplicates": sum(n - 1 for n in counts.values()),
            }
    finally:
        for replica in replicas:
            replica.kill()
            await replica.process.wait()
        await _admin(args.pg_host, args.pg_user, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main(args: argparse.Namespace) -> None:
    rounds = []
    with tempfile.TemporaryDirectory(prefix="alertbot-failover-") as tmpdir:
        for index in range(args.kills):
            result = await one_round(args, Path(tmpdir), index)
            rounds.append(result)
            if not args.json:
                print(
                    f"kill {index + 1}: {result['sent_before_kill']:.0f} sent before, take-over "
                    f"{result['takeover_seconds']:.2f} s, {result['duplicates']:.0f} duplicate(s)",
                    flush=True,
                )
    takeovers = [r["takeover_seconds"] for r in rounds]
    duplicates = [r["duplicates"] for r in rounds]
    summary = {
        "kills": len(rounds),
        "chats": args.chats,
        "rate_per_second": args.rate,
        "takeover_median_seconds": round(statistics.median(takeovers), 3),
        "takeover_worst_seconds": max(takeovers),
        "duplicates_per_kill": duplicates,
        "duplicates_mean": round(statistics.mean(duplicates), 2),
        "rounds": rounds,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"\n{len(rounds)} kills, {args.chats} chats at {args.rate}/s: take-over median "
            f"{summary['takeover_median_seconds']:.2f} s, worst {max(takeovers):.2f} s; "
            f"duplicates per kill {duplicates} (mean {summary['duplicates_mean']})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="leader SIGKILL, standby take-over")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--rate", type=float, default=60.0)
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    asyncio.run(main(parser.parse_args()))
