"""One message for several places of an oblast (issue 16: "three messages in one second").

When three raions of an oblast go under alert together, an oblast subscriber used to get
three messages. Now the starts (or the ends) of places below oblast level, of one oblast and
one alert kind, detected within :data:`WINDOW` of the first of them, reach a chat subscribed
to the oblast as one message that names the places ("в 3 районах Львівської області: …").
A chat subscribed to a raion still gets its raion's own message, at once.

Where it happens, and why there
-------------------------------
The rows stay as they are: one per event and chat, each with its own life (pending, inflight,
sent, superseded). The grouping is done when the dispatcher claims them (:func:`gather`, called
by ``storage.outbox.claim`` in the claim's transaction): a claimed row takes the pending rows
of its chat that belong with it, they are marked in flight together, rendered as one text and
marked sent together, in the one transaction that marks every send. So a crash finds either
all of a message's rows sent (nothing goes again) or all of them back in the queue
(``outbox.recover``), grouped again on the next claim: the same guarantee, and the same rare
duplicate, as a single row. Grouping when the rows are queued (storage/alert_fanout.py)
would have needed a row standing for other rows: an end superseding its start, a chat
dropped or migrated, a crash between the parts would each have had to mend the group.

The hold
--------
Rows that may be grouped (those of a chat subscribed to the oblast, for an event below oblast
level) are queued with ``not_before`` = detection + :data:`WINDOW`, so that a place found by
the next poll, or by the other source, a moment later still finds them unsent. ``not_before``
is also the mark that a row may be grouped at all: a raion subscriber's row has none, and
goes alone and at once. Updates of the threat and the "from X to Y, over" rows (an end whose
start was never sent) are never grouped.

Channels are not grouped: an alert's end edits its start's channel post
(bot/delivery/channel_edits.py), which needs one post per alert.

Cost: while rows are held, a claim walks them in the queue's index to find nothing due
(SQLite, 100,000 oblast subscribers and three raions, 300,000 held rows: 190 ms a claim,
140 ms for :func:`storage.outbox.next_hold`), for the two seconds of the hold; once due, a
claim of 500 rows (167 messages) takes 16-43 ms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import Select, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from feeds import regions
from storage.models import AlertEvent, Outbox

if TYPE_CHECKING:
    from storage.outbox import Claimed

# Places found together: one poll finds a wave of raions at once; a straggler comes with the
# other source's poll or push a moment later (a feed's own polls are at least 2 s apart). Two
# seconds catch a wave found by one poll and what another feed finds within two seconds of it,
# and delay an oblast subscriber's message by no more (the dispatcher looks again when the
# first held row is due); a raion subscriber is never held. A window as long as a poll interval
# would catch the same feed's next poll too, but delay every oblast subscriber's alert by it.
WINDOW = timedelta(seconds=2)

_TRANSITIONS = ("start", "end")
_CHUNK = 400  # ids per IN (...)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for index in range(0, len(ordered), _CHUNK):
        yield ordered[index : index + _CHUNK]


def oblast_of(event: AlertEvent) -> str | None:
    """The oblast whose subscribers get this event grouped with others: a start or an end
    below oblast level; None for anything else."""
    return _oblast(event.region_id, event.transition)


def _oblast(region_id: str, transition: str) -> str | None:
    if transition not in _TRANSITIONS:
        return None
    region = regions.get(region_id)
    oblast = regions.oblast_of(region_id)
    if region is None or region.parent_id is None or oblast is None:
        return None
    return oblast


def held_until(event: AlertEvent) -> datetime | None:
    """The ``not_before`` of an oblast subscriber's row for this event (None: not held)."""
    return event.detected_at + WINDOW if oblast_of(event) is not None else None


@dataclass(frozen=True, slots=True)
class _Part:
    row_id: int
    event_id: int
    claimed: bool


_EVENTS = select(
    AlertEvent.id,
    AlertEvent.region_id,
    AlertEvent.kind,
    AlertEvent.transition,
    AlertEvent.detected_at,
).where(AlertEvent.id.in_(bindparam("ids", expanding=True)))


