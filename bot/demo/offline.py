"""``python -m bot demo``: the real pipeline, offline, on recorded alerts.in.ua answers.

A fake Bot API and a fake feed server run on 127.0.0.1; the bot, its database (a temporary
SQLite file), the poller, the diff, the truce registry and the dispatcher are the real ones.
The clock is set to the time each recording was made, so the messages carry real times.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.app import AlertBot
from bot.config import Config, DatabaseConfig, FeedConfig, TelegramConfig
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from bot.ledger.cli import summary_line
from bot.ledger.render import chart_png
from storage import alert_fanout as fanout_store
from storage import history, ledger
from storage import outbox as outbox_store

FEED_PATH = "/v1/alerts/active.json"
SIREN_PATH = "/api/v3/alerts"
ADMIN = 500
RESIDENTS = {1001: "Olena", 1002: "John", ADMIN: "admin", 1003: "Taras", 1004: "Iryna"}


def sample(name: str) -> bytes:
    return resources.files("feeds").joinpath("samples", name).read_bytes()


@dataclass
class DemoClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


class Demo:
    def __init__(self, out: TextIO, api: FakeBotApi, bot: AlertBot) -> None:
        self.out = out
        self.api = api
        self.bot = bot
        self.shown = 0

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def section(self, title: str) -> None:
        self.say(f"\n=== {title} ===")

    async def command(self, chat_id: int, text: str, *, replies: int = 1) -> None:
        self.say(f"\n[{RESIDENTS[chat_id]}, chat {chat_id}] {text}")
        before = len(self.api.messages_to(chat_id))
        self.api.send_command(chat_id, text, user_id=chat_id, first_name=RESIDENTS[chat_id])
        await self.api.wait_for_sent(before + replies, chat_id=chat_id, timeout=10)
        self.flush()

    async def settle(self) -> None:
        """Wait until the outbox is empty, so every alert message has gone out."""
        assert self.bot.sessions is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            async with self.bot.sessions() as session:
                # (An event's direct messages are queued just after it: both must be done.)
                if (
                    await session.run_sync(fanout_store.pending) == 0
                    and await outbox_store.depth(session) == 0
                ):
                    break
            await asyncio.sleep(0.05)
        self.flush()

    def flush(self) -> None:
        for message in self.api.sent[self.shown :]:
            who = RESIDENTS.get(int(message.chat_id), "?")
            body = (message.text or "").replace("\n", "\n    ")
            self.say(f"  bot → {who} (chat {message.chat_id}):\n    {body}")
        self.shown = len(self.api.sent)


def history_sample(name: str) -> str:
    return resources.files("feeds").joinpath("samples", "history", name).read_text("utf-8")


HISTORY_FILES = (
    "official_2022-12-30_2023-01-14.csv",
    "volunteer_2022-12-30_2023-01-14.csv",
)
CHART_NAME = "alertbot-demo-christmas-2023.png"


async def run_demo(out: TextIO, *, verbose: bool = False, chart_dir: Path | None = None) -> int:
    clock = DemoClock(datetime(2023, 4, 2, 8, 33, 10, tzinfo=UTC))
    with tempfile.TemporaryDirectory(prefix="alertbot-demo-") as tmp:
        async with FakeBotApi() as api, FakeFeedServer() as feeds:
            config = Config(
                telegram=TelegramConfig(
                    token=SecretStr(api.token), base_url=api.base_url, admins=[ADMIN]
                ),
                database=DatabaseConfig(url=f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"),
                feeds=[
                    FeedConfig(
                        name="alerts-in-ua",
                        kind="alerts_in_ua",
                        url=feeds.url(FEED_PATH),
                        interval=15,
                        token=SecretStr("demo-token"),
                    ),
                    FeedConfig(
                        name="siren-pp-ua",
                        kind="siren_pp_ua",
                        url=feeds.url(SIREN_PATH),
                        interval=15,
                    ),
                ],
            )
            bot = AlertBot(config, clock=clock, schedule_polls=False)
            await bot.start()
            demo = Demo(out, api, bot)
            try:
                await _script(demo, bot, feeds, clock)
                await _ledger(demo, bot, chart_dir or Path(tempfile.gettempdir()))
            finally:
                await bot.stop()
    return 0


async def _script(demo: Demo, bot: AlertBot, feeds: FakeFeedServer, clock: DemoClock) -> None:
    demo.say(
        "Offline demo: the real bot against a fake Telegram and a fake alerts.in.ua on "
        "127.0.0.1,\nreplaying answers alerts.in.ua really gave on 2023-04-02 and 2023-04-20. "
        "Those recordings\nhold alerts in Donetsk, Luhansk and Crimea (none in Lviv), so "
        "Olena and John follow Donetsk."
    )
    demo.section("Residents subscribe")
    await demo.command(1001, "/subscribe Донецька область")
    await demo.command(1002, "/lang en")
    await demo.command(1002, "/subscribe Donetsk")
    await demo.command(1002, "/subscribe Lviv oblast")
    await demo.command(1003, "/subscribe lvivska")
    await demo.command(1004, "/subscribe Київ")

    demo.section("An admin records an announced pause (a demo entry, not a real announcement)")
    await demo.command(
        ADMIN,
        "/truce_set demo-energy-pause start=2023-04-01T00:00 scope=energy regions=all "
        'party="Demo party"',
    )
    await demo.command(1003, "/truce_set fake start=now")

    demo.section("Poll 1: alerts.in.ua as recorded at 2023-04-02 08:32:55 UTC")
    feeds.set(
        FEED_PATH,
        sample("alerts_in_ua_active_2023-04-02.json"),
        last_modified="Sun, 02 Apr 2023 08:32:55 GMT",
    )
    await bot.poll_now("alerts-in-ua")
    await demo.settle()
    await demo.command(1002, "/status")

    demo.section("Poll 2: alerts.in.ua as recorded at 2023-04-20 00:10:44 UTC")
    clock.now = datetime(2023, 4, 20, 0, 49, 42, tzinfo=UTC)
    feeds.set(
        FEED_PATH,
        sample("alerts_in_ua_active_2023-04-20_vcr.json"),
        last_modified="Thu, 20 Apr 2023 00:10:44 GMT",
    )
    await bot.poll_now("alerts-in-ua")
    await demo.settle()

    demo.section("Poll 3: nothing changed (the server answers 304), so nobody is disturbed")
    outcome = await bot.poll_now("alerts-in-ua")
    await demo.settle()
    demo.say(f"  poll ok={outcome.ok}, new events: {len(outcome.changes or [])}")
    await demo.command(1001, "/truces")

    demo.section("A second source: siren.pp.ua as ukrainealarm answered on 2026-09-25")
    demo.say(
        "  (The cheap change index /alerts/status is built from the provider's docs; the alert\n"
        "  list is the real answer. The alerts.in.ua recording stays as it was, so the merge\n"
        "  sees Kyiv only from this source.)"
    )
    clock.now = datetime(2026, 9, 25, 8, 58, 30, tzinfo=UTC)
    feeds.set(SIREN_PATH + "/status", b'{"lastActionIndex": 421337}')
    feeds.set(SIREN_PATH, sample("ukrainealarm_alerts_kyiv_city_2026-09-25.json"))
    await bot.poll_now("alerts-in-ua")
    await bot.poll_now("siren-pp-ua")
    await demo.settle()


async def _ledger(demo: Demo, bot: AlertBot, chart_dir: Path) -> None:
    """The truce ledger on real history: the public dataset's slices around the Orthodox
    Christmas pause of January 2023, which Russia announced and Ukraine did not accept."""
    assert bot.sessions is not None
    demo.section("History: the public air-raid dataset around Christmas 2023")
    for name in HISTORY_FILES:
        async with bot.sessions() as session, session.begin():
            summary = await history.import_text(session, history_sample(name))
        demo.say("  " + summary_line(name, summary))
    demo.section(
        "The Christmas 2023 pause, recorded as announced: 12:00 on 6 January to 24:00 on "
        "7 January, Moscow time"
    )
    await demo.command(
        ADMIN,
        "/truce_set christmas-2023 start=2023-01-06T12:00+03:00 end=2023-01-08T00:00+03:00 "
        'scope=all regions=all party="Russia (Putin\'s order of 5 January 2023)"',
    )
    await demo.command(1003, "/truce_report christmas-2023", replies=2)
    async with bot.sessions() as session:
        report = await ledger.truce_report(session, "christmas-2023", bot.clock())
    assert report is not None
    chart = chart_dir / CHART_NAME
    png = await asyncio.to_thread(chart_png, report, "uk")
    await asyncio.to_thread(chart.write_bytes, png)
    demo.say(f"\n  The chart (alerts per hour before, during and after the window): {chart}")
    demo.say(
        "  The same from the command line: python -m bot truce report --config PATH "
        "christmas-2023 [--json] [--chart FILE.png] [--source volunteer]"
    )
    demo.say("\nDone. Every message above went through the real pipeline.")
