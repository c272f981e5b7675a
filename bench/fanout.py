"""Fan-out benchmark: one air-raid alert to N subscribers and a few regional channels.

    .venv/bin/python bench/fanout.py [--subscribers 10000] [--channels 3] [--json]
    .venv/bin/python bench/fanout.py --subscribers 100000 --skip-free --stock none

The real bot (AlertBot: poller, diff, outbox, dispatcher; a SQLite file in WAL mode) against
a fake Bot API (bench/fake_telegram.py, its own process, 127.0.0.1) that enforces Telegram's
limits with 429 + retry_after, and a fake alerts.in.ua serving the real 2025-03-11 answer
(feeds/samples) plus one Lviv record built from the provider's documented fields.

Phases, each printed:

1. enqueue: N outbox rows for one alert, timed alone on a fresh database, as the bot writes
   them: the event's transaction (event, channel posts, fan-out note), then storage.alert_fanout
   (subscribers lookup, bulk inserts of 5,000 rows a transaction).
2. ours, free budget (limits enforced): sustained messages a second and its ratio to the
   budget, 429s, time from detection to the first channel post, p50/p99 time from detection
   to each recipient, a /status reply's latency measured every 2 s during the broadcast,
   peak RSS of the process that runs the bot (the fake Telegram runs in another), its CPU
   per message, and before the alert its CPU while idle (``--idle-seconds``).
3. stock (limits enforced): the same broadcast the way most bots send it: python-telegram-bot
   with its stock AIORateLimiter and one send_message per subscriber (all at once through the
   limiter with ``--stock gather``, one after another with ``--stock sequential``). A 429 is
   not retried (AIORateLimiter's default), so it is a lost message.
4. ours, paid broadcast against a fake without limits: can the bot itself go 1000 a second?
   Paced by the paid budget (Telegram's 1000/s), then once more with the bot's own budget
   lifted (``--ceiling-rate``, default 5000/s): the second figure is the bot's ceiling.

Figures are printed, never asserted. ``--json`` prints one JSON object instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import resource
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "true")

import aiohttp  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from telegram.error import TelegramError  # noqa: E402
from telegram.ext import AIORateLimiter, ApplicationBuilder  # noqa: E402

from bot.app import AlertBot  # noqa: E402
from bot.config import (  # noqa: E402
    Config,
    DatabaseConfig,
    DeliveryConfig,
    FeedConfig,
    TelegramConfig,
)
from bot.demo.fakes.feed_server import FakeFeedServer  # noqa: E402
from storage import alert_fanout as fanout  # noqa: E402
from storage import audience as audience_store  # noqa: E402
from storage import migrate  # noqa: E402
from storage import outbox as outbox_store  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.models import AlertEvent, Fanout, Outbox  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
FEED_PATH = "/v1/alerts/active.json"
PROBE_CHAT = 999_999_999  # an admin who asks /status during the broadcast
CREATED = "2025-03-18 10:00:00.000000"  # SQLAlchemy's SQLite DateTime format, UTC


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# -- fixtures ----------------------------------------------------------------------------


async def make_database(path: Path, subscribers: int, channels: int) -> str:
    """Migrated SQLite file with the subscribers (and channels) of Lviv oblast, written with
    sqlite3 from generators so the setup does not inflate the bot's peak memory."""
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    with contextlib.closing(sqlite3.connect(path)) as db:
        chats: Iterator[tuple[Any, ...]] = (
            (i, "private", None, 1, CREATED) for i in range(1, subscribers + 1)
        )
        db.executemany(
            "INSERT INTO chats (chat_id, kind, lang, active, created_at) VALUES (?,?,?,?,?)",
            chats,
        )
        db.executemany(
            "INSERT INTO chats (chat_id, kind, lang, active, created_at, username) "
            "VALUES (?,?,?,?,?,?)",
            ((-1001 - i, "channel", None, 1, CREATED, f"lviv_{i}") for i in range(channels)),
        )
        ids = [*range(1, subscribers + 1), *(-1001 - i for i in range(channels))]
        db.executemany(
            "INSERT INTO subscriptions (chat_id, region_id, created_at) VALUES (?,?,?)",
            ((i, "27", CREATED) for i in ids),
        )
        db.commit()
    return url


