"""Regional channels and chats that leave: linking checks the bot's rights in the channel, a
linked channel is served first, and a chat that blocks or removes the bot gets nothing more
until it comes back."""

from __future__ import annotations

from typing import Any

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from tests.conftest import ADMIN_ID, BotFactory, Clock
from tests.delivery_support import add_subscribers, alerts, member_update
from tests.payloads import lviv_alert
from tests.test_end_to_end import RESIDENT, command, serve, settle

CHANNEL = -1001777
GROUP = -7
ODESA = lviv_alert(alert_id=18) | {"location_title": "Одеська область", "location_uid": "18"}


async def admin(api: FakeBotApi, text: str) -> str:
    return await command(api, ADMIN_ID, text)


async def test_channel_link_checks_rights_and_the_channel_is_served_first(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    bot_api.set_chat(CHANNEL, type="channel", username="lviv_alerts", title="Тривоги Львова")
    link = "/channel_link Львівська область @lviv_alerts"

    assert "лише для адміністраторів" in await command(bot_api, RESIDENT, link)
    bot_api.set_member(CHANNEL, "member")
    assert "Бот не адміністратор каналу @lviv_alerts" in await admin(bot_api, link)
    bot_api.set_member(CHANNEL, "administrator", can_post_messages=False)
    assert "не може публікувати повідомлення" in await admin(bot_api, link)
    assert "-5 — не канал" in await admin(bot_api, "/channel_link Lviv -5")
    assert "Не знаю регіону «Атлантида»" in await admin(bot_api, "/channel_link Атлантида @x")
    assert "Формат: /channel_link" in await admin(bot_api, "/channel_link @lviv_alerts")
    assert "Жодного каналу не прив'язано" in await admin(bot_api, "/channels")

    bot_api.set_member(CHANNEL, "administrator")
    assert await admin(bot_api, link) == (
        "✅ Канал @lviv_alerts отримуватиме кожну тривогу для: Львівська область."
    )
    assert "уже отримує" in await admin(bot_api, f"/channel_link Lviv {CHANNEL}")
    assert "• Львівська область → @lviv_alerts" in await admin(bot_api, "/channels")

    # Odesa's event is recorded first (its rows are older), yet the channel's post goes first.
    await add_subscribers(bot, range(1, 21), clock, region_id="18")
    serve(feed_server, clock, lviv_alert(), ODESA)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    sent = alerts(bot_api)
    assert len(sent) == 21
    assert sent[0].chat_id == CHANNEL, "one post reaches the whole channel: it goes first"
    assert sent[0].text is not None and sent[0].text.startswith("🔴 Повітряна тривога: Львівська")

    reply = await admin(bot_api, "/channel_unlink Lviv @lviv_alerts")
    assert reply == "Канал @lviv_alerts більше не отримує тривог для: Львівська область."
    clock.advance(minutes=20)
    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert [m.text for m in bot_api.sent if m.chat_id == CHANNEL] == [sent[0].text]
    assert len(alerts(bot_api, "🟢")) == 20, "Odesa's subscribers hear the end"

    # Linked again, then demoted to a plain member: it can no longer post, so it is off.
    assert "✅" in await admin(bot_api, link)
    channel = {"id": CHANNEL, "type": "channel", "title": "Тривоги Львова"}
    bot_api.push_update(member_update(bot_api, channel, "administrator", "member", by=ADMIN_ID))
    listing = await admin(bot_api, "/channels")
    assert "@lviv_alerts (вимкнено: бот не може туди писати)" in listing


async def test_blocked_or_removed_chats_get_nothing_until_they_come_back(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, 1, "/subscribe Lviv oblast")
    await command(bot_api, 2, "/subscribe Lviv oblast")
    bot_api.set_member(GROUP, "administrator", user_id=100_001)  # a group admin subscribes
    bot_api.send_command(GROUP, "/subscribe Lviv oblast", chat_type="group")
    await bot_api.wait_for_sent(1, chat_id=GROUP)

    private: dict[str, Any] = {"id": 1, "type": "private", "first_name": "Test"}
    group: dict[str, Any] = {"id": GROUP, "type": "group", "title": "Сусіди"}
    bot_api.push_update(member_update(bot_api, private, "member", "kicked", by=1))
    bot_api.push_update(member_update(bot_api, group, "member", "left", by=100_001))
    stats = await command(bot_api, ADMIN_ID, "/stats")
    assert "Вимкнені чати (заблокували чи видалили бота): 2" in stats
    assert "Підписники: 1 чат;" in stats

    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert [m.chat_id for m in alerts(bot_api)] == [2], "blocked and removed chats get nothing"

    assert "Вітаю" in await command(bot_api, 1, "/start"), "writing to the bot again"
    bot_api.push_update(member_update(bot_api, group, "left", "member", by=100_001))
    assert "Вимкнені чати (заблокували чи видалили бота): 0" in await command(
        bot_api, ADMIN_ID, "/stats"
    )
    clock.advance(minutes=30)
    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert sorted(int(m.chat_id) for m in alerts(bot_api, "🟢")) == [GROUP, 1, 2]


async def _linked_channel_and_subscribers(
    start_bot: BotFactory, bot_api: FakeBotApi, clock: Clock
) -> Any:
    bot = await start_bot()
    bot_api.set_chat(CHANNEL, type="channel", username="lviv_alerts", title="Тривоги Львова")
    bot_api.set_member(CHANNEL, "administrator")
    assert "✅" in await admin(bot_api, "/channel_link Lviv @lviv_alerts")
    await add_subscribers(bot, range(1, 11), clock, region_id="27")
    return bot


async def test_the_dispatcher_tells_the_fan_out_when_the_channel_posts_are_out(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    """The direct messages of a broadcast wait for the channel posts: the dispatcher says when
    they are out (a wake-up, not a question to the database every few milliseconds)."""
    bot = await _linked_channel_and_subscribers(start_bot, bot_api, clock)
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    assert await bot.dispatcher.channel_posts_out(30.0)
    [post] = [m for m in bot_api.sent if m.chat_id == CHANNEL]
    assert post.text is not None and post.text.startswith("🔴 Повітряна тривога: Львівська")
    await settle(bot)
    assert sorted(m.chat_id for m in alerts(bot_api)) == [CHANNEL, *range(1, 11)]


async def test_a_channel_held_back_by_its_limit_delays_the_direct_messages_at_most_a_moment(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await _linked_channel_and_subscribers(start_bot, bot_api, clock)
    before = len(bot_api.sent)
    bot_api.fail_next(CHANNEL, "retry_after", retry_after=60)
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    assert not await bot.dispatcher.channel_posts_out(0.3), "the channel's post is not out"
    # The fan-out waits no longer than its head start: every subscriber hears the alert.
    await bot_api.wait_for_sent(before + 10, timeout=15)
    assert sorted(m.chat_id for m in bot_api.sent[before:]) == list(range(1, 11))
