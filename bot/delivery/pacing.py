"""Pacing under Telegram's limits: the bot-wide send budget and each chat's own limits.

Telegram allows a bot about 30 messages a second in all (1000 with paid broadcast), about one
a second to one chat and 20 a minute to a group or channel. Bursts are tolerated "for a
while", then answered with 429; we never rely on them: no second holds more than the limit,
however the seconds are counted (sends go in small groups, see :func:`group_size`).
"""

from __future__ import annotations

import asyncio
import math
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

TELEGRAM_PER_SECOND = 30  # messages in any one second, the bot as a whole (free)
# Groups of 6 pass the same arithmetic but met 429s from bench/fake_telegram.py in most
# broadcasts of 3,000: a group that reached it ~0.1 s late shared a second with five on time
# (a full garbage collection between a group's start and its write, likely; the heap is
# frozen since, bot/app.py, but 6 has not been measured enough since to trust it). Groups of
# 3 give most of the saving (bench/fanout.py, bench/send_floor.py; issue 15).
LARGEST_GROUP = 3
# A send that starts this much after its slot (the event loop was busy) moves the next group
# back: the spacing Telegram sees is kept, not only the one we planned.
LATE_START = 0.01
# Groups at most this far apart: a command reply never waits much longer for a slot.
MAX_GROUP_GAP = 0.25


def group_size(rate: float, limit: int = TELEGRAM_PER_SECOND) -> int:
    """How many slots may share one instant at ``rate`` a second while no second, however it
    falls, holds more than ``limit``: groups of k are k/rate apart, and a group's last slot
    may be used up to one interval (plus LATE_START) after its instant.

    Why groups at all: on a small VM one wake-up of the event loop costs about 0.25 ms of CPU
    whatever it does, and a send needs two (its slot, its answer); three sends that share
    them cost about half of three sent apart (0.52 against 1.16 ms a send through this
    transport, issue 15). At 28 a second, groups of 3 are 107 ms apart, 10 to a second: 30.
    At 30 a second no group fits: 1; nor below 8 a second, where groups would be more than
    MAX_GROUP_GAP apart.
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    for k in range(LARGEST_GROUP, 1, -1):
        gap = k / rate
        if gap > MAX_GROUP_GAP:
            continue
        spread = 1.0 / rate + LATE_START
        if k * (math.floor((1.0 + spread) / gap) + 1) <= limit:
            return k
    return 1


class Budget:
    """Send slots, ``rate`` a second, for everyone who sends on this budget, handed out in
    groups of ``group`` (see :func:`group_size`; 1 spaces every send evenly).

    ``take()`` reserves the next free slot, sleeps until it and returns its time, so callers
    queue in the order they asked. A sender that started late says so with ``started()``:
    the next group then keeps its distance from when the sends really went. ``pause()`` (a
    429 that concerns the whole bot) moves every slot past it. ``catch_up`` slots missed
    while the caller was busy (the event loop doing a batch of database work) may be used at
    once afterwards; 0 keeps the spacing strict.
    """

    def __init__(
        self,
        rate: float,
        *,
        catch_up: int = 0,
        group: int = 1,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if group < 1:
            raise ValueError("group must be at least 1")
        self.rate = rate
        self.interval = 1.0 / rate
        self.group = group
        self._gap = group * self.interval  # between two groups' instants
        self._lag = catch_up * self.interval
        self._monotonic = monotonic
        self._next = 0.0  # the earliest instant of the next group
        self._at = 0.0  # the current group's instant
        self._left = 0  # its slots not yet taken
        self._paused_until = 0.0
        # A send of slot _late_slot started late: slots after it and before _floor are void.
        self._late_slot = 0.0
        self._floor = 0.0

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def started(self, slot: float) -> None:
        """A send of ``slot`` starts now; late, it moves the next group back."""
        self._if_late(slot, self._monotonic())

    def _if_late(self, slot: float, now: float) -> None:
        # A budget that may catch up on missed slots (paid broadcast) means to send late.
        if self._lag or now - slot <= LATE_START or now + self._gap <= self._floor:
            return
        self._late_slot = slot
        self._floor = now + self._gap
        # The slots of its group not taken yet are dropped (they would go with the next
        # group); a group already reserved after it is void (its takers look again). The
        # next group keeps its distance from now.
        self._left = 0
        self._next = self._floor if self._at > slot else max(self._next, self._floor)

    async def take(self) -> float:
        while True:
            now = self._monotonic()
            if self._left and now <= self._at + self.interval:
                self._left -= 1
                slot = self._at
            else:
                slot = max(now - self._lag, self._next, self._paused_until)
                self._next = slot + self._gap
                self._at = slot
                self._left = self.group - 1
            # A sleep shorter than the event loop's own granularity costs more CPU than it
            # spaces anything (1000 a second = 1 ms apart); the average rate stays exact.
            if slot - now > MIN_SLEEP:
                await asyncio.sleep(slot - now)
            # A pause that began while we slept applies to us too, and so does a group
            # moved back by a late start.
            now = self._monotonic()
            if self._paused_until > now or self._late_slot < slot < self._floor:
                continue
            # Woken late (the event loop was busy): this send goes now, and whatever is
            # taken next in this same turn of the loop must not go with it.
            self._if_late(slot, now)
            return slot


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
