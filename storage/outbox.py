"""The outbox: every message for every chat is a durable row before anything is sent.

Enqueueing (for producers)
--------------------------
- Alert events: :func:`enqueue_alerts`, many events in a few statements. ``storage.merge``
  queues the channel posts in the transaction that records the events and leaves the direct
  messages to ``storage.alert_fanout`` (their own transactions, so that a broadcast to 100,000 chats
  does not hold back the channel posts).
- Anything else (outage notices, informational messages): :func:`enqueue_notice` with an
  idempotency ``key``, a ``kind`` (a word such as ``"outage"``, shown in /stats), the
  recipients and either a pre-rendered ``text`` (sent as is) or a ``payload`` rendered per chat
  language when sent (``{"key": <bot/i18n.py key>, "values": {...}}`` works out of the box;
  other shapes need a renderer registered with ``bot.delivery.outbox_texts.register_notice_kind``).
  Pass ``priority=PRIORITY_OUTAGE`` or ``PRIORITY_INFO`` (the default).

Both are idempotent: a row is unique per (event, chat) and per (notice, chat), so enqueueing
the same thing twice adds nothing. Call them inside the caller's transaction and wake the
dispatcher afterwards (``AlertBot.dispatcher.wake()``; it also looks every second).

Priorities
----------
Lower goes sooner. A row's priority is its class plus 0 for a channel and 1 for any other
chat, so a channel post (one call, every subscriber of the channel) goes before the direct
messages of its class: air raid (0) < other alert kinds (10) < outages (20) < information (30).

Row life
--------
``pending`` → ``inflight`` (claimed by the dispatcher, committed before the send) → ``sent``
(committed right after Telegram accepted it) or ``failed`` / ``dropped`` (the chat is gone).
A row with ``not_before`` waits until then: an oblast subscriber's row for a place of the
oblast, held a moment so that places found together go as one message (storage/alert_groups.py;
the rows of such a message are claimed, marked sent, failed or released together).
A pending alert start whose alert has ended becomes ``superseded``; the end's row for that chat
then carries ``replaces_event_id`` and is rendered as one message "alert from X to Y, over".
After a crash, :func:`recover` puts ``inflight`` rows back to ``pending``: a send Telegram
accepted just before the process died is sent again (a rare duplicate beats a missed alert).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Final, cast

from sqlalchemy import Insert, Table, bindparam, column, func, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, aliased

from storage import alert_groups
from storage.db import sqlite_time, upsert_insert
from storage.delivery_models import Notice
from storage.models import AlertEvent, Chat, Outbox, OutboxStatus, TruceEvidence
from storage.transactions import Hot

PRIORITY_AIR_RAID = 0
PRIORITY_ALERT = 10
PRIORITY_OUTAGE = 20
PRIORITY_INFO = 30
DIRECT = 1  # added to the class for anything but a channel

PENDING: Final[OutboxStatus] = "pending"
INFLIGHT: Final[OutboxStatus] = "inflight"
SENT: Final[OutboxStatus] = "sent"
FAILED: Final[OutboxStatus] = "failed"
SUPERSEDED: Final[OutboxStatus] = "superseded"
DROPPED: Final[OutboxStatus] = "dropped"
UNDELIVERED = (PENDING, INFLIGHT)

TABLE = cast(Table, Outbox.__table__)  # Core statements: no ORM session bookkeeping
_CHUNK = 500  # ids per UPDATE ... IN (...): well under every driver's parameter limit


# The bulk insert goes through an untyped copy of the table with values converted once, not
# 100,000 times (about half of the time of enqueueing a broadcast to 100,000 chats on SQLite).
_BULK_COLUMNS = (
    "event_id",
    "notice_id",
    "replaces_event_id",
    "chat_id",
    "priority",
    "status",
    "attempts",
    "created_at",
    "not_before",
)
_BULK = table("outbox", *(column(name) for name in _BULK_COLUMNS))


def _ignore_duplicates(session: AsyncSession, *columns: str) -> Insert:
    return _insert_new(upsert_insert(session), columns)


@cache  # built once per dialect: building a statement costs more than a small insert
def _insert_new(dialect_insert: Callable[..., Any], columns: tuple[str, ...]) -> Insert:
    statement: Insert = dialect_insert(_BULK).on_conflict_do_nothing(index_elements=columns)
    return statement


def _stored_time(session: AsyncSession, moment: datetime) -> Any:
    """``moment`` as the driver takes it for ``outbox.created_at``."""
    process = TABLE.c.created_at.type.bind_processor(session.get_bind().dialect)
    return process(moment) if process else moment


@dataclass(frozen=True, slots=True)
class Enqueued:
    inserted: int
    superseded: int


@dataclass(frozen=True, slots=True)
class AlertDelivery:
    """Rows to queue for one alert event (already flushed, so it has an id).

    ``priority`` is the class; a chat in ``channels`` is served before the others of its class.
    ``status`` is ``SUPERSEDED`` for a start whose end is already known: the rows exist (so the
    end can say "the alert lasted from X to Y") but nothing is sent for them.
    ``held``: the chats whose row waits until ``hold_until``, to be sent as one message with
    the rows of places of its oblast found a moment later (storage/alert_groups.py).
    """

    event: AlertEvent
    chat_ids: Collection[int]
    priority: int
    channels: Collection[int] = ()
    status: str = PENDING
    held: Collection[int] = ()
    hold_until: datetime | None = None


async def enqueue_alerts(
    session: AsyncSession, deliveries: Sequence[AlertDelivery], now: datetime
) -> Enqueued:
    """Queue rows for several events in a few statements, whatever their number.

    Idempotent (a row per event and chat; a second time adds only new chats). The end of an
    alert supersedes its start's rows that were not sent yet; each chat whose start was
    superseded, now or before, gets one combined message instead. ``inserted`` counts the rows
    offered (a duplicate is ignored by the database and counted all the same).
    """
    rows, superseded = await alert_rows(session, deliveries, now)
    await insert_rows(session, rows)
    return Enqueued(len(rows), superseded)


async def alert_rows(
    session: AsyncSession, deliveries: Sequence[AlertDelivery], now: datetime
) -> tuple[list[dict[str, Any]], int]:
    """The rows :func:`enqueue_alerts` inserts, and how many start rows it superseded (which
    it does now, in this transaction); for a caller that inserts them in parts."""
    ends = [d.event for d in deliveries if d.event.transition == "end"]
    starts = await start_ids(session, ends)
    everyone = {chat for d in deliveries if d.event.transition == "end" for chat in d.chat_ids}
    superseded, replaced = await _supersede(
        session,
        sorted(set(starts.values())),
        # A few channels: look up only theirs, not the whole broadcast's.
        everyone if len(everyone) <= _CHUNK else None,
    )
    for delivery in deliveries:
        if delivery.status == SUPERSEDED:  # a start written superseded in this very call
            ids = replaced.get(delivery.event.id, frozenset())
            replaced[delivery.event.id] = ids | frozenset(delivery.chat_ids)
    created = _stored_time(session, now)
    rows: list[dict[str, Any]] = []
    for delivery in deliveries:
        event = delivery.event
        start_id = starts.get(event.id) if event.transition == "end" else None
        gone = replaced.get(start_id, frozenset()) if start_id is not None else frozenset()
        channels = set(delivery.channels)
        until = delivery.hold_until
        held = set(delivery.held) if until is not None else set()
        hold = _stored_time(session, until) if until is not None and held else None
        rows.extend(
            {
                "event_id": event.id,
                "chat_id": chat_id,
                "priority": delivery.priority + (0 if chat_id in channels else DIRECT),
                "replaces_event_id": start_id if chat_id in gone else None,
                "status": delivery.status,
                "attempts": 0,
                "created_at": created,
                "not_before": hold if chat_id in held else None,
            }
            for chat_id in sorted(set(delivery.chat_ids))
        )
    return rows, superseded


async def insert_rows(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk insert alert rows built as :func:`enqueue_alerts` builds them; duplicates ignored."""
    if rows:
        await session.execute(_ignore_duplicates(session, "event_id", "chat_id"), rows)


