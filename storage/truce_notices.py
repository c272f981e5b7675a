"""Notices of a claimed truce window opening and closing, queued exactly once.

A periodic job (bot/ledger/notices.py) finds claims whose window opened or closed and queues,
for each, one notice to the chats that follow a covered region (regional channels are chats
subscribed to their region), in one transaction that also sets the claim's
``opened_notified``/``closed_notified`` marker. A crash before that commit leaves the marker
unset and nothing queued, so the next run queues it; the notice key names the claim and its
window, so even a run racing another adds nothing twice.

A claim recorded after its window opened gets no "opened" notice for the past
(storage/truces.py sets its marker when it is recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from feeds import regions
from storage import outbox
from storage.models import (
    AlertEvent,
    Chat,
    Subscription,
    Truce,
    TruceClaim,
    TruceNoticeOptOut,
)
from storage.truces import TruceView

KIND = "truce"  # the notice kind; bot/ledger/notices.py renders it
Which = Literal["opened", "closed", "ended"]


@dataclass(frozen=True, slots=True)
class Due:
    claim_id: int
    which: Which | None  # None: only settle the markers, nothing to tell


def _due(truce: Truce, claim: TruceClaim, now: datetime) -> Due | None:
    ended = truce.ended_at if truce.ended_at is not None and truce.ended_at <= now else None
    closes = claim.ends_at if claim.ends_at is not None and claim.ends_at <= now else None
    if not claim.opened_notified:
        if ended is not None and ended <= claim.starts_at:
            return Due(claim.id, None)  # ended before it ever opened
        if claim.starts_at > now:
            return None
        if ended is not None or closes is not None:
            # Opened and closed while no run saw it (the bot was down): the closing is news,
            # an "opened" now would be wrong.
            return Due(claim.id, "ended" if _early(ended, closes) else "closed")
        return Due(claim.id, "opened")
    if claim.closed_notified:
        return None
    if ended is None and closes is None:
        return None
    return Due(claim.id, "ended" if _early(ended, closes) else "closed")


def _early(ended: datetime | None, closes: datetime | None) -> bool:
    return ended is not None and (closes is None or ended < closes)


async def due(session: AsyncSession, now: datetime) -> list[Due]:
    rows = await session.execute(
        select(Truce, TruceClaim)
        .join(TruceClaim, TruceClaim.truce_id == Truce.id)
        .where(
            or_(TruceClaim.opened_notified.is_(False), TruceClaim.closed_notified.is_(False)),
            TruceClaim.starts_at <= now,
        )
        .order_by(TruceClaim.starts_at, TruceClaim.id)
    )
    found = [_due(truce, claim, now) for truce, claim in rows.all()]
    return [d for d in found if d is not None]


async def recipients(session: AsyncSession, covered: Sequence[str] | None) -> list[int]:
    """Active chats following a covered region (or any region when ``covered`` is None),
    without those that turned truce notices off."""
    rows = await session.execute(
        select(Subscription.chat_id, Subscription.region_id)
        .join(Chat, Chat.chat_id == Subscription.chat_id)
        .where(Chat.active)
    )
    off = set((await session.scalars(select(TruceNoticeOptOut.chat_id))).all())
    chosen: set[int] = set()
    for chat_id, region_id in rows.all():
        if chat_id in off or chat_id in chosen:
            continue
        if covered is None or any(r in covered for r in regions.lineage(region_id)):
            chosen.add(chat_id)
    return sorted(chosen)


def payload(truce: Truce, claim: TruceClaim, which: Which) -> dict[str, Any]:
    return {
        "which": which,
        "name": truce.name,
        "scope": truce.scope,
        "regions": None if truce.regions == "all" else truce.regions.split(","),
        "party": claim.party,
        "starts_at": claim.starts_at.isoformat(),
        "ends_at": None if claim.ends_at is None else claim.ends_at.isoformat(),
        "ended_at": None if truce.ended_at is None else truce.ended_at.isoformat(),
        "reason": truce.end_reason,
    }


async def queue_one(session: AsyncSession, item: Due, now: datetime) -> int:
    """In one transaction: the notice's rows and the claim's marker; returns rows added."""
    claim = await session.get(TruceClaim, item.claim_id)
    if claim is None:
        return 0
    truce = await session.get(Truce, claim.truce_id)
    if truce is None:
        return 0
    fresh = _due(truce, claim, now)  # another run may have settled it meanwhile
    if fresh is None or fresh != item:
        return 0
    added = 0
    if item.which is not None:
        body = payload(truce, claim, item.which)
        # The window in the key: a claim set again with another window is news again.
        window = f"{body['starts_at']}/{body['ends_at']}/{body['ended_at']}"
        result = await outbox.enqueue_notice(
            session,
            key=f"{KIND}:{claim.id}:{item.which}:{window}",
            kind=KIND,
            chat_ids=await recipients(session, body["regions"]),
            now=now,
            payload=body,
            priority=outbox.PRIORITY_INFO,
        )
        added = result.inserted
    claim.opened_notified = True
    if item.which != "opened":
        claim.closed_notified = True
    return added


async def run(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Queue every due notice, a claim per transaction; returns the outbox rows added."""
    async with sessions() as session:
        todo = await due(session, now)
    total = 0
    for item in todo:
        async with sessions() as session, session.begin():
            total += await queue_one(session, item, now)
    return total


async def set_enabled(session: AsyncSession, chat_id: int, enabled: bool, now: datetime) -> None:
    if enabled:
        await session.execute(delete(TruceNoticeOptOut).where(TruceNoticeOptOut.chat_id == chat_id))
    elif await session.get(TruceNoticeOptOut, chat_id) is None:
        session.add(TruceNoticeOptOut(chat_id=chat_id, created_at=now))


async def enabled(session: AsyncSession, chat_id: int) -> bool:
    return await session.get(TruceNoticeOptOut, chat_id) is None


@dataclass(frozen=True, slots=True)
class SinceStart:
    """For an alert's truce note: how long a claim had been announced as in force, and
    whether this is the region's first alert in the claim's window."""

    party: str
    minutes: float
    first: bool


async def since_start(
    session: AsyncSession, event: AlertEvent, truces: Sequence[TruceView]
) -> dict[int, list[SinceStart]]:
    """Per truce id, per claim in force when ``event`` (a start) came."""
    result: dict[int, list[SinceStart]] = {}
    if event.transition != "start":
        return result
    for truce in truces:
        for claim in truce.claims_in_force(event.detected_at):
            if event.occurred_at < claim.starts_at:
                continue
            earlier = await session.scalar(
                select(AlertEvent.id)
                .where(
                    AlertEvent.region_id == event.region_id,
                    AlertEvent.transition == "start",
                    AlertEvent.occurred_at >= claim.starts_at,
                    or_(
                        AlertEvent.occurred_at < event.occurred_at,
                        and_(
                            AlertEvent.occurred_at == event.occurred_at,
                            AlertEvent.id < event.id,
                        ),
                    ),
                )
                .limit(1)
            )
            minutes = (event.occurred_at - claim.starts_at).total_seconds() / 60
            result.setdefault(truce.id, []).append(
                SinceStart(claim.party, minutes, first=earlier is None)
            )
    return result
