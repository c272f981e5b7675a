"""The running bot: database, Telegram application, feed pollers and the outbox dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands import channels as channel_commands
from bot.commands import feeds as feed_commands
from bot.commands import membership, resident, truces
from bot.commands import outages as outage_commands
from bot.commands import stats as stats_commands
from bot.config import Config
from bot.coverage import coverage_job
from bot.dispatcher import Dispatcher, delivery_bot
from bot.fanout import FanOut
from bot.feed_manager import FeedManager
from bot.i18n import t
from bot.leader import Leadership, leadership_for
from bot.outage_service import OUTAGES_KEY, OutageService
from bot.pacing import Budget, ReplyLimiter
from bot.poller import PollOutcome
from bot.services import FEEDS_KEY, SERVICES_KEY, Services
from feeds import regions
from storage import feeds as feed_store
from storage import migrate, places
from storage.db import create_engine, session_factory
from storage.models import Feed, FeedObservation

log = logging.getLogger("alertbot")

# A leader that lost its lock exits with this code (a clean stop is 0).
EXIT_LEADERSHIP_LOST = 3

USER_AGENT = "alertbot/0.1 (+https://github.com/; Telegram air-raid relay)"

COMMANDS: list[tuple[str, Callable[..., object]]] = [
    ("start", resident.start),
    ("help", resident.start),
    ("subscribe", resident.subscribe),
    ("unsubscribe", resident.unsubscribe),
    ("mysubs", resident.mysubs),
    ("status", resident.status),
    ("lang", resident.lang),
    ("regions", resident.regions_list),
    ("truces", truces.truces),
    ("truce_set", truces.truce_set),
    ("truce_end", truces.truce_end),
    ("feed_add", feed_commands.feed_add),
    ("feed_list", feed_commands.feed_list),
    ("feed_remove", feed_commands.feed_remove),
    ("feed_pause", feed_commands.feed_pause),
    ("feed_resume", feed_commands.feed_resume),
    ("feed_test", feed_commands.feed_test),
    ("channel_link", channel_commands.channel_link),
    ("channel_unlink", channel_commands.channel_unlink),
    ("channels", channel_commands.channel_list),
    ("stats", stats_commands.stats),
    ("outage", outage_commands.outage),
    ("outage_group", outage_commands.outage_group),
    ("outage_ungroup", outage_commands.outage_ungroup),
    ("outage_mute", outage_commands.outage_mute),
    ("outage_remind", outage_commands.outage_remind),
]

MENU = [
    ("subscribe", "Підписатися на регіон / Subscribe to a region"),
    ("unsubscribe", "Відписатися / Unsubscribe"),
    ("mysubs", "Мої підписки / My subscriptions"),
    ("status", "Стан моїх регіонів / Status of my regions"),
    ("truces", "Оголошені паузи ударів / Announced strike pauses"),
    ("regions", "Області, райони, громади / Regions"),
    ("lang", "Мова / Language"),
    ("outage", "Графік відключень світла / Power outage schedule"),
    ("outage_group", "Стежити за групою відключень / Follow an outage group"),
    ("help", "Допомога / Help"),
]


def utc_now() -> datetime:
    return datetime.now(UTC)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error(
        "handler_error",
        exc_info=context.error,
        extra={"job": context.job.name if context.job else None},
    )
    if isinstance(update, Update) and update.effective_message is not None:
        services = context.application.bot_data.get(SERVICES_KEY)
        lang = services.default_lang if isinstance(services, Services) else None
        with contextlib.suppress(TelegramError):
            await update.effective_message.reply_text(t(lang, "error.internal"))


class AlertBot:
    """Start and stop the whole pipeline; every I/O seam is a constructor argument."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Callable[[], datetime] = utc_now,
        feed_transport: httpx.AsyncBaseTransport | None = None,
        schedule_polls: bool = True,
        dispatcher_rate: float | None = None,  # overrides [delivery] rate_per_second
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self._feed_transport = feed_transport
        self._schedule_polls = schedule_polls
        self._dispatcher_rate = dispatcher_rate
        self._env = os.environ if env is None else env
        self.engine: AsyncEngine | None = None
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self.application: Application | None = None  # type: ignore[type-arg]
        self.dispatcher: Dispatcher | None = None
        self.fanout: FanOut | None = None
        self.feeds: FeedManager | None = None
        self.outages: OutageService | None = None
        self._http: httpx.AsyncClient | None = None
        self._stopped = False
        self.leader: Leadership | None = None

    async def prepare_database(self) -> async_sessionmaker[AsyncSession]:
        """Migrate, then make the config's feeds match the database."""
        self.engine = create_engine(self.config.database.url)
        await migrate.upgrade(self.engine)
        self.sessions = session_factory(self.engine)
        await self._reload_places()
        async with self.sessions() as session, session.begin():
            names = []
            for feed in self.config.feeds:
                await feed_store.upsert_config_feed(
                    session,
                    name=feed.name,
                    kind=feed.kind,
                    url=feed.url,
                    interval=feed.interval,
                    token_env=feed.token_env,
                )
                names.append(feed.name)
            # A feed taken out of the config must stop holding alerts open.
            gone = (
                await session.scalars(
                    select(Feed.id).where(Feed.origin == "config", Feed.name.not_in(names))
                )
            ).all()
            if gone:
                await session.execute(
                    delete(FeedObservation).where(FeedObservation.feed_id.in_(gone))
                )
                for feed_id in gone:
                    row = await session.get(Feed, feed_id)
                    if row is not None:
                        row.enabled = False
        return self.sessions

    async def _reload_places(self) -> None:
        assert self.sessions is not None
        async with self.sessions() as session:
            regions.forget_learned()
            regions.register(await places.load(session))

    async def start(self) -> None:
        """Prepare and lead at once: a process that is the only one (tests, the demo)."""
        await self.prepare()
        await self.lead()

    async def prepare(self) -> None:
        """What a standby does too: migrate, load, build the pipeline; nothing is sent."""
        sessions = await self.prepare_database()
        telegram = self.config.telegram
        builder = ApplicationBuilder().token(telegram.token.get_secret_value())
        if telegram.base_url:
            builder = builder.base_url(telegram.base_url)
        delivery = self.config.delivery
        if self._dispatcher_rate is not None:
            delivery = delivery.model_copy(update={"rate_per_second": self._dispatcher_rate})
        # Command replies and the outbox share one budget: together they stay under the limit.
        budget = Budget(delivery.rate_per_second)
        app = builder.rate_limiter(ReplyLimiter(budget)).build()
        app.bot_data[SERVICES_KEY] = Services(
            sessions=sessions,
            clock=self.clock,
            admins=frozenset(telegram.admins),
            default_lang=self.config.bot.default_language,
        )
        for name, callback in COMMANDS:
            app.add_handler(CommandHandler(name, callback))  # type: ignore[arg-type]
        # Every command gets an answer, even one we do not know.
        # (Only in private chats: in a group the command may be meant for another bot.)
        app.add_handler(
            MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, resident.unknown)
        )
        app.add_handler(
            ChatMemberHandler(membership.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        app.add_error_handler(_on_error)
        self.application = app

        self._http = httpx.AsyncClient(
            transport=self._feed_transport,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
        )
        self.dispatcher = Dispatcher(
            delivery_bot(telegram.token.get_secret_value(), telegram.base_url, delivery),
            sessions,
            clock=self.clock,
            default_lang=self.config.bot.default_language,
            config=delivery,
            budget=budget,
            may_send=self.may_send,
        )
        self.feeds = FeedManager(
            self.config,
            sessions=sessions,
            client=self._http,
            clock=self.clock,
            env=self._env,
            on_events=self._on_alert_events,
        )
        self.fanout = FanOut(sessions, clock=self.clock, on_rows=self._wake_dispatcher)
        app.bot_data[FEEDS_KEY] = self.feeds
        self.outages = OutageService(
            self.config,
            sessions=sessions,
            client=self._http,
            clock=self.clock,
            application=app,
            on_notices=self._wake_dispatcher,
        )
        app.bot_data[OUTAGES_KEY] = self.outages

    async def lead(self) -> None:
        """Start taking updates, polling and sending: the leader's work."""
        app, sessions = self.application, self.sessions
        assert app is not None and sessions is not None
        assert self.feeds is not None and self.outages is not None
        assert self.dispatcher is not None and self.fanout is not None
        telegram = self.config.telegram
        # Loaded now, not at prepare: a standby may have waited while the leader changed them.
        await self._reload_places()
        await self.feeds.load()
        await self.outages.load()

        await app.initialize()
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in MENU])
        except TelegramError as exc:
            log.warning("set_commands_failed", extra={"error": str(exc)})
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=10, drop_pending_updates=False)
        self.dispatcher.start()
        self.fanout.start()  # first of all, whatever a crash left half queued
        if self._schedule_polls:
            assert app.job_queue is not None
            self.feeds.schedule_all(app.job_queue)
            self.outages.schedule(app.job_queue)
            self.feeds.schedule_region_sync(app.job_queue)
            app.job_queue.run_repeating(
                coverage_job(
                    sessions,
                    self.clock,
                    timedelta(minutes=self.config.bot.coverage_alarm_minutes),
                    self._wake_dispatcher,
                ),
                interval=30,
                first=30,
                name="coverage",
                job_kwargs={"id": "coverage", "replace_existing": True, "max_instances": 1},
            )
        log.info(
            "bot_started",
            extra={"feeds": len(self.feeds.pollers), "admins": len(telegram.admins)},
        )

    def _wake_dispatcher(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    def _on_alert_events(self) -> None:
        # The channel posts are queued already; the direct messages follow.
        self._wake_dispatcher()
        if self.fanout is not None:
            self.fanout.wake()

    async def poll_now(self, name: str) -> PollOutcome:
        assert self.feeds is not None
        return await self.feeds.poll_now(name)

    async def stop(self) -> None:
        """Stop taking updates, finish the message in flight, close everything; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        app = self.application
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
        if self.fanout is not None:
            await self.fanout.stop()
        if self.dispatcher is not None:
            await self.dispatcher.stop()
        if app is not None:
            await app.shutdown()
        if self._http is not None:
            await self._http.aclose()
        if self.engine is not None:
            await self.engine.dispose()
        log.info("bot_stopped")

    # -- leader and standby (bot/leader.py) ---------------------------------------------

    def may_send(self) -> bool:
        """True unless an election says this process is not the leader (now)."""
        return self.leader is None or self.leader.is_leader

    async def run_until_signalled(self, leadership: Leadership | None = None) -> int:
        """Run until SIGINT or SIGTERM, then finish in-flight work; returns the exit code.

        Prepares at once, then waits to be the leader (at once on SQLite; on PostgreSQL when
        no other process holds the lock), then leads. A leader that loses the lock has
        already stopped sending (the dispatcher asks before every send); it stops the rest
        and exits with EXIT_LEADERSHIP_LOST, so its supervisor starts it afresh as a standby.
        """
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        leader = leadership or leadership_for(self.config.database.url)
        leader.reserve()  # SQLite: a second process stops here, before touching the file
        self.leader = leader
        stopping = asyncio.create_task(stop.wait())
        try:
            await self.prepare()
            elected = asyncio.create_task(leader.acquire())
            await asyncio.wait({stopping, elected}, return_when=asyncio.FIRST_COMPLETED)
            if not elected.done():
                elected.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await elected
                return 0
            if elected.exception() is not None:
                log.error("leadership_lost", extra={"error": str(elected.exception())})
                return EXIT_LEADERSHIP_LOST
            await self.lead()
            lost = asyncio.create_task(leader.lost())
            await asyncio.wait({stopping, lost}, return_when=asyncio.FIRST_COMPLETED)
            if lost.done():
                log.error("leadership_lost", extra={"error": "the leader lock is gone"})
                return EXIT_LEADERSHIP_LOST
            lost.cancel()
            return 0
        finally:
            stopping.cancel()
            await self.stop()
            await leader.release()
