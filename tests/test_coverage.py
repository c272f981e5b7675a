"""A relay gone blind says so: one notice when every source for a region has been failing for
longer than the configured time, and one when coverage is back."""

from __future__ import annotations

from datetime import timedelta

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer, Reply
from bot.ingest.coverage import check_coverage
from tests.conftest import FEED_PATH, BotFactory, Clock
from tests.test_end_to_end import command, serve, settle

ALARM = timedelta(minutes=5)


async def test_blind_notice_once_and_back_once(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    database_url: str,
) -> None:
    bot = await start_bot(database_url)
    started = clock.now
    await command(bot_api, 1, "/subscribe Lviv oblast")
    await command(bot_api, 1, "/subscribe Kyiv")
    await command(bot_api, 2, "/lang en")
    await command(bot_api, 2, "/subscribe Lviv oblast")
    await command(bot_api, 3, "/subscribe Odesa")
    await command(bot_api, 3, "/unsubscribe all")
    serve(feed_server, clock)
    assert (await bot.poll_now("alerts-in-ua")).ok
    assert bot.sessions is not None

    feed_server.script(FEED_PATH, *[Reply(status=502)] * 100)
    for _ in range(4):  # 4 minutes of failures: not yet
        clock.advance(minutes=1)
        await bot.poll_now("alerts-in-ua")
        await check_coverage(bot.sessions, now=clock.now, alarm_after=ALARM, started_at=started)
    await settle(bot)
    before = {chat: len(bot_api.messages_to(chat)) for chat in (1, 2, 3)}

    for _ in range(3):
        clock.advance(minutes=1)
        await bot.poll_now("alerts-in-ua")
        await check_coverage(bot.sessions, now=clock.now, alarm_after=ALARM, started_at=started)
    await settle(bot)
    one = bot_api.messages_to(1)[before[1] :]
    assert len(one) == 1, one
    assert "можу пропустити" in one[0] and "Львівська область" in one[0] and "м. Київ" in one[0]
    two = bot_api.messages_to(2)[before[2] :]
    assert len(two) == 1 and "I may miss" in two[0] and "Lviv oblast" in two[0]
    assert len(bot_api.messages_to(3)) == before[3], "no subscriptions, no notice"

    # After a restart, nothing is repeated while still blind.
    await bot.stop()
    bot = await start_bot(database_url)
    assert bot.sessions is not None
    clock.advance(minutes=1)
    await check_coverage(bot.sessions, now=clock.now, alarm_after=ALARM, started_at=started)
    await settle(bot)
    assert len(bot_api.messages_to(1)) == before[1] + 1

    feed_server.clear_script(FEED_PATH)
    serve(feed_server, clock)
    assert (await bot.poll_now("alerts-in-ua")).ok
    await check_coverage(bot.sessions, now=clock.now, alarm_after=ALARM, started_at=started)
    await settle(bot)
    back = bot_api.messages_to(1)[-1]
    assert back.startswith("✅") and "знову" in back
    assert len(bot_api.messages_to(1)) == before[1] + 2