async def start_ids(session: AsyncSession, ends: Sequence[AlertEvent]) -> dict[int, int]:
    """End event id -> the id of the start it closes (the latest earlier start of its key)."""
    if not ends:
        return {}
    return {
        end_id: start_id
        for end_id, start_id in await session.execute(
            _STARTS_OF, {"ids": sorted({e.id for e in ends})}
        )
        if start_id is not None
    }


# Statements on every poll with news are built once (see storage/merge.py).
_START = aliased(AlertEvent)
_STARTS_OF = select(
    AlertEvent.id,
    select(func.max(_START.id))
    .where(
        _START.region_id == AlertEvent.region_id,
        _START.kind == AlertEvent.kind,
        _START.transition == "start",
        _START.id < AlertEvent.id,
    )
    .scalar_subquery(),
).where(AlertEvent.id.in_(bindparam("ids", expanding=True)))
# The status as no index serves it ("status || ''"), for statements that name events or
# chats: otherwise SQLite looked their rows up through the status index (the dispatcher's
# queue order), going over every pending row (all of a 100,000-row broadcast) or every row
# ever superseded, instead of the few of those events or chats.
_STATUS = Outbox.status.concat("")
_SUPERSEDE = (
    update(TABLE)
    .where(Outbox.event_id.in_(bindparam("starts", expanding=True)), _STATUS == PENDING)
    .values(status=SUPERSEDED)
)
_SUPERSEDED = select(Outbox.event_id, Outbox.chat_id).where(
    Outbox.event_id.in_(bindparam("starts", expanding=True)), _STATUS == SUPERSEDED
)
_SUPERSEDED_FOR = _SUPERSEDED.where(Outbox.chat_id.in_(bindparam("chats", expanding=True)))


