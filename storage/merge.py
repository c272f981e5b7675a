"""Region alert state: merge what the feeds report, diff against what was announced, and turn
every change into an event, truce evidence and channel posts in one transaction (the direct
messages follow in storage/alert_fanout.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, delete, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from feeds import regions
from feeds.kinds import covers
from feeds.model import PARTIAL_SUFFIX, Observation, base_kind
from storage import outbox
from storage.audience import Key, audience, priority_for, recipients, subscriptions
from storage.db import id_chunks, upsert_insert
from storage.models import (
    AlertEvent,
    AlertState,
    Fanout,
    Feed,
    FeedObservation,
    TruceEvidence,
)
from storage.truces import in_force as truces_in_force


@dataclass(frozen=True, slots=True)
class ActiveAlert:
    region_id: str
    region_title: str
    kind: str
    since: datetime | None
    level: str | None = None
    threat: str | None = None


# The statements of a poll are built once: building one (and its cache key) cost more than
# running it on SQLite, and a poll runs a dozen (bench/parse_diff.py). Lists are bound as
# expanding parameters.
_OBSERVED = (
    FeedObservation.region_id,
    FeedObservation.kind,
    FeedObservation.region_title,
    FeedObservation.since,
    FeedObservation.level,
    FeedObservation.threat,
)
_FEED_REPORT = select(*_OBSERVED).where(FeedObservation.feed_id == bindparam("feed_id"))
_OBSERVATION_KEY = tuple_(FeedObservation.region_id, FeedObservation.kind)
# Writes name tables, not mapped classes: the ORM's bulk paths (and a delete's look at the
# session's objects) cost more than the statement.
_OBSERVATIONS = cast(Table, FeedObservation.__table__)
# "region_id IN" as well as the (region, kind) pairs: SQLite then looks the rows up by the
# primary key instead of testing every row of the feed (0.375 -> 0.011 ms for 1,600 rows).
_DROP_OBSERVATIONS = delete(_OBSERVATIONS).where(
    _OBSERVATIONS.c.feed_id == bindparam("feed_id"),
    _OBSERVATIONS.c.region_id.in_(bindparam("regions", expanding=True)),
    tuple_(_OBSERVATIONS.c.region_id, _OBSERVATIONS.c.kind).in_(bindparam("keys", expanding=True)),
)
_ADD_OBSERVATIONS = insert(_OBSERVATIONS)
_FEED_HEALTH = select(Feed.id, Feed.kind, Feed.enabled, Feed.last_success_at, Feed.interval)
_REPORTS = select(*_OBSERVED).where(FeedObservation.feed_id.in_(bindparam("feeds", expanding=True)))
_REPORTS_OF = _REPORTS.where(  # "region_id IN": see _DROP_OBSERVATIONS
    FeedObservation.region_id.in_(bindparam("regions", expanding=True)),
    _OBSERVATION_KEY.in_(bindparam("keys", expanding=True)),
)
_STATES = select(
    AlertState.region_id,
    AlertState.kind,
    AlertState.region_title,
    AlertState.active,
    AlertState.since,
    AlertState.level,
    AlertState.threat,
    AlertState.updated_at,
    AlertState.changed_at,
)
_STATES_IN = _STATES.where(AlertState.region_id.in_(bindparam("ids", expanding=True)))
_ADD_EVIDENCE = insert(cast(Table, TruceEvidence.__table__))
_ADD_FANOUTS = insert(cast(Table, Fanout.__table__))


class ReportedAlert(NamedTuple):
    """What one feed says of one (region, kind)."""

    title: str
    since: datetime | None
    level: str | None
    threat: str | None


Reported = dict[Key, ReportedAlert]


def reported(observations: Iterable[Observation]) -> Reported:
    """A feed's report keyed as the state is: (region, kind) -> (title, since, level, threat).

    "Part of the oblast is under alert" (alerts.in.ua's IoT "P") is tracked under its own
    kind, so that it neither reads as an oblast-wide alarm nor ends one that another source
    reports.
    """
    return {
        (o.region_id, str(o.kind) + PARTIAL_SUFFIX if o.partial else str(o.kind)): ReportedAlert(
            o.region_title, o.since, o.level, o.threat
        )
        for o in observations
    }


@dataclass(frozen=True, slots=True)
class Recorded:
    report: Reported  # what is stored for the feed now: the next call's ``previous``
    touched: set[Key]  # keys that appeared, disappeared or changed (level, threat)


async def record_observations(
    session: AsyncSession,
    feed_id: int,
    observations: Iterable[Observation],
    *,
    previous: Reported | None = None,
) -> Recorded:
    """Make what feed ``feed_id`` reports as active equal ``observations``.

    Only the difference is written: a national answer has a thousand and more locations and
    usually only a handful change between two polls. ``previous`` (the ``report`` of the
    caller's last committed call for this feed) saves reading the stored report back.
    """
    wanted = reported(observations)
    stored = previous if previous is not None else await _stored(session, feed_id)
    gone = [key for key in stored if key not in wanted]
    changed: list[Key] = []
    fresh: list[Key] = []
    for key, value in wanted.items():
        before = stored.get(key)
        if before is None:
            fresh.append(key)
        elif before != value:
            changed.append(key)
    await _write(session, feed_id, wanted, gone, changed, fresh)
    return Recorded(wanted, set(gone) | set(fresh) | set(changed))


async def _stored(session: AsyncSession, feed_id: int) -> Reported:
    return {
        (region_id, kind): ReportedAlert(title, since, level, threat)
        for region_id, kind, title, since, level, threat in await session.execute(
            _FEED_REPORT, {"feed_id": feed_id}
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
        await session.execute(_DROP_OBSERVATIONS, {"feed_id": feed_id, **_keyed(chunk)})
    rows = [
        {
            "feed_id": feed_id,
            "region_id": key[0],
            "kind": key[1],
            "region_title": wanted[key].title,
            "since": wanted[key].since,
            "level": wanted[key].level,
            "threat": wanted[key].threat,
        }
        for key in changed + fresh
    ]
    if rows:
        await session.execute(_ADD_OBSERVATIONS, rows)


def _keyed(keys: Sequence[Key]) -> dict[str, list[Key] | list[str]]:
    """Parameters for a statement that looks up (region, kind) pairs."""
    return {"keys": list(keys), "regions": sorted({region_id for region_id, _kind in keys})}


def _chunks(keys: Sequence[Key], size: int = 400) -> Iterable[Sequence[Key]]:
    for index in range(0, len(keys), size):
        yield keys[index : index + size]


def _recent(
    enabled: bool, last_success_at: datetime | None, interval: float, now: datetime
) -> bool:
    if not enabled or last_success_at is None:
        return False
    return now - last_success_at <= timedelta(seconds=max(3 * interval, 60.0))


Healthy = dict[int, str]  # feed id -> kind, of the feeds whose reports count now


async def healthy_feeds(session: AsyncSession, now: datetime) -> Healthy:
    rows = await session.execute(_FEED_HEALTH)
    return {
        feed_id: kind
        for feed_id, kind, enabled, last_success_at, interval in rows
        if _recent(enabled, last_success_at, interval, now)
    }


@dataclass(frozen=True, slots=True)
class Merged:
    active: dict[Key, ActiveAlert]
    watchers: list[str]  # kinds of the healthy feeds: only they can end an alert

    def watched(self, region_id: str, kind: str) -> bool:
        return any(covers(feed_kind, region_id, base_kind(kind)) for feed_kind in self.watchers)


async def _merged(
    session: AsyncSession, now: datetime, only: set[Key] | None, watchers: Healthy | None
) -> Merged:
    """An alert is on while any healthy feed reports it; it began at the earliest report."""
    if watchers is None:
        watchers = await healthy_feeds(session, now)
    merged: dict[Key, ActiveAlert] = {}
    feeds = list(watchers)
    queries = (
        [(_REPORTS, {"feeds": feeds})]
        if only is None
        else [(_REPORTS_OF, {"feeds": feeds, **_keyed(chunk)}) for chunk in _chunks(sorted(only))]
    )
    rows: list[tuple[str, str, str, datetime | None, str | None, str | None]] = []
    if watchers:
        for query, values in queries:
            rows.extend(tuple(row) for row in await session.execute(query, values))  # type: ignore[misc]
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
    session: AsyncSession,
    *,
    source: str,
    now: datetime,
    only: set[Key] | None = None,
    healthy: Healthy | None = None,
    held: set[Key] | None = None,
) -> list[AlertEvent]:
    """Announce every difference between the merged feed state and the announced state.

    Merge rule: an alert starts when the first healthy source reports it and ends when no
    healthy source reports it any more. While no healthy source covers a region (every feed
    for it failing), its announced state is kept: silence from a broken feed is not all clear.

    ``only`` limits the work to those keys: when one feed's report changed and the set of
    healthy feeds did not, nothing else can have changed. ``healthy``: what
    :func:`healthy_feeds` said in this transaction, if the caller asked already.

    An alert whose threat level or type changes while it goes on becomes an "update" event,
    at most one per region and kind a minute (:data:`UPDATE_EVERY`); a change that comes
    sooner is held back, its key added to ``held``, for the caller to look at it again.

    In this transaction: the events, the new state, truce evidence, the posts to regional
    channels, and a note that each event's direct messages are still to be queued, which
    :func:`storage.alert_fanout.run` does next in transactions of its own (so that queueing 100,000
    of them does not hold back the channel posts). A poll costs the same dozen statements
    however many events it finds.
    """
    if only is not None and not only:
        return []
    merged = await _merged(session, now, only, healthy)
    states = await _states(session, only)
    all_active = {key: state.title for key, state in states.items() if state.active}
    active_before = (
        all_active if only is None else {k: v for k, v in all_active.items() if k in only}
    )
    starts = [alert for key, alert in sorted(merged.active.items()) if key not in active_before]
    ends = [
        key for key in sorted(active_before) if key not in merged.active and merged.watched(*key)
    ]
    updates = _updates(merged.active, active_before, states, now, held)
    if not starts and not ends and not updates:
        return []

    await _write_states(session, starts, ends, states, now, updates)
    active_now = (set(all_active) - set(ends)) | set(merged.active)
    events = [
        _event(a.region_id, a.region_title, a.kind, "start", a.since or now, a.level, a.threat)
        for a in starts
    ] + [_event(r, active_before[(r, k)], k, "end", now) for r, k in ends]
    for event in events:
        if event.transition == "end":
            event.started_at = states[(event.region_id, event.kind)][2]
    events += [
        _event(a.region_id, a.region_title, a.kind, "update", now, a.level, a.threat)
        for a in updates
    ]
    for event in events:
        event.detected_at = now
        event.source = source
        _count_parts(event, active_now)
        _note_nearby(event, active_now)
    await _insert_events(session, events)
    await _record_evidence(session, events, now)
    await _enqueue_channels(session, events, now, active_now)
    await session.execute(
        _ADD_FANOUTS, [{"event_id": event.id, "created_at": now} for event in events]
    )
    return events


class State(NamedTuple):
    """The announced state of one (region, kind), and when residents were last told of it."""

    title: str
    active: bool
    since: datetime | None
    level: str | None
    threat: str | None
    updated_at: datetime | None
    changed_at: datetime | None


UPDATE_EVERY = timedelta(minutes=1)


def _updates(
    active: dict[Key, ActiveAlert],
    active_before: dict[Key, str],
    states: dict[Key, State],
    now: datetime,
    held: set[Key] | None,
) -> list[ActiveAlert]:
    """Alerts going on whose level or threat differs from what residents were told.

    Only a change to something said counts: a source that stops giving the level says
    nothing new, and an alert announced with no level or threat gets no update. The minute
    is counted from the last message about the alert (its start or its last update).
    """
    found = []
    for key in sorted(active_before):
        alert = active.get(key)
        if alert is None:
            continue
        level, threat = states[key].level, states[key].threat
        updated_at, changed_at = states[key].updated_at, states[key].changed_at
        if level is None and threat is None:
            # Nothing was said of the threat (or the alert began before it was kept, at an
            # upgrade): no "change" to announce.
            continue
        if (alert.level or level, alert.threat or threat) == (level, threat):
            continue
        last = max((m for m in (updated_at, changed_at) if m is not None), default=None)
        if last is not None and now - last < UPDATE_EVERY:
            if held is not None:
                held.add(key)
            continue
        found.append(
            ActiveAlert(
                alert.region_id,
                alert.region_title,
                alert.kind,
                alert.since,
                alert.level or level,
                alert.threat or threat,
            )
        )
    return found


async def _states(session: AsyncSession, only: set[Key] | None) -> dict[Key, State]:
    """Announced state rows (active or not): all, or those an event in ``only`` depends on."""
    if only is None:
        return {(row[0], row[1]): _state(row) for row in await session.execute(_STATES)}
    # Its oblast's tree (for "N of M raions") and its own lineage (is a subscriber's place
    # still covered from above); the lineage holds the key's own region.
    nearby: set[str] = set()
    for region_id, _kind in only:
        oblast = regions.oblast_of(region_id)
        nearby |= set(regions.with_descendants(oblast)) if oblast else set()
        nearby |= set(regions.lineage(region_id))
    found: dict[Key, State] = {}
    for part in id_chunks(nearby):
        for row in await session.execute(_STATES_IN, {"ids": part}):
            found[(row[0], row[1])] = _state(row)
    return found


def _state(row: Any) -> State:
    _r, _k, title, on, since, level, threat, updated_at, changed_at = row
    return State(title, on, since, level, threat, updated_at, changed_at)


async def _write_states(
    session: AsyncSession,
    starts: Sequence[ActiveAlert],
    ends: Sequence[Key],
    states: dict[Key, State],
    now: datetime,
    updates: Sequence[ActiveAlert] = (),
) -> None:
    """Every change of the announced state in one statement (an upsert)."""
    rows = [
        {
            "region_id": alert.region_id,
            "kind": alert.kind,
            "region_title": alert.region_title,
            "active": True,
            "since": alert.since or now,
            "changed_at": now,
            "level": alert.level,
            "threat": alert.threat,
            "updated_at": None,
        }
        for alert in starts
    ] + [
        {
            "region_id": region_id,
            "kind": kind,
            "region_title": states[(region_id, kind)].title,
            "active": False,
            "since": states[(region_id, kind)].since,
            "changed_at": now,
            "level": None,
            "threat": None,
            "updated_at": None,
        }
        for region_id, kind in ends
    ]
    rows += [
        {
            "region_id": alert.region_id,
            "kind": alert.kind,
            "region_title": states[(alert.region_id, alert.kind)][0],
            "active": True,
            "since": states[(alert.region_id, alert.kind)][2],
            "changed_at": states[(alert.region_id, alert.kind)][6] or now,
            "level": alert.level,
            "threat": alert.threat,
            "updated_at": now,
        }
        for alert in updates
    ]
    await session.execute(_state_upsert(upsert_insert(session)), rows)


@cache
def _state_upsert(dialect_insert: Callable[..., Any]) -> Any:
    states = cast(Table, AlertState.__table__)
    upsert = dialect_insert(states)
    return upsert.on_conflict_do_update(
        index_elements=[states.c.region_id, states.c.kind],
        set_={
            name: upsert.excluded[name]
            for name in (
                "region_title",
                "active",
                "since",
                "changed_at",
                "level",
                "threat",
                "updated_at",
            )
        },
    )


_EVENTS = cast(Table, AlertEvent.__table__)
_EVENT_COLUMNS = [c.name for c in _EVENTS.columns if c.name != "id"]
_ADD_EVENTS = insert(_EVENTS).returning(
    _EVENTS.c.id, _EVENTS.c.region_id, _EVENTS.c.kind, _EVENTS.c.transition
)


async def _insert_events(session: AsyncSession, events: Sequence[AlertEvent]) -> None:
    """One INSERT for all the events, each getting its id (through the ORM, SQLite would take
    one statement per event)."""
    rows = [{name: getattr(event, name) for name in _EVENT_COLUMNS} for event in events]
    # One event per (region, kind) in a reconcile: the key finds each returned row's event.
    by_key = {(e.region_id, e.kind, e.transition): e for e in events}
    result = await session.execute(_ADD_EVENTS, rows)
    for event_id, region_id, kind, transition in result:
        by_key[(region_id, kind, transition)].id = event_id


def _event(
    region_id: str,
    title: str,
    kind: str,
    transition: str,
    occurred_at: datetime,
    level: str | None = None,
    threat: str | None = None,
) -> AlertEvent:
    return AlertEvent(
        region_id=region_id,
        region_title=title,
        kind=kind,
        transition=transition,
        occurred_at=occurred_at,
        parts_active=None,
        parts_total=None,
        level=level,
        threat=threat,
        active_nearby=None,
    )


async def _record_evidence(
    session: AsyncSession, events: Sequence[AlertEvent], now: datetime
) -> None:
    truces = await truces_in_force(session, now)
    rows = [
        {"truce_id": truce.id, "event_id": event.id}
        for event in events
        for truce in truces
        if truce.covers(event.region_id)
    ]
    if rows:
        await session.execute(_ADD_EVIDENCE, rows)


async def _enqueue_channels(
    session: AsyncSession, events: Sequence[AlertEvent], now: datetime, active: set[Key]
) -> None:
    places: set[str] = set()
    for event in events:
        places |= audience(event.region_id)
    linked = await subscriptions(session, places, channels=True)
    deliveries = []
    for event in events:
        chat_ids = recipients(
            linked, event.region_id, event.kind, ended=event.transition == "end", active=active
        )
        priority = priority_for(base_kind(event.kind))
        deliveries.append(outbox.AlertDelivery(event, chat_ids, priority, channels=chat_ids))
    # Bulk and idempotent; an end supersedes its start's unsent rows (storage/outbox.py).
    await outbox.enqueue_alerts(session, deliveries, now)


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


def _note_nearby(event: AlertEvent, active: set[Key]) -> None:
    """What in the event's oblast is under an alert of its kind once the event is applied.

    Kept on the event so that its message says what still goes on as it was then (an end in a
    hromada while the oblast-wide alert goes on), not as it is when the message is sent.
    """
    oblast = regions.oblast_of(event.region_id)
    if oblast is None:
        return
    plain = base_kind(event.kind)
    partial = plain + PARTIAL_SUFFIX
    items = []
    for place in regions.with_descendants(oblast):
        if (place, plain) in active:
            items.append(place)
        elif (place, partial) in active:
            items.append(place + PART_MARK)
    event.active_nearby = ",".join(items)


PART_MARK = "~"  # in AlertEvent.active_nearby: a "part of this place" report (IoT "P")


def nearby(active_nearby: str | None) -> tuple[set[str], set[str]] | None:
    """``AlertEvent.active_nearby`` read back: (places under alert, places partly under
    alert); None for an event recorded before it was kept."""
    if active_nearby is None:
        return None
    whole: set[str] = set()
    partly: set[str] = set()
    for item in active_nearby.split(","):
        if item.endswith(PART_MARK):
            partly.add(item.removesuffix(PART_MARK))
        elif item:
            whole.add(item)
    return whole, partly


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


async def alerts_in_and_over(
    session: AsyncSession, region_id: str
) -> tuple[list[AlertState], list[AlertState]]:
    """Announced active alerts that cover ``region_id`` (it and the places above it), and
    those in places inside it: since November 2025 an oblast is under alert only in parts."""
    over = set(regions.lineage(region_id))
    found = await active_alerts(session, over | set(regions.with_descendants(region_id)))
    return [s for s in found if s.region_id in over], [s for s in found if s.region_id not in over]


async def all_active(session: AsyncSession) -> list[tuple[str, str]]:
    """(region id, kind) of every announced active alert, everywhere: for the /map picture."""
    rows = await session.execute(
        select(AlertState.region_id, AlertState.kind)
        .where(AlertState.active)
        .order_by(AlertState.region_id, AlertState.kind)
    )
    return [(region_id, kind) for region_id, kind in rows.all()]
