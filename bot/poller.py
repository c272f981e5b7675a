"""Polls one feed: fetch, parse, merge into region state, and wake the dispatcher on news."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.feed_health import FeedHealth
from feeds import regions
from feeds.fetch import FeedHTTPError
from feeds.kinds import KINDS
from feeds.model import FeedError, Observation
from feeds.source import CacheState, ReadRequest
from storage import alerts as alert_store
from storage import feeds as feed_store
from storage import places
from storage.models import AlertEvent

log = logging.getLogger("alertbot.poller")

MAX_BACKOFF_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class PollTarget:
    feed_id: int
    name: str
    kind: str
    url: str
    interval: float
    timeout: float
    token: str | None = field(default=None, repr=False)


@dataclass(slots=True)
class PollOutcome:
    ok: bool
    changed: bool = False
    events: list[AlertEvent] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False


class FeedPoller:
    """State that must survive between polls of one feed: outage flag and back-off."""

    def __init__(
        self,
        target: PollTarget,
        *,
        client: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        on_events: Callable[[list[AlertEvent]], None],
        monotonic: Callable[[], float] = time.monotonic,
        after_commit: Callable[[str], None] = lambda _kind: None,
    ) -> None:
        self.target = target
        self._client = client
        self._sessions = sessions
        self._clock = clock
        self._on_events = on_events
        self._after_commit = after_commit
        self._health = FeedHealth(
            name=target.name,
            feed_id=target.feed_id,
            interval=target.interval,
            max_backoff=MAX_BACKOFF_SECONDS,
            sessions=sessions,
            clock=clock,
            monotonic=monotonic,
            log=log,
        )
        self._watchers: alert_store.Healthy | None = None
        self._reported: alert_store.Reported | None = None
        # The validators this poller last committed; read from the database once. Nothing
        # else changes them while it lives (pausing a feed clears them and drops its poller).
        self._cache: CacheState | None = None

    async def poll(self, *, force: bool = False) -> PollOutcome:
        if not force and not self._health.due():
            return PollOutcome(ok=False, skipped=True, error="backing off")
        kind = KINDS[self.target.kind]
        cache = self._cache
        if cache is None:
            async with self._sessions() as session:
                cache = await feed_store.cache_of(session, self.target.feed_id)
        try:
            result = await kind.read(
                ReadRequest(
                    client=self._client,
                    url=self.target.url,
                    token=self.target.token,
                    cache=cache,
                    timeout=self.target.timeout,
                )
            )
        except FeedError as exc:
            retry_after = exc.retry_after if isinstance(exc, FeedHTTPError) else None
            await self._health.failed(str(exc), retry_after)
            return PollOutcome(ok=False, error=str(exc))

        now = self._clock()
        touched: set[alert_store.Key] = set()
        report = self._reported
        async with self._sessions() as session, session.begin():
            if result.observations is not None:
                recorded = await alert_store.record_observations(
                    session, self.target.feed_id, result.observations, previous=self._reported
                )
                touched, report = recorded.touched, recorded.report
                await self._learn_places(session, result.observations, now)
            await feed_store.record_success(session, self.target.feed_id, now, result.cache)
            watchers = await alert_store.healthy_feeds(session, now)
            # Another feed went stale or came back (its report no longer, or again, counts):
            # every region is looked at, even on an unchanged answer.
            events = await alert_store.reconcile(
                session,
                source=self.target.name,
                now=now,
                only=None if watchers != self._watchers else touched,
                healthy=watchers,
            )
        # Only once committed: the next poll diffs against what is really stored.
        self._watchers = watchers
        self._reported = report
        self._cache = result.cache
        self._health.recovered()
        for event in events:
            log.info(
                "alert_%s",
                event.transition,
                extra={
                    "feed": self.target.name,
                    "region_id": event.region_id,
                    "kind": event.kind,
                    "event_id": event.id,
                },
            )
        if events:
            self._after_commit("alert")
            self._on_events(events)
        return PollOutcome(ok=True, changed=result.observations is not None, events=events)

    async def _learn_places(
        self, session: AsyncSession, observations: list[Observation], now: datetime
    ) -> None:
        # A hromada the registry has never heard of becomes subscribable once a source names it.
        learned = [
            regions.learned_from(o.region_id, o.region_title, o.place_level, o.parent_id)
            for o in observations
            if regions.get(o.region_id) is None and o.region_title != o.region_id
        ]
        if learned:
            added = await places.remember(session, learned, source=self.target.name, now=now)
            if added:
                log.info("places_learned", extra={"feed": self.target.name, "count": added})
