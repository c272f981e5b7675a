"""Places learned from sources, persisted so the registry knows them after a restart."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from feeds import regions
from feeds.regions import Region
from storage.models import Place

LEVELS = ("oblast", "city", "raion", "hromada")


async def load(session: AsyncSession) -> list[Region]:
    rows = (await session.scalars(select(Place))).all()
    return [
        Region(
            id=row.id,
            name_uk=row.name_uk,
            name_en=row.name_en,
            level=row.level if row.level in LEVELS else "hromada",  # type: ignore[arg-type]
            parent_id=row.parent_id,
            aliases=(),
        )
        for row in rows
    ]


async def remember(
    session: AsyncSession, learned: Iterable[Region], *, source: str, now: datetime
) -> int:
    """Store places the registry did not know (or knew by another name); register them."""
    fresh = [r for r in learned if regions.get(r.id) != r and r.id not in regions.built_in_ids()]
    for region in fresh:
        row = await session.get(Place, region.id)
        if row is None:
            row = Place(id=region.id)
            session.add(row)
        row.name_uk = region.name_uk
        row.name_en = region.name_en
        row.level = region.level
        row.parent_id = region.parent_id
        row.source = source
        row.updated_at = now
    return regions.register(fresh)
