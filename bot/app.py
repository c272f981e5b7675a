"""The running bot: database, Telegram application, feed pollers and the outbox dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands import resident, truces
from bot.config import Config
from bot.dispatcher import Dispatcher
from bot.i18n import t
from bot.poller import FeedPoller, PollOutcome, PollTarget
from bot.services import SERVICES_KEY, Services
from storage import feeds as feed_store
from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import Feed, FeedObservation

log = logging.getLogger("alertbot")

USER_AGENT = "alertbot/0.1 (+https://github.com/; Telegram air-raid relay)"

COMMANDS: list[tuple[str, Callable[..., object]]] = [
    ("start", resident.start),
    ("help", resident.start),
    ("subscribe", resident.subscribe),
    ("unsubscribe", resident.unsubscribe),
    ("mysubs", resident.mysubs),
    ("status", resident.status),
    ("lang", resident.lang),
    ("truces", truces.truces),
    ("truce_set", truces.truce_set),
    ("truce_end", truces.truce_end),
]

MENU = [
    ("subscribe", "Підписатися на регіон / Subscribe to a region"),
    ("unsubscribe", "Відписатися / Unsubscribe"),
    ("mysubs", "Мої підписки / My subscriptions"),
    ("status", "Стан моїх регіонів / Status of my regions"),
    ("truces", "Оголошені паузи ударів / Announced strike pauses"),
    ("lang", "Мова / Language"),
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
        dispatcher_rate: float = 28.0,
    ) -> None:
        self.config = config
        self.clock = clock
        self._feed_transport = feed_transport
        self._schedule_polls = schedule_polls
        self._dispatcher_rate = dispatcher_rate
        self.engine: AsyncEngine | None = None
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self.application: Application | None = None  # type: ignore[type-arg]
        self.dispatcher: Dispatcher | None = None
        self.pollers: dict[str, FeedPoller] = {}
        self._http: httpx.AsyncClient | None = None
        self._stopped = False

    async def prepare_database(self) -> async_sessionmaker[AsyncSession]:
        """Migrate, then make the config's feeds match the database."""
        self.engine = create_engine(self.config.database.url)
        await migrate.upgrade(self.engine)
        self.sessions = session_factory(self.engine)
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

    async def start(self) -> None:
        sessions = await self.prepare_database()
        telegram = self.config.telegram
        builder = ApplicationBuilder().token(telegram.token.get_secret_value())
        if telegram.base_url:
            builder = builder.base_url(telegram.base_url)
        app = builder.build()
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
        app.add_error_handler(_on_error)
        self.application = app

        self._http = httpx.AsyncClient(
            transport=self._feed_transport,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
        )
        self.dispatcher = Dispatcher(
            app.bot,
            sessions,
            clock=self.clock,
            default_lang=self.config.bot.default_language,
            rate_per_second=self._dispatcher_rate,
        )
        await self._make_pollers(sessions)

        await app.initialize()
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in MENU])
        except TelegramError as exc:
            log.warning("set_commands_failed", extra={"error": str(exc)})
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=10, drop_pending_updates=False)
        self.dispatcher.start()
        if self._schedule_polls:
            self._schedule(app)
        log.info(
            "bot_started",
            extra={"feeds": len(self.pollers), "admins": len(telegram.admins)},
        )

    async def _make_pollers(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        assert self._http is not None
        async with sessions() as session:
            rows = {f.name: f for f in (await session.scalars(select(Feed))).all()}
        for feed in self.config.feeds:
            row = rows[feed.name]
            target = PollTarget(
                feed_id=row.id,
                name=feed.name,
                kind=feed.kind,
                url=feed.url,
                interval=feed.interval,
                timeout=feed.poll_timeout,
                token=feed.token.get_secret_value() if feed.token else None,
            )
            self.pollers[feed.name] = FeedPoller(
                target,
                client=self._http,
                sessions=sessions,
                clock=self.clock,
                on_events=lambda _events: self.dispatcher.wake() if self.dispatcher else None,
            )

    def _schedule(self, app: Application) -> None:  # type: ignore[type-arg]
        assert app.job_queue is not None
        for name, poller in self.pollers.items():
            interval = poller.target.interval

            async def _tick(
                _context: ContextTypes.DEFAULT_TYPE, poller: FeedPoller = poller
            ) -> None:
                await poller.poll()

            app.job_queue.run_repeating(
                _tick,
                interval=interval,
                # Staggered so several feeds do not all fire in the same instant.
                first=random.uniform(0.1, min(2.0, interval)),
                name=f"poll:{name}",
                job_kwargs={
                    "id": f"poll:{name}",
                    "replace_existing": True,
                    "max_instances": 1,
                    "coalesce": True,
                    "misfire_grace_time": max(1, int(interval)),
                },
            )

    async def poll_now(self, name: str) -> PollOutcome:
        return await self.pollers[name].poll(force=True)

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
        if self.dispatcher is not None:
            await self.dispatcher.stop()
        if app is not None:
            await app.shutdown()
        if self._http is not None:
            await self._http.aclose()
        if self.engine is not None:
            await self.engine.dispose()
        log.info("bot_stopped")

    async def run_until_signalled(self) -> None:
        """Run until SIGINT or SIGTERM, then finish in-flight work and exit."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
