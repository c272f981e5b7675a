"""The one place outage notifications leave the bot.

# TODO(delivery): route through the outbox once it takes notices (priorities, retries,
# chat deactivation). Until then messages go straight to the Bot API, paced gently, and a
# message lost to a crash between "decided" and "sent" is not retried (at most once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

log = logging.getLogger("alertbot.outages")

PER_CHAT_GAP = 1.0  # Telegram allows about one message a second per chat
OVERALL_GAP = 1 / 25  # and about 30 a second in all; stay below both


class Pacer:
    """Spaces sends: at most one per ``per_chat_gap`` to a chat, one per ``overall_gap``."""

    def __init__(
        self,
        per_chat_gap: float = PER_CHAT_GAP,
        overall_gap: float = OVERALL_GAP,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_chat_gap = per_chat_gap
        self.overall_gap = overall_gap
        self._monotonic = monotonic
        self._last_chat: dict[int, float] = {}
        self._last_any = -1e9
        self._lock = asyncio.Lock()

    async def wait(self, chat_id: int) -> None:
        async with self._lock:
            now = self._monotonic()
            ready = max(
                self._last_chat.get(chat_id, -1e9) + self.per_chat_gap,
                self._last_any + self.overall_gap,
            )
            if ready > now:
                await asyncio.sleep(ready - now)
                now = self._monotonic()
            self._last_chat[chat_id] = now
            self._last_any = now
            if len(self._last_chat) > 10_000:
                cutoff = now - self.per_chat_gap
                self._last_chat = {c: t for c, t in self._last_chat.items() if t > cutoff}


PACER_KEY = "alertbot.outage_pacer"


def pacer_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Pacer:
    pacer = application.bot_data.get(PACER_KEY)
    if not isinstance(pacer, Pacer):
        pacer = Pacer()
        application.bot_data[PACER_KEY] = pacer
    return pacer


async def notify(
    application: Application[Any, Any, Any, Any, Any, Any],
    chat_ids: Iterable[int],
    texts_by_lang: Mapping[str, str],
    *,
    langs: Mapping[int, str | None] | None = None,
    default_lang: str = "uk",
    photo: bytes | None = None,
) -> int:
    """Send each chat the text in its language (as the caption when ``photo`` is given).

    Returns how many were sent. A failure for one chat is logged and does not stop the rest.
    """
    pacer = pacer_of(application)
    sent = 0
    for chat_id in chat_ids:
        lang = (langs or {}).get(chat_id) or default_lang
        text = texts_by_lang.get(lang) or texts_by_lang.get(default_lang) or ""
        for attempt in range(2):
            await pacer.wait(chat_id)
            try:
                if photo is not None:
                    await application.bot.send_photo(chat_id, photo, caption=text or None)
                else:
                    await application.bot.send_message(chat_id, text)
                sent += 1
                break
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay if isinstance(delay, int | float) else delay.total_seconds()
                log.warning("telegram_retry_after", extra={"retry_after": seconds})
                if attempt == 0:
                    await asyncio.sleep(seconds)
            except Forbidden as exc:
                log.info("outage_notice_refused", extra={"chat_id": chat_id, "error": str(exc)})
                break
            except TelegramError as exc:
                log.warning("outage_notice_failed", extra={"chat_id": chat_id, "error": str(exc)})
                break
    return sent
