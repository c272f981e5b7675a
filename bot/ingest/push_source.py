"""A push source (issue 15): events the provider posts, applied as one more alert source.

The web handler (bot/web/push_ukrainealarm.py) verifies a request, answers at once and puts
the event on this source's queue; a task here applies the events in order, each in one
transaction as a poll's answer is (bot/ingest/alert_intake.py): the feed's health (its last good
delivery), its report for that region and kind only, and the merge with every other healthy
source (storage/merge.py ``reconcile``), then wakes delivery the same way a poll does.

A delivery's report counts for a minute (``PUSH_HOLD_INTERVAL``): long enough to start an
alert before the polls see it, short enough that a lost "end" is covered by polling. After a
longer silence the push feed's old reports are dropped before the next event is applied: what
it said then is no evidence now.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.aio import cancel_and_wait
from bot.operations.metrics import NO_METRICS, Metrics
from feeds import ukrainealarm_push
from feeds.source import CacheState
from feeds.ukrainealarm_push import PushEvent
from storage import feeds as feed_store
from storage import merge as alert_store
from storage.models import AlertEvent, Feed, FeedObservation
from storage.push_reports import record_region

log = logging.getLogger("alertbot.push")

QUEUE_LIMIT = 10_000  # events waiting; past it a delivery gets 503 and the provider retries


class PushSource:
    def __init__(
        self,
        name: str,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        on_changes: Callable[[], None],
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.name = name
        self._sessions = sessions
        self._clock = clock
        self._on_changes = on_changes
        self._metrics = metrics
        self._queue: asyncio.Queue[PushEvent] = asyncio.Queue(QUEUE_LIMIT)
        self._task: asyncio.Task[None] | None = None
        self.applied = 0  # events applied since start (tests and logs)

    def submit(self, event: PushEvent) -> bool:
        """Queue an event; False when the queue is full (the caller answers 503)."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            return False
        return True

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"push:{self.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                changes = await self.apply(event)
            except Exception as exc:
                # One event that cannot be stored must not stop the ones after it; polling
                # covers what it said.
                log.error(
                    "push_apply_failed",
                    exc_info=exc,
                    extra={"feed": self.name, "region_id": event.region_id},
                )
                continue
            if changes:
                for change in changes:
                    self._metrics.alert_event(change.kind, change.transition)
                    log.info(
                        "alert_%s",
                        change.transition,
                        extra={
                            "feed": self.name,
                            "region_id": change.region_id,
                            "kind": change.kind,
                            "event_id": change.id,
                        },
                    )
                self._on_changes()

    async def apply(self, event: PushEvent) -> list[AlertEvent]:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            feed = await session.scalar(select(Feed).where(Feed.name == self.name))
            if feed is None or not feed.enabled:
                log.warning("push_feed_gone", extra={"feed": self.name})
                return []
            hold = timedelta(seconds=max(3 * feed.interval, 60.0))
            if feed.last_success_at is None or now - _aware(feed.last_success_at, now) > hold:
                await session.execute(
                    delete(FeedObservation).where(FeedObservation.feed_id == feed.id)
                )
                ukrainealarm_push.HEARD.forget()
            # First, as a poll does: the merge counts only the reports of healthy feeds.
            await feed_store.record_success(session, feed.id, now, CacheState())
            kind = str(event.kind)
            ukrainealarm_push.HEARD.add(event.region_id, kind)
            touched = await record_region(session, feed.id, event.region_id, kind, event.active)
            changes = await alert_store.reconcile(session, source=self.name, now=now, only=touched)
        self.applied += 1
        log.info(
            "push_applied",
            extra={
                "feed": self.name,
                "region_id": event.region_id,
                "kind": kind,
                "active": event.active is not None,
                "changes": len(changes),
            },
        )
        return changes


def _aware(value: datetime, like: datetime) -> datetime:
    # SQLite hands back naive datetimes (stored as UTC).
    if value.tzinfo is None and like.tzinfo is not None:
        return value.replace(tzinfo=like.tzinfo)
    return value
