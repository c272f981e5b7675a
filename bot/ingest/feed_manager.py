"""The feeds the bot polls, of every kind: from the config file and added by admins in the
chat.

Every change (add, remove, pause, resume) takes effect at once: the poll job is added to or
removed from the JobQueue; nothing waits for a restart. Each feed has one ``FeedPoller``
(bot/ingest/poller.py) with its kind's intake: alerts (bot/ingest/alert_intake.py) or outages
(bot/ingest/outage_intake.py). A poll that committed changes calls ``on_changes``: the bot wakes the
fan-out, which queues their messages (bot/app.py).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ContextTypes, JobQueue

from bot.config import Config, FeedConfig
from bot.ingest.alert_intake import AlertIntake
from bot.ingest.outage_intake import OutageIntake
from bot.ingest.poll_phases import PhasePlan, next_poll_delay, place, plan_phases
from bot.ingest.poller import FeedPoller, PollOutcome, PollTarget, schedule_poll
from bot.ingest.region_sync import REGION_KINDS, SYNC_INTERVAL, sync_regions
from bot.ingest.truce_intake import TruceIntake
from bot.operations.metrics import NO_METRICS, Metrics
from feeds import truces_feed
from feeds.budgets import over_budget
from feeds.kinds import KINDS, PUSH_KINDS
from feeds.model import FeedError, Observation
from feeds.outages import OUTAGE_KINDS
from feeds.source import CacheState, ReadRequest
from feeds.urlcheck import Resolver, UnsafeURL, check_public, check_scheme, system_resolver
from storage.models import AlertEvent, Feed, FeedObservation

log = logging.getLogger("alertbot.feeds")

FIRST_POLL = 0.2  # seconds from scheduling to the epoch: the first alert poll

# The catalog key for a field of the feed model that refused a value given in the chat.
_FIELD_KEYS = {
    "name": "feed.bad_name",
    "kind": "feed.bad_kind",
    "url": "url.malformed",
    "interval": "feed.bad_interval",
    "token_env": "feed.bad_token_env",
}


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


def validated(name: str, kind: str, url: str, interval: float, token_env: str | None) -> FeedConfig:
    """The feed as the config file's model sees it: one validation for the file, the chat and
    the rows already stored. Raises pydantic's ValidationError."""
    return FeedConfig(name=name, kind=kind, url=url, interval=interval, token_env=token_env)


