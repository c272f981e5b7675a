"""Unusual input gets a clear one-line answer within Telegram's limit, never an internal error."""

from __future__ import annotations

import pytest

from bot.demo.fakes.bot_api import FakeBotApi
from bot.i18n import t
from tests.conftest import ADMIN_ID, BotFactory
from tests.test_end_to_end import RESIDENT, command

INTERNAL = t("uk", "error.internal")
LONG = "ї" * 4096  # Telegram takes a message of 4,096 characters: all of it an argument

ECHOING = [
    (RESIDENT, "/subscribe"),
    (RESIDENT, "/unsubscribe"),
    (RESIDENT, "/regions"),
    (ADMIN_ID, "/truce_end"),
    (ADMIN_ID, "/feed_remove"),
    (ADMIN_ID, "/feed_pause"),
    (ADMIN_ID, "/feed_resume"),
    (ADMIN_ID, "/feed_test"),
    (RESIDENT, "/outage_group"),
    (ADMIN_ID, "/channel_link"),
    (ADMIN_ID, "/truce_set"),
]


async def test_a_4096_character_argument_gets_a_short_clear_reply(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    for user, name in ECHOING:
        for argument in (LONG, f"{LONG[:3000]} @channel", f"x start=now {LONG[:4000]}"):
            reply = await command(bot_api, user, f"{name} {argument}")
            assert reply != INTERNAL, (name, argument[:20])
            assert len(reply) <= 1000, (name, len(reply))


async def test_long_values_are_refused_with_their_limit(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    region = await command(bot_api, RESIDENT, f"/subscribe {'Львів' * 30}")
    assert "Назва регіону задовга (найбільша довжина — 100)" in region
    truce = await command(bot_api, ADMIN_ID, f"/truce_set x start=now party={'p' * 129}")
    assert "party: задовге значення (найбільша довжина — 128)" in truce
    name = await command(bot_api, ADMIN_ID, f"/truce_set {'n' * 129} start=now")
    assert "name: задовге значення (найбільша довжина — 128)" in name
    unknown = await command(bot_api, ADMIN_ID, f"/truce_set x start=now {'k' * 500}=1")
    assert "невідомий параметр" in unknown and len(unknown) < 400


@pytest.mark.parametrize("minutes", ["²", "٣", "9" * 5000, "-5", "721"])
async def test_outage_remind_odd_numbers_get_the_usage(
    start_bot: BotFactory, bot_api: FakeBotApi, minutes: str
) -> None:
    await start_bot()
    reply = await command(bot_api, RESIDENT, f"/outage_remind {minutes}")
    assert "/outage_remind" in reply, reply


async def test_postgresql_column_limits_are_checked_when_typed(
    postgres_url: str, start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot(postgres_url)
    url = "https://example.org/v1/alerts/active.json"
    name = await command(bot_api, ADMIN_ID, f"/feed_add {'f' * 65} alerts_in_ua {url}")
    assert "name: задовге значення (найбільша довжина — 64)" in name
    token = await command(
        bot_api, ADMIN_ID, f"/feed_add f alerts_in_ua {url} token_env={'T' * 129}"
    )
    assert "token_env: задовге значення (найбільша довжина — 128)" in token
    party = await command(bot_api, ADMIN_ID, f"/truce_set x start=now party={'p' * 200}")
    assert "party: задовге значення" in party
    ok = await command(bot_api, ADMIN_ID, f"/truce_set {'n' * 128} start=now party={'p' * 128}")
    assert ok.startswith("✅"), ok
    assert "немає; перелік" in await command(bot_api, ADMIN_ID, f"/feed_pause {'f' * 64}")
