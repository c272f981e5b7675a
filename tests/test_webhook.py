"""Webhook mode (issue 14): the bot registers its webhook with the secret, takes updates posted
to it over loopback as Telegram would post them, and refuses any request without the secret."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app import AlertBot
from bot.cli import _secrets as cli_secrets
from bot.config import TelegramConfig, WebConfig
from bot.demo.fakes.bot_api import FakeBotApi
from bot.web.webhook import SECRET_HEADER
from tests.conftest import ADMIN_ID, BotFactory

URL = "https://alerts.example.org/tg/updates"
SECRET = "webhook-Secret_42"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def message(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """An update as Telegram posts it to a webhook (the Bot API's Update and Message)."""
    command = text.split()[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": "uk"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


async def webhook_bot(start_bot: BotFactory, bot_api: FakeBotApi) -> AlertBot:
    telegram = TelegramConfig(
        token=SecretStr(bot_api.token),
        base_url=bot_api.base_url,
        admins=[ADMIN_ID],
        webhook_url=URL,
        secret_token=SecretStr(SECRET),
    )
    bot = await start_bot(
        config_updates={"web": WebConfig(listen="127.0.0.1:0"), "telegram": telegram}
    )
    for _ in range(250):  # the webhook is registered in the background, at once
        if bot_api.webhook_url == URL:
            break
        await asyncio.sleep(0.02)
    return bot


async def test_updates_posted_with_the_secret_are_handled_and_others_refused(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await webhook_bot(start_bot, bot_api)
    assert bot.web is not None
    assert (bot_api.webhook_url, bot_api.webhook_secret) == (URL, SECRET)
    endpoint = f"http://127.0.0.1:{bot.web.port}/tg/updates"

    async def post(update: dict[str, Any], secret: str | None) -> int:
        headers = {} if secret is None else {SECRET_HEADER: secret}
        async with http.post(endpoint, json=update, headers=headers) as response:
            return response.status

    # Without the secret, or with a wrong one: 403, and the subscription is not made.
    assert await post(message(1, 42, "/subscribe Lviv oblast"), None) == 403
    assert await post(message(2, 42, "/subscribe Lviv oblast"), "webhook-Secret_41") == 403
    assert await post(message(3, 42, "/mysubs"), SECRET) == 200
    [reply] = await bot_api.wait_for_sent(1, chat_id=42)
    assert reply.text is not None and "Львів" not in reply.text, reply.text

    # With it: handled as a polled update would be.
    assert await post(message(4, 42, "/subscribe Lviv oblast"), SECRET) == 200
    sent = await bot_api.wait_for_sent(2, chat_id=42)
    assert "Львівськ" in (sent[-1].text or ""), sent[-1].text
    assert await post(message(5, 42, "/mysubs"), SECRET) == 200
    sent = await bot_api.wait_for_sent(3, chat_id=42)
    assert "Львівськ" in (sent[-1].text or ""), sent[-1].text

    # Not JSON: refused, nothing breaks.
    async with http.post(endpoint, data=b"{", headers={SECRET_HEADER: SECRET}) as response:
        assert response.status == 400

    # Webhook mode never long-polls; the readiness check counts deliveries as Telegram's word.
    assert not [method for method, _ in bot_api.requests if method == "getUpdates"]
    assert bot.activity.age() is not None and bot.activity.age() < 5  # type: ignore[operator]
    # The secret is never logged by the bot (PTB's own debug lines, which show setWebhook's
    # parameters, are scrubbed by bot.logs.SecretFilter like the token is).
    leaks = [r.name for r in caplog.records if SECRET in str(vars(r))]
    assert set(leaks) <= {"telegram.ext.ExtBot"}, leaks
    assert SECRET in cli_secrets(bot.config), "python -m bot run scrubs it from every line"
    assert any(r.getMessage() == "webhook_refused" for r in caplog.records)

    # Once the stop begins, deliveries get 503: Telegram keeps them for the next process.
    bot.stopping = True
    assert await post(message(6, 42, "/mysubs"), SECRET) == 503
