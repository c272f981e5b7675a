"""Truce window notices (issue 13 part 7) through the real bot against the fake Bot API: one
message when a claimed window opens and one when it closes, to the chats of covered regions,
in each chat's language; ``/truce_notices off``; nothing for a window already open when
recorded; durable across a crash between noticing and queueing; and the alert note's time
since the announced start."""

from __future__ import annotations

import pytest

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from bot.ledger import notices as truce_notices
from storage import truce_notices as store
from tests.conftest import ADMIN_ID, BotFactory, Clock
from tests.payloads import lviv_alert
from tests.test_end_to_end import RESIDENT, command, serve, settle

ODESA = 1002
MUTED = 1003
ENGLISH = 1004


async def tick(bot: object, clock: Clock) -> int:
    from bot.app import AlertBot

    assert isinstance(bot, AlertBot) and bot.sessions is not None
    added = await truce_notices.run_once(bot.sessions, clock.now, lambda: None)
    await settle(bot)
    return added


async def test_one_notice_when_a_window_opens_and_one_when_it_closes(
    start_bot: BotFactory, bot_api: FakeBotApi, clock: Clock, database_url: str
) -> None:
    bot = await start_bot(database_url)
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    await command(bot_api, ODESA, "/subscribe Odesa")
    await command(bot_api, MUTED, "/subscribe Lviv oblast")
    assert "не сповіщатиму" in await command(bot_api, MUTED, "/truce_notices off")
    await command(bot_api, ENGLISH, "/lang en")
    await command(bot_api, ENGLISH, "/subscribe Lviv oblast")
    await command(
        bot_api,
        ADMIN_ID,
        "/truce_set energy start=2025-03-18T11:00+00:00 end=2025-03-18T13:00+00:00 "
        'scope=energy regions=Lviv party="Україна"',
    )
    before = {chat: len(bot_api.messages_to(chat)) for chat in (RESIDENT, ODESA, MUTED, ENGLISH)}

    assert await tick(bot, clock) == 0, "the window has not opened yet"
    clock.advance(hours=1, minutes=1)
    assert await tick(bot, clock) == 2
    opened = bot_api.messages_to(RESIDENT)[before[RESIDENT] :]
    assert opened == [
        "🕊 Оголошено початок паузи в ударах «energy» (Україна), "
        "до 15:00.\n"
        "Охоплює: удари по енергетиці; Львівська область.\n"
        "Тривоги все одно можуть бути — бот повідомить про кожну."
    ]
    english = bot_api.messages_to(ENGLISH)[before[ENGLISH] :]
    assert len(english) == 1 and english[0].startswith('🕊 A pause of strikes "energy"')
    assert bot_api.messages_to(ODESA)[before[ODESA] :] == [], "Odesa is not covered"
    assert bot_api.messages_to(MUTED)[before[MUTED] :] == [], "notices turned off"
    assert await tick(bot, clock) == 0, "told once"

    clock.advance(hours=2)
    assert await tick(bot, clock) == 2
    closed = bot_api.messages_to(RESIDENT)[before[RESIDENT] :]
    assert len(closed) == 2
    assert closed[1].startswith(
        "⏱ Оголошене вікно паузи в ударах «energy» (Україна) закінчилося о 15:00."
    )
    assert await tick(bot, clock) == 0
    assert "вимкнено" in await command(bot_api, MUTED, "/truce_notices")


async def test_no_opened_notice_for_a_window_recorded_once_open(
    start_bot: BotFactory, bot_api: FakeBotApi, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    await command(bot_api, ADMIN_ID, "/truce_set late start=2025-03-18T08:00+00:00 regions=all")
    count = len(bot_api.messages_to(RESIDENT))
    assert await tick(bot, clock) == 0, "no 'opened' for the past"
    await command(bot_api, ADMIN_ID, "/truce_end late reason=broken")
    assert await tick(bot, clock) == 1
    (ended,) = bot_api.messages_to(RESIDENT)[count:]
    assert ended.startswith(
        "⏹ Паузу в ударах «late» (сторону не вказано) завершено достроково о 12:00."
    )
    assert ended.endswith("Причина: broken")


async def test_a_crash_between_noticing_and_queueing_neither_loses_nor_repeats(
    start_bot: BotFactory, bot_api: FakeBotApi, clock: Clock
) -> None:
    bot = await start_bot()
    assert bot.sessions is not None
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    await command(bot_api, ADMIN_ID, "/truce_set soon start=2025-03-18T10:30+00:00")
    clock.advance(hours=1)
    async with bot.sessions() as session:
        (item,) = await store.due(session, clock.now)
    with pytest.raises(RuntimeError):
        async with bot.sessions() as session, session.begin():
            assert await store.queue_one(session, item, clock.now) == 1
            raise RuntimeError("the process dies before the commit")
    count = len(bot_api.messages_to(RESIDENT))
    assert await tick(bot, clock) == 1, "the rolled-back notice is queued again"
    assert len(bot_api.messages_to(RESIDENT)) == count + 1
    async with bot.sessions() as session, session.begin():
        assert await store.queue_one(session, item, clock.now) == 0, "a late run adds nothing"
    assert await tick(bot, clock) == 0


async def test_the_alert_note_says_how_long_the_pause_had_been_in_force(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    await command(bot_api, ADMIN_ID, "/truce_set t start=2025-03-18T04:46+00:00 regions=Lviv")
    serve(feed_server, clock, lviv_alert())  # started 09:58:12Z
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    first = bot_api.messages_to(RESIDENT)[-1]
    assert "Перша тривога в регіоні за 5 год 12 хв від оголошеного початку." in first

    clock.advance(minutes=30)
    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    clock.advance(minutes=30)
    serve(feed_server, clock, lviv_alert("2025-03-18T11:00:00.000Z", alert_id=91235))
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    second = bot_api.messages_to(RESIDENT)[-1]
    assert second.startswith("🔴"), second
    assert "Тривога через 6 год 14 хв від оголошеного початку." in second
    assert "Перша" not in second


def test_a_notice_shows_the_date_only_for_another_day_and_the_year_only_for_another_year() -> None:
    payload = {
        "which": "opened",
        "name": "winter",
        "party": "Україна",
        "scope": "energy",
        "regions": None,
        "starts_at": "2025-12-30T10:00:00+00:00",
        "ends_at": "2026-01-02T10:00:00+00:00",
    }
    assert "до 12:00, 02.01.2026." in truce_notices.render_truce_notice(payload, "uk")
    payload["ends_at"] = "2025-12-31T10:00:00+00:00"
    assert "до 12:00, 31.12." in truce_notices.render_truce_notice(payload, "uk")
    closed = truce_notices.render_truce_notice({**payload, "which": "closed"}, "uk")
    assert "закінчилося о 12:00." in closed