def _waiting(postgres: bool) -> Select[int, int, int | None]:
    # "status || ''": look the rows up by chat, not through the status index (storage/outbox.py).
    statement = select(Outbox.id, Outbox.chat_id, Outbox.event_id).where(
        Outbox.chat_id.in_(bindparam("chats", expanding=True)),
        Outbox.status.concat("") == "pending",
        Outbox.not_before.is_not(None),
        Outbox.event_id.is_not(None),
        Outbox.replaces_event_id.is_(None),
    )
    if postgres:
        statement = statement.with_for_update(of=Outbox, skip_locked=True)
    return statement


_WAITING = {False: _waiting(False), True: _waiting(True)}
_TAKE = (
    update(cast(Table, Outbox.__table__))
    .where(Outbox.id.in_(bindparam("ids", expanding=True)), Outbox.status == "pending")
    .values(status="inflight", claimed_at=bindparam("now"), attempts=Outbox.attempts + 1)
)


def groupable(row: Claimed) -> bool:
    return (
        row.not_before is not None
        and row.event_id is not None
        and row.replaces_event_id is None
        and row.notice_id is None
        and row.chat_kind != "channel"
    )


async def gather(session: AsyncSession, rows: Sequence[Claimed], now: datetime) -> list[Claimed]:
    """The claimed ``rows`` with each group folded into its first row (``members``: the other
    rows, which are marked in flight here); rows of no group come back as they were."""
    candidates = [row for row in rows if groupable(row)]
    if not candidates:
        return list(rows)
    claimed_ids = {row.id for row in rows}
    postgres = session.get_bind().dialect.name == "postgresql"
    parts: dict[int, list[_Part]] = {}
    for row in candidates:
        assert row.event_id is not None
        parts.setdefault(row.chat_id, []).append(_Part(row.id, row.event_id, True))
    for chunk in _chunks(parts):
        found = await session.execute(_WAITING[postgres], {"chats": chunk})
        for row_id, chat_id, event_id in found:
            if row_id not in claimed_ids and event_id is not None:
                parts[chat_id].append(_Part(row_id, event_id, False))
    events = await _events(session, {p.event_id for ps in parts.values() for p in ps})

    members: dict[int, list[_Part]] = {}  # lead row id -> the others
    for chat_parts in parts.values():
        for group in _groups(chat_parts, events):
            claimed = [p for p in group if p.claimed]
            if len(group) < 2 or not claimed:
                continue
            lead = min(claimed, key=lambda p: p.row_id)
            members[lead.row_id] = [p for p in group if p is not lead]
    if not members:
        return list(rows)
    waiting = sorted(p.row_id for ps in members.values() for p in ps if not p.claimed)
    for chunk in _chunks(waiting):
        await session.execute(_TAKE, {"ids": chunk, "now": now})
    folded = {p.row_id for ps in members.values() for p in ps if p.claimed}
    result: list[Claimed] = []
    for row in rows:
        if row.id in folded:
            continue
        others = members.get(row.id)
        if others is not None:
            ordered = sorted(others, key=lambda p: p.event_id)
            row = replace(
                row,
                members=tuple(p.row_id for p in ordered),
                member_events=tuple(p.event_id for p in ordered),
            )
        result.append(row)
    return result


@dataclass(frozen=True, slots=True)
class _Event:
    region_id: str
    kind: str
    transition: str
    detected_at: datetime


async def _events(session: AsyncSession, ids: Iterable[int]) -> dict[int, _Event]:
    found: dict[int, _Event] = {}
    for chunk in _chunks(ids):
        for event_id, region_id, kind, transition, detected_at in await session.execute(
            _EVENTS, {"ids": chunk}
        ):
            found[event_id] = _Event(region_id, kind, transition, detected_at)
    return found


def _groups(chat_parts: list[_Part], events: dict[int, _Event]) -> list[list[_Part]]:
    """One chat's rows in groups: one oblast, kind and transition, each group's events
    detected within :data:`WINDOW` of its first."""
    keyed: dict[tuple[str, str, str], list[tuple[datetime, _Part]]] = {}
    for part in chat_parts:
        event = events.get(part.event_id)
        oblast = _oblast(event.region_id, event.transition) if event is not None else None
        if event is None or oblast is None:
            continue
        key = (oblast, event.kind, event.transition)
        keyed.setdefault(key, []).append((event.detected_at, part))
    groups: list[list[_Part]] = []
    for items in keyed.values():
        items.sort(key=lambda item: (item[0], item[1].event_id))
        first: datetime | None = None
        for detected, part in items:
            if first is None or detected - first > WINDOW:
                first = detected
                groups.append([])
            groups[-1].append(part)
    return groups
