"""One validation for every feed: the config file's model also judges feeds added in the chat
and rows already stored, and a chat feed may send only the tokens the operator allows."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.config import BotConfig, ConfigError, FeedConfig, parse_config
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from storage.db import create_engine, session_factory
from storage.models import Feed
from tests.conftest import ADMIN_ID, FEED_PATH, BotFactory, Clock
from tests.payloads import answer, lviv_alert
from tests.test_end_to_end import RESIDENT, command

EXTRA = "/extra/active.json"
SECRETS = {
    "TELEGRAM_BOT_TOKEN": "123456:bot-secret",
    "DATABASE_URL": "postgresql+asyncpg://u:db-secret@h/d",
    "EXTRA_TOKEN": "extra-secret",
}


async def admin(api: FakeBotApi, text: str) -> str:
    return await command(api, ADMIN_ID, text, user_id=ADMIN_ID)


async def _insert_chat_feed(database_url: str, **fields: object) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            values: dict[str, object] = {
                "kind": "alerts_in_ua",
                "interval": 15.0,
                "token_env": None,
                "origin": "chat",
                "enabled": True,
                "failures": 0,
            }
            values.update(fields)
            session.add(Feed(**values))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("interval", ["inf", "1e20", "nan", "-5", "86401"])
async def test_chat_refuses_an_interval_the_config_refuses(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, interval: str
) -> None:
    await start_bot(config_updates={"allow_private_feeds": True})
    url = feed_server.url(EXTRA)
    reply = await admin(bot_api, f"/feed_add extra siren_pp_ua {url} interval={interval}")
    assert "interval: від 2 до 86400 секунд" in reply, reply
    assert "extra" not in await admin(bot_api, "/feed_list")


async def test_chat_refuses_a_name_or_token_env_the_config_refuses(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    await start_bot(config_updates={"allow_private_feeds": True})
    url = feed_server.url(EXTRA)
    reply = await admin(bot_api, f"/feed_add лвів/фід siren_pp_ua {url}")
    assert "назва: до 64 латинських літер" in reply, reply
    reply = await admin(bot_api, f"/feed_add extra siren_pp_ua {url} token_env=A-B")
    assert "token_env: назва змінної середовища" in reply, reply


@pytest.mark.parametrize("interval", [float("inf"), 1e20, 0.5])
async def test_a_bad_stored_feed_is_skipped_and_the_bot_delivers(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    sqlite_url: str,
    caplog: pytest.LogCaptureFixture,
    interval: float,
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    await bot.stop()
    # Stored by a version that checked less than the config does.
    await _insert_chat_feed(
        sqlite_url, name="broken", url=feed_server.url(EXTRA), interval=interval
    )
    body, modified = answer(lviv_alert(), updated=clock.now)
    feed_server.set(FEED_PATH, body, last_modified=modified)

    with caplog.at_level(logging.WARNING, logger="alertbot.feeds"):
        bot = await start_bot(schedule_polls=True)
        assert bot.feeds is not None and "broken" not in bot.feeds.pollers
        sent = await bot_api.wait_for_sent(2, chat_id=RESIDENT)
    assert sent[-1].text is not None
    assert sent[-1].text.startswith("🔴 Повітряна тривога: Львівська область")
    skipped = [r for r in caplog.records if r.getMessage() == "feed_invalid_skipped"]
    assert len(skipped) == 1 and getattr(skipped[0], "field", None) == "interval"
    assert "broken" in await admin(bot_api, "/feed_list"), "kept for the admin to remove"
    assert "видалено" in await admin(bot_api, "/feed_remove broken")


async def test_chat_feed_may_not_send_the_bots_own_secrets(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    await start_bot(env=SECRETS, config_updates={"allow_private_feeds": True})
    url = feed_server.url(EXTRA)
    for var in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "EXTRA_TOKEN"):
        reply = await admin(bot_api, f"/feed_add leak alerts_in_ua {url} token_env={var}")
        assert f"змінну {var} джерелам із чату не дозволено" in reply, reply
    assert "leak" not in await admin(bot_api, "/feed_list")
    assert feed_server.requests == [], "nothing was sent anywhere"


async def test_chat_feed_uses_a_token_the_operator_allows(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    feed_server.set(EXTRA, answer(updated=clock.now)[0])
    bot = await start_bot(
        env=SECRETS,
        config_updates={
            "allow_private_feeds": True,
            "bot": BotConfig(chat_feed_token_envs=["EXTRA_TOKEN"]),
        },
    )
    url = feed_server.url(EXTRA)
    reply = await admin(bot_api, f"/feed_add extra alerts_in_ua {url} token_env=EXTRA_TOKEN")
    assert reply.startswith("✅"), reply
    assert (await bot.poll_now("extra")).ok
    assert feed_server.requests[-1][1].get("Authorization") == "Bearer extra-secret"


async def test_stored_chat_feed_with_a_token_env_no_longer_allowed_is_polled_without_it(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    sqlite_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_bot(env=SECRETS)
    await bot.stop()
    await _insert_chat_feed(
        sqlite_url, name="leak", url=feed_server.url(EXTRA), token_env="TELEGRAM_BOT_TOKEN"
    )
    feed_server.set(EXTRA, answer(updated=clock.now)[0])
    with caplog.at_level(logging.WARNING, logger="alertbot.feeds"):
        bot = await start_bot(env=SECRETS, config_updates={"allow_private_feeds": True})
        await bot.poll_now("leak")
        await admin(bot_api, "/feed_test leak")
    sent = [headers for path, headers in feed_server.requests if path == EXTRA]
    assert len(sent) == 2
    assert all("bot-secret" not in str(dict(h)) for h in sent), "the bot token never leaves"
    refused = [r for r in caplog.records if r.getMessage() == "feed_token_env_refused"]
    assert len(refused) == 1, "logged once"
    assert "bot-secret" not in caplog.text


@pytest.mark.parametrize("var", ["TELEGRAM_BOT_TOKEN", "DATABASE_URL", "TELEGRAM_WEBHOOK_SECRET"])
def test_config_cannot_list_the_bots_own_secret_for_chat_feeds(var: str) -> None:
    with pytest.raises(ConfigError, match=f"bot.chat_feed_token_envs: {var} is the bot's own"):
        parse_config({"bot": {"chat_feed_token_envs": [var]}}, {})


async def test_stored_rows_are_never_rewritten_by_validation(
    start_bot: BotFactory, feed_server: FakeFeedServer, sqlite_url: str
) -> None:
    bot = await start_bot()
    await bot.stop()
    await _insert_chat_feed(sqlite_url, name="broken", url="http://[::1/broken")
    await start_bot()
    engine = create_engine(sqlite_url)
    try:
        async with session_factory(engine)() as session:
            url = await session.scalar(select(Feed.url).where(Feed.name == "broken"))
    finally:
        await engine.dispose()
    assert url == "http://[::1/broken"


async def test_an_outage_feed_the_model_refuses_is_skipped_not_fatal(
    start_bot: BotFactory, feed_server: FakeFeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    good = FeedConfig(name="loe", kind="loe", url=feed_server.url("/loe"), interval=300)
    # model_construct: built in code around the file's validation, as a copy with updates is.
    bad = FeedConfig.model_construct(
        name="loe-bad", kind="loe", url=feed_server.url("/bad"), interval=float("inf")
    )
    with caplog.at_level(logging.WARNING):
        bot = await start_bot(
            feeds=[("alerts-in-ua", FEED_PATH)],
            schedule_polls=True,
            config_updates={"feeds": [*_alert_feeds(feed_server), good, bad]},
        )
    assert bot.feeds is not None
    assert {"loe", "loe-bad"} & set(bot.feeds.pollers) == {"loe"}, "the bad one is not polled"
    assert [r for r in caplog.records if r.getMessage() == "feed_invalid_skipped"]


def _alert_feeds(feed_server: FakeFeedServer) -> list[FeedConfig]:
    return [
        FeedConfig(
            name="alerts-in-ua",
            kind="alerts_in_ua",
            url=feed_server.url(FEED_PATH),
            token=SecretStr("feed-secret-token"),
        )
    ]
