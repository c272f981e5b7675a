"""Pacing under Telegram's limits: the bot-wide send budget and each chat's own limits.

Telegram allows a bot about 30 messages a second in all (1000 with paid broadcast), about one
a second to one chat and 20 a minute to a group or channel. Bursts are tolerated "for a
while", then answered with 429; we never rely on them: sends are spaced evenly.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import BaseRateLimiter

PRIVATE_INTERVAL = 1.0  # seconds between two messages to one chat
GROUP_WINDOW = 60.0  # a group or channel gets at most GROUP_LIMIT messages per window
GROUP_LIMIT = 20
MIN_SLEEP = 0.002


class Budget:
    """Evenly spaced send slots, ``rate`` a second, for everyone who sends on this budget.

    ``take()`` reserves the next free slot and sleeps until it, so callers queue in the order
    they asked. ``pause()`` (a 429 that concerns the whole bot) moves every slot past it.
    ``catch_up`` slots missed while the caller was busy (the event loop doing a batch of
    database work) may be used at once afterwards; 0 keeps the spacing strict.
    """

    def __init__(
        self,
        rate: float,
        *,
        catch_up: int = 0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.interval = 1.0 / rate
        self._lag = catch_up * self.interval
        self._monotonic = monotonic
        self._next = 0.0
        self._paused_until = 0.0

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def take(self) -> None:
        while True:
            now = self._monotonic()
            slot = max(now - self._lag, self._next, self._paused_until)
            self._next = slot + self.interval
            # A sleep shorter than the event loop's own granularity costs more CPU than it
            # spaces anything (1000 a second = 1 ms apart); the average rate stays exact.
            if slot - now > MIN_SLEEP:
                await asyncio.sleep(slot - now)
            # A pause that began while we slept applies to us too.
            if self._paused_until <= self._monotonic():
                return


class ChatPace:
    """When one chat may get its next message: a private chat one a second, a group or
    channel also at most 20 a minute. Times are when earlier sends *finished*, so however
    the network delays a request, Telegram never sees two closer than allowed."""

    __slots__ = ("_recent", "group", "not_before")

    def __init__(self, chat_id: int) -> None:
        self.group = chat_id < 0
        self.not_before = 0.0
        self._recent: deque[float] | None = deque(maxlen=GROUP_LIMIT) if self.group else None

    def sent(self, finished_at: float) -> None:
        self.not_before = max(self.not_before, finished_at + PRIVATE_INTERVAL)
        if self._recent is not None:
            self._recent.append(finished_at)
            if len(self._recent) == GROUP_LIMIT:
                self.not_before = max(self.not_before, self._recent[0] + GROUP_WINDOW)

    def hold(self, until: float) -> None:
        self.not_before = max(self.not_before, until)

    def idle(self, now: float) -> bool:
        """Nothing to remember: a new message could go at once."""
        if self.not_before > now:
            return False
        return not self._recent or self._recent[-1] + GROUP_WINDOW <= now


class ReplyLimiter(BaseRateLimiter[None]):
    """Puts the bot's own replies (command answers) on the outbox's budget.

    Replies count against the same 30 a second as the broadcast, so they take a slot of the
    same :class:`Budget`; they wait at most one slot or two, however long the outbox is,
    because the dispatcher reserves only one slot ahead per lane.
    """

    _PACED = ("send", "edit", "copy", "forward")

    def __init__(self, budget: Budget) -> None:
        self._budget = budget

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        if "chat_id" in data and endpoint.lower().startswith(self._PACED):
            await self._budget.take()
        return await callback(*args, **kwargs)