def alerts_answer(alert_on: bool, now: datetime) -> tuple[bytes, str]:
    """The real alerts.in.ua answer of 2025-03-11 (no alert in Lviv oblast) and, if
    ``alert_on``, one Lviv oblast record with the fields and formats of the real ones."""
    body = json.loads(
        (ROOT / "feeds" / "samples" / "alerts_in_ua_active_2025-03-11.json").read_text()
    )
    if alert_on:
        started = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        body["alerts"].append(
            {
                "id": 91234,
                "location_title": "Львівська область",
                "location_type": "oblast",
                "started_at": started,
                "finished_at": None,
                "updated_at": started,
                "alert_type": "air_raid",
                "location_oblast": "Львівська область",
                "location_uid": "27",
                "notes": None,
                "country": None,
                "deleted_at": None,
                "calculated": None,
                "location_oblast_uid": 27,
            }
        )
    body["meta"] = {"last_updated_at": now.strftime("%Y/%m/%d %H:%M:%S +0000"), "type": "full"}
    return json.dumps(body, ensure_ascii=False).encode(), format_datetime(now, usegmt=True)


@contextlib.asynccontextmanager
async def fake_telegram(latency: float) -> AsyncIterator[str]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "fake_telegram.py"),
        *("--port", str(port), "--latency", str(latency)),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        await process.stdout.readline()  # "fake telegram on ..." once it listens
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await process.wait()


class Control:
    def __init__(self, root: str, http: aiohttp.ClientSession) -> None:
        self.root = root
        self.http = http

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.http.request(method, f"{self.root}/_control/{path}", **kwargs) as r:
            return await r.json()

    async def reset(self) -> None:
        await self.call("POST", "reset")

    async def limits(self, on: bool) -> None:
        await self.call("POST", f"limits?on={int(on)}")

    async def progress(self, chat: int | None = None) -> dict[str, Any]:
        query = f"?chat={chat}" if chat is not None else ""
        result: dict[str, Any] = await self.call("GET", f"progress{query}")
        return result

    async def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "stats")
        return result

    async def command(self, chat_id: int, text: str) -> None:
        message = {
            "message_id": int(time.time() * 1000) % 2**31,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Admin"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Admin"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        }
        await self.call("POST", "update", json={"message": message})


# -- phases ------------------------------------------------------------------------------


async def measure_enqueue(tmp: Path, subscribers: int, channels: int) -> float:
    """The bot's two steps, timed together: the event's transaction (the event, its channel
    posts, the fan-out note), then storage.alert_fanout queueing every direct message."""
    url = await make_database(tmp / "enqueue.db", subscribers, channels)
    engine = create_engine(url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    started = time.perf_counter()
    async with sessions() as session, session.begin():
        event = AlertEvent(
            region_id="27",
            region_title="Львівська область",
            kind="air_raid",
            transition="start",
            occurred_at=now,
            detected_at=now,
            source="bench",
        )
        session.add(event)
        await session.flush()
        places = audience_store.audience("27")
        linked = await audience_store.subscriptions(session, places, channels=True)
        posts = audience_store.recipients(linked, "27", "air_raid", ended=False, active=set())
        delivery = outbox_store.AlertDelivery(event, posts, 0, channels=posts)
        await outbox_store.enqueue_alerts(session, [delivery], now)
        session.add(Fanout(event_id=event.id, created_at=now))
    await fanout.run(sessions, now)
    elapsed = time.perf_counter() - started
    async with sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(Outbox))
    await engine.dispose()
    assert rows == subscribers + channels, rows
    return elapsed


