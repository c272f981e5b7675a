"""A cheap fingerprint of everything a truce report is computed from.

The public ledger (bot/web/ledger_routes.py) keeps its reports and charts while this stays
the same: new alert events, imported history, outages and any change to a truce or a claim
change it. Ids only grow, so the largest id and the count together notice both new rows and
pruned ones.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.history_models import AlertHistory
from storage.models import AlertEvent, Truce, TruceClaim
from storage.outage_models import OutageEventRow

_STAMP = select(
    select(func.max(AlertEvent.id)).scalar_subquery(),
    select(func.count(AlertEvent.id)).scalar_subquery(),
    select(func.max(AlertHistory.id)).scalar_subquery(),
    select(func.count(AlertHistory.id)).scalar_subquery(),
    select(func.max(OutageEventRow.id)).scalar_subquery(),
    select(func.count(OutageEventRow.id)).scalar_subquery(),
)
_TRUCES = select(Truce.id, Truce.name, Truce.scope, Truce.regions, Truce.ended_at, Truce.end_reason)
_CLAIMS = select(
    TruceClaim.id,
    TruceClaim.truce_id,
    TruceClaim.party,
    TruceClaim.starts_at,
    TruceClaim.ends_at,
    TruceClaim.source,
    TruceClaim.recorded_at,
)


async def ledger_stamp(session: AsyncSession) -> tuple[object, ...]:
    """Equal between two calls exactly when no report could differ (but for the time)."""
    counts = tuple((await session.execute(_STAMP)).one())
    truces = tuple(sorted(tuple(row) for row in await session.execute(_TRUCES)))
    claims = tuple(sorted(tuple(row) for row in await session.execute(_CLAIMS)))
    return counts, truces, claims


async def truce_times(session: AsyncSession) -> dict[str, tuple[int, datetime]]:
    """Truce name -> (id, created_at): the feed's announcements are dated by them."""
    rows = await session.execute(select(Truce.name, Truce.id, Truce.created_at))
    return {name: (truce_id, created) for name, truce_id, created in rows}


async def claims_recorded(session: AsyncSession) -> dict[tuple[int, str], datetime]:
    """(truce id, party) -> when the claim was recorded."""
    rows = await session.execute(
        select(TruceClaim.truce_id, TruceClaim.party, TruceClaim.recorded_at)
    )
    return {(truce_id, party): at for truce_id, party, at in rows}
