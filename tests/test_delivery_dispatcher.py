"""The dispatcher against the fake Bot API: pacing, concurrency, the error policy, paid
broadcast, and replies that stay quick during a broadcast."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.config import DeliveryConfig
from bot.delivery.pacing import ChatPace, group_size
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from storage import outbox as outbox_store
from storage.models import Chat, Outbox
from tests.conftest import ADMIN_ID, BotFactory, Clock
from tests.delivery_support import add_subscribers, alerts, most_in_any_second
from tests.payloads import lviv_alert
from tests.test_end_to_end import command, serve, settle


async def broadcast(bot: object, feed_server: FakeFeedServer, clock: Clock) -> None:
    from bot.app import AlertBot

    assert isinstance(bot, AlertBot)
    serve(feed_server, clock, lviv_alert())
    outcome = await bot.poll_now("alerts-in-ua")
    assert outcome.ok and outcome.changes


async def test_broadcast_is_paced_to_the_budget_with_sends_in_flight(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    chats = await add_subscribers(bot, range(1, 61), clock)
    bot_api.latency = 0.1  # a round trip to Telegram
    await broadcast(bot, feed_server, clock)
    await settle(bot)
    sent = alerts(bot_api)
    assert sorted(int(m.chat_id) for m in sent) == chats, "each chat exactly once"
    # Sends go three at a time (bot/delivery/pacing.group_size): 10 groups fit in a second.
    assert most_in_any_second(sent) <= 30, "never over Telegram's 30 a second"
    # At 28 a second and 0.1 s a round trip, about 3 sends are on their way at once; one at a
    # time would reach only 10 a second. Counted by the fake, not timed: a busy machine slows
    # both alike.
    assert bot_api.most_sends_in_flight >= 2, bot_api.most_sends_in_flight


async def test_one_chat_gets_at_most_one_message_a_second(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    for region in ("Lviv oblast", "Kyiv", "Odesa"):
        await command(bot_api, 1, f"/subscribe {region}")
    kyiv = lviv_alert(alert_id=2) | {"location_title": "м. Київ", "location_uid": "31"}
    odesa = lviv_alert(alert_id=3) | {"location_title": "Одеська область", "location_uid": "18"}
    serve(feed_server, clock, lviv_alert(), kyiv, odesa)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    sent = alerts(bot_api)
    assert len(sent) == 3
    gaps = [b.at - a.at for a, b in itertools.pairwise(sent)]
    assert all(gap >= 0.95 for gap in gaps), gaps


async def test_group_429_pauses_only_that_group(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await add_subscribers(bot, [-5, 1, 2, 3], clock)
    bot_api.fail_next(-5, "retry_after", retry_after=2)
    started = time.monotonic()
    await broadcast(bot, feed_server, clock)
    await settle(bot)
    at = {int(m.chat_id): m.at - started for m in alerts(bot_api)}
    assert set(at) == {-5, 1, 2, 3}, "the group got it after waiting: a 429 is not a failure"
    # Ordered, not timed (a busy machine slows everything alike): the private chats were served
    # while the group waited out the time Telegram gave it.
    assert max(at[1], at[2], at[3]) < at[-5], "private chats were not held up by the group's 429"
    assert at[-5] >= 1.9, "the group waited the time Telegram gave"


async def test_private_429_pauses_the_whole_bot(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await add_subscribers(bot, range(1, 11), clock)
    bot_api.fail_next(1, "retry_after", retry_after=1)
    started = time.monotonic()
    await broadcast(bot, feed_server, clock)
    await settle(bot)
    sent = alerts(bot_api)
    assert sorted(int(m.chat_id) for m in sent) == list(range(1, 11))
    # Chat 1 is first in line; its 429 says the bot as a whole is over the limit. Only the
    # sends that went at the same instant as chat 1's (a group, bot/delivery/pacing.py) were
    # on their way before the answer came.
    at_once = group_size(28.0) - 1
    early = [m for m in sent if m.at - started < 0.9]
    assert len(early) <= at_once, "nobody else got anything for the time given"
    assert 1 not in {int(m.chat_id) for m in early}


async def test_unreachable_chats_are_deactivated_and_network_errors_retried_boundedly(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot(config_updates={"delivery": DeliveryConfig(max_network_attempts=2)})
    await add_subscribers(bot, [1, 2, 3, 4], clock)
    bot_api.fail_next(1, "chat_not_found")
    bot_api.fail_next(2, "server_error", times=5)  # never gets through in 2 attempts
    bot_api.fail_next(3, "server_error")  # gets through at the second attempt
    await broadcast(bot, feed_server, clock)
    await settle(bot)
    assert sorted(int(m.chat_id) for m in alerts(bot_api)) == [3, 4]
    assert bot.sessions is not None
    async with bot.sessions() as session:
        active = {c: a for c, a in await session.execute(select(Chat.chat_id, Chat.active))}
        status = {c: s for c, s in await session.execute(select(Outbox.chat_id, Outbox.status))}
    assert active == {1: False, 2: True, 3: True, 4: True}
    assert status == {1: "failed", 2: "failed", 3: "sent", 4: "sent"}
    requests_to_2 = [p for m, p in bot_api.requests if m == "sendMessage" and p["chat_id"] == 2]
    assert len(requests_to_2) == 2, "bounded: max_network_attempts"

    reply = await command(bot_api, ADMIN_ID, "/stats")
    assert "Вимкнені чати (заблокували чи видалили бота): 1" in reply
    assert "надіслано 2" in reply
    assert "chat_not_found 1" in reply and "network 3" in reply and "network_failed 1" in reply
    assert "Найстаріше недоставлене повідомлення про повітряну тривогу: немає" in reply
    assert "лише для адміністраторів" in await command(bot_api, 4, "/stats")


async def test_paid_broadcast_for_air_raids_only(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot(config_updates={"delivery": DeliveryConfig(paid_broadcast=True)})
    chats = await add_subscribers(bot, range(1, 201), clock)
    assert bot.sessions is not None
    async with bot.sessions() as session, session.begin():
        await outbox_store.enqueue_notice(
            session, key="note", kind="info", chat_ids=[1], now=clock.now, text="ℹ️ note"
        )
    bot_api.latency = 0.05  # a round trip: the paid lane keeps many on their way at once
    await broadcast(bot, feed_server, clock)
    await settle(bot)
    sent = alerts(bot_api)
    assert sorted(int(m.chat_id) for m in sent) == chats
    assert all(m.params.get("allow_paid_broadcast") is True for m in sent)
    # The free lane sends at most 16 at once (28 a second); the paid one far more. Counted by
    # the fake, not timed.
    assert bot_api.most_sends_in_flight > 16, bot_api.most_sends_in_flight
    [note] = alerts(bot_api, "ℹ️")
    assert "allow_paid_broadcast" not in note.params, "only air-raid messages are paid"


async def test_a_reply_stays_quick_during_a_broadcast_of_2000(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    # The fake has no limits; a high budget makes the broadcast as busy as the loop can be.
    bot = await start_bot(dispatcher_rate=1000)
    await add_subscribers(bot, range(1001, 3001), clock)
    await broadcast(bot, feed_server, clock)
    # Ask once the broadcast is under way (its messages are queued just after the event).
    await bot_api.wait_for_sent(1)
    reply = await command(bot_api, ADMIN_ID, "/status")
    in_flight = len(alerts(bot_api))
    await settle(bot)
    # Not timed: the reply came before the broadcast was over, so it did not wait behind it.
    assert 0 < in_flight < 2000, "the reply came while the broadcast was running"
    assert "немає підписок" in reply
    assert len(alerts(bot_api)) == 2000


async def test_alert_over_before_its_start_went_out_gives_one_accurate_message(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, 1, "/subscribe Lviv oblast")
    assert bot.dispatcher is not None
    await bot.dispatcher.stop()  # a backlog: nothing goes out for a while
    await broadcast(bot, feed_server, clock)
    clock.advance(minutes=30)
    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    bot.dispatcher.start()
    await settle(bot)
    assert bot_api.messages_to(1)[1:] == [
        "🟢 Відбій повітряної тривоги: Львівська область\n"
        "Тривала з 11:58 до 12:30 (32 хв) і вже закінчилася."
    ], "not a stale start followed by an end"


def test_a_group_gets_at_most_20_messages_a_minute() -> None:
    pace = ChatPace(-100)
    for n in range(20):
        pace.sent(100.0 + n * 1.0)  # one a second, as fast as a chat may go
    assert pace.not_before == 100.0 + 60.0, "the 21st waits until the 1st is a minute old"
    private = ChatPace(42)
    for n in range(30):
        private.sent(100.0 + n * 1.0)
    assert private.not_before == 130.0, "a private chat: one a second, no minute window"


async def test_a_writer_that_cannot_record_pauses_the_sends_and_nothing_is_lost(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    sqlite_url: str,
) -> None:
    """What a crash may send again is bounded however slow the writer is: with the database
    locked by another process the sends stop after ``max_unmarked``, and go on once it is
    free, each chat once."""
    bot = await start_bot(sqlite_url)
    chats = await add_subscribers(bot, range(1, 121), clock)
    dispatcher = bot.dispatcher
    assert dispatcher is not None
    bot_api.latency = 0.02
    await broadcast(bot, feed_server, clock)
    await bot_api.wait_for_sent(5, timeout=30)
    path = make_url(sqlite_url).database
    assert path is not None
    lock = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        at_lock = len(alerts(bot_api))
        deadline = time.monotonic() + 30
        while not (dispatcher.paused_for_marks and dispatcher.sends_in_flight == 0):
            assert time.monotonic() < deadline, "the sends never paused"
            await asyncio.sleep(0.05)
        slots = bot.config.delivery.concurrency
        assert len(alerts(bot_api)) - at_lock <= dispatcher.max_unmarked + slots
        assert len(alerts(bot_api)) < len(chats), "paused mid-broadcast"
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    await settle(bot)
    assert sorted(int(m.chat_id) for m in alerts(bot_api)) == chats, "each chat exactly once"
