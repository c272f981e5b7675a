"""Channel posts that stay tidy (issue 16): the Telegram message an alert's post to a channel
became, and the posts an alert's end may edit instead of posting anew."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.models import AlertEvent, Outbox


@dataclass(frozen=True, slots=True)
class Post:
    """The start's post an end's row may edit."""

    start: AlertEvent
    end: AlertEvent
    message_id: int


_RECORD = (
    update(outbox.TABLE)
    .where(Outbox.id == bindparam("row"))
    .values(message_id=bindparam("message_id"))
)


async def record(session: AsyncSession, message_ids: Mapping[int, int]) -> None:
    """Outbox row id -> the id of the message Telegram made of it."""
    if message_ids:
        await session.execute(
            _RECORD, [{"row": row, "message_id": mid} for row, mid in message_ids.items()]
        )


async def editable(
    session: AsyncSession,
    rows: Sequence[outbox.Claimed],
    now: datetime,
    window: timedelta,
) -> dict[int, Post]:
    """Row id -> the post it edits, for each channel row of an alert's end whose start was
    posted to that channel (and its message id recorded) no longer than ``window`` ago."""
    candidates = [
        r
        for r in rows
        if r.chat_kind == "channel" and r.event_id is not None and r.replaces_event_id is None
    ]
    if not candidates or window <= timedelta(0):
        return {}
    events = await outbox.load_events(session, {r.event_id for r in candidates if r.event_id})
    ends = [e for e in events.values() if e.transition == "end"]
    starts = await outbox.start_ids(session, ends)
    if not starts:
        return {}
    posted: dict[tuple[int, int], tuple[int, datetime | None]] = {}
    found = await session.execute(
        select(Outbox.event_id, Outbox.chat_id, Outbox.message_id, Outbox.sent_at).where(
            Outbox.event_id.in_(sorted(set(starts.values()))),
            Outbox.chat_id.in_(sorted({r.chat_id for r in candidates})),
            Outbox.status == outbox.SENT,
            Outbox.message_id.is_not(None),
        )
    )
    for event_id, chat_id, message_id, sent_at in found:
        if event_id is not None and message_id is not None:
            posted[(event_id, chat_id)] = (message_id, sent_at)
    start_events = await outbox.load_events(session, set(starts.values()))
    result: dict[int, Post] = {}
    for row in candidates:
        end = events.get(row.event_id or 0)
        start_id = starts.get(row.event_id or 0)
        if end is None or start_id is None or start_id not in start_events:
            continue
        post = posted.get((start_id, row.chat_id))
        if post is None:
            continue
        message_id, sent_at = post
        if sent_at is not None and now - sent_at <= window:
            result[row.id] = Post(start_events[start_id], end, message_id)
    return result
