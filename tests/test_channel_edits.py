"""Channel posts that stay tidy (issue 16): the end of an alert edits the channel's post of its
start when it comes within ``[delivery] channel_edit_window``; residents' direct messages stay
separate (they need the sound of the end)."""

from __future__ import annotations

import httpx

from bot.app import AlertBot
from bot.demo.fakes.bot_api import FakeBotApi, SentMessage
from bot.demo.fakes.feed_server import FakeFeedServer
from tests.conftest import BotFactory, Clock
from tests.delivery_support import add_subscribers, alerts
from tests.payloads import lviv_alert
from tests.test_delivery_channels import CHANNEL, admin
from tests.test_end_to_end import serve, settle

SUBSCRIBERS = range(1, 6)


async def _alert_posted(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> tuple[AlertBot, SentMessage]:
    bot = await start_bot()
    bot_api.set_chat(CHANNEL, type="channel", username="lviv_alerts", title="Тривоги Львова")
    bot_api.set_member(CHANNEL, "administrator")
    assert "✅" in await admin(bot_api, "/channel_link Lviv oblast @lviv_alerts")
    await add_subscribers(bot, SUBSCRIBERS, clock, region_id="27")
    # The alert starts now (10:00 UTC, 12:00 in Kyiv), so that its length is exact.
    serve(feed_server, clock, lviv_alert(started_at=clock.now.strftime("%Y-%m-%dT%H:%M:%S.000Z")))
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    [post] = channel_sends(bot_api)
    assert (post.text or "").startswith("🔴 Повітряна тривога: Львівська")
    return bot, post


async def _alert_ends_after(
    bot: AlertBot, feed_server: FakeFeedServer, clock: Clock, minutes: int
) -> None:
    clock.advance(minutes=minutes)
    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)


def channel_sends(api: FakeBotApi) -> list[SentMessage]:
    return [m for m in api.sent if m.chat_id == CHANNEL and m.method == "sendMessage"]


def channel_edits(api: FakeBotApi) -> list[SentMessage]:
    return [m for m in api.edits if m.chat_id == CHANNEL and m.method == "editMessageText"]


def residents_heard_the_end(api: FakeBotApi) -> None:
    ends = alerts(api, "🟢")
    assert sorted(int(m.chat_id) for m in ends if m.chat_id != CHANNEL) == list(SUBSCRIBERS)


async def test_an_end_within_the_window_edits_the_channel_post(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot, post = await _alert_posted(start_bot, bot_api, feed_server, clock)
    await _alert_ends_after(bot, feed_server, clock, minutes=47)

    assert channel_sends(bot_api) == [post], "no second post in the channel"
    [edit] = channel_edits(bot_api)
    assert edit.params["message_id"] == post.message_id
    assert post.message_id is not None
    shown = bot_api.message(CHANNEL, post.message_id)
    assert shown is not None
    start_text, _, ended = shown["text"].rpartition("\n\n")
    assert start_text == post.text, "the post keeps what it said and says it is over"
    assert ended == "🟢 Відбій о 12:47, тривала 47 хв"
    residents_heard_the_end(bot_api)


async def test_an_end_after_the_window_is_a_new_post(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot, post = await _alert_posted(start_bot, bot_api, feed_server, clock)
    await _alert_ends_after(bot, feed_server, clock, minutes=2 * 60 + 5)

    assert channel_edits(bot_api) == []
    first, end = channel_sends(bot_api)
    assert first == post
    assert (end.text or "").startswith("🟢"), end.text
    residents_heard_the_end(bot_api)


async def test_a_post_that_cannot_be_edited_gets_a_new_post(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot, post = await _alert_posted(start_bot, bot_api, feed_server, clock)
    # The channel's admin deleted the post: Telegram refuses the edit.
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{bot_api.base_url}{bot_api.token}/deleteMessage",
            json={"chat_id": CHANNEL, "message_id": post.message_id},
        )
        assert answer.json()["ok"] is True
    await _alert_ends_after(bot, feed_server, clock, minutes=10)

    assert channel_edits(bot_api) == []
    refused = [e for m, c, e in bot_api.errors if m == "editMessageText" and c == CHANNEL]
    assert refused and "message to edit not found" in refused[0], "the edit was tried first"
    first, end = channel_sends(bot_api)
    assert first == post
    assert (end.text or "").startswith("🟢"), end.text
    residents_heard_the_end(bot_api)
