"""A python-telegram-bot transport over aiohttp, and the outbox dispatcher's own Bot.

Why not PTB's default (httpx): measured on this project's machine against a loopback server,
httpx made ~250 requests a second with 16 in flight, aiohttp ~3000 (bench/fanout.py). At
Telegram's free 30 a second either is enough; for paid broadcast (1000 a second) the
transport must not be the bottleneck. Text-only: the dispatcher never uploads files.
"""

from __future__ import annotations

import json

import aiohttp
from telegram import Bot
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        *,
        connection_pool_size: int = 64,
        read_timeout: float = 10.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self._pool = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        if request_data is not None and request_data.contains_files:
            raise RuntimeError("AiohttpRequest sends text only; use HTTPXRequest for files")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
        # A JSON body (the Bot API takes JSON, form or query alike): cheaper to build than
        # a form, and booleans and numbers keep their types.
        body = json.dumps(request_data.parameters).encode() if request_data is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else None
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


class DeliveryBot(Bot):
    """The dispatcher's Bot: ``send_text`` returns Telegram's raw answer instead of building a
    ``Message`` from it, which the dispatcher never reads (about half the CPU of a send at
    1000 a second, measured in bench/fanout.py). Errors are raised exactly as by
    ``send_message``: the same request path (``Bot._post``) maps them."""

    async def send_text(
        self, chat_id: int, text: str, *, paid: bool = False, silent: bool = False
    ) -> int | None:
        """Sends; returns the new message's id (a channel's post is edited by it later)."""
        data: dict[str, object] = {"chat_id": chat_id, "text": text}
        if paid:
            data["allow_paid_broadcast"] = True
        if silent:  # quiet hours (bot/delivery/quiet_hours.py)
            data["disable_notification"] = True
        return _message_id(await self._post("sendMessage", data))

    async def edit_text(self, chat_id: int, message_id: int, text: str) -> None:
        """Replaces the text of a message the bot sent (a channel's alert post at its end)."""
        data: dict[str, object] = {"chat_id": chat_id, "message_id": message_id, "text": text}
        await self._post("editMessageText", data)


def _message_id(answer: object) -> int | None:
    found = answer.get("message_id") if isinstance(answer, dict) else None
    return found if isinstance(found, int) else None
