"""A loopback fake of the Telegram Bot API that real python-telegram-bot can talk to.

Point PTB at it with ``ApplicationBuilder().token(api.token).base_url(api.base_url)``.
Requests arrive as ``POST /bot<token>/<method>``. PTB 22 sends every parameter
form-encoded (``application/x-www-form-urlencoded``), each value a *string*: plain
strings raw and everything else JSON-dumped (``chat_id=42``, ``reply_markup={...}``).
With a file to upload the same fields travel as ``multipart/form-data`` next to the
file part. Other clients may send a JSON body, so all three encodings are accepted.

All state lives on the event loop that runs the server. ``push_update`` and
``send_command`` may also be called from another thread, see ``_call_on_loop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

from bot.web.server import serve

__all__ = [
    "FailureKind",
    "FakeBotApi",
    "MemberStatus",
    "SentMessage",
    "UploadedFile",
]

logger = logging.getLogger(__name__)

FailureKind = Literal["retry_after", "forbidden", "chat_not_found", "migrate", "server_error"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
ChatType = Literal["private", "group", "supergroup", "channel"]

BOT_USERNAME = "alert_test_bot"
BOT_FIRST_NAME = "Alert Test Bot"
# Users in group chats need some id when the test does not care which one.
DEFAULT_USER_ID = 100_001
DEFAULT_OWNER_ID = 100_000

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

# Form values are JSON-decoded to get ints, bools and objects back; these are always
# strings, and decoding them would turn a text like "42" or "true" into a number or bool.
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "title",
        "description",
        "short_description",
        "name",
        "first_name",
        "last_name",
        "username",
        "language_code",
        "inline_message_id",
        "callback_query_id",
        "url",
        "custom_title",
        "business_connection_id",
        "message_effect_id",
        "secret_token",
    }
)

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "code",
        "del",
        "em",
        "i",
        "ins",
        "pre",
        "s",
        "span",
        "strike",
        "strong",
        "tg-emoji",
        "tg-spoiler",
        "u",
    }
)
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>")
_PATH_RE = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?$")


@dataclass
class SentMessage:
    method: str
    chat_id: int | str
    text: str | None
    params: dict[str, Any]
    at: float  # time.monotonic()
    message_id: int | None = None  # the id Telegram gave it (for edits and button presses)


@dataclass
class UploadedFile:
    """A file part of a multipart request, kept whole so tests can look at the bytes."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class _Failure:
    kind: FailureKind
    retry_after: int
    migrate_to: int | None
    description: str | None


