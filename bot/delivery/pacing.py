"""Pacing under Telegram's limits: the bot-wide send budget and each chat's own limits.

Telegram allows a bot about 30 messages a second in all (1000 with paid broadcast), about one
a second to one chat and 20 a minute to a group or channel. Bursts are tolerated "for a
while", then answered with 429; we never rely on them: within any second the bot sends at
most the limit. The free budget hands out its slots in small groups (a few sends at one
instant, the groups evenly spaced): the same rate, a third of the wake-ups (issue 15).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import BaseRateLimiter

PRIVATE_INTERVAL = 1.0  # seconds between two messages to one chat
GROUP_WINDOW = 60.0  # a group or channel gets at most GROUP_LIMIT messages per window
GROUP_LIMIT = 20
MIN_SLEEP = 0.002
FREE_LIMIT = 30  # Telegram: messages a second a bot may send in all, without paid broadcast
MAX_BURST = 8
GROUP_SPREAD = 0.005  # seconds: the rest of a group of slots goes this late at most


def free_burst(rate: float, limit: int = FREE_LIMIT) -> int:
    """The largest group of slots (up to MAX_BURST) for which no second, however it is
    placed, holds more than ``limit`` sends at ``rate`` a second: ``(rate // b + 1) * b``
    counts the groups a closed one-second window can meet. 3 at the default 28 a second."""
    best = 1
    for burst in range(2, MAX_BURST + 1):
        if (math.floor(rate / burst) + 1) * burst <= limit:
            best = burst
    return best


class Budget:
    """Send slots, ``rate`` a second, for everyone who sends on this budget: in groups of
    ``burst`` at one instant, the groups evenly spaced.

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
        burst: int = 1,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.interval = 1.0 / rate
        self.burst = burst
        self._lag = catch_up * self.interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0
        self._paused_until = 0.0
        self._group_at = 0.0  # the instant of the group of slots being handed out,
        self._group_until = -1.0  # its slots taken until then, or given up
        self._in_group = 0

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def take(self) -> None:
        while True:
            now = self._monotonic()
            if (
                self._in_group < self.burst
                and now <= self._group_until
                and self._group_at >= self._paused_until
            ):
                slot = self._group_at  # the rest of a group taken together, a tick late at most
            else:
                # Groups of ``burst`` slots at one instant, ``burst`` intervals apart: the
                # same rate, but the process wakes once a group instead of once a message
                # (issue 15: a wake-up costs ~0.2 ms of CPU on a small VM, more than the
                # send itself). A group not taken at once is given up, never sent late, so
                # no second ever holds more than its groups.
                slot = max(now - self._lag, self._next, self._paused_until)
                self._group_at, self._in_group = slot, 0
                self._group_until = max(slot, now) + GROUP_SPREAD
                self._next = slot + self.burst * self.interval
            self._in_group += 1
            # A sleep shorter than the event loop's own granularity costs more CPU than it
            # spaces anything (1000 a second = 1 ms apart); the average rate stays exact.
            if slot - now > MIN_SLEEP:
                await self._sleep(slot - now)
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