async def _supersede(
    session: AsyncSession, start_ids: Sequence[int], chats: set[int] | None
) -> tuple[int, dict[int, frozenset[int]]]:
    """Mark the unsent rows of these starts superseded; (how many now, start id -> the chats
    (of ``chats``, if given) whose row for it is superseded, including by an earlier call)."""
    if not start_ids:
        return 0, {}
    # Atomic against the dispatcher's claim: a row it already took is not touched.
    starts = list(start_ids)
    result = await session.execute(_SUPERSEDE, {"starts": starts})
    now_superseded = _rowcount(result, 0)
    if chats is not None and not chats:
        return now_superseded, {}
    query, values = (
        (_SUPERSEDED, {"starts": starts})
        if chats is None
        else (_SUPERSEDED_FOR, {"starts": starts, "chats": sorted(chats)})
    )
    replaced: dict[int, set[int]] = {}
    for event_id, chat_id in await session.execute(query, values):
        if event_id is not None:
            replaced.setdefault(event_id, set()).add(chat_id)
    return now_superseded, {k: frozenset(v) for k, v in replaced.items()}


async def enqueue_notice(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    chat_ids: Iterable[int],
    now: datetime,
    text: str | None = None,
    payload: Mapping[str, Any] | None = None,
    priority: int = PRIORITY_INFO,
) -> Enqueued:
    """Queue a notice for ``chat_ids``; the same ``key`` again adds only new recipients."""
    if (text is None) == (payload is None):
        raise ValueError("a notice has either a text or a payload")
    notice_id = await session.scalar(select(Notice.id).where(Notice.key == key))
    if notice_id is None:
        notice = Notice(
            key=key,
            kind=kind,
            priority=priority,
            text=text,
            payload=None if payload is None else json.dumps(payload, ensure_ascii=False),
            created_at=now,
        )
        session.add(notice)
        await session.flush()
        notice_id = notice.id
    created = _stored_time(session, now)
    rows = [
        {
            "notice_id": notice_id,
            "chat_id": chat_id,
            "priority": priority + DIRECT,
            "status": PENDING,
            "attempts": 0,
            "created_at": created,
        }
        for chat_id in sorted(set(chat_ids))
    ]
    inserted = 0
    if rows:
        which = Outbox.notice_id == notice_id
        before = await _count(session, which)
        await session.execute(_ignore_duplicates(session, "notice_id", "chat_id"), rows)
        inserted = await _count(session, which) - before
        await _channels_first(session, which, priority)
    return Enqueued(inserted, 0)