def summarise(
    delivered: list[list[Any]], t0: float, budget: float, channel_ids: set[int]
) -> dict[str, Any]:
    times = sorted(t for c, t, _ in delivered if c != PROBE_CHAT)
    to_recipient = [t - t0 for t in times]
    channel_posts = [t - t0 for c, t, _ in delivered if c in channel_ids]
    sustained = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan")
    return {
        "delivered": len(times),
        "duration_s": round(times[-1] - t0, 3) if times else None,
        "sustained_msgs_per_s": round(sustained, 2),
        "budget_per_s": budget,
        "ratio_to_budget": round(sustained / budget, 3),
        "first_channel_post_s": round(min(channel_posts), 3) if channel_posts else None,
        "p50_to_recipient_s": round(percentile(to_recipient, 0.5), 3),
        "p99_to_recipient_s": round(percentile(to_recipient, 0.99), 3),
    }


async def run_ours(
    tmp: Path, root: str, control: Control, args: argparse.Namespace, *, paid: bool, name: str
) -> dict[str, Any]:
    url = await make_database(tmp / f"{name}.db", args.subscribers, args.channels)
    channel_ids = {-1001 - i for i in range(args.channels)}
    expected = args.subscribers + args.channels
    async with FakeFeedServer() as feeds:
        now = datetime.now(UTC)
        # A minute older than the alert's answer, so the feed's Last-Modified moves on.
        body, modified = alerts_answer(False, now - timedelta(minutes=1))
        feeds.set(FEED_PATH, body, last_modified=modified)
        config = Config(
            telegram=TelegramConfig(
                token=SecretStr(TOKEN), base_url=f"{root}/bot", admins=[PROBE_CHAT]
            ),
            database=DatabaseConfig(url=url),
            feeds=[
                FeedConfig(
                    name="alerts-in-ua",
                    kind="alerts_in_ua",
                    url=feeds.url(FEED_PATH),
                    interval=15,
                    token=SecretStr("bench-feed-token"),
                )
            ],
            # model_construct: --paid-rate may exceed Telegram's 1000 (which the config
            # refuses) to find the bot's own ceiling against the fake without limits.
            delivery=DeliveryConfig.model_construct(
                rate_per_second=args.rate,
                paid_broadcast=paid,
                paid_rate_per_second=args.paid_rate,
                concurrency=args.concurrency,
                max_network_attempts=5,
            ),
        )
        bot = AlertBot(config, schedule_polls=False)
        await bot.start()
        gc.freeze()  # as AlertBot.run_until_signalled does once it leads
        try:
            await bot.poll_now("alerts-in-ua")  # quiet: no alert in Lviv yet
            # An idle bot's CPU (no probes, no polls: schedule_polls=False), before the alert.
            idle_cpu = await idle_cpu_ms_per_s(0.0 if paid else args.idle_seconds)
            await control.reset()
            fake_cpu0 = (await control.stats())["cpu_s"]
            body, modified = alerts_answer(True, datetime.now(UTC))
            feeds.set(FEED_PATH, body, last_modified=modified)
            cpu0 = cpu_seconds()
            t0 = time.monotonic()
            outcome = await bot.poll_now("alerts-in-ua")
            detect_to_enqueued = time.monotonic() - t0
            assert outcome.ok and outcome.changes, outcome
            deadline = t0 + expected / (args.paid_rate if paid else args.rate) * 2 + 120
            # The bench's watching (progress, the /status probes) runs in a thread of its
            # own and its CPU is taken off: what is left is the bot's (the probes' answers
            # included: a bot answers commands during a broadcast).
            replies, bench_cpu = await asyncio.to_thread(
                watch, control.root, expected, deadline, probe=not paid, name=name
            )
            cpu = cpu_seconds() - cpu0 - bench_cpu
            peak = rss_mb()
            stats = await control.stats()
        finally:
            await bot.stop()
    budget = args.paid_rate if paid else args.rate
    result = summarise(stats["delivered"], t0, budget, channel_ids)
    result |= {
        "count_429": sum(stats["count_429"].values()),
        "count_429_by_kind": stats["count_429"],
        "detect_to_enqueued_s": round(detect_to_enqueued, 3),
        "peak_rss_mb": round(peak, 1),
        # CPU of the bot's process (all threads but the bench's watcher) from detection to
        # the last delivery: what the bot would need on a core of its own.
        "bot_cpu_s": round(cpu, 2),
        "bot_cpu_ms_per_msg": round(1000 * cpu / max(1, result["delivered"]), 3),
        "bot_msgs_per_cpu_s": round(result["delivered"] / cpu, 1) if cpu else None,
        # The fake Telegram's CPU meanwhile: with the bot's, how busy the machine was.
        "fake_cpu_s": round(stats["cpu_s"] - fake_cpu0, 2),
        "cpu_cores": os.cpu_count(),
    }
    if idle_cpu is not None:
        result["idle_cpu_ms_per_s"] = idle_cpu
    if replies:
        result["status_reply_s"] = {
            "n": len(replies),
            "p50": round(statistics.median(replies), 3),
            "max": round(max(replies), 3),
        }
    return result


