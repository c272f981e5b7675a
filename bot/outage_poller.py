"""Polls one outage feed: fetch, parse, store with change detection; as the alert poller does,
it backs off on failure, logs once per outage and keeps the last good state."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.feed_health import FeedHealth
from feeds.fetch import FeedHTTPError, fetch
from feeds.model import FeedError, FeedFormatError
from feeds.outages import OUTAGE_KINDS, ParseContext
from feeds.outages.model import Announcement, OutageReport
from feeds.outages.timeline import kyiv_date
from feeds.source import CacheState
from storage import feeds as feed_store
from storage import outage_fanout
from storage import outages as outage_store
from storage.outage_fanout import PollChanges
from storage.outages import EventChange, ScheduleChange

log = logging.getLogger("alertbot.outages")

MAX_BACKOFF_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class OutageTarget:
    feed_id: int
    name: str
    kind: str
    url: str
    interval: float
    timeout: float
    region_id: str | None
    token: str | None = field(default=None, repr=False)


@dataclass(slots=True)
class OutagePollOutcome:
    ok: bool
    changed: bool = False
    schedules: list[ScheduleChange] = field(default_factory=list)
    events: list[EventChange] = field(default_factory=list)
    news: list[Announcement] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False


OnChanges = Callable[["OutageTarget", OutagePollOutcome], Awaitable[None]]


def _parse(
    parse: Callable[[bytes, ParseContext], OutageReport], body: bytes, context: ParseContext
) -> OutageReport:
    """A parser meets shapes nobody has seen; whatever it trips on fails the poll cleanly."""
    try:
        return parse(body, context)
    except FeedError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise FeedFormatError(f"unreadable answer: {type(exc).__name__}: {exc}") from None


class OutagePoller:
    def __init__(
        self,
        target: OutageTarget,
        *,
        client: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        on_changes: OnChanges,
        monotonic: Callable[[], float] = time.monotonic,
        after_commit: Callable[[str], None] = lambda _kind: None,
    ) -> None:
        self.target = target
        self._client = client
        self._sessions = sessions
        self._clock = clock
        self._on_changes = on_changes
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

    async def poll(self, *, force: bool = False) -> OutagePollOutcome:
        if not force and not self._health.due():
            return OutagePollOutcome(ok=False, skipped=True, error="backing off")
        kind = OUTAGE_KINDS[self.target.kind]
        async with self._sessions() as session:
            feed = await feed_store.get_feed(session, self.target.feed_id)
            if feed is None or not feed.enabled:
                return OutagePollOutcome(ok=False, skipped=True, error="paused")
            cache = feed_store.cache_state(feed)
        now = self._clock()
        try:
            result = await fetch(
                self._client,
                self.target.url,
                headers=kind.headers(self.target.token),
                etag=cache.etag,
                last_modified=cache.last_modified,
                timeout=self.target.timeout,
            )
            report = None
            if result.body is not None:
                context = ParseContext(kyiv_date(now), self.target.region_id, self.target.url)
                report = _parse(kind.parse, result.body, context)
        except FeedError as exc:
            retry_after = exc.retry_after if isinstance(exc, FeedHTTPError) else None
            await self._health.failed(str(exc), retry_after)
            return OutagePollOutcome(ok=False, error=str(exc))

        outcome = OutagePollOutcome(ok=True, changed=report is not None)
        async with self._sessions() as session, session.begin():
            if report is not None:
                name = self.target.name
                outcome.schedules = await outage_store.apply_schedules(
                    session, name, report.schedules, now
                )
                outcome.events = await outage_store.apply_events(session, name, report.events, now)
                outcome.news = await outage_store.apply_news(
                    session, name, report.announcements, now
                )
                await outage_store.forget_old(session, kyiv_date(now))
                # With the changes, the note that their notices are due: a crash before they
                # are queued leaves it for the next run (storage/outage_fanout.py).
                await outage_fanout.mark(
                    session,
                    PollChanges(
                        name,
                        self.target.kind,
                        self.target.region_id,
                        outcome.schedules,
                        outcome.events,
                        outcome.news,
                    ),
                    now,
                )
            await feed_store.record_success(
                session,
                self.target.feed_id,
                now,
                CacheState(result.etag, result.last_modified, cache.marker),
            )
        self._health.recovered()
        if outcome.schedules or outcome.events:
            log.info(
                "outage_changes",
                extra={
                    "feed": self.target.name,
                    "schedules": len(outcome.schedules),
                    "events": len(outcome.events),
                },
            )
        if outcome.schedules or outcome.events or outcome.news:
            self._after_commit("outage")
            await self._on_changes(self.target, outcome)
        return outcome
