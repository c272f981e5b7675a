"""The outbox: pending messages, claimed in priority order and marked when Telegram took them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AlertEvent, Chat, Outbox, TruceEvidence


@dataclass(frozen=True, slots=True)
class Delivery:
    outbox_id: int
    chat_id: int
    lang: str | None
    event: AlertEvent
    truce_ids: tuple[int, ...]


async def pending(session: AsyncSession, now: datetime, limit: int = 100) -> list[Delivery]:
    rows = (
        await session.execute(
            select(Outbox.id, Outbox.chat_id, Chat.lang, AlertEvent)
            .join(AlertEvent, AlertEvent.id == Outbox.event_id)
            .join(Chat, Chat.chat_id == Outbox.chat_id)
            .where(
                Outbox.status == "pending",
                Chat.active,
                or_(Outbox.not_before.is_(None), Outbox.not_before <= now),
            )
            .order_by(Outbox.priority, Outbox.id)
            .limit(limit)
        )
    ).all()
    event_ids = {row[3].id for row in rows}
    evidence: dict[int, list[int]] = {}
    if event_ids:
        for event_id, truce_id in await session.execute(
            select(TruceEvidence.event_id, TruceEvidence.truce_id).where(
                TruceEvidence.event_id.in_(event_ids)
            )
        ):
            evidence.setdefault(event_id, []).append(truce_id)
    return [
        Delivery(row[0], row[1], row[2], row[3], tuple(sorted(evidence.get(row[3].id, []))))
        for row in rows
    ]


async def mark_sent(session: AsyncSession, outbox_id: int, now: datetime) -> None:
    await session.execute(
        update(Outbox).where(Outbox.id == outbox_id).values(status="sent", sent_at=now)
    )


async def mark_failed(session: AsyncSession, outbox_id: int, error: str) -> None:
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id)
        .values(status="failed", last_error=error[:500], attempts=Outbox.attempts + 1)
    )


async def retry_later(
    session: AsyncSession, outbox_id: int, not_before: datetime, error: str, *, count: bool = True
) -> int:
    """Put a message back for later; returns its attempt count."""
    row = await session.get(Outbox, outbox_id)
    if row is None:
        return 0
    row.not_before = not_before
    row.last_error = error[:500]
    if count:
        row.attempts += 1
    return row.attempts


async def depth(session: AsyncSession) -> int:
    from sqlalchemy import func

    return int(
        await session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.status == "pending")
        )
        or 0
    )
