"""One message that cannot be rendered never holds back anyone else's alert."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from storage import outbox
from storage.models import AlertEvent, Outbox
from tests.conftest import BotFactory, Clock
from tests.delivery_support import add_subscribers, enqueue_alert
from tests.payloads import lviv_alert
from tests.test_end_to_end import serve, settle

POISONED = 4040
RESIDENTS = [5001, 5002, 5003]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_an_unrenderable_row_fails_alone_and_every_other_chat_gets_its_alert(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
    database: str,
) -> None:
    url = request.getfixturevalue("sqlite_url" if database == "sqlite" else "postgres_url")
    bot = await start_bot(url)
    assert bot.sessions is not None
    await add_subscribers(bot, [POISONED, *RESIDENTS], clock)
    # An event whose time no driver can read back: on SQLite junk text, on PostgreSQL a year
    # past datetime.max (PostgreSQL stores it, Python cannot hold it). Queued at the top
    # priority, so it is in the same claim as the real alert, ahead of it.
    async with bot.sessions() as session, session.begin():
        event = AlertEvent(
            region_id="27",
            region_title="Львівська область",
            kind="air_raid",
            transition="start",
            occurred_at=clock.now,
            detected_at=clock.now,
            source="test",
        )
        session.add(event)
        await session.flush()
        await enqueue_alert(session, event, [POISONED], clock.now, priority=0)
        junk = "'garbage'" if database == "sqlite" else "'20000-01-01 00:00+00'::timestamptz"
        await session.execute(
            text(f"UPDATE alert_events SET occurred_at = {junk} WHERE id = :id"), {"id": event.id}
        )
        poisoned_event = event.id

    with caplog.at_level(logging.ERROR, logger="alertbot.dispatcher"):
        serve(feed_server, clock, lviv_alert())
        await bot.poll_now("alerts-in-ua")
        await settle(bot)

    for chat_id in RESIDENTS:
        [message] = bot_api.messages_to(chat_id)
        assert message.startswith("🔴 Повітряна тривога: Львівська область"), chat_id
    assert len(bot_api.messages_to(POISONED)) == 1, "the real alert reached it too"
    async with bot.sessions() as session:
        status = await session.scalar(
            select(Outbox.status).where(Outbox.event_id == poisoned_event)
        )
    assert status == outbox.FAILED, "the poisoned row is failed, not retried for ever"
    failures = [r for r in caplog.records if r.getMessage() == "outbox_render_failed"]
    assert len(failures) == 1, [r.getMessage() for r in caplog.records]
    assert getattr(failures[0], "row", None) is not None
