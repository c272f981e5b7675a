"""The notices of outage changes, queued after the changes' own transaction.

As for alerts (storage/alert_fanout.py): the poll stores what changed (storage/outages.py) and, in
the same transaction, an ``OutageFanout`` row holding those changes (:func:`mark`). :func:`run`
(bot/delivery/fanout.py: woken by the poll, at start, once a second) then queues their notices, a
marker at a time, in one transaction that also deletes the marker. A crash in between leaves
the marker behind, and the next run queues the notices the poll found: the feed, polled
again, shows no change.

A notice holds a payload, not a text: it is rendered in each chat's language when it is sent
(``render_notice`` in bot/outages/texts.py). A payload is ``{"parts": [part, ...]}``, each part
one block of the message (the ``*_part`` functions below build them, the ``read_*`` functions
read them back); chats that get the same message share one notice.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from feeds.outages.model import Announcement, Basis
from feeds.outages.timeline import kyiv_date
from storage import outages as outage_store
from storage import outbox
from storage.outage_models import OutageFanout, OutageFollow
from storage.outages import EventChange, Follower, ScheduleChange
from storage.truces import Claim, TruceView, in_force_for

KIND = "outage"  # the notice kind; bot/outages/texts.py renders it
TRUCE_SCOPES = ("energy", "all")
BATCH = 20  # markers read at once; each is queued in a transaction of its own

Part = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PollChanges:
    """What one poll of an outage feed changed, and which feed it was."""

    source: str
    feed_kind: str
    region_id: str | None
    schedules: Sequence[ScheduleChange] = ()
    events: Sequence[EventChange] = ()
    news: Sequence[Announcement] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.schedules or self.events or self.news)


async def mark(session: AsyncSession, changes: PollChanges, now: datetime) -> None:
    """In the transaction that stored ``changes``: note that their notices are due."""
    if not changes:
        return
    body = {
        "schedules": [_schedule(c) for c in changes.schedules],
        "events": [_event(c) for c in changes.events],
        "news": [_news(item) for item in changes.news],
    }
    session.add(
        OutageFanout(
            source=changes.source,
            feed_kind=changes.feed_kind,
            region_id=changes.region_id,
            changes=json.dumps(body, ensure_ascii=False),
            created_at=now,
        )
    )


def pending(session: Session) -> int:
    """Outage polls whose notices are not queued yet (sync, as alert_fanout.pending)."""
    return int(session.scalar(select(func.count()).select_from(OutageFanout)) or 0)


def pending_sqlite(db: sqlite3.Connection) -> bool:
    """Is any outage poll's notices pending? (plain SQL, storage/transactions.Hot)."""
    return db.execute("SELECT 1 FROM outage_fanouts LIMIT 1").fetchone() is not None


