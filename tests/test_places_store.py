"""Places learned from sources are stored in one statement, on SQLite and PostgreSQL: a
thousand new hromadas in a national answer, the same id twice, and a later rename."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from feeds import regions
from storage import migrate, places
from storage.db import create_engine, session_factory

NOW = datetime(2026, 9, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def built_in_registry() -> Iterator[None]:
    regions.forget_learned()
    yield
    regions.forget_learned()


def hromada(number: int, name: str) -> regions.Region:
    return regions.learned_from(str(number), name, "hromada", "27")


async def test_many_new_places_one_rename_and_a_repeat(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = session_factory(engine)
    try:
        learned = [hromada(50_000 + n, f"Громада {n}") for n in range(1000)]
        # The same place twice in one answer (two alert kinds): one row.
        learned.append(hromada(50_000, "Громада 0"))
        async with sessions() as session, session.begin():
            added = await places.remember(session, learned, source="feed", now=NOW)
        assert added == 1000
        assert regions.get("50000") is not None

        async with sessions() as session, session.begin():
            again = await places.remember(session, learned, source="feed", now=NOW)
            renamed = await places.remember(
                session,
                [hromada(50_001, "Нова назва")],
                source="sync",
                now=NOW + timedelta(days=1),
            )
        assert (again, renamed) == (0, 1)

        regions.forget_learned()
        async with sessions() as session:
            stored = {r.id: r for r in await places.load(session)}
        assert len(stored) == 1000
        assert stored["50001"].name_uk == "Нова назва"
        assert stored["50000"].name_uk == "Громада 0" and stored["50000"].parent_id == "27"
    finally:
        await engine.dispose()
