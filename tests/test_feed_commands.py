"""Admins run feeds from the chat: changes persist, survive restarts and apply at once."""

from __future__ import annotations

import asyncio

from bot.config import BotConfig
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from tests.conftest import ADMIN_ID, FEED_PATH, BotFactory, Clock
from tests.payloads import answer, lviv_alert
from tests.test_end_to_end import RESIDENT, command

EXTRA = "/extra/active.json"
ENV = {"EXTRA_TOKEN": "extra-secret"}
# The operator lets chat feeds use this one variable.
TOKENS = BotConfig(chat_feed_token_envs=["EXTRA_TOKEN"])


async def admin(api: FakeBotApi, text: str) -> str:
    return await command(api, ADMIN_ID, text, user_id=ADMIN_ID)


async def test_feed_commands_are_admin_only(start_bot: BotFactory, bot_api: FakeBotApi) -> None:
    await start_bot()
    for text in ("/feed_list", "/feed_add x alerts_in_ua https://example.org", "/feed_pause x"):
        assert "лише для адміністраторів" in await command(bot_api, RESIDENT, text)


async def test_private_addresses_refused_for_chat_feeds_unless_allowed(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    await start_bot(env=ENV, config_updates={"bot": TOKENS})
    url = feed_server.url(EXTRA)
    reply = await admin(bot_api, f"/feed_add extra alerts_in_ua {url} token_env=EXTRA_TOKEN")
    assert "веде на внутрішню адресу (127.0.0.1)" in reply, reply
    reply = await admin(
        bot_api, "/feed_add extra alerts_in_ua ftp://example.org/x token_env=EXTRA_TOKEN"
    )
    assert "http://" in reply
    assert "extra" not in await admin(bot_api, "/feed_list")


async def test_add_list_test_pause_resume_remove(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    database_url: str,
) -> None:
    bot = await start_bot(
        database_url, env=ENV, config_updates={"allow_private_feeds": True, "bot": TOKENS}
    )
    body, modified = answer(lviv_alert(), updated=clock.now)
    feed_server.set(EXTRA, body, last_modified=modified)
    url = feed_server.url(EXTRA)

    assert "потребує токена" in await admin(bot_api, f"/feed_add extra alerts_in_ua {url}")
    assert "невідомий тип" in await admin(bot_api, f"/feed_add extra rss2 {url}")
    assert "від 2 до 86400 секунд" in await admin(
        bot_api, f"/feed_add extra alerts_in_ua {url} interval=1 token_env=EXTRA_TOKEN"
    )
    reply = await admin(
        bot_api, f"/feed_add extra alerts_in_ua {url} interval=5 token_env=EXTRA_TOKEN"
    )
    assert reply.startswith("✅ Джерело «extra»"), reply
    assert "уже є" in await admin(
        bot_api, f"/feed_add extra alerts_in_ua {url} token_env=EXTRA_TOKEN"
    )

    tested = await admin(bot_api, "/feed_test extra")
    assert "активних тривог — 3" in tested
    assert "Львівська область" in tested

    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    assert (await bot.poll_now("extra")).ok
    assert ("/extra/active.json", "Bearer extra-secret") in [
        (path, h.get("Authorization")) for path, h in feed_server.requests
    ]
    listing = await admin(bot_api, "/feed_list")
    assert "extra — alerts_in_ua, кожні 5 с, працює, додано в чаті" in listing
    assert "alerts-in-ua — alerts_in_ua" in listing and "з конфігурації" in listing

    assert "призупинено" in await admin(bot_api, "/feed_pause extra")
    assert "уже призупинено" in await admin(bot_api, "/feed_pause extra")
    assert bot.feeds is not None and "extra" not in bot.feeds.pollers
    assert "знову працює" in await admin(bot_api, "/feed_resume extra")

    assert "файлі конфігурації" in await admin(bot_api, "/feed_remove alerts-in-ua")
    await bot.stop()

    # Feeds added in the chat survive a restart.
    bot = await start_bot(
        database_url, env=ENV, config_updates={"allow_private_feeds": True, "bot": TOKENS}
    )
    assert bot.feeds is not None and "extra" in bot.feeds.pollers
    assert "видалено" in await admin(bot_api, "/feed_remove extra")
    assert "extra" not in bot.feeds.pollers
    assert "немає" in await admin(bot_api, "/feed_test extra")


async def test_added_feed_is_polled_on_schedule_without_restart(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    body, modified = answer(updated=clock.now)
    feed_server.set(FEED_PATH, body, last_modified=modified)
    feed_server.set(EXTRA, body, last_modified=modified)
    bot = await start_bot(
        env=ENV, config_updates={"allow_private_feeds": True, "bot": TOKENS}, schedule_polls=True
    )
    url = feed_server.url(EXTRA)
    await admin(bot_api, f"/feed_add extra alerts_in_ua {url} interval=2 token_env=EXTRA_TOKEN")
    for _ in range(100):
        if any(path == EXTRA for path, _ in feed_server.requests):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the new feed was never polled")
    await admin(bot_api, "/feed_pause extra")
    # Paused: its poll job is gone, so nothing will ever poll it (no waiting to prove it).
    assert bot.application is not None and bot.application.job_queue is not None
    assert not bot.application.job_queue.get_jobs_by_name("poll:extra")
    assert bot.feeds is not None and "extra" not in bot.feeds.pollers


async def test_feed_over_the_providers_budget_is_refused(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot(env=ENV, config_updates={"bot": TOKENS})
    reply = await admin(
        bot_api,
        "/feed_add fast alerts_in_ua https://api.alerts.in.ua/v1/alerts/active.json "
        "interval=3 token_env=EXTRA_TOKEN",
    )
    assert "запитів на хвилину до api.alerts.in.ua" in reply, reply
    assert "fast" not in await admin(bot_api, "/feed_list")


async def test_paused_feed_resumes_with_a_full_answer_not_a_304(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot(env=ENV, config_updates={"allow_private_feeds": True, "bot": TOKENS})
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    body, modified = answer(lviv_alert(), updated=clock.now)
    feed_server.set(FEED_PATH, body, last_modified=modified)
    await bot.poll_now("alerts-in-ua")
    await admin(bot_api, "/feed_pause alerts-in-ua")
    await admin(bot_api, "/feed_resume alerts-in-ua")
    requests_before = len(feed_server.requests)
    assert (await bot.poll_now("alerts-in-ua")).ok
    _path, headers = feed_server.requests[requests_before]
    assert headers.get("If-Modified-Since") is None
    from tests.test_end_to_end import settle

    await settle(bot)
    assert not any(m.startswith("🟢") for m in bot_api.messages_to(RESIDENT)), "no false end"


async def test_polls_send_the_last_answers_validators_also_after_a_restart(
    start_bot: BotFactory, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    body, modified = answer(lviv_alert(), updated=clock.now)
    feed_server.set(FEED_PATH, body, last_modified=modified)
    assert (await bot.poll_now("alerts-in-ua")).changed
    outcome = await bot.poll_now("alerts-in-ua")
    assert outcome.ok and not outcome.changed  # a 304: the poller sent what it was given
    assert feed_server.requests[-1][1].get("If-Modified-Since") == modified

    clock.advance(minutes=1)
    body, newer = answer(lviv_alert(), updated=clock.now)
    feed_server.set(FEED_PATH, body, last_modified=newer)
    assert (await bot.poll_now("alerts-in-ua")).changed
    await bot.stop()
    bot = await start_bot()  # the same database: the validators come from it
    outcome = await bot.poll_now("alerts-in-ua")
    assert outcome.ok and not outcome.changed
    assert feed_server.requests[-1][1].get("If-Modified-Since") == newer
