"""The loopback fakes must speak the real wire protocols: PTB and httpx talk to them unmodified."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from bot.demo.fakes.bot_api import FakeBotApi, UploadedFile
from bot.demo.fakes.feed_server import FakeFeedServer, Reply


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url) as real_bot:
        yield real_bot


async def test_ptb_polling_round_trip(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Привіт! Subscribed.")

    app: Application = ApplicationBuilder().token(api.token).base_url(api.base_url).build()  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)

        api.send_command(42, "/start")
        [sent] = await api.wait_for_sent(1, chat_id=42)

        began = time.monotonic()
        await app.updater.stop()
        await app.stop()
    # The long poll must be released at once, not after its 1 s timeout.
    assert time.monotonic() - began < 0.9

    assert sent.method == "sendMessage"
    assert sent.text == "Привіт! Subscribed."
    assert api.errors == []
    assert api.messages_to(42) == ["Привіт! Subscribed."]
    methods = [method for method, _ in api.requests]
    assert methods[0] == "getMe"
    assert "deleteWebhook" in methods
    # PTB confirms the handled update with a final getUpdates(offset=last + 1).
    last_poll = [params for method, params in api.requests if method == "getUpdates"][-1]
    assert last_poll["offset"] == 2


async def test_command_update_is_a_real_update(api: FakeBotApi, bot: Bot) -> None:
    api.send_command(-1001234, "/status@alert_test_bot kyiv", chat_type="supergroup", user_id=7)
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert update.message.chat.type == "supergroup"
    assert update.message.from_user is not None and update.message.from_user.id == 7
    assert update.message.parse_entities() == {update.message.entities[0]: "/status@alert_test_bot"}
    assert bot.username == "alert_test_bot"


async def test_get_updates_long_poll_returns_when_update_arrives(api: FakeBotApi, bot: Bot) -> None:
    asyncio.get_running_loop().call_later(0.05, api.send_command, 5, "/help")
    began = time.monotonic()
    updates = await bot.get_updates(timeout=3)
    assert time.monotonic() - began < 1
    assert [u.update_id for u in updates] == [1]
    # Confirming with offset drops the update; an empty poll then times out promptly.
    assert await bot.get_updates(offset=2, timeout=0) == ()


async def test_stop_releases_a_pending_long_poll(api: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    began = time.monotonic()
    await api.stop()
    assert await poll == ()
    assert time.monotonic() - began < 0.5


async def test_scripted_failures_raise_ptb_errors(
    api: FakeBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Opt in to PTB's future timedelta type; reading the int form emits a deprecation warning.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.fail_next(42, "retry_after", retry_after=3)
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(42, "alert")
    assert retry.value.retry_after == dtm.timedelta(seconds=3)

    api.fail_next(42, "forbidden")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(42, "alert")

    api.fail_next(-555, "migrate", migrate_to=-100555)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-555, "alert")
    assert migrated.value.new_chat_id == -100555

    api.fail_next(43, "chat_not_found")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(43, "alert")

    # Scripts are one-shot: the next send goes through.
    message = await bot.send_message(42, "alert")
    assert message.message_id == 1
    assert api.messages_to(42) == ["alert"]
    assert [m.chat_id for m in api.sent] == [42]


async def test_wrong_token_is_invalid_token(api: FakeBotApi) -> None:
    intruder = Bot("654321:WRONG-TOKEN", base_url=api.base_url)
    try:
        with pytest.raises(InvalidToken):
            await intruder.initialize()
    finally:
        # A failed initialize() leaves PTB's httpx clients open.
        await intruder.shutdown()
    assert api.requests == []


async def test_send_photo_edit_and_chat_queries(api: FakeBotApi, bot: Bot) -> None:
    photo = await bot.send_photo(-100777, b"\x89PNG fake", caption="map")
    assert photo.photo[-1].file_size == 9
    [sent] = api.sent
    assert sent.method == "sendPhoto" and sent.text == "map"
    assert isinstance(sent.params["photo"], UploadedFile)
    assert sent.params["photo"].data == b"\x89PNG fake"

    first = await bot.send_message(-100777, "Тривога", reply_markup=None)
    assert first.message_id == photo.message_id + 1
    edited = await bot.edit_message_text("Відбій", chat_id=-100777, message_id=first.message_id)
    assert isinstance(edited, type(first)) and edited.text == "Відбій"
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("Відбій", chat_id=-100777, message_id=first.message_id)

    me = await bot.get_chat_member(-100777, bot.id)
    assert me.status == "administrator"
    assert getattr(me, "can_post_messages", None) is True
    api.set_member(-100777, "member")
    assert (await bot.get_chat_member(-100777, bot.id)).status == "member"
    assert (await bot.get_chat(-100777)).type == "group"
    assert [m.status for m in await bot.get_chat_administrators(-1001)] == [
        "creator",
        "administrator",
    ]

    assert await bot.set_my_commands([("start", "Subscribe")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]


async def test_html_is_validated_like_telegram(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can.t find end tag"):
        await bot.send_message(1, "<b>Київ", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1, "x" * 4097)
    await bot.send_message(1, "<b>Київ</b> &amp; область", parse_mode="HTML")
    assert api.messages_to(1) == ["<b>Київ</b> &amp; область"]


async def test_wait_for_sent_timeout_lists_what_was_sent(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(7, "to someone else")
    api.fail_next(8, "forbidden")
    with pytest.raises(Forbidden):
        await bot.send_message(8, "blocked")
    with pytest.raises(TimeoutError) as timeout:
        await api.wait_for_sent(1, chat_id=8, timeout=0.05)
    assert "to someone else" in str(timeout.value)
    assert "bot was blocked by the user" in str(timeout.value)


async def test_raw_json_and_unknown_method(api: FakeBotApi) -> None:
    async with httpx.AsyncClient(base_url=f"{api.base_url}{api.token}") as client:
        sent = await client.post("/sendMessage", json={"chat_id": "9", "text": "42"})
        assert sent.json()["result"]["text"] == "42"
        assert api.sent[0].chat_id == 9
        missing = await client.post("/sendSticker", data={"chat_id": "9"})
        assert missing.status_code == 404
        assert missing.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
    async with httpx.AsyncClient() as client:
        denied = await client.post(f"{api.base_url}1:nope/getMe")
        assert denied.status_code == 401
        assert denied.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeedServer]:
    async with FakeFeedServer() as server:
        yield server


async def test_feed_server_conditional_get_and_scripts(feed: FakeFeedServer) -> None:
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
    feed.set("/alerts.json", b'{"alerts": []}', last_modified=stamp)
    async with httpx.AsyncClient() as client:
        fresh = await client.get(feed.url("/alerts.json"))
        assert fresh.status_code == 200
        assert fresh.content == b'{"alerts": []}'
        assert fresh.headers["Last-Modified"] == stamp
        assert fresh.headers["Content-Type"] == "application/json"

        cached = await client.get(feed.url("/alerts.json"), headers={"If-Modified-Since": stamp})
        assert cached.status_code == 304
        assert cached.content == b""

        feed.script("/alerts.json", Reply(status=500, body=b"oops"))
        assert (await client.get(feed.url("/alerts.json"))).status_code == 500
        assert (await client.get(feed.url("/alerts.json"))).status_code == 200

        assert (await client.get(feed.url("/nowhere"))).status_code == 404

    assert [path for path, _ in feed.requests] == ["/alerts.json"] * 4 + ["/nowhere"]
    assert feed.requests[1][1]["if-modified-since"] == stamp


async def test_feed_server_delay_does_not_block_stop() -> None:
    server = FakeFeedServer()
    await server.start()
    server.script("/slow", Reply(delay=30))
    async with httpx.AsyncClient() as client:
        request = asyncio.create_task(client.get(server.url("/slow")))
        await asyncio.sleep(0.05)
        began = time.monotonic()
        await server.stop()
        assert (await request).status_code == 200
    assert time.monotonic() - began < 0.5