async def idle_cpu_ms_per_s(seconds: float) -> float | None:
    """CPU of the process while nothing happens but the bot's own timers, ms a second."""
    if seconds <= 0:
        return None
    cpu0, t0 = cpu_seconds(), time.monotonic()
    await asyncio.sleep(seconds)
    return round(1000 * (cpu_seconds() - cpu0) / (time.monotonic() - t0), 2)


def watch(
    root: str, expected: int, deadline: float, *, probe: bool, name: str
) -> tuple[list[float], float]:
    """Until every message is delivered: the /status reply times (every 2 s if ``probe``),
    and the CPU this thread spent asking."""

    async def run() -> list[float]:
        replies: list[float] = []
        async with aiohttp.ClientSession() as http:
            control = Control(root, http)
            next_probe = time.monotonic() + 1.0
            while True:
                progress = await control.progress()
                if progress["delivered"] - len(replies) >= expected:
                    return replies
                if time.monotonic() > deadline:
                    print(f"  {name}: gave up waiting ({progress['delivered']}/{expected})")
                    return replies
                if probe and time.monotonic() >= next_probe:
                    replies.append(await probe_status(control))
                    next_probe = time.monotonic() + 2.0
                await asyncio.sleep(1.0)

    started = time.thread_time()
    replies = asyncio.run(run())
    return replies, time.thread_time() - started


async def probe_status(control: Control) -> float:
    """Ask /status as the admin and time the reply (the bot answers via the fake)."""
    before = len((await control.progress(PROBE_CHAT))["chat_times"])
    started = time.monotonic()
    await control.command(PROBE_CHAT, "/status")
    while True:
        times = (await control.progress(PROBE_CHAT))["chat_times"]
        if len(times) > before:
            return float(times[before]) - started
        if time.monotonic() - started > 30:
            return float("inf")
        await asyncio.sleep(0.02)


async def run_stock(root: str, control: Control, args: argparse.Namespace) -> dict[str, Any]:
    """python-telegram-bot as most bots use it: AIORateLimiter, one send_message each."""
    count = args.stock_subscribers or args.subscribers
    chats = [*range(1, count + 1), *(-1001 - i for i in range(args.channels))]
    text = (
        "🔴 Повітряна тривога: Львівська область\n"
        f"Початок: {datetime.now(UTC):%d.%m.%Y %H:%M} (за Києвом)"
    )
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{root}/bot")
        .rate_limiter(AIORateLimiter())
        .build()
    )
    await app.initialize()
    await control.reset()
    lost = 0

    async def one(chat_id: int) -> None:
        nonlocal lost
        try:
            await app.bot.send_message(chat_id=chat_id, text=text)
        except TelegramError:
            lost += 1  # AIORateLimiter's default: a 429 is raised, not retried

    cpu0 = cpu_seconds()
    t0 = time.monotonic()
    if args.stock == "sequential":
        for chat_id in chats:
            await one(chat_id)
    else:
        await asyncio.gather(*(one(chat_id) for chat_id in chats))
    cpu = cpu_seconds() - cpu0
    stats = await control.stats()
    await app.shutdown()
    result = summarise(stats["delivered"], t0, args.rate, {-1001 - i for i in range(args.channels)})
    result |= {
        "bot_cpu_s": round(cpu, 2),
        "bot_cpu_ms_per_msg": round(1000 * cpu / max(1, result["delivered"]), 3),
        "variant": args.stock,
        "recipients": len(chats),
        "lost": lost,
        "count_429": sum(stats["count_429"].values()),
        "count_429_by_kind": stats["count_429"],
    }
    return result


