"""Places learned from sources, persisted so the registry knows them after a restart."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from feeds import regions
from feeds.regions import Region
from storage.db import upsert_insert
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
    """Store places the registry did not know (or knew by another name); register them.

    One statement for all of them: a national answer names a thousand hromadas at once."""
    fresh = {
        r.id: r for r in learned if regions.get(r.id) != r and r.id not in regions.built_in_ids()
    }  # one row per id, with the last name the source gave
    if fresh:
        rows = [
            {
                "id": r.id,
                "name_uk": r.name_uk,
                "name_en": r.name_en,
                "level": r.level,
                "parent_id": r.parent_id,
                "source": source,
                "updated_at": now,
            }
            for r in fresh.values()
        ]
        await session.execute(_upsert(upsert_insert(session)), rows)
    return regions.register(fresh.values())


@cache
def _upsert(dialect_insert: Callable[..., Any]) -> Any:
    table = cast(Table, Place.__table__)
    upsert = dialect_insert(table)
    return upsert.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={
            name: upsert.excluded[name]
            for name in ("name_uk", "name_en", "level", "parent_id", "source", "updated_at")
        },
    )