class _ApiError(Exception):
    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad_request(what: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {what}")


def _utf16_len(text: str) -> int:
    # Telegram measures entity offsets and lengths in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _decode_form_value(key: str, value: str) -> Any:
    if key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_int(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise _bad_request("wrong integer value")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad_request(f'field is not an integer: "{value}"') from None


def _as_float(value: Any, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _bad_request(f'field is not a number: "{value}"') from None


def _normalize_chat_id(value: Any) -> int | str:
    if isinstance(value, bool) or value is None or value == "":
        raise _bad_request("chat_id is empty")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
        if value.startswith("@") and len(value) > 1:
            return value
    raise _bad_request("chat not found")


def _check_html(text: str) -> str:
    """Validates Telegram's HTML subset the way the server does; returns the visible text."""

    def at(pos: int) -> int:
        return len(text[:pos].encode("utf-8"))

    open_tags: list[str] = []
    pos = 0
    while (lt := text.find("<", pos)) != -1:
        match = _TAG_RE.match(text, lt)
        if match is None:
            raise _bad_request(f"can't parse entities: Unexpected '<' at byte offset {at(lt)}")
        closing, name = match.group(1) == "/", match.group(2).lower()
        if not closing:
            if name not in _HTML_TAGS:
                raise _bad_request(
                    f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {at(lt)}'
                )
            open_tags.append(name)
        elif not open_tags:
            raise _bad_request(f"can't parse entities: Unexpected end tag at byte offset {at(lt)}")
        elif open_tags[-1] != name:
            raise _bad_request(
                f"can't parse entities: Unmatched end tag at byte offset {at(lt)}, "
                f'expected "</{open_tags[-1]}>", found "</{name}>"'
            )
        else:
            open_tags.pop()
        pos = match.end()
    if open_tags:
        raise _bad_request(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{open_tags[-1]}"'
        )
    return html.unescape(_TAG_RE.sub("", text))


def _visible_text(text: str, parse_mode: Any) -> str | None:
    """The text as the user will see it, or None when we cannot tell (Markdown)."""
    if parse_mode is None or parse_mode == "":
        return text
    if isinstance(parse_mode, str) and parse_mode.lower() == "html":
        return _check_html(text)
    return None


class FakeBotApi:
    """Serves the Bot API subset the bot uses; records what was sent; scripts failures."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
    ) -> None:
        self.token = token
        # Seconds every call but getUpdates takes before it is handled, like a real round
        # trip; may be changed while running.
        self.latency = latency
        # sendMessage calls being handled at once now, and the most there ever were: how a
        # test sees that sends overlap without timing them.
        self.sends_in_flight = 0
        self.most_sends_in_flight = 0
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 1

        self.sent: list[SentMessage] = []
        self.edits: list[SentMessage] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        # (method, chat_id, description) of every call answered with an error; shown
        # when wait_for_sent times out, since a silent failure is the usual cause.
        self.errors: list[tuple[str, int | str | None, str]] = []

        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._failures: dict[int | str, deque[_Failure]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._usernames: dict[str, int] = {}
        self._members: dict[tuple[int, int], dict[str, Any]] = {}
        self._commands: dict[str, list[dict[str, Any]]] = {}
        # answerCallbackQuery calls by callback_query_id, and the ids of callback queries
        # pushed by press_button (Telegram refuses an answer to an id it never issued).
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self._callback_ids = itertools.count(1)
        self._issued_callbacks: set[str] = set()
        self._file_ids = itertools.count(1)
        # Photos by the file ids this fake issued: a photo sent again by its file id is
        # accepted, any other id refused as Telegram refuses it.
        self._photos: dict[str, list[dict[str, Any]]] = {}
        self._synthetic_chat_ids = itertools.count(1_001_000_000_001)

        # Replaced on every change so each waiter sees a fresh edge, not a stale level.
        self._update_signal = asyncio.Event()
        self._sent_signal = asyncio.Event()
        # Bumped by each getUpdates so an older long poll still waiting can answer 409,
        # as Telegram does when two pollers overlap.
        self._poll_generation = 0
        self._closing = False
        # What setWebhook was given (Telegram would post updates there; tests post them).
        self.webhook_url = ""
        self.webhook_secret: str | None = None

        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Callable[[str, dict[str, Any]], Awaitable[Any]]] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._true,
                "close": self._true,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getUpdates": self._get_updates,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
            }.items()
        }

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already running")
        self._closing = False
        self._loop = asyncio.get_running_loop()
        # Telegram accepts uploads up to 50 MB; aiohttp's default cap is 1 MiB.
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # Waiters are released by stop(), so a long shutdown grace period only hides bugs.
        self._runner, self._port = await serve(app, self.host, self._requested_port, 1.0)

    async def stop(self) -> None:
        self._closing = True
        self._wake_pollers()
        self._wake_senders()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    # -- scripting and inspection ----------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        update = dict(update)
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            update_id = self._next_update_id
            update["update_id"] = update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._updates.append(update)
        self._call_on_loop(self._wake_pollers)
        return update_id

    def send_command(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Test",
        reply_to: int | None = None,
    ) -> int:
        """Queues a message from a user, as Telegram would deliver it to getUpdates.

        Despite the name any text works; only a leading ``/command`` gets an entity.
        ``reply_to``: the id of a message in the chat this one answers (as with ForceReply).
        """
        if user_id is None:
            user_id = chat_id if chat_type == "private" else DEFAULT_USER_ID
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = self._chat_object(chat_id).get("title") or f"Test {chat_type}"
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "text": text,
        }
        if chat_type == "channel":
            message["sender_chat"] = dict(chat)
        else:
            message["from"] = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "language_code": "uk",
            }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        if reply_to is not None:
            message["reply_to_message"] = self._messages[(chat_id, reply_to)]
        key = "channel_post" if chat_type == "channel" else "message"
        return self.push_update({key: message})

    def forget_files(self) -> None:
        """Refuse every file id issued so far (as after Telegram dropped them)."""
        self._photos.clear()

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        language_code: str = "uk",
    ) -> str:
        """Queues a callback_query, as when a user presses an inline button under the bot's
        message ``message_id``; returns the query's id (see :meth:`wait_for_answer`).

        ``data`` need not be one the bot sent: tests forge data this way. The message is
        the one the fake recorded (with its keyboard), or a bare one if it never existed.
        """
        chat = self._chat_object(chat_id)
        if user_id is None:
            user_id = chat_id if chat["type"] == "private" else DEFAULT_USER_ID
        message = self._messages.get(
            (chat_id, message_id),
            {"message_id": message_id, "date": int(time.time()), "chat": chat, "text": "…"},
        )
        query_id = f"cbq-{next(self._callback_ids)}"
        self._issued_callbacks.add(query_id)
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": {
                        "id": user_id,
                        "is_bot": False,
                        "first_name": "Test",
                        "language_code": language_code,
                    },
                    "chat_instance": f"ci-{chat_id}",
                    "message": dict(message),
                    "data": data,
                }
            }
        )
        return query_id

    async def wait_for_answer(self, query_id: str, *, timeout: float = 5.0) -> dict[str, Any]:
        """Waits until the bot answered callback query ``query_id``; returns the answer's
        parameters (``text``, ``show_alert``, ...)."""
        await self._wait_until(lambda: query_id in self.callback_answers, timeout, query_id)
        return self.callback_answers[query_id]

    async def wait_for_edit(
        self, count: int, *, chat_id: int | None = None, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Waits until ``count`` edits (editMessageText / editMessageReplyMarkup) were made."""

        def matching() -> list[SentMessage]:
            return [e for e in self.edits if chat_id is None or e.chat_id == chat_id]

        await self._wait_until(lambda: len(matching()) >= count, timeout, "edits")
        return matching()[:count]

    async def _wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not ready():
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                raise TimeoutError(
                    f"FakeBotApi: {what} not seen within {timeout:g} s; errors: {self.errors[-5:]}"
                )
            signal = self._sent_signal
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), remaining)

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The bot's message as the chat sees it now (after edits), with its keyboard."""
        return self._messages.get((chat_id, message_id))

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """What setMyCommands set for ``scope`` (default scope when None) and language."""
        return self._commands.get(
            self._commands_key({"scope": scope, "language_code": language_code}), []
        )

    async def wait_for_sent(
        self, count: int, *, chat_id: int | None = None, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Waits until ``count`` messages (to ``chat_id``, if given) were sent.

        Returns exactly the first ``count`` of them, so ``[msg] = await ...`` is safe
        even if more arrive meanwhile.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            matching = [m for m in self.sent if chat_id is None or m.chat_id == chat_id]
            if len(matching) >= count:
                return matching[:count]
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                raise TimeoutError(self._describe_shortfall(count, chat_id, timeout, matching))
            signal = self._sent_signal
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), remaining)

    def messages_to(self, chat_id: int) -> list[str]:
        return [m.text for m in self.sent if m.chat_id == chat_id and m.text is not None]

    def fail_next(
        self,
        chat_id: int,
        error: FailureKind,
        *,
        retry_after: int = 1,
        migrate_to: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Makes the next ``times`` send* calls to ``chat_id`` fail as Telegram would.

        ``description`` overrides Telegram's text, e.g. "Forbidden: bot was kicked from
        the group chat" instead of the private-chat wording.
        """
        failure = _Failure(error, retry_after, migrate_to, description)
        self._failures.setdefault(chat_id, deque()).extend([failure] * times)

    def set_chat(
        self,
        chat_id: int,
        *,
        type: ChatType | None = None,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> None:
        """Overrides what getChat and sent messages report about a chat."""
        fields = {"type": type, "title": title, "username": username, "first_name": first_name}
        self._chats.setdefault(chat_id, {}).update({k: v for k, v in fields.items() if v})
        if username:
            self._usernames[username.lower()] = chat_id

    def set_member(
        self,
        chat_id: int,
        status: MemberStatus,
        *,
        user_id: int | None = None,
        **rights: bool,
    ) -> None:
        """Sets what getChatMember reports; ``user_id=None`` means the bot itself.

        ``rights`` override the administrator/restricted flags, e.g.
        ``set_member(-100, "administrator", can_post_messages=False)``.
        """
        uid = self.bot_id if user_id is None else user_id
        self._members[(chat_id, uid)] = self._member_object(uid, status, rights)

    def _call_on_loop(self, fn: Callable[[], None]) -> None:
        # asyncio.Event is not thread-safe, and a driver script may queue updates from
        # a thread of its own.
        loop = self._loop
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is not None and running is not loop and loop.is_running():
            loop.call_soon_threadsafe(fn)
        else:
            fn()

    def _wake_pollers(self) -> None:
        signal, self._update_signal = self._update_signal, asyncio.Event()
        signal.set()

    def _wake_senders(self) -> None:
        signal, self._sent_signal = self._sent_signal, asyncio.Event()
        signal.set()

    def _describe_shortfall(
        self, count: int, chat_id: int | None, timeout: float, matching: list[SentMessage]
    ) -> str:
        target = "" if chat_id is None else f" to chat {chat_id}"
        lines = [
            f"FakeBotApi: expected {count} sent message(s){target} within {timeout:g} s, "
            f"got {len(matching)}.",
            f"All sent messages ({len(self.sent)}):",
        ]
        lines += [f"  {m.method} -> {m.chat_id}: {m.text!r}" for m in self.sent] or ["  (none)"]
        if self.errors:
            lines.append("Calls answered with an error:")
            lines += [f"  {method} -> {chat}: {desc}" for method, chat, desc in self.errors[-10:]]
        calls = [method for method, _ in self.requests if method.lower() != "getupdates"]
        lines.append(f"Other calls: {', '.join(calls[-15:]) or '(none)'}")
        lines.append(f"Updates still queued (not yet fetched by the bot): {len(self._updates)}")
        return "\n".join(lines)

    # -- HTTP plumbing ---------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        match = _PATH_RE.match(request.path)
        if match is None:
            return self._error_response(_ApiError(404, "Not Found"))
        if match.group("token") != self.token:
            return self._error_response(_ApiError(401, "Unauthorized"))
        method = match.group("method")
        chat_id: int | str | None = None
        try:
            params = await self._read_params(request)
            self.requests.append((method, params))
            with contextlib.suppress(_ApiError):
                chat_id = _normalize_chat_id(params.get("chat_id"))
            handler = self._methods.get(method.lower())
            if handler is None:
                raise _ApiError(404, "Not Found: method not found")
            sending = method.lower() == "sendmessage"
            if sending:
                self.sends_in_flight += 1
                self.most_sends_in_flight = max(self.most_sends_in_flight, self.sends_in_flight)
            try:
                if self.latency > 0 and method.lower() != "getupdates":
                    await asyncio.sleep(self.latency)
                result = await handler(method, params)
            finally:
                if sending:
                    self.sends_in_flight -= 1
        except _ApiError as err:
            # A long poll PTB abandoned on shutdown gets its 409 after the client left;
            # nobody saw that error, so listing it would only mislead.
            if request.transport is not None and not request.transport.is_closing():
                self.errors.append((method, chat_id, err.description))
            return self._error_response(err)
        except Exception as err:  # a bug in the fake must not look like a hang to the bot
            logger.exception("FakeBotApi failed to handle %s", method)
            self.errors.append((method, chat_id, f"fake crashed: {err!r}"))
            return self._error_response(_ApiError(500, "Internal Server Error"))
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error_response(err: _ApiError) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": err.code,
            "description": err.description,
        }
        if err.parameters:
            body["parameters"] = err.parameters
        return web.json_response(body, status=err.code)

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {
            key: _decode_form_value(key, value) for key, value in request.query.items()
        }
        if not request.body_exists:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise _bad_request("JSON object expected")
            params.update(body)
            return params
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = UploadedFile(
                        field=key,
                        filename=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                elif isinstance(value, (bytes, bytearray)):
                    params[key] = _decode_form_value(key, bytes(value).decode("utf-8"))
                else:
                    params[key] = _decode_form_value(key, value)
        return params

    # -- chats, members, messages ----------------------------------------------------

    def _resolve_chat_id(self, chat_id: int | str) -> int:
        if isinstance(chat_id, int):
            return chat_id
        username = chat_id.removeprefix("@").lower()
        if username not in self._usernames:
            # A public "@channel" resolves to some stable channel id in real Telegram too.
            new_id = -next(self._synthetic_chat_ids)
            self._usernames[username] = new_id
            self._chats.setdefault(new_id, {}).update(
                {"type": "channel", "username": chat_id.removeprefix("@")}
            )
        return self._usernames[username]

    def _chat_object(self, chat_id: int) -> dict[str, Any]:
        override = self._chats.get(chat_id, {})
        chat_type = override.get("type")
        if chat_type is None:
            if chat_id > 0:
                chat_type = "private"
            elif chat_id <= -1_000_000_000_000:
                chat_type = "supergroup"
            else:
                chat_type = "group"
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = override.get("first_name", "Test")
        else:
            chat["title"] = override.get("title", f"Test {chat_type} {chat_id}")
        if "username" in override:
            chat["username"] = override["username"]
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _member_object(
        self, user_id: int, status: MemberStatus, rights: dict[str, bool]
    ) -> dict[str, Any]:
        user = (
            self.bot_user
            if user_id == self.bot_id
            else {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        )
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": True,
                    "can_edit_stories": True,
                    "can_delete_stories": True,
                    "can_post_messages": True,
                    "can_edit_messages": True,
                    "can_pin_messages": True,
                    "can_manage_topics": False,
                }
            )
        elif status == "restricted":
            member.update(
                {
                    "is_member": True,
                    "until_date": 0,
                    "can_edit_tag": False,
                    **dict.fromkeys(
                        [
                            "can_change_info",
                            "can_invite_users",
                            "can_pin_messages",
                            "can_send_messages",
                            "can_send_polls",
                            "can_send_other_messages",
                            "can_add_web_page_previews",
                            "can_manage_topics",
                            "can_send_audios",
                            "can_send_documents",
                            "can_send_photos",
                            "can_send_videos",
                            "can_send_video_notes",
                            "can_send_voice_notes",
                        ],
                        False,
                    ),
                }
            )
        elif status == "kicked":
            member["until_date"] = 0
        member.update(rights)
        return member

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        configured = self._members.get((chat_id, user_id))
        if configured is not None:
            return configured
        if user_id == self.bot_id and chat_id < 0:
            return self._member_object(user_id, "administrator", {})
        return self._member_object(user_id, "member", {})

    def _message(self, chat: dict[str, Any], **fields: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
        }
        if chat["type"] == "channel":
            # Channel posts carry the channel as sender, never the bot user.
            message["sender_chat"] = dict(chat)
        else:
            message["from"] = self.bot_user
        message.update({k: v for k, v in fields.items() if v is not None})
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _take_failure(self, chat_id: int | str) -> None:
        queue = self._failures.get(chat_id)
        if not queue:
            return
        failure = queue.popleft()
        if failure.kind == "retry_after":
            raise _ApiError(
                429,
                failure.description or f"Too Many Requests: retry after {failure.retry_after}",
                {"retry_after": failure.retry_after},
            )
        if failure.kind == "forbidden":
            raise _ApiError(403, failure.description or "Forbidden: bot was blocked by the user")
        if failure.kind == "chat_not_found":
            raise _ApiError(400, failure.description or "Bad Request: chat not found")
        if failure.kind == "migrate":
            if failure.migrate_to is not None:
                new_id = failure.migrate_to
            elif isinstance(chat_id, int):
                # Real supergroup ids look like -100<digits>; derive one deterministically.
                new_id = -int(f"100{abs(chat_id)}")
            else:
                new_id = -next(self._synthetic_chat_ids)
            raise _ApiError(
                400,
                failure.description or "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": new_id},
            )
        raise _ApiError(500, failure.description or "Internal Server Error")

    def _record_sent(
        self,
        method: str,
        chat_id: int | str,
        text: str | None,
        params: dict[str, Any],
        message_id: int | None = None,
    ) -> None:
        self.sent.append(SentMessage(method, chat_id, text, params, time.monotonic(), message_id))
        self._wake_senders()

    # -- methods ---------------------------------------------------------------------

    async def _true(self, method: str, params: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_webhook(self, method: str, params: dict[str, Any]) -> bool:
        url = params.get("url")
        if not isinstance(url, str):
            raise _bad_request("parameter url is required")
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        self.webhook_url = url
        self.webhook_secret = None if secret is None else str(secret)
        if params.get("drop_pending_updates") in (True, "true", "True", 1):
            self._updates.clear()
        return True

    async def _delete_webhook(self, method: str, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates") in (True, "true", "True", 1):
            self._updates.clear()
        self.webhook_url = ""
        self.webhook_secret = None
        return True

    async def _get_webhook_info(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    async def _set_my_commands(self, method: str, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request('parameter "commands" can\'t be parsed as JSON array')
        for item in commands:
            name = item.get("command", "") if isinstance(item, dict) else ""
            description = item.get("description", "") if isinstance(item, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(name)):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(description)) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = commands
        return True

    async def _get_my_commands(self, method: str, params: dict[str, Any]) -> list[Any]:
        return self._commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, method: str, params: dict[str, Any]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _get_updates(self, method: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset"), 0)
        limit = min(max(_as_int(params.get("limit"), 100), 1), 100)
        timeout = max(_as_float(params.get("timeout"), 0.0), 0.0)
        if offset < 0:
            # Negative offsets keep only the last -offset updates and forget the rest.
            del self._updates[:offset]
        elif offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise _ApiError(409, _CONFLICT)
            remaining = deadline - loop.time()
            if self._updates or self._closing or remaining <= 0:
                return self._updates[:limit]
            signal = self._update_signal
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), remaining)

    async def _send_message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _normalize_chat_id(params.get("chat_id"))
        self._take_failure(chat_id)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        visible = _visible_text(text, params.get("parse_mode"))
        if visible is not None and len(visible) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        chat = self._chat_object(self._resolve_chat_id(chat_id))
        extra = {k: params.get(k) for k in ("reply_markup", "entities", "link_preview_options")}
        markup = extra["reply_markup"]
        if not (isinstance(markup, dict) and "inline_keyboard" in markup):
            # A Message carries only an inline keyboard; ForceReply and reply keyboards are
            # for the client and do not come back (PTB would fail to read them).
            extra["reply_markup"] = None
        message = self._message(chat, text=visible if visible is not None else text, **extra)
        self._record_sent("sendMessage", chat_id, text, params, message["message_id"])
        return message

    async def _send_photo(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _normalize_chat_id(params.get("chat_id"))
        self._take_failure(chat_id)
        photo = params.get("photo")
        if photo is None or photo == "":
            raise _bad_request("there is no photo in the request")
        caption = params.get("caption")
        if caption is not None and not isinstance(caption, str):
            caption = str(caption)
        if caption:
            visible = _visible_text(caption, params.get("parse_mode"))
            if visible is not None and len(visible) > MAX_CAPTION_LENGTH:
                raise _bad_request("message caption is too long")
        if isinstance(photo, str):
            if photo not in self._photos:
                raise _bad_request("wrong file identifier/HTTP URL specified")
            sizes = self._photos[photo]
        else:
            n = next(self._file_ids)
            size = len(photo.data) if isinstance(photo, UploadedFile) else None
            sizes = [
                {
                    "file_id": f"fake-photo-{n}-{width}",
                    "file_unique_id": f"fake-unique-{n}-{width}",
                    "width": width,
                    "height": width * 3 // 4,
                    **({"file_size": size} if size is not None and width == 1280 else {}),
                }
                for width in (90, 320, 1280)
            ]
            self._photos.update({item["file_id"]: sizes for item in sizes})
        chat = self._chat_object(self._resolve_chat_id(chat_id))
        message = self._message(
            chat, photo=sizes, caption=caption or None, reply_markup=params.get("reply_markup")
        )
        self._record_sent("sendPhoto", chat_id, caption, params, message["message_id"])
        return message

    async def _edit_message_text(self, method: str, params: dict[str, Any]) -> Any:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        visible = _visible_text(text, params.get("parse_mode"))
        if visible is not None and len(visible) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        if params.get("inline_message_id"):
            # Telegram answers inline edits with a bare True: it has no Message to show.
            self.edits.append(SentMessage(method, "", text, params, time.monotonic()))
            return True
        chat_id = _normalize_chat_id(params.get("chat_id"))
        message_id = _as_int(params.get("message_id"), 0)
        message = self._messages.get((self._resolve_chat_id(chat_id), message_id))
        if message is None:
            raise _bad_request("message to edit not found")
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        new_text = visible if visible is not None else text
        if message["text"] == new_text and message.get("reply_markup") == params.get(
            "reply_markup"
        ):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup "
                "of the existing message are exactly the same"
            )
        message["text"] = new_text
        message["edit_date"] = int(time.time())
        if params.get("reply_markup") is not None:
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        self.edits.append(SentMessage(method, chat_id, text, params, time.monotonic()))
        self._wake_senders()
        return message

    async def _edit_message_reply_markup(self, method: str, params: dict[str, Any]) -> Any:
        if params.get("inline_message_id"):
            self.edits.append(SentMessage(method, "", None, params, time.monotonic()))
            self._wake_senders()
            return True
        chat_id = _normalize_chat_id(params.get("chat_id"))
        message_id = _as_int(params.get("message_id"), 0)
        message = self._messages.get((self._resolve_chat_id(chat_id), message_id))
        if message is None:
            raise _bad_request("message to edit not found")
        if message.get("reply_markup") == params.get("reply_markup"):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup "
                "of the existing message are exactly the same"
            )
        if params.get("reply_markup") is not None:
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        self.edits.append(SentMessage(method, chat_id, None, params, time.monotonic()))
        self._wake_senders()
        return message

    async def _answer_callback_query(self, method: str, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or not query_id:
            raise _bad_request("parameter callback_query_id is required")
        if query_id not in self._issued_callbacks:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if query_id in self.callback_answers:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = params
        self._wake_senders()
        return True

    async def _delete_message(self, method: str, params: dict[str, Any]) -> bool:
        chat_id = self._resolve_chat_id(_normalize_chat_id(params.get("chat_id")))
        message_id = _as_int(params.get("message_id"), 0)
        if self._messages.pop((chat_id, message_id), None) is None:
            raise _bad_request("message to delete not found")
        return True

    async def _get_chat(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._resolve_chat_id(_normalize_chat_id(params.get("chat_id")))
        return {
            **self._chat_object(chat_id),
            # getChat returns ChatFullInfo, for which PTB 22.8 requires these fields.
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._resolve_chat_id(_normalize_chat_id(params.get("chat_id")))
        user_id = _as_int(params.get("user_id"), 0)
        if user_id == 0:
            raise _bad_request("user_id is empty")
        return self._member(chat_id, user_id)

    async def _get_chat_administrators(
        self, method: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        chat_id = self._resolve_chat_id(_normalize_chat_id(params.get("chat_id")))
        if self._chat_object(chat_id)["type"] == "private":
            raise _bad_request("there are no administrators in the private chat")
        admins = [
            member
            for (cid, _), member in self._members.items()
            if cid == chat_id and member["status"] in ("creator", "administrator")
        ]
        if not any(member["status"] == "creator" for member in admins):
            admins.insert(0, self._member_object(DEFAULT_OWNER_ID, "creator", {}))
        bot = self._member(chat_id, self.bot_id)
        if bot["status"] == "administrator" and bot not in admins:
            admins.append(bot)
        return admins
