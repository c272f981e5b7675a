"""The first slice end to end: real PTB over loopback HTTP, the real database, the real poller."""

from __future__ import annotations

import logging

import pytest

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer, Reply
from tests.conftest import ADMIN_ID, FEED_PATH, BotFactory, Clock
from tests.payloads import answer, lviv_alert

RESIDENT = 1001


async def command(api: FakeBotApi, chat_id: int, text: str, *, user_id: int | None = None) -> str:
    """Send a command as a user and return the bot's reply in that chat."""
    before = len(api.messages_to(chat_id))
    api.send_command(chat_id, text, user_id=user_id or chat_id)
    sent = await api.wait_for_sent(before + 1, chat_id=chat_id)
    return sent[-1].text or ""


def serve(feeds: FakeFeedServer, clock: Clock, *alerts: dict[str, object]) -> None:
    body, last_modified = answer(*alerts, updated=clock.now)
    feeds.set(FEED_PATH, body, last_modified=last_modified)


async def settle(bot: object) -> None:
    from bot.app import AlertBot

    assert isinstance(bot, AlertBot) and bot.dispatcher is not None and bot.fanout is not None
    await bot.fanout.run_once()  # the direct messages of the events just found
    for _ in range(500):  # bounded: a row waiting for a retry time keeps the outbox busy
        if not await bot.dispatcher.drain_once():
            return


async def settle_held(bot: object, clock: Clock) -> None:
    """Settle, then settle again once an oblast subscriber's rows for places inside the oblast
    are due: they wait :data:`storage.alert_groups.WINDOW` to go as one message."""
    from storage.alert_groups import WINDOW

    await settle(bot)
    clock.advance(seconds=WINDOW.total_seconds())
    await settle(bot)


async def test_lviv_subscriber_gets_one_start_and_one_end(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    database_url: str,
) -> None:
    bot = await start_bot(database_url)
    reply = await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    assert "Львівська область" in reply

    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert bot_api.messages_to(RESIDENT) == [reply], "no Lviv alert yet, no message"

    clock.advance(minutes=1)
    serve(feed_server, clock, lviv_alert())
    outcome = await bot.poll_now("alerts-in-ua")
    assert outcome.ok
    await settle(bot)
    messages = bot_api.messages_to(RESIDENT)[1:]
    assert len(messages) == 1
    assert messages[0].startswith("🔴 Повітряна тривога: Львівська область")
    assert "Початок о 11:58\n" in messages[0], "start time in Kyiv time (UTC+2), today: no date"
    assert "Прямуйте в укриття!" in messages[0], "a call to action"
    assert "2025" not in messages[0] and "за Києвом" not in messages[0]
    assert "паузу" not in messages[0], "no truce recorded, no note"

    # The same answer again (even without a 304) announces nothing new.
    feed_server.set(FEED_PATH, answer(lviv_alert(), updated=clock.now)[0])
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2

    clock.advance(minutes=40)
    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    messages = bot_api.messages_to(RESIDENT)[1:]
    assert len(messages) == 2
    assert messages[1].startswith("🟢 Відбій повітряної тривоги: Львівська область")
    assert "Кінець о 12:41, тривала 43 хв" in messages[1], "how long the alert lasted"