# -- main --------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "subscribers": args.subscribers,
        "channels": args.channels,
        "budget_per_s": args.rate,
        "latency_s": args.latency,
    }
    say = (lambda *a: None) if args.json else print
    with tempfile.TemporaryDirectory(prefix="alertbot-bench-") as tmpdir:
        tmp = Path(tmpdir)
        say(
            f"subscribers {args.subscribers}, channels {args.channels}, "
            f"budget {args.rate}/s, Bot API latency {args.latency * 1000:.0f} ms"
        )
        report["enqueue_s"] = round(await measure_enqueue(tmp, args.subscribers, args.channels), 3)
        say(f"enqueue of {args.subscribers + args.channels} rows: {report['enqueue_s']} s")
        async with fake_telegram(args.latency) as root, aiohttp.ClientSession() as http:
            control = Control(root, http)
            if not args.skip_free:
                say("ours, free budget, limits enforced ...")
                ours = await run_ours(tmp, root, control, args, paid=False, name="ours")
                report["ours"] = ours
                report.update(
                    {
                        k: ours[k]
                        for k in (
                            "sustained_msgs_per_s",
                            "ratio_to_budget",
                            "count_429",
                            "first_channel_post_s",
                            "p50_to_recipient_s",
                            "p99_to_recipient_s",
                            "detect_to_enqueued_s",
                            "peak_rss_mb",
                        )
                    }
                )
                say(json.dumps(ours, ensure_ascii=False, indent=1))
            if args.paid:
                await control.limits(False)
                say("ours, paid broadcast, fake without limits ...")
                paid = await run_ours(tmp, root, control, args, paid=True, name="paid")
                report["paid_unlimited"] = paid
                report["paid_unlimited_msgs_per_s"] = paid["sustained_msgs_per_s"]
                report["peak_rss_mb"] = max(report.get("peak_rss_mb", 0), paid["peak_rss_mb"])
                say(json.dumps(paid, ensure_ascii=False, indent=1))
                if args.ceiling_rate > args.paid_rate:
                    # The bot's own pacing lifted too: how fast can it go, all limits aside?
                    say(f"ours, paid, own budget lifted to {args.ceiling_rate:.0f}/s ...")
                    lifted = argparse.Namespace(**{**vars(args), "paid_rate": args.ceiling_rate})
                    ceiling = await run_ours(tmp, root, control, lifted, paid=True, name="ceil")
                    report["paid_ceiling"] = ceiling
                    report["paid_ceiling_msgs_per_s"] = ceiling["sustained_msgs_per_s"]
                    report["peak_rss_mb"] = max(report["peak_rss_mb"], ceiling["peak_rss_mb"])
                    say(json.dumps(ceiling, ensure_ascii=False, indent=1))
                await control.limits(True)
            if args.stock != "none":
                say(f"stock PTB (AIORateLimiter, {args.stock}), limits enforced ...")
                stock = await run_stock(root, control, args)
                report["stock"] = stock
                say(json.dumps(stock, ensure_ascii=False, indent=1))
                if "ours" in report:
                    ours = report["ours"]
                    # Ratios ours : stock, side by side in the same run.
                    report["gain_msgs_per_s"] = round(
                        ours["sustained_msgs_per_s"] / stock["sustained_msgs_per_s"], 2
                    )
                    report["gain_delivered"] = round(ours["delivered"] / stock["delivered"], 3)
                    if stock["first_channel_post_s"] and ours["first_channel_post_s"]:
                        report["gain_first_channel_post"] = round(
                            stock["first_channel_post_s"] / ours["first_channel_post_s"], 1
                        )
    if not args.json and "ours" in report:
        print_table(report)
    return report


