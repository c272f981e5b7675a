"""Delivery counters per minute (kept in the database: /stats survives a restart) and the
figures an admin sees in /stats."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage import outbox
from storage.db import sqlite_time
from storage.delivery_models import DeliveryCount
from storage.models import Chat, Subscription


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def add_counts(session: Session, counts: Mapping[tuple[datetime, str], int]) -> None:
    """Add ``{(minute, kind): n}``; only the dispatcher writes here, so no upsert race. Sync:
    committed with the sent marks in one hop (storage/transactions.py)."""
    for (minute, kind), number in counts.items():
        row = session.get(DeliveryCount, (minute, kind))
        if row is None:
            session.add(DeliveryCount(minute=minute, kind=kind, count=number))
        else:
            row.count += number
    session.flush()


def add_counts_sqlite(db: sqlite3.Connection, counts: Mapping[tuple[datetime, str], int]) -> None:
    """:func:`add_counts` in plain SQL (storage/transactions.Hot)."""
    db.executemany(
        "INSERT INTO delivery_counts (minute, kind, count) VALUES (?, ?, ?) "
        "ON CONFLICT (minute, kind) DO UPDATE SET count = count + excluded.count",
        [(sqlite_time(minute), kind, number) for (minute, kind), number in counts.items()],
    )


async def counts_since(session: AsyncSession, since: datetime) -> dict[str, int]:
    rows = await session.execute(
        select(DeliveryCount.kind, func.sum(DeliveryCount.count))
        .where(DeliveryCount.minute >= minute_of(since))
        .group_by(DeliveryCount.kind)
    )
    return {kind: int(total or 0) for kind, total in rows}


@dataclass(frozen=True, slots=True)
class Summary:
    subscribers: int  # chats (not channels) with at least one subscription, active
    channels: int  # channels linked to at least one region, active
    deactivated: int
    backlog: outbox.Backlog
    last_hour: dict[str, int]


async def summary(session: AsyncSession, now: datetime) -> Summary:
    active_subscribed = (
        select(func.count(distinct(Subscription.chat_id)))
        .join(Chat, Chat.chat_id == Subscription.chat_id)
        .where(Chat.active)
    )
    subscribers = await session.scalar(active_subscribed.where(Chat.kind != "channel"))
    channels = await session.scalar(active_subscribed.where(Chat.kind == "channel"))
    deactivated = await session.scalar(
        select(func.count()).select_from(Chat).where(Chat.active.is_(False))
    )
    return Summary(
        subscribers=int(subscribers or 0),
        channels=int(channels or 0),
        deactivated=int(deactivated or 0),
        backlog=await outbox.backlog(session),
        last_hour=await counts_since(session, now - timedelta(hours=1)),
    )
