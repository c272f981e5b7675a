"""The truce registry: announced pauses of strikes, one claimed window per announcing party."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import BindParameter, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from feeds import regions
from storage.models import Truce, TruceClaim

# announced: every claim in the future; expired: every claim's window over; ended_early: ended
# by an admin while some claimed window still ran.
TruceStatus = Literal["announced", "in_force", "expired", "ended_early"]
SCOPES = ("energy", "long-range", "all")
UNSPECIFIED_PARTY = "unspecified"


@dataclass(frozen=True, slots=True)
class Claim:
    party: str
    starts_at: datetime
    ends_at: datetime | None
    source: str | None

    def in_force(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


@dataclass(frozen=True, slots=True)
class TruceView:
    id: int
    name: str
    scope: str
    regions: tuple[str, ...] | None  # None means every region
    ended_at: datetime | None
    claims: tuple[Claim, ...]
    end_reason: str | None = None

    def claims_in_force(self, now: datetime) -> list[Claim]:
        if self.ended_at is not None and self.ended_at <= now:
            return []
        return [claim for claim in self.claims if claim.in_force(now)]

    def status(self, now: datetime) -> TruceStatus:
        if self.claims_in_force(now):
            return "in_force"
        ended = self.ended_at
        if ended is not None and ended <= now:
            early = any(c.ends_at is None or c.ends_at > ended for c in self.claims)
            return "ended_early" if early else "expired"
        if any(claim.starts_at > now for claim in self.claims):
            return "announced"
        return "expired"

    @property
    def disputed(self) -> bool:
        """The parties announced different windows (March 2025: different start days)."""
        return len({(c.starts_at, c.ends_at) for c in self.claims}) > 1

    def covers(self, region_id: str) -> bool:
        if self.regions is None:
            return True
        return any(r in self.regions for r in regions.lineage(region_id))


def _view(truce: Truce, claims: Sequence[TruceClaim]) -> TruceView:
    return TruceView(
        id=truce.id,
        name=truce.name,
        scope=truce.scope,
        regions=None if truce.regions == "all" else tuple(truce.regions.split(",")),
        ended_at=truce.ended_at,
        end_reason=truce.end_reason,
        claims=tuple(
            Claim(c.party, c.starts_at, c.ends_at, c.source)
            for c in sorted(claims, key=lambda c: (c.starts_at, c.party))
        ),
    )


async def list_truces(session: AsyncSession) -> list[TruceView]:
    truces = (await session.scalars(select(Truce).order_by(Truce.created_at, Truce.id))).all()
    claims = (await session.scalars(select(TruceClaim))).all()
    by_truce: dict[int, list[TruceClaim]] = {}
    for claim in claims:
        by_truce.setdefault(claim.truce_id, []).append(claim)
    return [_view(t, by_truce.get(t.id, [])) for t in truces]


async def get_truce(session: AsyncSession, name: str) -> TruceView | None:
    truce = await session.scalar(select(Truce).where(Truce.name == name))
    if truce is None:
        return None
    claims = (
        await session.scalars(select(TruceClaim).where(TruceClaim.truce_id == truce.id))
    ).all()
    return _view(truce, claims)


async def in_force(session: AsyncSession, now: datetime) -> list[TruceView]:
    """Truces with a claim in force at ``now``, with just those claims; one query (every
    poll that finds an alert asks)."""
    rows = (await session.execute(_IN_FORCE, {"now": now})).all()
    truces: dict[int, Truce] = {}
    claims: dict[int, list[TruceClaim]] = {}
    for truce, claim in rows:
        truces[truce.id] = truce
        claims.setdefault(truce.id, []).append(claim)
    return [_view(truce, claims[truce_id]) for truce_id, truce in truces.items()]


_NOW: BindParameter[datetime] = bindparam("now")
_IN_FORCE = (  # built once: every poll with news asks (see storage/merge.py)
    select(Truce, TruceClaim)
    .join(TruceClaim, TruceClaim.truce_id == Truce.id)
    .where(
        or_(Truce.ended_at.is_(None), Truce.ended_at > _NOW),
        TruceClaim.starts_at <= _NOW,
        or_(TruceClaim.ends_at.is_(None), TruceClaim.ends_at > _NOW),
    )
    .order_by(Truce.created_at, Truce.id)
)


async def in_force_for(session: AsyncSession, region_id: str, now: datetime) -> list[TruceView]:
    return [t for t in await in_force(session, now) if t.covers(region_id)]


@dataclass(frozen=True, slots=True)
class SetResult:
    truce: TruceView
    created: bool  # a new truce
    replaced: bool  # the party already had a claim, now replaced
    reopened: bool  # the truce had been ended


async def set_claim(
    session: AsyncSession,
    *,
    name: str,
    party: str,
    starts_at: datetime,
    ends_at: datetime | None,
    scope: str | None,
    region_ids: tuple[str, ...] | Literal["keep"] | None,
    source: str | None,
    actor: int,
    now: datetime,
) -> SetResult:
    """Record ``party``'s announced window for truce ``name`` (created if new).

    ``scope`` None and ``region_ids`` "keep" leave an existing truce's values as they are.
    """
    truce = await session.scalar(select(Truce).where(Truce.name == name))
    created = truce is None
    reopened = False
    if truce is None:
        truce = Truce(
            name=name,
            scope=scope or "all",
            regions="all",
            created_by=actor,
            created_at=now,
        )
        session.add(truce)
    elif truce.ended_at is not None:
        truce.ended_at = None
        truce.end_reason = None
        reopened = True
    if scope is not None:
        truce.scope = scope
    if region_ids != "keep":
        truce.regions = "all" if region_ids is None else ",".join(region_ids)
    await session.flush()

    claim = await session.scalar(
        select(TruceClaim).where(TruceClaim.truce_id == truce.id, TruceClaim.party == party)
    )
    replaced = claim is not None
    if claim is None:
        claim = TruceClaim(truce_id=truce.id, party=party)
        session.add(claim)
        # No notice for the past: a window recorded once open is not announced as opening.
        claim.opened_notified = starts_at <= now
        claim.closed_notified = ends_at is not None and ends_at <= now
    else:
        if claim.starts_at != starts_at:
            claim.opened_notified = starts_at <= now
        if claim.ends_at != ends_at and (ends_at is None or ends_at > now):
            claim.closed_notified = False
    claim.starts_at = starts_at
    claim.ends_at = ends_at
    claim.source = source
    claim.recorded_by = actor
    claim.recorded_at = now
    await session.flush()
    claims = (
        await session.scalars(select(TruceClaim).where(TruceClaim.truce_id == truce.id))
    ).all()
    return SetResult(_view(truce, claims), created, replaced, reopened)


async def end_truce(
    session: AsyncSession, name: str, now: datetime, reason: str | None = None
) -> TruceView | None:
    """Mark truce ``name`` ended now (with why, if given); None if there is no such truce."""
    truce = await session.scalar(select(Truce).where(Truce.name == name))
    if truce is None:
        return None
    if truce.ended_at is None:
        truce.ended_at = now
    if reason:
        truce.end_reason = reason
    await session.flush()
    claims = (
        await session.scalars(select(TruceClaim).where(TruceClaim.truce_id == truce.id))
    ).all()
    return _view(truce, claims)