def _first_problem(exc: ValidationError) -> tuple[str, str]:
    """(field, message) of the first error, without the refused value (it may hold a secret)."""
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    return field, first["msg"].removeprefix("Value error, ")


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
        on_changes: Callable[[], None],
        after_commit: Callable[[str], None] = lambda _kind: None,
        chat_client: httpx.AsyncClient | None = None,
        resolver: Resolver = system_resolver,
        metrics: Metrics = NO_METRICS,
        monotonic: Callable[[], float] = time.monotonic,
        phase_plan: Callable[[Sequence[float]], PhasePlan] = plan_phases,
    ) -> None:
        self._metrics = metrics
        # The seam bench/latency.py replaces to compare feeds polled in step with random phases.
        self._phase_plan = phase_plan
        self._monotonic = monotonic
        # Alert feeds poll at epoch + phase + k * interval (bot/ingest/poll_phases.py): phases keep
        # them interleaved, and the shared epoch keeps them so whatever is added later.
        self._epoch = 0.0
        self._phases: dict[str, float] = {}
        self._config = config
        self._after_commit = after_commit
        self._sessions = sessions
        self._client = client
        # Feeds added in the chat: through the address guard (the same client if private
        # addresses are allowed).
        self._chat_client = chat_client or client
        self._resolver = resolver
        self._clients: dict[str, httpx.AsyncClient] = {}  # feed name -> the client it uses
        self._clock = clock
        self._env = env
        self._on_changes = on_changes
        self._job_queue: JobQueue | None = None  # type: ignore[type-arg]
        self.pollers: dict[str, FeedPoller[Any, Any]] = {}
        # Feeds already logged as skipped or stripped of their token: logged once per process.
        self._logged: set[tuple[str, str]] = set()

    def _first_time(self, event: str, feed: str) -> bool:
        """True the first time ``event`` happens to ``feed`` in this process (logged once)."""
        if (event, feed) in self._logged:
            return False
        self._logged.add((event, feed))
        return True

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
        self._epoch = self._monotonic() + FIRST_POLL
        alert_feeds = [p for p in self.pollers.values() if p.target.kind in KINDS]
        plan = self._phase_plan([p.target.interval for p in alert_feeds])
        self._phases = {
            poller.target.name: phase
            for poller, phase in zip(alert_feeds, plan.phases, strict=True)
        }
        log.info(
            "poll_phases",
            extra={
                "phases": {name: round(phase, 3) for name, phase in self._phases.items()},
                "median_detection_s": round(plan.median_delay, 2),
                "worst_detection_s": round(plan.worst_delay, 2),
            },
        )
        for poller in self.pollers.values():
            self._schedule(poller)

    def _token(self, feed: Feed) -> str | None:
        if feed.origin == "config":
            for configured in self._config.feeds:
                if configured.name == feed.name and configured.token is not None:
                    return configured.token.get_secret_value()
        elif feed.token_env and feed.token_env not in self._config.bot.chat_feed_token_envs:
            # Stored before the operator narrowed the list (or before there was one): the
            # admin chose the server, so the variable's value must not go there.
            if self._first_time("feed_token_env_refused", feed.name):
                log.warning(
                    "feed_token_env_refused",
                    extra={"feed": feed.name, "token_env": feed.token_env},
                )
            return None
        if feed.token_env:
            return self._env.get(feed.token_env) or None
        return None

    def _client_for(self, feed: Feed) -> httpx.AsyncClient:
        return self._client if feed.origin == "config" else self._chat_client

    def _poller(self, feed: Feed) -> FeedPoller[Any, Any] | None:
        intake: AlertIntake | OutageIntake | TruceIntake
        if feed.kind in PUSH_KINDS:
            # Not polled: the provider posts to the web server (bot/ingest/push_source.py).
            return None
        if feed.kind in OUTAGE_KINDS:
            intake = OutageIntake()
        elif feed.kind == truces_feed.KIND:
            intake = TruceIntake()
        elif feed.kind in KINDS:
            intake = AlertIntake()
        else:
            if self._first_time("feed_kind_unknown", feed.name):
                log.warning("feed_kind_unknown", extra={"feed": feed.name, "kind": feed.kind})
            return None
        try:
            validated(feed.name, feed.kind, feed.url, feed.interval, feed.token_env)
        except ValidationError as exc:
            # A row stored before the chat checked as much as the config: this feed is not
            # polled, every other one is.
            field, problem = _first_problem(exc)
            if self._first_time("feed_invalid_skipped", feed.name):
                log.warning(
                    "feed_invalid_skipped",
                    extra={"feed": feed.name, "field": field, "problem": problem},
                )
            return None
        timeout = min(10.0, feed.interval * 0.8)
        region_id = None
        for configured in self._config.feeds:
            if configured.name == feed.name:
                timeout = configured.poll_timeout
                region_id = configured.region
        target = PollTarget(
            feed_id=feed.id,
            name=feed.name,
            kind=feed.kind,
            url=feed.url,
            interval=feed.interval,
            timeout=timeout,
            token=self._token(feed),
            region_id=region_id,
        )
        self._clients[feed.name] = self._client_for(feed)
        return FeedPoller(
            target,
            intake,
            client=self._clients[feed.name],
            sessions=self._sessions,
            clock=self._clock,
            on_changes=self._changes_recorded,
            after_commit=self._after_commit,
        )

    def _changes_recorded(self, changes: object) -> None:
        if isinstance(changes, list):
            for event in changes:  # metrics: alert events by kind and transition
                if isinstance(event, AlertEvent):
                    self._metrics.alert_event(event.kind, event.transition)
        self._on_changes()

    async def _poll(self, poller: FeedPoller[Any, Any], *, force: bool = False) -> PollOutcome[Any]:
        """One poll, timed and counted for the metrics (a skipped tick is not a poll)."""
        started = time.monotonic()
        outcome = await poller.poll(force=force)
        if not outcome.skipped:  # metrics: polls by feed and outcome, and their duration
            self._metrics.poll(
                poller.target.name, "ok" if outcome.ok else "error", time.monotonic() - started
            )
        return outcome

    @staticmethod
    def _job_id(poller: FeedPoller[Any, Any]) -> str:
        prefix = "outage_poll" if poller.target.kind in OUTAGE_KINDS else "poll"
        return f"{prefix}:{poller.target.name}"

    def _schedule(self, poller: FeedPoller[Any, Any]) -> None:
        if self._job_queue is None:
            return
        target = poller.target
        if target.kind not in KINDS:
            # Outage sources and truce registries are slow to change and carry no alerts:
            # their first polls are spread out, outside the alert feeds' phases.
            schedule_poll(
                self._job_queue, poller, self._job_id(poller), first=(0.5, 5.0), run=self._poll
            )
            return
        phase = self._phases.get(target.name)
        if phase is None:
            # Added or resumed while the others run: it fits in beside them, they keep theirs.
            others = [
                (self.pollers[name].target.interval, other)
                for name, other in self._phases.items()
                if name in self.pollers and name != target.name
            ]
            phase = place([i for i, _ in others], [p for _, p in others], target.interval)
            self._phases[target.name] = phase
        delay = next_poll_delay(self._monotonic(), self._epoch, target.interval, phase)
        schedule_poll(self._job_queue, poller, self._job_id(poller), first=delay, run=self._poll)

    def schedule_region_sync(self, job_queue: JobQueue) -> None:  # type: ignore[type-arg]
        """Learn the full region tree from the first ukrainealarm-like feed, daily."""
        for poller in self.pollers.values():
            target = poller.target
            if target.kind not in REGION_KINDS:
                continue

            client = self._clients.get(target.name, self._chat_client)

            async def _sync(
                _context: ContextTypes.DEFAULT_TYPE,
                target: PollTarget = target,
                client: httpx.AsyncClient = client,
            ) -> None:
                await sync_regions(
                    client,
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
        self._phases.pop(name, None)
        poller = self.pollers.get(name)
        if self._job_queue is None or poller is None:
            return
        for job in self._job_queue.get_jobs_by_name(self._job_id(poller)):
            job.schedule_removal()

    # --- polling ---------------------------------------------------------------------

    async def poll_now(self, name: str) -> PollOutcome[Any]:
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
        try:
            validated(name, kind, url, interval, token_env)
        except ValidationError as exc:
            field, problem = _first_problem(exc)
            key = _FIELD_KEYS.get(field, "feed.invalid")
            raise FeedCommandError(
                key, kind=kind, kinds=", ".join(KINDS), problem=problem
            ) from None
        allowed = self._config.bot.chat_feed_token_envs
        if token_env and token_env not in allowed:
            raise FeedCommandError(
                "feed.token_env_not_allowed", var=token_env, allowed=", ".join(allowed) or "—"
            )
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
            await check_public(
                url, allow_private=self._config.allow_private_feeds, resolver=self._resolver
            )
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
                    client=self._client_for(feed),
                    url=feed.url,
                    token=self._token(feed),
                    cache=CacheState(),
                    timeout=min(10.0, feed.interval * 0.8),
                )
            )
        except FeedError as exc:
            raise FeedCommandError("feed.test_failed", error=str(exc)) from None
        return result.parsed or []
