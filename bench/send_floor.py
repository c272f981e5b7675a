"""What one send costs in CPU with nothing else around it: the floor under bench/fanout.py.

    .venv/bin/python bench/send_floor.py [--sends 600] [--rate 27.5] [--json]

Sends ``--sends`` messages at ``--rate`` a second to bench/fake_telegram.py (its own process,
its limits switched off, 80 ms a request) through the dispatcher's own transport (DeliveryBot over
aiohttp, bot/delivery/telegram_transport.py), with no database, no outbox and no event loop
work besides, in groups of 1, 3 and 6 sends that share an instant; and, for comparison, the
same number of wake-ups with nothing sent. It prints the CPU of this process per message
for each (``--json``: one object).

Why: at Telegram's free rate a send comes every 36 ms, and on a small VM each wake-up of the
event loop costs a fixed amount of CPU whatever it does. A send needs two (its slot, its
answer), so the CPU a message costs at the free rate cannot fall below what this prints for
groups of 1, however lean the bot around it; groups share the wake-ups (issue 15).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "true")

import aiohttp  # noqa: E402

from bot.delivery.telegram_transport import AiohttpRequest, DeliveryBot  # noqa: E402

TEXT = "🔴 Повітряна тривога: Львівська область\nПочаток о 12:00\nПрямуйте в укриття!"


@contextlib.asynccontextmanager
async def fake_telegram(latency: float) -> AsyncIterator[str]:
    """bench/fake_telegram.py in a process of its own (its CPU is not ours); its root URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *(str(ROOT / "bench" / "fake_telegram.py"), "--port", str(port)),
        *("--latency", str(latency)),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        await process.stdout.readline()  # it listens
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await process.wait()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def paced(
    bot: DeliveryBot | None, sends: int, rate: float, group: int, *, first_chat: int = 1
) -> float:
    """CPU ms per message: ``sends`` at ``rate`` a second, ``group`` at each instant, each
    to a chat of its own."""
    tasks: set[asyncio.Task[Any]] = set()

    async def send(chat_id: int) -> None:
        if bot is not None:
            await bot.send_text(chat_id, TEXT)

    cpu0 = cpu_seconds()
    start = time.monotonic()
    for index in range(sends):
        slot = start + (index // group) * group / rate
        delay = slot - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(send(first_chat + index))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return round(1000 * (cpu_seconds() - cpu0) / sends, 3)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"sends": args.sends, "rate": args.rate, "cpu_cores": os.cpu_count()}
    async with fake_telegram(args.latency) as root:
        async with aiohttp.ClientSession() as http:  # the cost of sending, not of 429s
            await (await http.post(f"{root}/_control/limits?on=0")).read()
        bot = DeliveryBot("123456:FLOOR", base_url=f"{root}/bot", request=AiohttpRequest())
        await bot.initialize()
        try:
            chats = 1_000_000
            await paced(bot, 30, args.rate, 1, first_chat=chats)  # connections open, code warm
            result["wakeups_only_ms_per_msg"] = await paced(None, args.sends, args.rate, 1)
            for group in (1, 3, 6):
                chats += args.sends
                result[f"group_{group}_ms_per_msg"] = await paced(
                    bot, args.sends, args.rate, group, first_chat=chats
                )
        finally:
            await bot.shutdown()
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="CPU of a send with nothing around it")
    parser.add_argument("--sends", type=int, default=600)
    parser.add_argument("--rate", type=float, default=27.5)
    parser.add_argument("--latency", type=float, default=0.08, help="fake Bot API round trip")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    report = asyncio.run(main(arguments))
    if arguments.json:
        print(json.dumps(report))
    else:
        print(f"{report['sends']} sends at {report['rate']}/s, CPU ms per message:")
        print(f"  wake-ups alone, nothing sent  {report['wakeups_only_ms_per_msg']}")
        for group in (1, 3, 6):
            print(f"  sends in groups of {group}          {report[f'group_{group}_ms_per_msg']}")
