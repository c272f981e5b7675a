"""What an operator's health checks and metrics ask of the database (issue 14).

Scrapes and readiness probes come every few seconds, for ever: every statement here finds its
rows by index and costs the same whatever the history. The outbox figures read only the
undelivered part of the ``(status, priority, id)`` index (the dispatcher's queue order); the
chat counts read the chats and subscriptions indexes (their cost grows with the subscribers,
so the metrics cache them, see ``bot/web/metrics.py``). ``tests/test_web.py`` asks SQLite for
the plans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from feeds.outages import OUTAGE_KINDS
from storage import outbox
from storage.models import AlertEvent, Chat, Feed, Outbox, Subscription

# The priorities air-raid rows have: the class, and the class + DIRECT for anything but a channel.
_AIR_RAID_PRIORITIES = (outbox.PRIORITY_AIR_RAID, outbox.PRIORITY_AIR_RAID + outbox.DIRECT)


async def ping(session: AsyncSession) -> None:
    """Raise unless the database answers."""
    await session.execute(text("SELECT 1"))


async def oldest_undelivered_air_raid(session: AsyncSession) -> datetime | None:
    """When the oldest air-raid message not yet delivered was queued (None: there is none).

    Rows are queued in id order, so the oldest is the lowest id: one index seek per
    (status, priority) pair, instead of reading every row of a 100,000-chat broadcast.
    """
    first: list[int] = []
    for status in outbox.UNDELIVERED:
        for priority in _AIR_RAID_PRIORITIES:
            row_id = await session.scalar(
                select(func.min(Outbox.id)).where(
                    Outbox.status == status, Outbox.priority == priority
                )
            )
            if row_id is not None:
                first.append(int(row_id))
    if not first:
        return None
    return await session.scalar(select(Outbox.created_at).where(Outbox.id == min(first)))


async def outbox_depth(session: AsyncSession) -> dict[int, int]:
    """Undelivered rows (waiting or in flight) by priority."""
    rows = await session.execute(
        select(Outbox.priority, func.count())
        .where(Outbox.status.in_(outbox.UNDELIVERED))
        .group_by(Outbox.priority)
    )
    return {int(priority): int(count) for priority, count in rows}


@dataclass(frozen=True, slots=True)
class FeedStatus:
    name: str
    kind: str
    alerts: bool  # an alert feed (not an outage one)
    last_success_at: datetime | None
    interval: float


async def feed_status(session: AsyncSession) -> list[FeedStatus]:
    """The enabled feeds and their last good poll (a handful of rows)."""
    rows = await session.execute(
        select(Feed.name, Feed.kind, Feed.last_success_at, Feed.interval)
        .where(Feed.enabled)
        .order_by(Feed.name)
    )
    return [
        FeedStatus(name, kind, kind not in OUTAGE_KINDS, last_success_at, interval)
        for name, kind, last_success_at, interval in rows
    ]


@dataclass(frozen=True, slots=True)
class ChatCounts:
    subscribers: int  # active chats other than channels with at least one subscription
    channels: int  # active channels linked to at least one region
    switched_off: int  # chats that blocked the bot, left or disappeared


async def chat_counts(session: AsyncSession) -> ChatCounts:
    subscribed = (
        select(func.count(distinct(Subscription.chat_id)))
        .join(Chat, Chat.chat_id == Subscription.chat_id)
        .where(Chat.active)
    )
    subscribers = await session.scalar(subscribed.where(Chat.kind != "channel"))
    channels = await session.scalar(subscribed.where(Chat.kind == "channel"))
    switched_off = await session.scalar(
        select(func.count()).select_from(Chat).where(Chat.active.is_(False))
    )
    return ChatCounts(int(subscribers or 0), int(channels or 0), int(switched_off or 0))


async def detected_at(session: AsyncSession, event_ids: Iterable[int]) -> dict[int, datetime]:
    """Event id -> when the bot detected it (by primary key)."""
    wanted = sorted(set(event_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(AlertEvent.id, AlertEvent.detected_at).where(AlertEvent.id.in_(wanted))
    )
    return {int(event_id): moment for event_id, moment in rows}
