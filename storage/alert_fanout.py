"""The direct messages of alert events, queued after the events' own transaction.

``storage.merge.reconcile`` commits an event with its channel posts and a marker
(``storage.models.Fanout``); :func:`run` then queues the event's direct messages. Two steps,
because queueing 100,000 rows takes seconds on SQLite, and while a transaction writes, the
dispatcher can claim nothing: the channel posts would wait for the last subscriber's row.
So the rows go in parts of :data:`CHUNK`, each its own short transaction, oldest event first,
and the marker is deleted with the last part. After a crash the marker is still there and the
next run plans the event again; rows are unique per event and chat, so what was queued (or
sent) stays as it was.

An end supersedes its start's unsent rows (storage/outbox.py). A start whose end is already
recorded when its rows are written (a short alert, or a long broadcast) gets rows that are
superseded from birth: the end's own rows, queued after them, then say "from X to Y, over" to
those chats, and nobody is told of an alert that is no longer on.

A chat subscribed to an oblast gets the rows of places below it held a moment
(``outbox.not_before``): places of one oblast found together reach it as one message, put
together when the dispatcher claims the rows (storage/alert_groups.py says why there).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, aliased

from feeds.model import base_kind
from storage import alert_groups, outbox
from storage import audience as audience_store
from storage.db import id_chunks
from storage.models import AlertEvent, AlertState, Fanout

CHUNK = 5_000  # rows a transaction: ~0.1 s on SQLite, so claims slip in between
BATCH = 100  # events planned together: after a busy minute, a few statements for all of them
# Direct messages written at once, without letting the channel posts go first (``before``):
# a few hundred rows are written in milliseconds, less than the channel post's own round trip
# to Telegram, so waiting for it would only make the residents wait (issue 15).
HEAD_START_ROWS = 1_000


def pending(session: Session) -> int:
    """Events whose direct messages are not all queued yet (sync: the fan-out's look each
    second is one hop, storage/transactions.py)."""
    return int(session.scalar(select(func.count()).select_from(Fanout)) or 0)


def pending_sqlite(db: sqlite3.Connection) -> bool:
    """Is any event's fan-out pending? (plain SQL, storage/transactions.Hot)."""
    return db.execute("SELECT 1 FROM fanouts LIMIT 1").fetchone() is not None


async def run(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    chunk: int = CHUNK,
    on_rows: Callable[[], None] = lambda: None,
    stopping: Callable[[], bool] = lambda: False,
    before: Callable[[], Awaitable[None]] | None = None,
    head_start_rows: int = HEAD_START_ROWS,
) -> int:
    """Queue the direct messages of every marked event; returns the rows written.

    ``on_rows`` is called after each committed part (wake the dispatcher); ``stopping`` is
    asked between parts, and a stop leaves the rest to the next run. ``before`` is awaited
    when the events planned together make more than ``head_start_rows`` rows, before any is
    written (the bot lets the channel posts go first); then they are planned afresh.
    """
    total = 0
    waited = False
    while not stopping():
        async with sessions() as session, session.begin():
            ids = await _pending_ids(session)
            if not ids:
                return total
            events = list((await session.scalars(_EVENTS, {"ids": ids})).all())
            rows = await _plan(session, events, now)
            wait = before is not None and not waited and len(rows) > head_start_rows
            if not wait:
                first, rest = rows[:chunk], rows[chunk:]
                await outbox.insert_rows(session, first)
                if not rest:
                    await _done(session, ids)
        if wait:
            # Nothing written: the wait happens outside the transaction (a claim needs the
            # database), and the plan is made again after it.
            assert before is not None
            await before()
            waited = True
            continue
        waited = False
        total += len(first)
        if first:
            on_rows()
        for index in range(0, len(rest), chunk):
            if stopping():
                return total
            async with sessions() as session, session.begin():
                part = await _born_superseded(session, events, rest[index : index + chunk])
                await outbox.insert_rows(session, part)
                if index + chunk >= len(rest):
                    await _done(session, ids)
            total += len(part)
            on_rows()
    return total


