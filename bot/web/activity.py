"""When the bot last heard from Telegram: the readiness check's "updates are coming" figure.

Long polling: every getUpdates that Telegram answered (empty or not) counts, and so does a
long poll still waiting for its answer when the one before it went well (an idle bot's poll
waits 10 s for nothing, and that is health, not silence); the request object PTB uses for
getUpdates alone records it. Webhook mode: every delivery that passed the
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
        self._waiting_since: float | None = None  # a long poll after a good one, in flight
        self._went_well = True  # the first poll counts while it waits

    def touch(self) -> None:
        self._last = self._monotonic()
        self._went_well = True
        self._waiting_since = None

    def asking(self) -> None:
        """A long poll begins."""
        if self._went_well:
            self._waiting_since = self._monotonic()

    def failed(self) -> None:
        self._went_well = False
        self._waiting_since = None

    def age(self) -> float | None:
        """Seconds since Telegram was last heard from (or a healthy long poll began); None
        if never."""
        moments = [m for m in (self._last, self._waiting_since) if m is not None]
        return self._monotonic() - max(moments) if moments else None


class TimedUpdatesRequest(HTTPXRequest):
    """PTB's getUpdates transport, noting each answer Telegram gave (HTTP 200)."""

    def __init__(self, activity: UpdateActivity, **kwargs: Any) -> None:
        kwargs.setdefault("connection_pool_size", 1)  # what PTB uses for getUpdates
        super().__init__(**kwargs)
        self._activity = activity

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self._activity.asking()
        try:
            code, payload = await super().do_request(*args, **kwargs)
        except BaseException:
            self._activity.failed()
            raise
        if code == 200:
            self._activity.touch()
        else:
            self._activity.failed()
        return code, payload