def print_table(report: dict[str, Any]) -> None:
    ours, stock = report["ours"], report.get("stock", {})
    rows = [
        ("sustained msg/s", "sustained_msgs_per_s"),
        ("ratio to budget", "ratio_to_budget"),
        ("429s", "count_429"),
        ("delivered", "delivered"),
        ("first channel post, s", "first_channel_post_s"),
        ("p50 to recipient, s", "p50_to_recipient_s"),
        ("p99 to recipient, s", "p99_to_recipient_s"),
        ("CPU ms per message", "bot_cpu_ms_per_msg"),
        ("idle CPU ms a second", "idle_cpu_ms_per_s"),
    ]
    print(f"\n{'':24}{'ours':>12}{'stock PTB':>12}")
    for label, key in rows:
        print(f"{label:24}{ours.get(key)!s:>12}{stock.get(key, '-')!s:>12}")
    if stock:
        print(f"{'lost (429, not retried)':24}{0:>12}{stock['lost']!s:>12}")
        print(
            f"ours : stock — msg/s x{report.get('gain_msgs_per_s')}, delivered "
            f"x{report.get('gain_delivered')}, first channel post "
            f"{report.get('gain_first_channel_post')}x sooner"
        )
    print(
        f"enqueue {report['enqueue_s']} s; peak RSS {report['peak_rss_mb']} MB; "
        f"/status during broadcast {ours.get('status_reply_s')}"
    )
    if "paid_unlimited_msgs_per_s" in report:
        paid = report["paid_unlimited"]
        print(
            f"paid broadcast, fake without limits, paid budget {paid['budget_per_s']:.0f}/s: "
            f"{report['paid_unlimited_msgs_per_s']} msg/s; bot CPU "
            f"{paid['bot_cpu_ms_per_msg']} ms/msg = {paid['bot_msgs_per_cpu_s']} msg per CPU-s"
        )
    if "paid_ceiling_msgs_per_s" in report:
        ceiling = report["paid_ceiling"]
        print(
            f"the same with the bot's own budget lifted to {ceiling['budget_per_s']:.0f}/s: "
            f"{report['paid_ceiling_msgs_per_s']} msg/s (the bot's ceiling)"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="alert fan-out benchmark")
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--rate", type=float, default=28.0, help="[delivery] rate_per_second")
    parser.add_argument(
        "--paid-rate", type=float, default=1000.0, help="paid budget; above 1000 finds the ceiling"
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.08, help="fake Bot API round trip")
    parser.add_argument("--stock", choices=("gather", "sequential", "none"), default="gather")
    parser.add_argument(
        "--stock-subscribers", type=int, default=0, help="stock run size (default: same N)"
    )
    parser.add_argument(
        "--ceiling-rate",
        type=float,
        default=5000.0,
        help="a last paid run with the bot's own budget lifted to this (0: none)",
    )
    parser.add_argument(
        "--idle-seconds", type=float, default=10.0, help="idle CPU measured this long (0: not)"
    )
    parser.add_argument("--skip-free", action="store_true", help="no rate-limited run")
    parser.add_argument(
        "--no-paid", dest="paid", action="store_false", help="no unlimited paid run"
    )
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    # The stock limiter logs a traceback for every 429 it gives up on; they are counted instead.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    result = asyncio.run(main(arguments))
    if arguments.json:
        print(json.dumps(result, ensure_ascii=False))