# Built once: a fan-out follows every poll with news (see storage/merge.py).
_PENDING = select(Fanout.event_id).order_by(Fanout.event_id).limit(BATCH)
_EVENTS = (
    select(AlertEvent)
    .where(AlertEvent.id.in_(bindparam("ids", expanding=True)))
    .order_by(AlertEvent.id)
)
_ACTIVE_IN = select(AlertState.region_id, AlertState.kind).where(
    AlertState.active, AlertState.region_id.in_(bindparam("places", expanding=True))
)
_LATER_END = aliased(AlertEvent)
# Per start, an end of its key after it: the region index, read from the start on. (A list of
# (region, kind) pairs made SQLite scan the whole event history: 100 ms at 200,000 events.)
_ENDED = select(AlertEvent.id).where(
    AlertEvent.id.in_(bindparam("ids", expanding=True)),
    select(_LATER_END.id)
    .where(
        _LATER_END.region_id == AlertEvent.region_id,
        _LATER_END.kind == AlertEvent.kind,
        _LATER_END.transition == "end",
        _LATER_END.id > AlertEvent.id,
    )
    .exists(),
)
_DONE = delete(Fanout).where(Fanout.event_id.in_(bindparam("ids", expanding=True)))


async def _pending_ids(session: AsyncSession) -> list[int]:
    return list((await session.scalars(_PENDING)).all())


async def _plan(
    session: AsyncSession, events: Sequence[AlertEvent], now: datetime
) -> list[dict[str, Any]]:
    places: set[str] = set()
    for event in events:
        places |= audience_store.audience(event.region_id)
    subscribed = await audience_store.subscriptions(session, places, channels=False)
    active = await _active(session, places)
    ended = await _ended_since(session, [e for e in events if e.transition == "start"])
    deliveries = [
        outbox.AlertDelivery(
            event,
            audience_store.recipients(
                subscribed,
                event.region_id,
                event.kind,
                ended=event.transition == "end",
                active=active,
            ),
            audience_store.priority_for(base_kind(event.kind)),
            status=outbox.SUPERSEDED if event.id in ended else outbox.PENDING,
            held=_oblast_subscribers(subscribed, event),
            hold_until=alert_groups.held_until(event),
        )
        for event in events
    ]
    rows, _superseded = await outbox.alert_rows(session, deliveries, now)
    # Held rows last, a chat's together: they are not due yet anyway, and a part of CHUNK rows
    # then holds all of a chat's rows of these events, so none is still unwritten when the
    # dispatcher takes the others as one message (storage/alert_groups.py).
    held = [row for row in rows if row["not_before"] is not None]
    if not held:
        return rows
    held.sort(key=lambda row: (row["chat_id"], row["event_id"]))
    return [row for row in rows if row["not_before"] is None] + held


def _oblast_subscribers(subscribed: audience_store.Subscriptions, event: AlertEvent) -> set[int]:
    """The chats subscribed to the oblast of an event below it: their row is held a moment,
    to go as one message with the places of the oblast found with it (storage/alert_groups.py).
    A chat subscribed only to the place or its raion is not held; one subscribed to the oblast
    as well is, and reads its raion among the others."""
    oblast = alert_groups.oblast_of(event)
    if oblast is None:
        return set()
    return {chat_id for chat_id, _kinds in subscribed.get(oblast, ())}


async def _active(session: AsyncSession, places: Iterable[str]) -> set[audience_store.Key]:
    """Alerts on now in ``places``: an end is not sent to a place still under a wider alert."""
    found: set[audience_store.Key] = set()
    for part in id_chunks(places):
        found |= {
            (region_id, kind)
            for region_id, kind in await session.execute(_ACTIVE_IN, {"places": part})
        }
    return found


async def _ended_since(session: AsyncSession, starts: Sequence[AlertEvent]) -> set[int]:
    """Ids of the ``starts`` whose alert has an end recorded after them."""
    if not starts:
        return set()
    ids = sorted({e.id for e in starts})
    return set((await session.scalars(_ENDED, {"ids": ids})).all())


async def _born_superseded(
    session: AsyncSession, events: Sequence[AlertEvent], part: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The part as it must be written now: a start that ended since the plan was made gets
    superseded rows (its end has already superseded the ones written before)."""
    waiting = {row["event_id"] for row in part if row["status"] == outbox.PENDING}
    starts = [e for e in events if e.transition == "start" and e.id in waiting]
    ended = await _ended_since(session, starts)
    if not ended:
        return part
    return [
        {**row, "status": outbox.SUPERSEDED} if row["event_id"] in ended else row for row in part
    ]


async def _done(session: AsyncSession, event_ids: Sequence[int]) -> None:
    await session.execute(_DONE, {"ids": list(event_ids)})
