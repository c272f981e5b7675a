"""The outbox in the database, on SQLite and PostgreSQL: idempotent bulk enqueueing, priority
order, supersession of an unsent start by its end, notices, and crash recovery."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.outbox_texts import Renderer
from storage import migrate
from storage import outbox as ob
from storage.db import create_engine, session_factory
from storage.models import AlertEvent, Chat, Outbox
from tests.delivery_support import enqueue_alert

NOW = datetime(2025, 3, 18, 10, 0, tzinfo=UTC)
CHANNEL = -1001234


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        rows = [
            {"chat_id": i, "kind": "private", "lang": None, "active": True, "created_at": NOW}
            for i in range(1, 6)
        ]
        rows.append(
            {"chat_id": CHANNEL, "kind": "channel", "lang": None, "active": True, "created_at": NOW}
        )
        rows.append(
            {"chat_id": 9, "kind": "private", "lang": "en", "active": True, "created_at": NOW}
        )
        await session.execute(insert(Chat), rows)
    yield factory
    await engine.dispose()


async def event(
    session: AsyncSession, transition: str, at: datetime, kind: str = "air_raid"
) -> AlertEvent:
    row = AlertEvent(
        region_id="27",
        region_title="Львівська область",
        kind=kind,
        transition=transition,
        occurred_at=at,
        detected_at=at,
        source="test",
    )
    session.add(row)
    await session.flush()
    return row


async def statuses(session: AsyncSession, event_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(Outbox.chat_id, Outbox.status).where(Outbox.event_id == event_id)
    )
    return {chat_id: status for chat_id, status in rows}


async def test_enqueueing_twice_is_harmless(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        start = await event(session, "start", NOW)
        first = await enqueue_alert(session, start, [1, 2, 3], NOW, priority=0)
        again = await enqueue_alert(session, start, [1, 2, 3, 4], NOW, priority=0)
        notice = await ob.enqueue_notice(
            session, key="n1", kind="info", chat_ids=[1, 2], now=NOW, text="hello"
        )
        notice_again = await ob.enqueue_notice(
            session, key="n1", kind="info", chat_ids=[2, 3], now=NOW, text="hello"
        )
    assert (first.inserted, again.inserted) == (3, 1), "only chat 4 is new the second time"
    assert (notice.inserted, notice_again.inserted) == (2, 1)
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Outbox))
    assert count == 4 + 3


async def test_claim_order_channels_first_then_air_raid_outage_information(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await ob.enqueue_notice(
            session, key="info", kind="info", chat_ids=[1], now=NOW, text="info"
        )
        await ob.enqueue_notice(
            session,
            key="outage",
            kind="outage",
            chat_ids=[2],
            now=NOW,
            text="outage",
            priority=ob.PRIORITY_OUTAGE,
        )
        artillery = await event(session, "start", NOW, kind="artillery")
        await enqueue_alert(session, artillery, [3], NOW, priority=ob.PRIORITY_ALERT)
        air = await event(session, "start", NOW)
        await enqueue_alert(session, air, [4, CHANNEL], NOW, priority=ob.PRIORITY_AIR_RAID)
    async with sessions() as session, session.begin():
        claimed = await ob.claim(session, NOW, 10)
    assert [c.chat_id for c in claimed] == [CHANNEL, 4, 3, 2, 1]
    async with sessions() as session, session.begin():
        assert await ob.claim(session, NOW, 10) == [], "claimed rows are not handed out twice"
        assert await ob.recover(session) == 5, "after a crash, rows in flight are due again"
    async with sessions() as session, session.begin():
        assert len(await ob.claim(session, NOW, 10)) == 5


async def test_end_before_start_was_sent_gives_one_accurate_message(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        start = await event(session, "start", NOW)
        await enqueue_alert(session, start, [1, 2, 9], NOW, priority=0)
    async with sessions() as session, session.begin():
        # Chat 1's start is already on its way (claimed); 2 and 9 are still waiting.
        [taken] = await ob.claim(session, NOW, 1)
    assert taken.chat_id == 1
    end_at = NOW + timedelta(minutes=42)
    async with sessions() as session, session.begin():
        end = await event(session, "end", end_at)
        result = await enqueue_alert(session, end, [1, 2, 9], end_at, priority=0)
    assert result.superseded == 2
    async with sessions() as session:
        assert await statuses(session, start.id) == {
            1: "inflight",
            2: "superseded",
            9: "superseded",
        }
    async with sessions() as session, session.begin():
        rows = await ob.claim(session, end_at, 10)
        texts = await Renderer("uk").render(session, rows)
    by_chat = {row.chat_id: texts[row.id] for row in rows}
    assert set(by_chat) == {1, 2, 9}, "one message each, no start for 2 and 9"
    assert by_chat[1] == ("🟢 Відбій повітряної тривоги: Львівська область\nКінець о 12:42"), (
        "chat 1 got the start, so a plain end"
    )
    assert by_chat[2] == (
        "🟢 Відбій повітряної тривоги: Львівська область\n"
        "Тривала з 12:00 до 12:42 (42 хв) і вже закінчилася."
    )
    assert str(by_chat[9]).startswith("🟢 All clear, air-raid alert: Lviv oblast\nLasted from")


async def test_notice_payload_rendered_in_each_chats_language(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await ob.enqueue_notice(
            session,
            key="lang-notice",
            kind="info",
            chat_ids=[1, 9],
            now=NOW,
            payload={"key": "unknown_command"},
        )
        rows = await ob.claim(session, NOW, 10)
        texts = await Renderer("uk").render(session, rows)
    assert {row.chat_id: texts[row.id] for row in rows} == {
        1: "Не знаю такої команди. Перелік команд: /help",
        9: "I don't know that command. The list: /help",
    }
    with pytest.raises(ValueError):
        async with sessions() as session:
            await ob.enqueue_notice(session, key="x", kind="info", chat_ids=[1], now=NOW)
