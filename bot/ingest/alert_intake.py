"""The alert part of a poll (bot/ingest/poller.py): observations merged into region state and
events, whose channel posts and fan-out marker commit with them (storage/merge.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.ingest.poller import PollTarget
from feeds import regions
from feeds.kinds import KINDS
from feeds.model import Observation
from feeds.source import Reader
from storage import audience as audience_store
from storage import merge as alert_store
from storage import places
from storage.models import AlertEvent

log = logging.getLogger("alertbot.poller")


@dataclass(slots=True)
class _Staged:
    """What a poll's transaction learned, kept for the next poll once it committed."""

    watchers: alert_store.Healthy
    report: alert_store.Reported | None


class AlertIntake:
    label = "alert"
    log = log
    max_backoff = 60.0

    def __init__(self) -> None:
        self._watchers: alert_store.Healthy | None = None
        self._reported: alert_store.Reported | None = None
        self._staged: _Staged | None = None
        # Threat changes held back by the one-update-a-minute rule: looked at on every poll
        # until they go out, even when the feed's answer stays the same.
        self._held: set[audience_store.Key] = set()
        self._held_staged: set[audience_store.Key] = set()

    def reader(self, target: PollTarget, now: datetime) -> Reader:
        return KINDS[target.kind].read

    async def store(
        self,
        session: AsyncSession,
        target: PollTarget,
        parsed: list[Observation] | None,
        now: datetime,
    ) -> list[AlertEvent]:
        touched: set[audience_store.Key] = set()
        report = self._reported
        if parsed is not None:
            recorded = await alert_store.record_observations(
                session, target.feed_id, parsed, previous=self._reported
            )
            touched, report = recorded.touched, recorded.report
            await _learn_places(session, target.name, parsed, now)
        watchers = await alert_store.healthy_feeds(session, now)
        self._staged = _Staged(watchers, report)
        # Another feed went stale or came back (its report no longer, or again, counts):
        # every region is looked at, even on an unchanged answer.
        self._held_staged = set()
        return await alert_store.reconcile(
            session,
            source=target.name,
            now=now,
            only=None if watchers != self._watchers else touched | self._held,
            healthy=watchers,
            held=self._held_staged,
        )

    def committed(self, target: PollTarget, changes: list[AlertEvent]) -> bool:
        if self._staged is not None:
            self._watchers, self._reported = self._staged.watchers, self._staged.report
            self._staged = None
            self._held = self._held_staged
        for event in changes:
            log.info(
                "alert_%s",
                event.transition,
                extra={
                    "feed": target.name,
                    "region_id": event.region_id,
                    "kind": event.kind,
                    "event_id": event.id,
                },
            )
        return bool(changes)


async def _learn_places(
    session: AsyncSession, feed: str, observations: list[Observation], now: datetime
) -> None:
    # A hromada the registry has never heard of becomes subscribable once a source names it.
    learned = [
        regions.learned_from(o.region_id, o.region_title, o.place_level, o.parent_id)
        for o in observations
        if regions.get(o.region_id) is None and o.region_title != o.region_id
    ]
    if learned:
        added = await places.remember(session, learned, source=feed, now=now)
        if added:
            log.info("places_learned", extra={"feed": feed, "count": added})
