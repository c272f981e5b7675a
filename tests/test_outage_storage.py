"""The outage store on SQLite and PostgreSQL: change detection, events, news, chat settings.

Schedules come from the real LOE sample; a change is that sample with one group edited.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from feeds.outages import OUTAGE_KINDS, ParseContext
from feeds.outages.model import Basis, DaySchedule, OutageEvent, SlotState
from storage import chats, migrate
from storage import outages as store
from storage.db import create_engine, session_factory
from storage.outage_models import OutageInterval, OutageSchedule
from tests.conftest import sample

NOW = datetime(2026, 1, 8, 14, 20, tzinfo=UTC)
DAY = date(2026, 1, 8)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def lviv() -> list[DaySchedule]:
    report = OUTAGE_KINDS["loe"].parse(
        sample("loe_menus_rawHtml_2026-01-08.html"), ParseContext(DAY)
    )
    return report.schedules


async def test_same_content_is_no_change_and_a_changed_slot_is_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    schedules = lviv()
    async with sessions() as session, session.begin():
        first = await store.apply_schedules(session, "loe", schedules, NOW)
    assert len(first) == 12 and all(c.old is None for c in first), "first publication"

    republished = [
        replace(s, version="16:45 08.01.2026", published_at=NOW + timedelta(minutes=29))
        for s in schedules
    ]
    async with sessions() as session, session.begin():
        assert await store.apply_schedules(session, "loe", republished, NOW) == []
    async with sessions() as session:
        row = await session.scalar(select(OutageSchedule).where(OutageSchedule.grp == "1.1"))
        assert row is not None and row.version == "16:45 08.01.2026", "the version is refreshed"
        assert row.changed_at == NOW

    one = schedules[0]
    assert one.group == "1.1"
    extra = one.slots[:34] + SlotState.OFF.value * 2 + one.slots[36:]  # 17:00–18:00 off too
    changed = [replace(one, slots=extra, published_at=NOW + timedelta(hours=1)), *republished[1:]]
    later = NOW + timedelta(hours=1)
    async with sessions() as session, session.begin():
        [change] = await store.apply_schedules(session, "loe", changed, later)
    assert (change.group, change.day, change.old, change.new) == ("1.1", DAY, one.slots, extra)

    # A lagging mirror with the older version does not undo the change.
    async with sessions() as session, session.begin():
        assert await store.apply_schedules(session, "mirror", schedules, later) == []
    async with sessions() as session:
        stored = await store.schedules_for(session, "27", "1.1", [DAY])
        [(_, schedule)] = stored.items()
        assert schedule.slots == extra
        runs = (
            await session.execute(
                select(OutageInterval.starts_at, OutageInterval.ends_at)
                .join(OutageSchedule)
                .where(OutageSchedule.grp == "1.1")
            )
        ).all()
    # 15:30–18:00 Kyiv is 13:30–16:00 UTC: the stored interval, in UTC.
    assert [(a, b) for a, b in runs] == [
        (datetime(2026, 1, 8, 13, 30, tzinfo=UTC), datetime(2026, 1, 8, 16, 0, tzinfo=UTC))
    ]


async def test_emergency_events_start_move_and_end(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    event = OutageEvent(
        "loe-accident:1", "27", None, NOW, NOW + timedelta(hours=3), "Львів, вул. Стрийська"
    )
    async with sessions() as session, session.begin():
        [started] = await store.apply_events(session, "acc", [event], NOW)
        assert await store.apply_events(session, "acc", None, NOW) == [], "nothing said"
    assert started.transition == "start"
    async with sessions() as session, session.begin():
        assert await store.apply_events(session, "acc", [event], NOW) == []
        moved = replace(event, ends_at=NOW + timedelta(hours=5))
        [update] = await store.apply_events(session, "acc", [moved], NOW)
        assert update.transition == "update" and update.ends_at == NOW + timedelta(hours=5)
        assert len(await store.active_events(session, "27")) == 1
    async with sessions() as session, session.begin():
        [ended] = await store.apply_events(session, "acc", [], NOW + timedelta(hours=4))
        assert ended.transition == "end"
        assert await store.active_events(session, "27") == []
    async with sessions() as session, session.begin():
        [again] = await store.apply_events(session, "acc", [event], NOW + timedelta(hours=6))
        assert again.transition == "start", "the same id reported again is a new outage"


async def test_news_first_answer_is_only_remembered(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from feeds.outages.model import Announcement

    old = Announcement("a", "Старе оголошення", published_at=NOW - timedelta(days=1))
    async with sessions() as session, session.begin():
        assert await store.apply_news(session, "news", [old], NOW) == []
    fresh = Announcement("b", "Нове оголошення", published_at=NOW)
    stale = Announcement("c", "Давнє", published_at=NOW - timedelta(days=5))
    async with sessions() as session, session.begin():
        assert await store.apply_news(session, "news", [old, fresh, stale], NOW) == [fresh]
        assert await store.apply_news(session, "news", [old, fresh, stale], NOW) == []


async def test_follows_settings_and_sent_markers(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await chats.ensure_chat(session, 5, "private", NOW)
        assert await store.follow(session, 5, "27", "1.1", NOW)
        assert await store.follow(session, 5, "27", "4.2", NOW)
        assert not await store.follow(session, 5, "27", "1.1", NOW)
        await store.set_mutes(session, 5, mute_emergency=True)
        await store.set_reminder(session, 5, 45)
    async with sessions() as session, session.begin():
        assert await store.follows(session, 5) == [("27", "1.1"), ("27", "4.2")]
        [follower] = await store.followers(session, "27", ["4.2"])
        assert follower.prefs == store.Prefs(False, True, 45)
        at = datetime(2026, 1, 8, 13, 30, tzinfo=UTC)
        assert await store.mark_notice(session, 5, "27", "1.1", "remind", at, NOW)
    async with sessions() as session, session.begin():
        assert not await store.mark_notice(session, 5, "27", "1.1", "remind", at, NOW)
        assert await store.mark_notice(session, 5, "27", "1.1", "back", at, NOW)
        assert await store.unfollow(session, 5, "27", "4.2") == 1
        assert await store.follows(session, 5) == [("27", "1.1")]


async def test_groups_due_finds_outages_starting_soon(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await store.apply_schedules(session, "loe", lviv(), NOW)
    async with sessions() as session:
        # 14:20–15:00 UTC is 16:20–17:00 Kyiv: 1.2 ends nothing, 4.1/4.2/5.2 start at 17:00.
        due = await store.groups_due(session, NOW, NOW + timedelta(minutes=40))
    assert ("27", "4.1") in due and ("27", "5.2") in due
    assert ("27", "1.1") in due, "1.1 comes back at 17:00"
    assert ("27", "6.2") not in due, "6.2 has power all day"


async def test_migration_goes_down_and_up_again(database_url: str) -> None:
    def downgrade(connection: Connection) -> None:
        config = AlembicConfig()
        config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")

    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        assert await migrate.current_revision(engine) == "0003"
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        assert not [name for name in tables if name.startswith("outage_")]
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            assert await store.apply_schedules(session, "loe", lviv(), NOW)
    finally:
        await engine.dispose()


async def test_outage_notice_is_queued_from_its_marker_and_read_in_the_language_of_sending(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from bot.delivery.outbox_texts import Renderer
    from bot.outages.texts import schedule_message
    from storage import outage_fanout, outbox
    from storage.outage_fanout import PollChanges
    from storage.outages import ScheduleChange

    change = ScheduleChange("27", "1.1", DAY, Basis.FACT, None, "-" * 16 + "+" * 32, "v1")
    async with sessions() as session, session.begin():
        await chats.ensure_chat(session, 501, "private", NOW)
        await store.follow(session, 501, "27", "1.1", NOW)
        await outage_fanout.mark(session, PollChanges("loe", "loe", "27", [change]), NOW)
    async with sessions() as session:
        assert await session.run_sync(outage_fanout.pending) == 1
    assert await outage_fanout.run(sessions) == 1
    assert await outage_fanout.run(sessions) == 0, "the marker went with the queueing"
    async with sessions() as session, session.begin():
        assert await session.run_sync(outage_fanout.pending) == 0
        # The reader switches to English after the notice was queued, before it is sent.
        await chats.set_language(session, 501, "en")
    async with sessions() as session, session.begin():
        [row] = await outbox.claim(session, NOW, 10)
        texts = await Renderer("uk").render(session, [row])
    assert texts[row.id] == schedule_message([change], DAY, "en")
    assert str(texts[row.id]).startswith("🗓 Outage schedule published")
