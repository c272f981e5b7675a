"""The feeds the bot polls: from the config file and added by admins in the chat.

Every change (add, remove, pause, resume) takes effect at once: the poll job is added to or
removed from the JobQueue; nothing waits for a restart.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ContextTypes, JobQueue

from bot.config import Config
from bot.metrics import NO_METRICS, Metrics
from bot.poller import FeedPoller, PollOutcome, PollTarget
from bot.region_sync import REGION_KINDS, SYNC_INTERVAL, sync_regions
from feeds.budgets import over_budget
from feeds.kinds import KINDS
from feeds.model import FeedError, Observation
from feeds.outages import OUTAGE_KINDS
from feeds.source import CacheState, ReadRequest
from feeds.urlcheck import UnsafeURL, check_public, check_scheme
from storage.models import AlertEvent, Feed, FeedObservation

log = logging.getLogger("alertbot.feeds")

MIN_INTERVAL = 2.0


class FeedCommandError(Exception):
    """A feed change that cannot be made; ``key`` picks the catalog message."""

    def __init__(self, key: str, /, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class FeedInfo:
    name: str
    kind: str
    url: str
    interval: float
    origin: str
    enabled: bool
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    failures: int


def _info(feed: Feed) -> FeedInfo:
    return FeedInfo(
        feed.name,
        feed.kind,
        feed.url,
        feed.interval,
        feed.origin,
        feed.enabled,
        feed.last_success_at,
        feed.last_error_at,
        feed.last_error,
        feed.failures,
    )


class FeedManager:
    def __init__(
        self,
        config: Config,
        *,
        sessions: async_sessionmaker[AsyncSession],
        client: httpx.AsyncClient,
        clock: Callable[[], datetime],
        env: Mapping[str, str],
        on_events: Callable[[], None],
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._metrics = metrics
        self._config = config
        self._sessions = sessions
        self._client = client
        self._clock = clock
        self._env = env
        self._on_events = on_events
        self._job_queue: JobQueue | None = None  # type: ignore[type-arg]
        self.pollers: dict[str, FeedPoller] = {}

    # --- lifecycle -------------------------------------------------------------------

    async def load(self) -> None:
        """Pollers for every enabled feed in the database (config feeds were upserted)."""
        async with self._sessions() as session:
            feeds = (await session.scalars(select(Feed).where(Feed.enabled))).all()
        for feed in feeds:
            poller = self._poller(feed)
            if poller is not None:
                self.pollers[feed.name] = poller

    def schedule_all(self, job_queue: JobQueue) -> None:  # type: ignore[type-arg]
        self._job_queue = job_queue
        for poller in self.pollers.values():
            self._schedule(poller)

    def _token(self, feed: Feed) -> str | None:
        for configured in self._config.feeds:
            if configured.name == feed.name and configured.token is not None:
                return configured.token.get_secret_value()
        if feed.token_env:
            return self._env.get(feed.token_env) or None
        return None

    def _poller(self, feed: Feed) -> FeedPoller | None:
        if feed.kind in OUTAGE_KINDS:
            return None  # polled by bot.outage_service
        if feed.kind not in KINDS:
            log.warning("feed_kind_unknown", extra={"feed": feed.name, "kind": feed.kind})
            return None
        timeout = min(10.0, feed.interval * 0.8)
        for configured in self._config.feeds:
            if configured.name == feed.name:
                timeout = configured.poll_timeout
        target = PollTarget(
            feed_id=feed.id,
            name=feed.name,
            kind=feed.kind,
            url=feed.url,
            interval=feed.interval,
            timeout=timeout,
            token=self._token(feed),
        )
        return FeedPoller(
            target,
            client=self._client,
            sessions=self._sessions,
            clock=self._clock,
            on_events=self._events_recorded,
        )

    def _events_recorded(self, events: list[AlertEvent]) -> None:
        for event in events:  # metrics: alert events by kind and transition
            self._metrics.alert_event(event.kind, event.transition)
        self._on_events()

    async def _poll(self, poller: FeedPoller, *, force: bool = False) -> PollOutcome:
        """One poll, timed and counted for the metrics (a skipped tick is not a poll)."""
        started = time.monotonic()
        outcome = await poller.poll(force=force)
        if not outcome.skipped:  # metrics: polls by feed and outcome, and their duration
            self._metrics.poll(
                poller.target.name, "ok" if outcome.ok else "error", time.monotonic() - started
            )
        return outcome

    def _schedule(self, poller: FeedPoller) -> None:
        if self._job_queue is None:
            return
        name = poller.target.name
        interval = poller.target.interval

        async def _tick(_context: ContextTypes.DEFAULT_TYPE) -> None:
            await self._poll(poller)

        self._job_queue.run_repeating(
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

    def schedule_region_sync(self, job_queue: JobQueue) -> None:  # type: ignore[type-arg]
        """Learn the full region tree from the first ukrainealarm-like feed, daily."""
        for poller in self.pollers.values():
            target = poller.target
            if target.kind not in REGION_KINDS:
                continue

            async def _sync(
                _context: ContextTypes.DEFAULT_TYPE, target: PollTarget = target
            ) -> None:
                await sync_regions(
                    self._client,
                    feed_name=target.name,
                    kind=target.kind,
                    url=target.url,
                    token=target.token,
                    sessions=self._sessions,
                    clock=self._clock,
                )

            job_queue.run_repeating(
                _sync,
                interval=SYNC_INTERVAL,
                first=random.uniform(3.0, 10.0),
                name="regions:sync",
                job_kwargs={"id": "regions:sync", "replace_existing": True, "max_instances": 1},
            )
            return

    def _unschedule(self, name: str) -> None:
        if self._job_queue is None:
            return
        for job in self._job_queue.get_jobs_by_name(f"poll:{name}"):
            job.schedule_removal()

    # --- polling ---------------------------------------------------------------------

    async def poll_now(self, name: str) -> PollOutcome:
        return await self._poll(self.pollers[name], force=True)

    # --- admin operations ------------------------------------------------------------

    async def list_feeds(self) -> list[FeedInfo]:
        async with self._sessions() as session:
            feeds = (await session.scalars(select(Feed).order_by(Feed.name))).all()
        return [_info(f) for f in feeds]

    async def _get(self, session: AsyncSession, name: str) -> Feed:
        feed = await session.scalar(select(Feed).where(Feed.name == name))
        if feed is None:
            raise FeedCommandError("feed.unknown", name=name)
        return feed

    async def add(
        self, name: str, kind: str, url: str, *, interval: float, token_env: str | None
    ) -> FeedInfo:
        try:
            check_scheme(url)
        except UnsafeURL as exc:
            raise FeedCommandError(f"url.{exc.reason}", **exc.values) from None
        if kind not in KINDS:
            raise FeedCommandError("feed.bad_kind", kind=kind, kinds=", ".join(KINDS))
        if interval < MIN_INTERVAL:
            raise FeedCommandError("feed.bad_interval")
        if KINDS[kind].needs_token and not (token_env and self._env.get(token_env)):
            raise FeedCommandError("feed.needs_token", kind=kind)
        async with self._sessions() as session:
            existing = [
                (f.name, f.kind, f.url, f.interval)
                for f in (await session.scalars(select(Feed).where(Feed.enabled))).all()
            ]
        excess = over_budget([*existing, (name, kind, url, interval)])
        if excess is not None:
            raise FeedCommandError(
                "feed.over_budget",
                host=excess.host,
                per_minute=round(excess.total),
                limit=round(excess.limit),
                minimum=f"{excess.min_interval:g}" if excess.min_interval else "—",
            )
        try:
            await check_public(url, allow_private=self._config.allow_private_feeds)
        except UnsafeURL as exc:
            raise FeedCommandError(f"url.{exc.reason}", **exc.values) from None
        async with self._sessions() as session, session.begin():
            if await session.scalar(select(Feed.id).where(Feed.name == name)) is not None:
                raise FeedCommandError("feed.exists", name=name)
            feed = Feed(
                name=name,
                kind=kind,
                url=url,
                interval=interval,
                token_env=token_env,
                origin="chat",
                enabled=True,
                failures=0,
            )
            session.add(feed)
            await session.flush()
        poller = self._poller(feed)
        if poller is not None:
            self.pollers[name] = poller
            self._schedule(poller)
        log.info("feed_added", extra={"feed": name, "kind": kind, "interval": interval})
        return _info(feed)

    async def remove(self, name: str) -> None:
        async with self._sessions() as session, session.begin():
            feed = await self._get(session, name)
            if feed.origin == "config":
                raise FeedCommandError("feed.in_config", name=name)
            await session.delete(feed)
        self._unschedule(name)
        self.pollers.pop(name, None)
        log.info("feed_removed", extra={"feed": name})

    async def set_enabled(self, name: str, enabled: bool) -> bool:
        """Pause or resume; False if it already was in that state."""
        async with self._sessions() as session, session.begin():
            feed = await self._get(session, name)
            if feed.enabled == enabled:
                return False
            feed.enabled = enabled
            if not enabled:
                # Its cache validators would make the first poll after a resume a 304 with no
                # report at all, which would read as every alert having ended.
                feed.etag = feed.last_modified = feed.cache_marker = None
                # A paused feed must not hold alerts open with its last report.
                await session.execute(
                    delete(FeedObservation).where(FeedObservation.feed_id == feed.id)
                )
        if enabled:
            poller = self._poller(feed)
            if poller is not None:
                self.pollers[name] = poller
                self._schedule(poller)
        else:
            self._unschedule(name)
            self.pollers.pop(name, None)
        log.info("feed_resumed" if enabled else "feed_paused", extra={"feed": name})
        return True

    async def test(self, name: str) -> list[Observation]:
        """Fetch and parse once, without touching the stored state or health."""
        async with self._sessions() as session:
            feed = await self._get(session, name)
        kind = KINDS.get(feed.kind)
        if kind is None:
            raise FeedCommandError("feed.bad_kind", kind=feed.kind, kinds=", ".join(KINDS))
        try:
            result = await kind.read(
                ReadRequest(
                    client=self._client,
                    url=feed.url,
                    token=self._token(feed),
                    cache=CacheState(),
                    timeout=min(10.0, feed.interval * 0.8),
                )
            )
        except FeedError as exc:
            raise FeedCommandError("feed.test_failed", error=str(exc)) from None
        return result.observations or []