async def test_truce_note_on_alert_in_covered_region(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Львівська область")
    reply = await command(
        bot_api,
        ADMIN_ID,
        "/truce_set energy-2025 start=2025-03-18T00:00 end=2025-04-17T00:00 scope=energy "
        'regions=Lviv,Kyiv party="US-brokered, Ukraine" source=https://example.org/a',
        user_id=ADMIN_ID,
    )
    assert reply.startswith("✅")
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    alert = bot_api.messages_to(RESIDENT)[-1]
    assert alert.startswith("🔴 Повітряна тривога: Львівська область"), "the alert stands"
    assert "energy-2025" in alert
    assert "удари по енергетиці" in alert
    assert "US-brokered, Ukraine" in alert
    assert "до 00:00, 17.04" in alert, "the announced end, in Kyiv time, time first"
    note = alert.split("\n\n")[1]
    assert "\n" not in note, "one short line per truce"
    assert "/truces" in note, "details in /truces"
    assert "не гарантія" in alert, "the note says a pause is announced, not that it holds"


async def test_truce_note_only_where_and_when_in_force(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    await command(bot_api, ADMIN_ID, "/truce_set odesa-only start=2025-03-01 regions=Odesa")
    await command(bot_api, ADMIN_ID, "/truce_set later start=2025-04-01T00:00 regions=all")
    await command(bot_api, ADMIN_ID, "/truce_set over start=2025-03-01 regions=all")
    await command(bot_api, ADMIN_ID, "/truce_end over")
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    alert = bot_api.messages_to(RESIDENT)[-1]
    assert alert.startswith("🔴")
    assert "⚠️" not in alert, alert


async def test_english_chat_gets_english_alert(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    assert "English" in await command(bot_api, RESIDENT, "/lang en")
    assert "Lviv oblast" in await command(bot_api, RESIDENT, "/subscribe lvivska")
    await command(bot_api, ADMIN_ID, "/truce_set p start=2025-03-17 scope=energy party=Kyiv")
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    alert = bot_api.messages_to(RESIDENT)[-1]
    assert alert.startswith("🔴 Air-raid alert: Lviv oblast")
    assert "announced" in alert and "not a guarantee" in alert


async def test_restart_neither_repeats_nor_misses(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    database_url: str,
) -> None:
    bot = await start_bot(database_url)
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2
    await bot.stop()

    # Restart while the alert is still on: nothing is announced again.
    bot = await start_bot(database_url)
    clock.advance(minutes=5)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2
    await bot.stop()

    # The alert ends while the bot is down: the first poll after the restart says so.
    clock.advance(minutes=30)
    serve(feed_server, clock)
    bot = await start_bot(database_url)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    messages = bot_api.messages_to(RESIDENT)
    assert len(messages) == 3
    assert messages[-1].startswith("🟢")


async def test_alert_recorded_just_before_a_crash_reaches_subscribers_after_restart(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    database_url: str,
) -> None:
    bot = await start_bot(database_url)
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    # As if the process died between committing the event and queueing its direct messages.
    assert bot.fanout is not None
    await bot.fanout.stop()
    serve(feed_server, clock, lviv_alert())
    outcome = await bot.poll_now("alerts-in-ua")
    assert outcome.changes
    await bot.stop()
    assert len(bot_api.messages_to(RESIDENT)) == 1, "only the reply to /subscribe so far"

    # The new process finishes the job on its own, and the next poll repeats nothing.
    bot = await start_bot(database_url)
    sent = await bot_api.wait_for_sent(2, chat_id=RESIDENT)
    assert (sent[-1].text or "").startswith("🔴 Повітряна тривога: Львівська область")
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2


async def test_broken_feed_answer_is_survived_and_logged_once(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2

    caplog.set_level(logging.INFO, logger="alertbot")
    feed_server.script(
        FEED_PATH,
        Reply(status=200, body=b"<html>cloudflare</html>"),
        Reply(status=200, body=b'{"alerts": "nope"}'),
        Reply(status=502, body=b"bad gateway"),
        Reply(status=200, body=b"[1, 2, 3]"),
    )
    for _ in range(4):
        outcome = await bot.poll_now("alerts-in-ua")
        assert not outcome.ok
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2, "a failed poll never reads as all clear"
    failures = [r for r in caplog.records if r.getMessage() == "feed_failed"]
    assert len(failures) == 1, "logged once per outage"

    clock.advance(minutes=10)
    serve(feed_server, clock)
    assert (await bot.poll_now("alerts-in-ua")).ok
    await settle(bot)
    assert [r.getMessage() for r in caplog.records].count("feed_recovered") == 1
    assert bot_api.messages_to(RESIDENT)[-1].startswith("🟢")
    assert all("feed-secret-token" not in r.getMessage() for r in caplog.records)


async def test_non_admin_truce_command_refused_and_changes_nothing(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    reply = await command(bot_api, RESIDENT, "/truce_set sneaky start=2025-03-01")
    assert "лише для адміністраторів" in reply
    reply = await command(bot_api, RESIDENT, "/truce_end anything")
    assert "лише для адміністраторів" in reply
    assert "не записано" in await command(bot_api, RESIDENT, "/truces")