async def run(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Queue the notices of every marked poll, oldest first; returns the outbox rows added."""
    total = 0
    while True:
        async with sessions() as session:
            ids = list(
                (
                    await session.scalars(
                        select(OutageFanout.id).order_by(OutageFanout.id).limit(BATCH)
                    )
                ).all()
            )
        if not ids:
            return total
        for marker_id in ids:
            async with sessions() as session, session.begin():
                marker = await session.get(OutageFanout, marker_id)
                if marker is None:  # another run got there first
                    continue
                total += await _queue(session, marker)
                await session.execute(delete(OutageFanout).where(OutageFanout.id == marker_id))


async def queue_parts(
    session: AsyncSession, per_chat: Mapping[int, list[Part]], *, key: str, now: datetime
) -> int:
    """Queue one message per chat made of its parts; chats with the same message share one
    notice. ``key`` makes the notices' idempotency keys (with a digest of the message)."""
    chats_of: dict[str, list[int]] = {}
    for chat_id, parts in per_chat.items():
        if parts:
            payload = json.dumps({"parts": parts}, ensure_ascii=False, sort_keys=True)
            chats_of.setdefault(payload, []).append(chat_id)
    added = 0
    for payload, chat_ids in chats_of.items():
        digest = hashlib.sha256(payload.encode()).hexdigest()[:16]
        result = await outbox.enqueue_notice(
            session,
            key=f"{KIND}:{key}:{digest}",
            kind=KIND,
            chat_ids=chat_ids,
            now=now,
            payload=json.loads(payload),
            priority=outbox.PRIORITY_OUTAGE,
        )
        added += result.inserted
    return added


async def _queue(session: AsyncSession, marker: OutageFanout) -> int:
    body = json.loads(marker.changes)
    now = marker.created_at
    # The marker's own moment and id: a later poll with the very same changes is news again.
    key = f"{now:%Y%m%dT%H%M%S%f}:{marker.id}"
    added = 0
    schedules = [read_schedule(c) for c in body.get("schedules", [])]
    events = [read_event(c) for c in body.get("events", [])]
    news = body.get("news", [])
    # Each kind of change is a message of its own, as it always was.
    if schedules:
        added += await queue_parts(
            session, await _schedule_parts(session, schedules, now), key=f"{key}:s", now=now
        )
    if events:
        added += await queue_parts(
            session, await _event_parts(session, events, now), key=f"{key}:e", now=now
        )
    if news:
        added += await queue_parts(
            session, await _news_parts(session, marker, news), key=f"{key}:n", now=now
        )
    return added


async def _schedule_parts(
    session: AsyncSession, changes: Sequence[ScheduleChange], now: datetime
) -> dict[int, list[Part]]:
    today = kyiv_date(now)
    # Only the schedules in force for today and tomorrow are news to a resident.
    horizon = {today, today + timedelta(days=1)}
    relevant = [c for c in changes if c.basis == Basis.FACT and c.day in horizon]
    by_region: dict[str, list[ScheduleChange]] = {}
    for change in relevant:
        by_region.setdefault(change.region_id, []).append(change)
    per_chat: dict[int, list[ScheduleChange]] = {}
    for region_id, items in by_region.items():
        groups = {c.group for c in items}
        for follower in await outage_store.followers(session, region_id, groups):
            if follower.prefs.mute_scheduled:
                continue
            mine = [c for c in items if c.group == follower.group]
            per_chat.setdefault(follower.chat_id, []).extend(mine)
    return {chat: [schedule_part(today, items)] for chat, items in per_chat.items() if items}


async def _event_parts(
    session: AsyncSession, changes: Sequence[EventChange], now: datetime
) -> dict[int, list[Part]]:
    """An outage the provider ties to a street goes to the chats whose address is on it, and
    to no one else (a resident of the oblast has no use for every street's outage; /outage
    still counts them). Any other emergency goes to the region's followers, as always."""
    by_region: dict[str, list[EventChange]] = {}
    for change in changes:
        by_region.setdefault(change.region_id, []).append(change)
    per_chat: dict[int, list[Part]] = {}
    for region_id, items in by_region.items():
        truces: list[TruceView] = []
        if any(c.transition != "end" for c in items):
            truces = [
                truce
                for truce in await in_force_for(session, region_id, now)
                if truce.scope in TRUCE_SCOPES
            ]
        regional = [c for c in items if not _on_a_street(c)]
        on_streets = [c for c in items if _on_a_street(c)]
        mine_of: dict[int, list[EventChange]] = {}
        if regional:
            for chat_id, (follower, groups) in by_chat(
                await outage_store.followers(session, region_id)
            ).items():
                if follower.prefs.mute_emergency:
                    continue
                mine = [c for c in regional if c.group is None or c.group in groups]
                if mine:
                    mine_of[chat_id] = mine
        if on_streets:
            names = {outage_store.street_name_key(c) for c in on_streets}
            for resident in await outage_store.residents_of(session, names):
                if resident.prefs.mute_emergency:
                    continue
                mine = [c for c in on_streets if outage_store.lives_on(resident, c)]
                if mine:
                    mine_of.setdefault(resident.chat_id, []).extend(mine)
        for chat_id, mine in mine_of.items():
            per_chat.setdefault(chat_id, []).append(event_part(now, mine, truces))
    return per_chat


def _on_a_street(change: EventChange) -> bool:
    return change.city is not None and change.street is not None


async def _news_parts(
    session: AsyncSession, marker: OutageFanout, items: list[dict[str, Any]]
) -> dict[int, list[Part]]:
    is_cap = marker.feed_kind == "cap"
    if marker.region_id is not None:
        followers = await outage_store.followers(session, marker.region_id)
    else:
        followers = []
        followed = await session.scalars(select(OutageFollow.region_id).distinct())
        for region_id in list(followed.all()):
            followers += await outage_store.followers(session, region_id)
    per_chat: dict[int, list[Part]] = {}
    for chat_id, (follower, _groups) in by_chat(followers).items():
        muted = follower.prefs.mute_emergency if is_cap else follower.prefs.mute_scheduled
        if not muted:
            per_chat[chat_id] = [{"type": "news", "cap": is_cap, "items": items}]
    return per_chat


def by_chat(followers: Iterable[Follower]) -> dict[int, tuple[Follower, set[str]]]:
    """Each chat once, with every group it follows."""
    chats: dict[int, tuple[Follower, set[str]]] = {}
    for follower in followers:
        chats.setdefault(follower.chat_id, (follower, set()))[1].add(follower.group)
    return chats


# --- message parts: built here, read back by bot/outages/texts.py ------------------------


def schedule_part(today: date, changes: Sequence[ScheduleChange]) -> Part:
    return {
        "type": "schedule",
        "today": today.isoformat(),
        "changes": [_schedule(c) for c in changes],
    }


def event_part(now: datetime, changes: Sequence[EventChange], truces: Sequence[TruceView]) -> Part:
    return {
        "type": "event",
        "now": now.isoformat(),
        "changes": [_event(c) for c in changes],
        "truces": [_truce(truce) for truce in truces],
    }


def reminder_part(region_id: str, group: str, start: datetime, end: datetime, minutes: int) -> Part:
    return {
        "type": "reminder",
        "region_id": region_id,
        "group": group,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "minutes": minutes,
    }


def back_part(
    region_id: str, group: str, at: datetime, following: tuple[datetime, datetime] | None
) -> Part:
    return {
        "type": "back",
        "region_id": region_id,
        "group": group,
        "at": at.isoformat(),
        "next": None if following is None else [following[0].isoformat(), following[1].isoformat()],
    }


def _schedule(change: ScheduleChange) -> dict[str, Any]:
    return {
        "region_id": change.region_id,
        "group": change.group,
        "day": change.day.isoformat(),
        "basis": change.basis.value,
        "old": change.old,
        "new": change.new,
        "version": change.version,
    }


def read_schedule(data: Mapping[str, Any]) -> ScheduleChange:
    return ScheduleChange(
        region_id=data["region_id"],
        group=data["group"],
        day=date.fromisoformat(data["day"]),
        basis=Basis(data["basis"]),
        old=data["old"],
        new=data["new"],
        version=data["version"],
    )


def _event(change: EventChange) -> dict[str, Any]:
    return {
        "transition": change.transition,
        "region_id": change.region_id,
        "group": change.group,
        "starts_at": _iso(change.starts_at),
        "ends_at": _iso(change.ends_at),
        "place": change.place,
        "note": change.note,
        "city": change.city,
        "street": change.street,
        "houses": change.houses,
    }


def read_event(data: Mapping[str, Any]) -> EventChange:
    return EventChange(
        transition=data["transition"],
        region_id=data["region_id"],
        group=data["group"],
        starts_at=_moment(data["starts_at"]),
        ends_at=_moment(data["ends_at"]),
        place=data["place"],
        note=data["note"],
        # A marker written before migration 0014 has no street: it goes to the region.
        city=data.get("city"),
        street=data.get("street"),
        houses=data.get("houses"),
    )


def _news(item: Announcement) -> dict[str, Any]:
    return {
        "title": item.title,
        "summary": item.summary,
        "link": item.link,
        "msg_type": item.msg_type,
        "severity": item.severity,
        "area": item.area,
    }


def _truce(truce: TruceView) -> dict[str, Any]:
    return {
        "id": truce.id,
        "name": truce.name,
        "scope": truce.scope,
        "regions": None if truce.regions is None else list(truce.regions),
        "ended_at": _iso(truce.ended_at),
        "claims": [
            {
                "party": c.party,
                "starts_at": c.starts_at.isoformat(),
                "ends_at": _iso(c.ends_at),
                "source": c.source,
            }
            for c in truce.claims
        ],
    }


def read_truce(data: Mapping[str, Any]) -> TruceView:
    regions = data["regions"]
    return TruceView(
        id=data["id"],
        name=data["name"],
        scope=data["scope"],
        regions=None if regions is None else tuple(regions),
        ended_at=_moment(data["ended_at"]),
        claims=tuple(
            Claim(
                party=c["party"],
                starts_at=datetime.fromisoformat(c["starts_at"]),
                ends_at=_moment(c["ends_at"]),
                source=c["source"],
            )
            for c in data["claims"]
        ),
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
