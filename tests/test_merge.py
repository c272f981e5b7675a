"""Several sources at once: one message per alert, the first source wins, and an alert ends
when no healthy source reports it any more."""

from __future__ import annotations

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer, Reply
from tests.conftest import BotFactory, Clock
from tests.payloads import answer, lviv_alert
from tests.test_end_to_end import RESIDENT, command, settle

A, B = "/a/active.json", "/b/active.json"


def put(server: FakeFeedServer, path: str, clock: Clock, *alerts: dict[str, object]) -> None:
    body, last_modified = answer(*alerts, updated=clock.now)
    server.set(path, body, last_modified=last_modified)


async def test_two_sources_one_message_and_source_down_mid_alert(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    database_url: str,
) -> None:
    bot = await start_bot(database_url, feeds=[("a", A), ("b", B)])
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    put(feed_server, A, clock)
    put(feed_server, B, clock)
    await bot.poll_now("a")
    await bot.poll_now("b")

    # B sees the alert first; A a little later, with a later start: one message, B's time.
    clock.advance(seconds=10)
    put(feed_server, B, clock, lviv_alert(started_at="2025-03-18T10:00:05.000Z"))
    await bot.poll_now("b")
    clock.advance(seconds=5)
    put(feed_server, A, clock, lviv_alert(started_at="2025-03-18T10:00:09.000Z"))
    await bot.poll_now("a")
    await settle(bot)
    alerts = bot_api.messages_to(RESIDENT)[1:]
    assert len(alerts) == 1, alerts
    assert "Початок о 12:00" in alerts[0]

    # A clears, B still reports it: the alert stands.
    clock.advance(seconds=15)
    put(feed_server, A, clock)
    await bot.poll_now("b")
    await bot.poll_now("a")
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2

    # B goes down mid-alert. While its last report is recent, it still holds the alert...
    feed_server.script(B, *[Reply(status=503)] * 50)
    clock.advance(seconds=30)
    assert not (await bot.poll_now("b")).ok
    await bot.poll_now("a")
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2
    # ...once B has been silent for longer than a minute (and 3 intervals), the healthy
    # source's "no alert" decides: one end message.
    clock.advance(minutes=2)
    assert not (await bot.poll_now("b")).ok
    await bot.poll_now("a")
    await settle(bot)
    messages = bot_api.messages_to(RESIDENT)
    assert len(messages) == 3
    assert messages[-1].startswith("🟢")


async def test_every_source_down_keeps_the_alert_on(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot(feeds=[("a", A), ("b", B)])
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    put(feed_server, A, clock, lviv_alert())
    put(feed_server, B, clock, lviv_alert())
    await bot.poll_now("a")
    await bot.poll_now("b")
    feed_server.script(A, *[Reply(status=500)] * 20)
    feed_server.script(B, *[Reply(status=200, body=b"not json")] * 20)
    for _ in range(5):
        clock.advance(minutes=1)
        assert not (await bot.poll_now("a")).ok
        assert not (await bot.poll_now("b")).ok
    await settle(bot)
    messages = bot_api.messages_to(RESIDENT)
    assert len(messages) == 2 and messages[-1].startswith("🔴"), "no false all clear"
