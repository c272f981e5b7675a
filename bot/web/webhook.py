"""Webhook mode: Telegram posts updates to ``[telegram] webhook_url``; we serve its path.

Only a request carrying the secret given to setWebhook (header
``X-Telegram-Bot-Api-Secret-Token``) is taken; anything else gets 403 and changes nothing. A
taken update goes on PTB's ``Application.update_queue``, where the handlers pick it up as they
would a polled one. While the process stops, deliveries get 503: Telegram keeps the update and
tries again (the next process, or the standby, gets it).

The secret and the path are never logged.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram import Bot, Update
from telegram.error import TelegramError

from bot.aio import cancel_and_wait
from bot.web.activity import UpdateActivity
from bot.web.server import RouteSet

log = logging.getLogger("alertbot.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CHECK_INTERVAL = 30.0  # seconds between two getWebhookInfo checks
MAX_RETRY = 60.0


def webhook_routes(
    path: str,
    secret: str,
    *,
    update_queue: asyncio.Queue[object],
    bot: Bot,
    activity: UpdateActivity,
    stopping: Callable[[], bool],
) -> RouteSet:
    expected = secret.encode()

    async def handler(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook_refused", extra={"reason": "wrong or missing secret"})
            return web.json_response({"ok": False}, status=403)
        if stopping():
            return web.json_response({"ok": False, "reason": "stopping"}, status=503)
        try:
            data = await request.json()
            if not isinstance(data, dict):
                raise ValueError("not an object")
            update = Update.de_json(data, bot)
        except (ValueError, TypeError, KeyError) as exc:
            # Telegram never sends this; answering 400 makes its sender see the mistake.
            log.warning("webhook_bad_update", extra={"error": type(exc).__name__})
            return web.json_response({"ok": False}, status=400)
        activity.touch()
        await update_queue.put(update)
        return web.json_response({"ok": True})

    def add(app: web.Application) -> None:
        app.router.add_post(path, handler)

    return add


class WebhookKeeper:
    """Registers the webhook with Telegram (retrying while it cannot), then checks every
    ``CHECK_INTERVAL`` that it is still ours and working, which is what keeps an idle bot
    ready; a webhook someone else replaced is set again."""

    def __init__(
        self,
        bot: Bot,
        url: str,
        secret: str,
        activity: UpdateActivity,
        *,
        check_interval: float = CHECK_INTERVAL,
    ) -> None:
        self._bot = bot
        self._url = url
        self._secret = secret
        self._activity = activity
        self._check_interval = check_interval
        self._task: asyncio.Task[None] | None = None
        self.registered = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="webhook-keeper")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _register(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._bot.set_webhook(
                    self._url, secret_token=self._secret, drop_pending_updates=False
                )
            except TelegramError as exc:
                log.warning("webhook_set_failed", extra={"error": str(exc), "retry_in_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY)
                continue
            log.info("webhook_set")
            self._activity.touch()
            self.registered.set()
            return

    async def _run(self) -> None:
        await self._register()
        while True:
            await asyncio.sleep(self._check_interval)
            try:
                info = await self._bot.get_webhook_info()
            except TelegramError as exc:
                log.warning("webhook_check_failed", extra={"error": str(exc)})
                continue
            if info.url != self._url:
                log.warning("webhook_replaced", extra={"pending": info.pending_update_count})
                await self._register()
                continue
            if not _failing(info.last_error_date, self._check_interval):
                self._activity.touch()
            else:
                # Telegram could not reach us lately: readiness will say so in a minute.
                log.warning(
                    "webhook_delivery_failing",
                    extra={
                        "error": info.last_error_message,
                        "pending": info.pending_update_count,
                    },
                )


def _failing(last_error: Any, window: float) -> bool:
    """Whether Telegram's last delivery error is recent (within two check windows)."""
    if last_error is None:
        return False
    moment = last_error.timestamp() if hasattr(last_error, "timestamp") else float(last_error)
    return time.time() - moment < 2 * window