async def _count(session: AsyncSession, which: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(Outbox).where(which)) or 0)


def _rowcount(result: Any, default: int) -> int:
    count = getattr(result, "rowcount", -1)
    return int(count) if isinstance(count, int) and count >= 0 else default


async def _channels_first(session: AsyncSession, which: Any, priority: int) -> None:
    channels = select(Chat.chat_id).where(Chat.kind == "channel").scalar_subquery()
    await session.execute(
        update(TABLE)
        .where(which, Outbox.chat_id.in_(channels), Outbox.status == PENDING)
        .values(priority=priority)
    )


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row the dispatcher took: where it goes and what to render."""

    id: int
    chat_id: int
    chat_kind: str
    lang: str | None
    priority: int
    attempts: int
    event_id: int | None
    replaces_event_id: int | None
    notice_id: int | None
    # The chat's quiet hours (bot/delivery/quiet_hours.py), read with the row: the dispatcher
    # decides on the sound when it sends.
    quiet_from: str | None = None
    quiet_to: str | None = None
    quiet_alerts_silent: bool = False
    # Held to be grouped (storage/alert_groups.py): set on the rows that may be.
    not_before: datetime | None = None
    # A row sent as one message with others (storage/alert_groups.py): their row ids and
    # events; they are in flight with it, and marked sent, failed or released with it.
    members: tuple[int, ...] = ()
    member_events: tuple[int, ...] = ()

    @property
    def row_ids(self) -> tuple[int, ...]:
        """Every row this message stands for."""
        return (self.id, *self.members)


async def claim(session: AsyncSession, now: datetime, limit: int) -> list[Claimed]:
    """Take up to ``limit`` due rows in priority order and mark them in flight; rows that go
    as one message come back as one, the others in its ``members`` (storage/alert_groups.py:
    they are taken, due or not yet, and marked in flight here too)."""
    statement = (
        select(
            Outbox.id,
            Outbox.chat_id,
            Chat.kind,
            Chat.lang,
            Outbox.priority,
            Outbox.attempts,
            Outbox.event_id,
            Outbox.replaces_event_id,
            Outbox.notice_id,
            Chat.quiet_from,
            Chat.quiet_to,
            Chat.quiet_alerts_silent,
            Outbox.not_before,
        )
        .join(Chat, Chat.chat_id == Outbox.chat_id)
        .where(
            Outbox.status == PENDING,
            Chat.active,
            (Outbox.not_before.is_(None)) | (Outbox.not_before <= now),
        )
        .order_by(Outbox.priority, Outbox.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Only one dispatcher runs, but a second one must never take the same rows.
        statement = statement.with_for_update(of=Outbox, skip_locked=True)
    rows = [Claimed(*row) for row in (await session.execute(statement)).all()]
    for chunk in _chunks([r.id for r in rows]):
        await session.execute(
            update(TABLE)
            .where(Outbox.id.in_(chunk))
            .values(status=INFLIGHT, claimed_at=now, attempts=Outbox.attempts + 1)
        )
    return await alert_groups.gather(session, rows, now)


_ANY_DUE = (
    select(Outbox.id)
    .join(Chat, Chat.chat_id == Outbox.chat_id)
    .where(
        Outbox.status == PENDING,
        Chat.active,
        (Outbox.not_before.is_(None)) | (Outbox.not_before <= bindparam("now")),
    )
    .limit(1)
)
_NEXT_HOLD = select(func.min(Outbox.not_before)).where(
    Outbox.status == PENDING, Outbox.not_before > bindparam("now")
)


def any_due(session: Session, now: datetime) -> bool:
    """Is a row waiting that a claim would take now? The dispatcher's once-a-second look,
    one hop (storage/transactions.py) instead of a whole claim."""
    return session.scalar(_ANY_DUE, {"now": now}) is not None


def _any_due_sqlite(db: sqlite3.Connection, now: datetime) -> bool:
    found = db.execute(
        "SELECT 1 FROM outbox JOIN chats ON chats.chat_id = outbox.chat_id "
        "WHERE outbox.status = ? AND chats.active = 1 "
        "AND (outbox.not_before IS NULL OR outbox.not_before <= ?) LIMIT 1",
        (PENDING, sqlite_time(now)),
    ).fetchone()
    return found is not None


ANY_DUE = Hot(any_due, _any_due_sqlite)


async def next_hold(session: AsyncSession, now: datetime) -> datetime | None:
    """When the first row held back now becomes due (None: none is held)."""
    found: datetime | None = await session.scalar(_NEXT_HOLD, {"now": now})
    return found


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def mark_sent(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Sync (storage/transactions.py: the dispatcher commits its marks in one hop)."""
    for chunk in _chunks(ids):
        session.execute(
            update(TABLE)
            .where(Outbox.id.in_(chunk))
            .values(status=SENT, sent_at=now, last_error=None)
        )


