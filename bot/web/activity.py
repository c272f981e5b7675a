"""When the bot last heard from Telegram: the readiness check's "updates are coming" figure.

Long polling: every getUpdates that Telegram answered (empty or not) counts; the request
object PTB uses for getUpdates alone records it. Webhook mode: every delivery that passed the
secret check counts, and so does a getWebhookInfo that finds our webhook set and not failing
(an idle bot gets no deliveries and is still fine), see ``bot.web.webhook``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from telegram.request import HTTPXRequest


class UpdateActivity:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._last: float | None = None

    def touch(self) -> None:
        self._last = self._monotonic()

    def age(self) -> float | None:
        """Seconds since Telegram was last heard from; None if never."""
        return None if self._last is None else self._monotonic() - self._last


class TimedUpdatesRequest(HTTPXRequest):
    """PTB's getUpdates transport, noting each answer Telegram gave (HTTP 200)."""

    def __init__(self, activity: UpdateActivity, **kwargs: Any) -> None:
        kwargs.setdefault("connection_pool_size", 1)  # what PTB uses for getUpdates
        super().__init__(**kwargs)
        self._activity = activity

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code == 200:
            self._activity.touch()
        return code, payload
