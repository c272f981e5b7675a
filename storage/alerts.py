"""Region alert state: merge what the feeds report, diff against what was announced, and turn
every change into an event, truce evidence and outbox rows in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from feeds import regions
from feeds.kinds import covers
from feeds.model import AlertKind, Observation
from storage.models import (
    AlertEvent,
    AlertState,
    Chat,
    Feed,
    FeedObservation,
    Outbox,
    Subscription,
    TruceEvidence,
)
from storage.truces import list_truces

Key = tuple[str, str]  # (region_id, kind)


def priority_for(kind: str) -> int:
    """Lower is sooner: air-raid starts and ends go out before anything else."""
    return 0 if kind == AlertKind.AIR_RAID else 1


@dataclass(frozen=True, slots=True)
class ActiveAlert:
    region_id: str
    region_title: str
    kind: str
    since: datetime | None


async def record_observations(
    session: AsyncSession, feed_id: int, observations: Iterable[Observation]
) -> None:
    """Replace what feed ``feed_id`` reports as active with ``observations``."""
    await session.execute(delete(FeedObservation).where(FeedObservation.feed_id == feed_id))
    rows = [
        {
            "feed_id": feed_id,
            "region_id": o.region_id,
            "kind": str(o.kind),
            "region_title": o.region_title,
            "since": o.since,
            "level": o.level,
            "threat": o.threat,
        }
        for o in observations
    ]
    if rows:
        await session.execute(insert(FeedObservation), rows)


def healthy(feed: Feed, now: datetime) -> bool:
    """A feed counts while its last good poll is recent: a few intervals, at least a minute."""
    if not feed.enabled or feed.last_success_at is None:
        return False
    return now - feed.last_success_at <= timedelta(seconds=max(3 * feed.interval, 60.0))


@dataclass(frozen=True, slots=True)
class Merged:
    active: dict[Key, ActiveAlert]
    watchers: list[Feed]  # the healthy feeds: only they can end an alert

    def watched(self, region_id: str, kind: str) -> bool:
        return any(covers(feed.kind, region_id, kind) for feed in self.watchers)


async def _merged(session: AsyncSession, now: datetime) -> Merged:
    """An alert is on while any healthy feed reports it; it began at the earliest report."""
    feeds = {f.id: f for f in (await session.scalars(select(Feed))).all()}
    watchers = {i: f for i, f in feeds.items() if healthy(f, now)}
    result = await session.scalars(
        select(FeedObservation).where(FeedObservation.feed_id.in_(list(watchers)))
    )
    merged: dict[Key, ActiveAlert] = {}
    for row in result:
        key = (row.region_id, row.kind)
        earlier = merged.get(key)
        if earlier is None or (
            row.since is not None and (earlier.since is None or row.since < earlier.since)
        ):
            merged[key] = ActiveAlert(row.region_id, row.region_title, row.kind, row.since)
    return Merged(merged, list(watchers.values()))


async def reconcile(session: AsyncSession, *, source: str, now: datetime) -> list[AlertEvent]:
    """Announce every difference between the merged feed state and the announced state.

    Merge rule: an alert starts when the first healthy source reports it and ends when no
    healthy source reports it any more. While no healthy source covers a region (every feed
    for it failing), its announced state is kept: silence from a broken feed is not all clear.
    """
    merged = await _merged(session, now)
    states = {(s.region_id, s.kind): s for s in (await session.scalars(select(AlertState))).all()}
    events: list[AlertEvent] = []
    for key, alert in sorted(merged.active.items()):
        state = states.get(key)
        if state is not None and state.active:
            continue
        if state is None:
            state = AlertState(region_id=alert.region_id, kind=alert.kind)
            session.add(state)
        state.region_title = alert.region_title
        state.active = True
        state.since = alert.since or now
        state.changed_at = now
        events.append(_event(alert.region_id, alert.region_title, alert.kind, "start", state.since))
    for key, state in sorted(states.items()):
        if state.active and key not in merged.active and merged.watched(*key):
            state.active = False
            state.changed_at = now
            events.append(_event(state.region_id, state.region_title, state.kind, "end", now))
    for event in events:
        event.detected_at = now
        event.source = source
    if events:
        session.add_all(events)
        await session.flush()
        await _record_evidence(session, events, now)
        await _enqueue(session, events, now)
    return events


def _event(
    region_id: str, title: str, kind: str, transition: str, occurred_at: datetime
) -> AlertEvent:
    return AlertEvent(
        region_id=region_id,
        region_title=title,
        kind=kind,
        transition=transition,
        occurred_at=occurred_at,
    )


async def _record_evidence(
    session: AsyncSession, events: Sequence[AlertEvent], now: datetime
) -> None:
    truces = [t for t in await list_truces(session) if t.claims_in_force(now)]
    rows = [
        {"truce_id": truce.id, "event_id": event.id}
        for event in events
        for truce in truces
        if truce.covers(event.region_id)
    ]
    if rows:
        await session.execute(insert(TruceEvidence), rows)


async def _enqueue(session: AsyncSession, events: Sequence[AlertEvent], now: datetime) -> None:
    rows: list[dict[str, object]] = []
    for event in events:
        # A subscriber to a place also hears of alerts that cover it from above (its raion,
        # its oblast), so the recipients of an event are the subscribers of the region itself
        # and of everything inside it.
        region_ids = regions.with_descendants(event.region_id)
        chat_ids = (
            await session.scalars(
                select(Subscription.chat_id)
                .join(Chat, Chat.chat_id == Subscription.chat_id)
                .where(Subscription.region_id.in_(region_ids), Chat.active)
                .distinct()
            )
        ).all()
        rows.extend(
            {
                "event_id": event.id,
                "chat_id": chat_id,
                "priority": priority_for(event.kind),
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            }
            for chat_id in chat_ids
        )
    if rows:
        await session.execute(insert(Outbox), rows)


async def active_alerts(session: AsyncSession, region_ids: Iterable[str]) -> list[AlertState]:
    """Announced active alerts in any of ``region_ids``."""
    ids = list(region_ids)
    if not ids:
        return []
    result = await session.scalars(
        select(AlertState)
        .where(AlertState.region_id.in_(ids), AlertState.active)
        .order_by(AlertState.region_id, AlertState.kind)
    )
    return list(result.all())
