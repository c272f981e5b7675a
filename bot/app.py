"""The running bot: database, Telegram application, feed pollers and the outbox dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from sqlalchemy import delete, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.aio import cancel_and_wait
from bot.commands import address as address_commands
from bot.commands import alert_map, membership, picker, resident, truces
from bot.commands import channels as channel_commands
from bot.commands import feeds as feed_commands
from bot.commands import menu as command_menu
from bot.commands import outages as outage_commands
from bot.commands import quiet as quiet_commands
from bot.commands import stats as stats_commands
from bot.config import Config
from bot.delivery.dispatcher import Dispatcher, delivery_bot
from bot.delivery.fanout import FanOut
from bot.delivery.pacing import Budget, ReplyLimiter, group_size
from bot.i18n import t
from bot.ingest.coverage import coverage_job
from bot.ingest.feed_manager import FeedManager
from bot.ingest.poll_phases import PhasePlan, plan_phases
from bot.ingest.poller import PollOutcome
from bot.ingest.push_source import PushSource
from bot.ledger import notices as truce_notices
from bot.ledger.notices import truce_notice_job
from bot.logs import exception_summary
from bot.maps.draw import render_png
from bot.maps.service import AlertMap, Renderer
from bot.operations.leader import Leadership, leadership_for
from bot.outages.service import OutageService
from bot.services import CONTEXT_TYPES, BotData, Services, bot_data
from bot.web.activity import TimedUpdatesRequest, UpdateActivity
from bot.web.health import Readiness, health_routes
from bot.web.ledger_routes import PublicLedger, ledger_routes
from bot.web.metrics import PrometheusMetrics, ScrapedGauges, metrics_routes
from bot.web.push_ukrainealarm import ukrainealarm_push_routes
from bot.web.server import WebServer
from bot.web.webhook import WebhookKeeper, webhook_routes
from feeds import regions
from feeds.ukrainealarm_push import load_public_key
from feeds.urlcheck import GuardedTransport, Resolver, system_resolver
from storage import feeds as feed_store
from storage import migrate, places
from storage.db import create_engine, session_factory
from storage.models import Feed, FeedObservation
from storage.transactions import Transactions, transactions_for

log = logging.getLogger("alertbot")
T = TypeVar("T")

# A leader that lost its lock exits with this code (a clean stop is 0).
EXIT_LEADERSHIP_LOST = 3

USER_AGENT = "alertbot/0.1 (+https://github.com/; Telegram air-raid relay)"

# Commands that wait on something slow (a provider's site, up to bot/outages/lookup.DEADLINE;
# drawing the map, a second or two in a thread) run beside the other updates: PTB handles
# updates one at a time, and one resident's lookup must not hold everyone's /status.
SLOW_COMMANDS = frozenset({"outage_address", "map"})
COMMANDS: list[tuple[str, Callable[..., object]]] = [
    ("start", picker.start),
    ("help", resident.start),
    ("settings", picker.settings),
    ("subscribe", picker.subscribe),
    ("unsubscribe", picker.unsubscribe),
    ("mysubs", picker.mysubs),
    ("status", resident.status),
    ("map", alert_map.map_command),
    ("lang", resident.lang),
    ("regions", resident.regions_list),
    ("truces", truces.truces),
    ("truce_set", truces.truce_set),
    ("truce_end", truces.truce_end),
    ("truce_report", truces.truce_report),
    ("truce_notices", truce_notices.truce_notices),
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
    ("outage_address", address_commands.outage_address),
    ("quiet", quiet_commands.quiet),
    ("quiet_alerts", quiet_commands.quiet_alerts),
]

# The command menus (setMyCommands) per language and audience: bot/commands/menu.py.


def utc_now() -> datetime:
    return datetime.now(UTC)


class StartupError(Exception):
    """A start that waiting cannot fix (Telegram rejected the token); one line, no secret."""


TOKEN_REJECTED = (
    "telegram.token: Telegram rejected the bot token; check it with @BotFather "
    "(TELEGRAM_BOT_TOKEN or telegram.token in the config)"
)


def _database_may_come_back(exc: BaseException) -> bool:
    """Refused connections, timeouts, a server still starting or a database not yet created:
    an operator can fix these while we wait. A broken migration or schema cannot."""
    if isinstance(exc, IntegrityError | DataError | ProgrammingError):
        return False
    return isinstance(exc, OSError | TimeoutError | DBAPIError)


def _telegram_may_come_back(exc: BaseException) -> bool:
    return isinstance(exc, TelegramError) and not isinstance(exc, InvalidToken)


def backoff_delays(first: float, most: float) -> Iterator[float]:
    """first, 2 x first, 4 x first ... up to ``most`` seconds, for ever."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, most)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error(
        "handler_error",
        exc_info=context.error,
        extra={"job": context.job.name if context.job else None},
    )
    if isinstance(update, Update) and update.effective_message is not None:
        services = bot_data(context).services
        lang = services.default_lang if services is not None else None
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
        # Seconds before the first retry of an unreachable database or Telegram at start, and
        # the longest wait between retries.
        startup_backoff: tuple[float, float] = (1.0, 60.0),
        resolver: Resolver = system_resolver,
        after_commit: Callable[[str], None] = lambda _kind: None,
        is_leader: Callable[[], bool] | None = None,
        phase_plan: Callable[[Sequence[float]], PhasePlan] = plan_phases,
        map_renderer: Renderer = render_png,
    ) -> None:
        """``after_commit(kind)`` is called right after a poll committed a change that has
        messages to queue (``"alert"`` or ``"outage"``), before they are queued: the seam the
        crash tests kill the process at (tests/crash_entry.py)."""
        self.config = config
        self._resolver = resolver
        self._after_commit = after_commit
        self._phase_plan = phase_plan
        self._map_renderer = map_renderer
        self.clock = clock
        self._feed_transport = feed_transport
        self._schedule_polls = schedule_polls
        self._dispatcher_rate = dispatcher_rate
        self._env = os.environ if env is None else env
        self.engine: AsyncEngine | None = None
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self.transactions: Transactions | None = None  # one-hop writes (storage/transactions.py)
        self.application: Application | None = None  # type: ignore[type-arg]
        self.dispatcher: Dispatcher | None = None
        self.fanout: FanOut | None = None
        self.feeds: FeedManager | None = None
        self.outages: OutageService | None = None
        self._http: httpx.AsyncClient | None = None
        self._chat_http: httpx.AsyncClient | None = None
        self._stopped = False
        self._startup_backoff = startup_backoff
        self._telegram_task: asyncio.Task[None] | None = None
        self._commands_set = False
        # Set when a background start step fails for good; run_until_signalled exits with it.
        self.fatal: asyncio.Future[StartupError] | None = None
        # Set once Telegram has answered and the bot takes updates.
        self.telegram_connected = asyncio.Event()
        # --- operations (issue 14): web server, metrics, readiness, webhook -----------------
        # Without leader election this process is always the one that sends.
        self.is_leader: Callable[[], bool] = is_leader or self.may_send
        self.stopping = False  # set the moment a stop begins: /healthz and /readyz say 503
        self.metrics = PrometheusMetrics()  # a registry per bot: tests run several at once
        self.activity = UpdateActivity()
        self.web: WebServer | None = None
        self._webhook: WebhookKeeper | None = None
        self.leader: Leadership | None = None
        self.push_sources: list[PushSource] = []  # issue 15: ukrainealarm's webhook

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

    async def _until_it_works(
        self,
        what: str,
        step: Callable[[], Awaitable[T]],
        may_come_back: Callable[[BaseException], bool],
    ) -> T:
        """Run ``step`` until it succeeds, waiting longer each time; the first failure is
        logged once with its reason (no traceback: it is not a bug), the recovery once."""
        delays = backoff_delays(*self._startup_backoff)
        failures = 0
        while True:
            try:
                result = await step()
            except Exception as exc:
                if not may_come_back(exc):
                    raise
                failures += 1
                delay = next(delays)
                if failures == 1:
                    log.warning(
                        f"{what}_unreachable",
                        extra={"error": exception_summary(exc), "retry_in": delay},
                    )
                else:
                    log.debug(f"{what}_still_unreachable", extra={"attempts": failures})
                await asyncio.sleep(delay)
                continue
            if failures:
                log.info(f"{what}_reachable", extra={"failed_attempts": failures})
            return result

    async def _prepare_database_once(self) -> async_sessionmaker[AsyncSession]:
        try:
            return await self.prepare_database()
        except BaseException:
            if self.engine is not None:
                await self.engine.dispose()
                self.engine = None
            raise

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
        """What a standby does too: migrate (waiting for an unreachable database), load and
        build the pipeline; nothing is polled or sent."""
        self.fatal = asyncio.get_running_loop().create_future()
        sessions = await self._until_it_works(
            "database", self._prepare_database_once, _database_may_come_back
        )
        telegram = self.config.telegram
        builder = ApplicationBuilder().token(telegram.token.get_secret_value())
        if telegram.base_url:
            builder = builder.base_url(telegram.base_url)
        if telegram.webhook_url:  # webhook mode: updates arrive on the [web] listener
            builder = builder.updater(None)
        else:  # long polling: each answer to getUpdates is noted for /readyz
            builder = builder.get_updates_request(TimedUpdatesRequest(self.activity))
        delivery = self.config.delivery
        if self._dispatcher_rate is not None:
            delivery = delivery.model_copy(update={"rate_per_second": self._dispatcher_rate})
        # Command replies and the outbox share one budget: together they stay under the limit.
        budget = Budget(delivery.rate_per_second, group=group_size(delivery.rate_per_second))
        app = builder.rate_limiter(ReplyLimiter(budget)).context_types(CONTEXT_TYPES).build()
        data = app.bot_data
        assert isinstance(data, BotData)
        data.services = Services(
            sessions=sessions,
            clock=self.clock,
            admins=frozenset(telegram.admins),
            default_lang=self.config.bot.default_language,
        )
        for name, callback in COMMANDS:
            app.add_handler(
                CommandHandler(name, callback, block=name not in SLOW_COMMANDS)  # type: ignore[arg-type]
            )
        # Every command gets an answer, even one we do not know.
        # (Only in private chats: in a group the command may be meant for another bot.)
        app.add_handler(
            MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, resident.unknown)
        )
        # Inline buttons; and a private message that is not a command names a place (an offer
        # to subscribe) or gets a hint.
        app.add_handler(CallbackQueryHandler(picker.on_button))
        app.add_handler(
            MessageHandler(
                filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE,
                picker.plain_text,
                block=False,  # the answer to the address prompt asks the provider (SLOW_COMMANDS)
            )
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
        if self.config.allow_private_feeds:
            self._chat_http = self._http
        else:
            # Feeds added in the chat point where an admin says: every request and every
            # redirect hop goes only to a public address checked just before connecting.
            # trust_env=False: a proxy from the environment would connect instead of us.
            self._chat_http = httpx.AsyncClient(
                transport=GuardedTransport(
                    self._feed_transport or httpx.AsyncHTTPTransport(), resolver=self._resolver
                ),
                follow_redirects=True,
                trust_env=False,
                headers={"User-Agent": USER_AGENT},
            )
        assert self.engine is not None
        self.transactions = transactions_for(self.engine, sessions)
        self.dispatcher = Dispatcher(
            delivery_bot(telegram.token.get_secret_value(), telegram.base_url, delivery),
            sessions,
            clock=self.clock,
            default_lang=self.config.bot.default_language,
            config=delivery,
            budget=budget,
            metrics=self.metrics,
            may_send=self.may_send,
            transactions=self.transactions,
        )
        self.feeds = FeedManager(
            self.config,
            sessions=sessions,
            client=self._http,
            chat_client=self._chat_http,
            resolver=self._resolver,
            clock=self.clock,
            env=self._env,
            on_changes=self._on_changes,
            after_commit=self._after_commit,
            metrics=self.metrics,
            phase_plan=self._phase_plan,
        )
        # The path of a change: a poll commits it with its markers and calls on_changes;
        # the dispatcher sends what is queued already (channel posts), the fan-out queues
        # the rest once the dispatcher says the channel posts are out, and wakes it again.
        self.fanout = FanOut(
            sessions,
            clock=self.clock,
            on_rows=self._wake_dispatcher,
            channels_out=self.dispatcher.channel_posts_out,
            transactions=self.transactions,
        )
        data.feeds = self.feeds
        self.outages = OutageService(
            self.config,
            sessions=sessions,
            clock=self.clock,
            feeds=self.feeds,
            on_notices=self._wake_dispatcher,
        )
        data.outages = self.outages
        data.alert_map = AlertMap(sessions, clock=self.clock, renderer=self._map_renderer)
        # Health, metrics and the webhook listen from here, a standby's too: it answers
        # /healthz, and /readyz names it as not the leader.
        await self._start_web(app, sessions)

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

        # Delivery and the feeds do not wait for Telegram: what happens while it is
        # unreachable is queued in the outbox and sent once it answers (the dispatcher backs
        # off on network errors by itself).
        self.dispatcher.start()
        self.fanout.start()  # first of all, whatever a crash left half queued
        assert app.job_queue is not None
        if self._schedule_polls:
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
            app.job_queue.run_repeating(
                truce_notice_job(sessions, self.clock, self._wake_dispatcher),
                interval=truce_notices.INTERVAL_SECONDS,
                first=1,
                name="truce_notices",
                job_kwargs={"id": "truce_notices", "replace_existing": True, "max_instances": 1},
            )
        # The job queue runs before the application does, so polls go on without Telegram.
        await app.job_queue.start()
        if self._webhook is not None:
            self._webhook.start()  # the leader's: setWebhook, and kept set
        for source in self.push_sources:
            source.start()

        try:
            await self._connect_telegram()
        except InvalidToken:
            raise StartupError(TOKEN_REJECTED) from None
        except TelegramError as exc:
            if not _telegram_may_come_back(exc):
                raise
            self._telegram_task = asyncio.create_task(
                self._connect_telegram_in_background(exc), name="telegram-connect"
            )
        log.info(
            "bot_started",
            extra={
                "feeds": len(self.feeds.pollers),
                "admins": len(telegram.admins),
                "telegram": "connected" if self.telegram_connected.is_set() else "waiting",
            },
        )

    async def _connect_telegram(self) -> None:
        """getMe, the command menu, then long polling; each step is skipped once done, so a
        failed attempt can simply be repeated."""
        app = self.application
        assert app is not None
        await app.initialize()  # getMe: InvalidToken or NetworkError when it fails
        if not self._commands_set:
            try:
                for menu in command_menu.menus(self.config.telegram.admins):
                    await app.bot.set_my_commands(
                        menu.commands, scope=menu.scope, language_code=menu.language_code
                    )
                self._commands_set = True
            except InvalidToken:
                raise
            except TelegramError as exc:
                log.warning("set_commands_failed", extra={"error": str(exc)})
        if not app.running:
            await app.start()
        if app.updater is not None and not app.updater.running:  # None: webhook mode
            await app.updater.start_polling(
                poll_interval=0.0, timeout=10, drop_pending_updates=False
            )
        self.telegram_connected.set()

    async def _connect_telegram_in_background(self, first: TelegramError) -> None:
        delays = backoff_delays(*self._startup_backoff)
        delay = next(delays)
        log.warning(
            "telegram_unreachable",
            extra={"error": exception_summary(first), "retry_in": delay},
        )
        attempts = 1
        while True:
            await asyncio.sleep(delay)
            try:
                await self._connect_telegram()
            except InvalidToken:
                log.error("telegram_token_rejected")
                if self.fatal is not None and not self.fatal.done():
                    self.fatal.set_result(StartupError(TOKEN_REJECTED))
                return
            except TelegramError as exc:
                if not _telegram_may_come_back(exc):
                    raise
                attempts += 1
                delay = next(delays)
                log.debug("telegram_still_unreachable", extra={"attempts": attempts})
                continue
            log.info("telegram_reachable", extra={"failed_attempts": attempts})
            return

    # --- operations (issue 14) ------------------------------------------------------------

    async def _start_web(
        self,
        app: Application,  # type: ignore[type-arg]
        sessions: async_sessionmaker[AsyncSession],
    ) -> None:
        """The [web] listener (health, readiness, metrics, the public truce ledger; the webhook
        in webhook mode)."""
        web_config, telegram = self.config.web, self.config.telegram
        if not web_config.listen:
            return
        readiness = Readiness(
            sessions=sessions,
            clock=self.clock,
            stopping=lambda: self.stopping,
            is_leader=self.is_leader,
            activity=self.activity,
            max_undelivered_age=web_config.max_undelivered_age,
        )
        gauges = ScrapedGauges(
            self.metrics.registry,
            sessions=sessions,
            clock=self.clock,
            is_leader=self.is_leader,
            activity=self.activity,
        )
        server = WebServer(
            web_config.host,
            web_config.port,
            [health_routes(readiness), metrics_routes(self.metrics, gauges)],
        )
        if web_config.public_ledger:
            server.add(ledger_routes(PublicLedger(sessions, self.clock)))
        if telegram.webhook_url:
            secret = telegram.secret_token.get_secret_value()
            server.add(
                webhook_routes(
                    telegram.webhook_path,
                    secret,
                    update_queue=app.update_queue,
                    bot=app.bot,
                    activity=self.activity,
                    stopping=lambda: self.stopping,
                )
            )
            self._webhook = WebhookKeeper(app.bot, telegram.webhook_url, secret, self.activity)
        self._add_push_routes(server, sessions)
        await server.start()
        self.web = server

    def _add_push_routes(
        self, server: WebServer, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        """Push sources (issue 15): each on its URL's path; events applied once leading."""
        for feed in self.config.feeds:
            if feed.kind != "ukrainealarm_webhook" or feed.public_key_file is None:
                continue
            source = PushSource(
                feed.name,
                sessions=sessions,
                clock=self.clock,
                on_changes=self._on_changes,
                metrics=self.metrics,
            )
            server.add(
                ukrainealarm_push_routes(
                    feed.push_path,
                    load_public_key(feed.public_key_file),
                    source,
                    clock=self.clock,
                    may_take=lambda: self.is_leader() and not self.stopping,
                )
            )
            self.push_sources.append(source)

    # --- end of operations --------------------------------------------------------------

    def _wake_dispatcher(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    def _on_changes(self) -> None:
        # A poll committed changes: alert channel posts are queued already (wake the
        # dispatcher); the fan-out queues the rest from the markers the poll wrote.
        self._wake_dispatcher()
        if self.fanout is not None:
            self.fanout.wake()

    async def poll_now(self, name: str) -> PollOutcome[Any]:
        assert self.feeds is not None
        return await self.feeds.poll_now(name)

    async def stop(self) -> None:
        """Stop taking updates, finish the message in flight, close everything; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self.stopping = True  # readiness fails from this instant (issue 14)
        if self._webhook is not None:
            await self._webhook.stop()
        await cancel_and_wait(self._telegram_task)
        app = self.application
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            elif app.job_queue is not None and app.job_queue.scheduler.running:
                # Started on its own while Telegram was unreachable.
                await app.job_queue.stop()
        for source in self.push_sources:
            await source.stop()
        if self.fanout is not None:
            await self.fanout.stop()
        if self.dispatcher is not None:
            await self.dispatcher.stop()
        if app is not None:
            await app.shutdown()
        if self._chat_http is not None and self._chat_http is not self._http:
            await self._chat_http.aclose()
        if self._http is not None:
            await self._http.aclose()
        if self.web is not None:  # last: /readyz answers 503 for as long as the stop takes
            await self.web.stop()
        if self.transactions is not None:
            await self.transactions.close()
        if self.engine is not None:
            # dispose() closes the pooled connections only: one still out belongs to a task
            # that outlived the stop, and may hold a write lock the next process waits on.
            left = getattr(self.engine.pool, "checkedout", lambda: 0)()
            if left:
                log.warning("database_connections_left", extra={"connections": left})
            await self.engine.dispose()
        log.info("bot_stopped")

    # -- leader and standby (bot/operations/leader.py) ---------------------------------------------

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
            # A signal while still waiting for the database ends the wait.
            preparing = asyncio.create_task(self.prepare())
            await asyncio.wait({stopping, preparing}, return_when=asyncio.FIRST_COMPLETED)
            if not preparing.done():
                await cancel_and_wait(preparing)
                return 0
            preparing.result()  # a failed preparation raises here
            elected = asyncio.create_task(leader.acquire())
            await asyncio.wait({stopping, elected}, return_when=asyncio.FIRST_COMPLETED)
            if not elected.done():
                await cancel_and_wait(elected)
                return 0
            if elected.exception() is not None:
                log.error("leadership_lost", extra={"error": str(elected.exception())})
                return EXIT_LEADERSHIP_LOST
            await self.lead()  # StartupError if Telegram rejects the token
            # What is built by now lives as long as the process: out of the cyclic
            # collector's sight, a full collection no longer holds the event loop for
            # ~0.1 s in the middle of a broadcast (issue 15; bench/fanout.py does the same).
            gc.freeze()
            assert self.fatal is not None
            fatal = self.fatal  # set when Telegram rejects the token later, in the background
            lost = asyncio.create_task(leader.lost())
            waits: set[asyncio.Future[Any]] = {stopping, lost, fatal}
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if fatal.done():
                raise fatal.result()
            if lost.done():
                log.error("leadership_lost", extra={"error": "the leader lock is gone"})
                return EXIT_LEADERSHIP_LOST
            lost.cancel()
            return 0
        finally:
            stopping.cancel()
            await self.stop()
            await leader.release()
