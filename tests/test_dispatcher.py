"""Delivery error policy against the fake Bot API (the full fan-out engine is issue 6)."""

from __future__ import annotations

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from tests.conftest import BotFactory, Clock
from tests.payloads import lviv_alert
from tests.test_end_to_end import command, serve, settle


async def test_blocked_chat_is_deactivated_and_others_still_get_the_alert(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, 1, "/subscribe Lviv oblast")
    await command(bot_api, 2, "/subscribe Lviv oblast")
    bot_api.fail_next(1, "forbidden")
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert len(bot_api.messages_to(1)) == 1, "blocked: nothing delivered"
    assert bot_api.messages_to(2)[-1].startswith("🔴")

    clock.advance(minutes=30)
    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert len(bot_api.messages_to(1)) == 1, "a deactivated chat is not retried"
    assert bot_api.messages_to(2)[-1].startswith("🟢")


async def test_retry_after_and_server_error_are_retried_without_duplicates(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, 1, "/subscribe Lviv oblast")
    bot_api.fail_next(1, "retry_after", retry_after=1)
    bot_api.fail_next(1, "server_error")
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    assert bot.dispatcher is not None
    for _ in range(3):
        clock.advance(seconds=5)  # past the retry delay on the injected clock
        await settle(bot)
    alerts = [m for m in bot_api.messages_to(1) if m.startswith("🔴")]
    assert len(alerts) == 1


async def test_migrated_group_gets_the_alert_at_its_new_id(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, -5, "/subscribe Lviv oblast")
    bot_api.fail_next(-5, "migrate", migrate_to=-1005)
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    await settle(bot)
    assert bot_api.messages_to(-1005)[-1].startswith("🔴")
    assert "Львівська область" in await command(bot_api, -1005, "/mysubs")
