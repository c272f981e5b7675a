"""Region alert state: merge what the feeds report, diff against what was announced, and turn
every change into an event, truce evidence and outbox rows in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from feeds import regions
from feeds.kinds import covers
from feeds.model import AlertKind, Observation
from storage import outbox
from storage.models import (
    AlertEvent,
    AlertState,
    Chat,
    Feed,
    FeedObservation,
    Subscription,
    TruceEvidence,
)
from storage.truces import list_truces

Key = tuple[str, str]  # (region_id, kind)


def priority_for(kind: str) -> int:
    """The outbox priority class (lower is sooner): air-raid starts and ends go out before
    other alert kinds, which go before outage and informational notices."""
    return outbox.PRIORITY_AIR_RAID if kind == AlertKind.AIR_RAID else outbox.PRIORITY_ALERT


@dataclass(frozen=True, slots=True)
class ActiveAlert:
    region_id: str
    region_title: str
    kind: str
    since: datetime | None
    level: str | None = None
    threat: str | None = None


PARTIAL_SUFFIX = "_partial"


def state_kind(observation: Observation) -> str:
    """The kind an observation is tracked under.

    "Part of the oblast is under alert" (alerts.in.ua's IoT "P") is its own alert, so that it
    neither reads as an oblast-wide alarm nor ends one that another source reports.
    """
    kind = str(observation.kind)
    return kind + PARTIAL_SUFFIX if observation.partial else kind


def base_kind(kind: str) -> str:
    return kind.removesuffix(PARTIAL_SUFFIX)


Reported = dict[Key, tuple[str, datetime | None, str | None, str | None]]


def reported(observations: Iterable[Observation]) -> Reported:
    """A feed's report keyed as the state is: (region, kind) -> (title, since, level, threat)."""
    return {
        (o.region_id, state_kind(o)): (o.region_title, o.since, o.level, o.threat)
        for o in observations
    }


async def record_observations(
    session: AsyncSession,
    feed_id: int,
    observations: Iterable[Observation],
    *,
    previous: Reported | None = None,
) -> set[Key]:
    """Make what feed ``feed_id`` reports as active equal ``observations``; returns the keys
    that appeared or disappeared.

    Only the difference is written: a national answer has a thousand and more locations and
    usually only a handful change between two polls. ``previous`` (what the caller last wrote
    for this feed) saves reading the stored report back.
    """
    wanted = reported(observations)
    stored = previous if previous is not None else await _stored(session, feed_id)
    gone = [key for key in stored if key not in wanted]
    changed = [key for key, value in wanted.items() if key in stored and stored[key] != value]
    fresh = [key for key in wanted if key not in stored]
    await _write(session, feed_id, wanted, gone, changed, fresh)
    return set(gone) | set(fresh)


async def _stored(session: AsyncSession, feed_id: int) -> Reported:
    return {
        (region_id, kind): (title, since, level, threat)
        for region_id, kind, title, since, level, threat in await session.execute(
            select(
                FeedObservation.region_id,
                FeedObservation.kind,
                FeedObservation.region_title,
                FeedObservation.since,
                FeedObservation.level,
                FeedObservation.threat,
            ).where(FeedObservation.feed_id == feed_id)
        )
    }


async def _write(
    session: AsyncSession,
    feed_id: int,
    wanted: Reported,
    gone: list[Key],
    changed: list[Key],
    fresh: list[Key],
) -> None:
    for chunk in _chunks(gone + changed):
        await session.execute(
            delete(FeedObservation).where(
                FeedObservation.feed_id == feed_id,
                tuple_(FeedObservation.region_id, FeedObservation.kind).in_(chunk),
            )
        )
    rows = [
        {
            "feed_id": feed_id,
            "region_id": key[0],
            "kind": key[1],
            "region_title": wanted[key][0],
            "since": wanted[key][1],
            "level": wanted[key][2],
            "threat": wanted[key][3],
        }
        for key in changed + fresh
    ]
    if rows:
        await session.execute(insert(FeedObservation), rows)


def _chunks(keys: Sequence[Key], size: int = 400) -> Iterable[Sequence[Key]]:
    for index in range(0, len(keys), size):
        yield keys[index : index + size]


def healthy(feed: Feed, now: datetime) -> bool:
    """A feed counts while its last good poll is recent: a few intervals, at least a minute."""
    if not feed.enabled or feed.last_success_at is None:
        return False
    return now - feed.last_success_at <= timedelta(seconds=max(3 * feed.interval, 60.0))


async def healthy_feeds(session: AsyncSession, now: datetime) -> frozenset[int]:
    return frozenset(f.id for f in (await session.scalars(select(Feed))).all() if healthy(f, now))


@dataclass(frozen=True, slots=True)
class Merged:
    active: dict[Key, ActiveAlert]
    watchers: list[str]  # kinds of the healthy feeds: only they can end an alert

    def watched(self, region_id: str, kind: str) -> bool:
        return any(covers(feed_kind, region_id, base_kind(kind)) for feed_kind in self.watchers)


async def _merged(session: AsyncSession, now: datetime, only: set[Key] | None) -> Merged:
    """An alert is on while any healthy feed reports it; it began at the earliest report."""
    feeds = (await session.scalars(select(Feed))).all()
    watchers = {f.id: f.kind for f in feeds if healthy(f, now)}
    merged: dict[Key, ActiveAlert] = {}
    columns = select(
        FeedObservation.region_id,
        FeedObservation.kind,
        FeedObservation.region_title,
        FeedObservation.since,
        FeedObservation.level,
        FeedObservation.threat,
    ).where(FeedObservation.feed_id.in_(list(watchers)))
    queries = (
        [columns]
        if only is None
        else [
            columns.where(tuple_(FeedObservation.region_id, FeedObservation.kind).in_(chunk))
            for chunk in _chunks(sorted(only))
        ]
    )
    rows: list[tuple[str, str, str, datetime | None, str | None, str | None]] = []
    if watchers:
        for query in queries:
            rows.extend(tuple(row) for row in await session.execute(query))  # type: ignore[misc]
        for region_id, kind, title, since, level, threat in rows:
            key = (region_id, kind)
            earlier = merged.get(key)
            if earlier is None:
                merged[key] = ActiveAlert(region_id, title, kind, since, level, threat)
            elif since is not None and (earlier.since is None or since < earlier.since):
                merged[key] = ActiveAlert(
                    region_id,
                    title,
                    kind,
                    since,
                    level or earlier.level,
                    threat or earlier.threat,
                )
            elif earlier.level is None or earlier.threat is None:
                merged[key] = ActiveAlert(
                    region_id,
                    earlier.region_title,
                    kind,
                    earlier.since,
                    earlier.level or level,
                    earlier.threat or threat,
                )
    return Merged(merged, sorted(set(watchers.values())))


async def reconcile(
    session: AsyncSession, *, source: str, now: datetime, only: set[Key] | None = None
) -> list[AlertEvent]:
    """Announce every difference between the merged feed state and the announced state.

    Merge rule: an alert starts when the first healthy source reports it and ends when no
    healthy source reports it any more. While no healthy source covers a region (every feed
    for it failing), its announced state is kept: silence from a broken feed is not all clear.

    ``only`` limits the work to those keys: when one feed's report changed and the set of
    healthy feeds did not, nothing else can have changed.
    """
    if only is not None and not only:
        return []
    merged = await _merged(session, now, only)
    query = select(AlertState.region_id, AlertState.kind, AlertState.region_title).where(
        AlertState.active
    )
    all_active: dict[Key, str] = {}
    if only is None:
        all_active = {(r, k): title for r, k, title in await session.execute(query)}
    else:
        # What an event here can depend on: its oblast's tree (for "N of M raions") and its
        # own lineage (is a subscriber's place still covered from above).
        nearby: set[str] = set()
        for region_id, _kind in only:
            oblast = regions.oblast_of(region_id)
            nearby |= set(regions.with_descendants(oblast)) if oblast else set()
            nearby |= set(regions.lineage(region_id))
        ordered = sorted(nearby)
        for index in range(0, len(ordered), 400):
            part = ordered[index : index + 400]
            for r, k, title in await session.execute(query.where(AlertState.region_id.in_(part))):
                all_active[(r, k)] = title
    active_before = (
        all_active if only is None else {k: v for k, v in all_active.items() if k in only}
    )
    starts = [alert for key, alert in sorted(merged.active.items()) if key not in active_before]
    ends = [
        key for key in sorted(active_before) if key not in merged.active and merged.watched(*key)
    ]
    if not starts and not ends:
        return []

    events: list[AlertEvent] = []
    known = set()
    if starts:
        start_keys = [(a.region_id, a.kind) for a in starts]
        for chunk in _chunks(start_keys):
            known |= {
                (region_id, kind)
                for region_id, kind in await session.execute(
                    select(AlertState.region_id, AlertState.kind).where(
                        tuple_(AlertState.region_id, AlertState.kind).in_(chunk)
                    )
                )
            }
    new_states = []
    for alert in starts:
        since = alert.since or now
        values = {
            "region_title": alert.region_title,
            "active": True,
            "since": since,
            "changed_at": now,
        }
        if (alert.region_id, alert.kind) in known:
            await session.execute(
                update(AlertState)
                .where(AlertState.region_id == alert.region_id, AlertState.kind == alert.kind)
                .values(**values)
            )
        else:
            new_states.append({"region_id": alert.region_id, "kind": alert.kind, **values})
        event = _event(alert.region_id, alert.region_title, alert.kind, "start", since)
        event.level, event.threat = alert.level, alert.threat
        events.append(event)
    if new_states:
        await session.execute(insert(AlertState), new_states)
    for region_id, kind in ends:
        await session.execute(
            update(AlertState)
            .where(AlertState.region_id == region_id, AlertState.kind == kind)
            .values(active=False, changed_at=now)
        )
        events.append(_event(region_id, active_before[(region_id, kind)], kind, "end", now))

    active_now = (set(all_active) - set(ends)) | set(merged.active)
    for event in events:
        event.detected_at = now
        event.source = source
        _count_parts(event, active_now)
    session.add_all(events)
    await session.flush()
    await _record_evidence(session, events, now)
    await _enqueue(session, events, now, active_now)
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


async def _enqueue(
    session: AsyncSession, events: Sequence[AlertEvent], now: datetime, active: set[Key]
) -> None:
    places: set[str] = set()
    for event in events:
        places |= _audience(event.region_id)
    subscriptions = await _subscriptions(session, places)
    for event in events:
        chat_ids = _recipients(
            subscriptions,
            event.region_id,
            event.kind,
            ended=event.transition == "end",
            active=active,
        )
        # Bulk and idempotent; an end supersedes its start's unsent rows (storage/outbox.py).
        await outbox.enqueue_alert(
            session, event, chat_ids, now, priority=priority_for(base_kind(event.kind))
        )


def _audience(region_id: str) -> set[str]:
    """Places whose subscribers may hear of an alert here: above it and inside it."""
    return set(regions.with_descendants(region_id)) | set(regions.lineage(region_id))


Subscriptions = dict[str, list[tuple[int, str | None]]]  # place -> [(chat id, kinds)]


async def _subscriptions(session: AsyncSession, places: set[str]) -> Subscriptions:
    found: Subscriptions = {}
    ordered = sorted(places)
    for index in range(0, len(ordered), 400):
        rows = await session.execute(
            select(Subscription.chat_id, Subscription.region_id, Subscription.kinds)
            .join(Chat, Chat.chat_id == Subscription.chat_id)
            .where(Subscription.region_id.in_(ordered[index : index + 400]), Chat.active)
        )
        for chat_id, place, kinds in rows:
            found.setdefault(place, []).append((chat_id, kinds))
    return found


def _recipients(
    subscriptions: Subscriptions,
    region_id: str,
    kind: str,
    *,
    ended: bool,
    active: set[Key],
) -> list[int]:
    wanted: set[int] = set()
    covered: set[int] = set()
    plain = base_kind(kind)
    for place in _audience(region_id):
        for chat_id, kinds in subscriptions.get(place, ()):
            if kinds is not None and plain not in kinds.split(","):
                continue
            chain = regions.lineage(place)
            if ended and region_id in chain and any((r, kind) in active for r in chain):
                covered.add(chat_id)
                continue
            wanted.add(chat_id)
    return sorted(wanted - covered)


async def subscribers_for(
    session: AsyncSession,
    region_id: str,
    kind: str,
    *,
    ended: bool = False,
    active: set[Key] | None = None,
) -> list[int]:
    """Active chats that want this alert.

    A subscriber to a place hears of alerts that cover it from above (its raion, its oblast),
    and a subscriber to an oblast hears of alerts inside it (ukrainealarm no longer raises
    oblast-wide alarms, only raion and hromada ones, so an oblast subscriber would otherwise
    hear nothing). A subscription limited to some alert kinds skips the others. The end of an
    alert is not sent to a place still covered by another alert of the kind (the raion's alert
    ended but the oblast-wide one goes on): that would read as "all clear" when it is not.
    """
    subscriptions = await _subscriptions(session, _audience(region_id))
    return _recipients(subscriptions, region_id, kind, ended=ended, active=active or set())


def _count_parts(event: AlertEvent, active: set[Key]) -> None:
    """For an alert below oblast level: how many of the oblast's raions are under alert."""
    region = regions.get(event.region_id)
    oblast = regions.oblast_of(event.region_id)
    if region is None or oblast is None or region.parent_id is None:
        return
    raions = regions.raions_of(oblast)
    if not raions:
        return
    under = sum(
        1
        for raion in raions
        if any((place, event.kind) in active for place in regions.with_descendants(raion))
        or (oblast, event.kind) in active
    )
    event.parts_active = under
    event.parts_total = len(raions)


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