def mark_sent_sqlite(db: sqlite3.Connection, ids: Sequence[int], now: datetime) -> None:
    """:func:`mark_sent` in plain SQL (storage/transactions.Hot)."""
    sent_at = sqlite_time(now)
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        db.execute(
            f"UPDATE outbox SET status = ?, sent_at = ?, last_error = NULL WHERE id IN ({marks})",
            (SENT, sent_at, *chunk),
        )


async def mark_failed(
    session: AsyncSession, outbox_id: int, error: str, *, status: str = FAILED
) -> None:
    await session.execute(
        update(TABLE).where(Outbox.id == outbox_id).values(status=status, last_error=error[:500])
    )


async def release(session: AsyncSession, ids: Sequence[int]) -> None:
    """Claimed rows that were not sent (a clean stop) go back to the queue."""
    for chunk in _chunks(ids):
        await session.execute(
            update(TABLE)
            .where(Outbox.id.in_(chunk), Outbox.status == INFLIGHT)
            .values(status=PENDING)
        )


async def recover(session: AsyncSession) -> int:
    """At start: rows left in flight by a killed process are due again; returns how many."""
    result = await session.execute(
        update(TABLE).where(Outbox.status == INFLIGHT).values(status=PENDING)
    )
    return _rowcount(result, 0)


async def drop_for_chat(session: AsyncSession, chat_id: int, reason: str) -> None:
    """A chat that cannot be reached: its queued messages will never go."""
    await session.execute(
        update(TABLE)
        .where(Outbox.chat_id == chat_id, Outbox.status.in_(UNDELIVERED))
        .values(status=DROPPED, last_error=reason[:500])
    )


async def depth(session: AsyncSession) -> int:
    """Messages not yet delivered (waiting or in flight)."""
    return int(
        await session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.status.in_(UNDELIVERED))
        )
        or 0
    )


@dataclass(frozen=True, slots=True)
class Backlog:
    waiting: int
    air_raid_waiting: int
    oldest_air_raid: datetime | None


async def backlog(session: AsyncSession) -> Backlog:
    undelivered = Outbox.status.in_(UNDELIVERED)
    air_raid = Outbox.priority < PRIORITY_ALERT
    total = await session.scalar(select(func.count()).select_from(Outbox).where(undelivered))
    row = (
        await session.execute(
            select(func.count(), func.min(Outbox.created_at)).where(undelivered, air_raid)
        )
    ).one()
    return Backlog(int(total or 0), int(row[0] or 0), row[1])


async def load_events(session: AsyncSession, ids: Iterable[int]) -> dict[int, AlertEvent]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    result = await session.scalars(select(AlertEvent).where(AlertEvent.id.in_(wanted)))
    return {event.id: event for event in result}


async def evidence(session: AsyncSession, event_ids: Iterable[int]) -> dict[int, list[int]]:
    """Event id -> ids of the truces announced in force when it happened."""
    wanted = sorted(set(event_ids))
    found: dict[int, list[int]] = {}
    if wanted:
        for event_id, truce_id in await session.execute(
            select(TruceEvidence.event_id, TruceEvidence.truce_id).where(
                TruceEvidence.event_id.in_(wanted)
            )
        ):
            found.setdefault(event_id, []).append(truce_id)
    return found


async def load_notices(session: AsyncSession, ids: Iterable[int]) -> dict[int, Notice]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    result = await session.scalars(select(Notice).where(Notice.id.in_(wanted)))
    return {notice.id: notice for notice in result}
