"""Polls one feed, of any kind: read it, store what it says in one transaction with the feed's
health, and hand on what changed; back off while it fails.

The kind-specific part is the :class:`Intake` passed in: how to read the source (a
``feeds.source`` reader) and what to make of its answer in the poll's transaction. Alert
feeds produce observations merged into events (bot/ingest/alert_intake.py); outage feeds
produce schedules, emergency outages and news (bot/ingest/outage_intake.py). Either way the
messages a change causes are queued later by the fan-out from a marker written in that same
transaction, so a crash between the commit and the queueing loses nothing.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ContextTypes, JobQueue

from bot.ingest.feed_health import FeedHealth
from feeds.fetch import FeedHTTPError
from feeds.model import FeedError
from feeds.source import CacheState, ReadRequest, SourceReader
from storage import feeds as feed_store

P = TypeVar("P")  # what a source's answer parses into
C = TypeVar("C")  # what a poll changed


@dataclass(frozen=True, slots=True)
class PollTarget:
    feed_id: int
    name: str
    kind: str
    url: str
    interval: float
    timeout: float
    token: str | None = field(default=None, repr=False)
    region_id: str | None = None  # outage feeds: the region a feed serves, if configured


@dataclass(slots=True)
class PollOutcome(Generic[C]):
    ok: bool
    changed: bool = False
    changes: C | None = None
    error: str | None = None
    skipped: bool = False


class Intake(Protocol[P, C]):
    """The kind-specific part of a poll. One instance per feed: it may keep state between
    polls (it is told when a poll's transaction committed)."""

    label: str  # "alert" or "outage": logs and the after-commit seam
    log: logging.Logger
    max_backoff: float

    def reader(self, target: PollTarget, now: datetime) -> SourceReader[P]: ...

    async def store(
        self, session: AsyncSession, target: PollTarget, parsed: P | None, now: datetime
    ) -> C:
        """In the poll's transaction: store the answer (None: the source said "unchanged"),
        with the marker of the messages its changes cause."""

    def committed(self, target: PollTarget, changes: C) -> bool:
        """After the commit; True if ``changes`` have messages to queue."""


class FeedPoller(Generic[P, C]):
    """State that must survive between polls of one feed: health, back-off, validators."""

    def __init__(
        self,
        target: PollTarget,
        intake: Intake[P, C],
        *,
        client: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        on_changes: Callable[[C], None],
        monotonic: Callable[[], float] = time.monotonic,
        after_commit: Callable[[str], None] = lambda _kind: None,
    ) -> None:
        self.target = target
        self.intake = intake
        self._client = client
        self._sessions = sessions
        self._clock = clock
        self._on_changes = on_changes
        self._after_commit = after_commit
        self._health = FeedHealth(
            name=target.name,
            feed_id=target.feed_id,
            interval=target.interval,
            max_backoff=intake.max_backoff,
            sessions=sessions,
            clock=clock,
            monotonic=monotonic,
            log=intake.log,
        )
        # The validators this poller last committed; read from the database once. Nothing
        # else changes them while it lives (pausing a feed clears them and drops its poller).
        self._cache: CacheState | None = None

    async def poll(self, *, force: bool = False) -> PollOutcome[C]:
        if not force and not self._health.due():
            return PollOutcome(ok=False, skipped=True, error="backing off")
        cache = self._cache
        if cache is None:
            async with self._sessions() as session:
                cache = await feed_store.cache_of(session, self.target.feed_id)
        read = self.intake.reader(self.target, self._clock())
        try:
            result = await read(
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
        async with self._sessions() as session, session.begin():
            # First: the merge counts only the reports of feeds that answer (this one does).
            await feed_store.record_success(session, self.target.feed_id, now, result.cache)
            changes = await self.intake.store(session, self.target, result.parsed, now)
        # Only once committed: the next poll diffs against what is really stored.
        self._cache = result.cache
        self._health.recovered()
        if self.intake.committed(self.target, changes):
            self._after_commit(self.intake.label)
            self._on_changes(changes)
        return PollOutcome(ok=True, changed=result.parsed is not None, changes=changes)


def schedule_poll(
    job_queue: JobQueue[Any],
    poller: FeedPoller[Any, Any],
    job_id: str,
    *,
    first: tuple[float, float] | float,
    run: Callable[[FeedPoller[Any, Any]], Awaitable[object]] | None = None,
) -> None:
    """A repeating job for ``poller``. ``first``: seconds from now to the first poll, or a
    range to pick it at random from, so several feeds do not all fire in the same instant.
    Later polls keep to the first one's grid (APScheduler's interval trigger counts from its
    start, and a back-off skips ticks rather than moving them)."""
    interval = poller.target.interval
    if isinstance(first, tuple):
        first = random.uniform(first[0], min(first[1], interval))

    async def _poll(_context: ContextTypes.DEFAULT_TYPE) -> None:
        if run is None:
            await poller.poll()
        else:
            await run(poller)  # the feed manager's: the poll timed and counted for the metrics

    job_queue.run_repeating(
        _poll,
        interval=interval,
        first=first,
        name=job_id,
        job_kwargs={
            "id": job_id,
            "replace_existing": True,
            "max_instances": 1,
            "coalesce": True,
            "misfire_grace_time": max(1, int(interval)),
        },
    )
