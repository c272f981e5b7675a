"""The send budget's slots: in small groups, never more than Telegram's 30 in any second."""

from __future__ import annotations

import asyncio
import itertools
import math
import time

import pytest

from bot.delivery.pacing import (
    LATE_START,
    MAX_GROUP_GAP,
    TELEGRAM_PER_SECOND,
    Budget,
    group_size,
)
from tests.delivery_support import most_in_one_second


def worst_case_times(rate: float, group: int, count: int) -> list[float]:
    """Slot times as Telegram may see them at worst: each group's instants k/rate apart, its
    first send on time and the rest as late as the budget lets them go (one interval, plus a
    start late by just under LATE_START)."""
    gap, spread = group / rate, 1.0 / rate + LATE_START * 0.999
    times: list[float] = []
    for index in range(count):
        number, place = divmod(index, group)
        times.append(number * gap + (0.0 if place == 0 else spread))
    return times


@pytest.mark.parametrize("rate", [8, 10, 12.5, 15, 20, 24, 25, 26, 27, 27.5, 28, 29, 29.9])
def test_grouped_slots_never_put_more_than_30_in_one_second(rate: float) -> None:
    group = group_size(rate)
    assert most_in_one_second(worst_case_times(rate, group, 400)) <= TELEGRAM_PER_SECOND


def test_the_default_rate_sends_in_threes_and_a_full_rate_evenly() -> None:
    assert group_size(28.0) == 3  # [delivery] rate_per_second's default
    assert group_size(30.0) == 1  # no room for a group at the limit itself
    assert group_size(1000.0) == 1  # paid broadcast: its own limit, spaced as before
    assert group_size(5.0) == 1  # groups would be more than MAX_GROUP_GAP apart
    for rate in (8.0, 12.0, 20.0, 28.0):
        assert group_size(rate) / rate <= MAX_GROUP_GAP


async def test_slots_come_in_groups_a_group_gap_apart() -> None:
    budget = Budget(28.0, group=3)
    slots = [await budget.take() for _ in range(9)]
    instants = sorted(set(slots))
    assert len(instants) == 3, slots
    assert all(slots.count(at) == 3 for at in instants)
    for earlier, later in itertools.pairwise(instants):
        assert later - earlier == pytest.approx(3 / 28.0)
    # The last group came when it was due, not at once.
    assert time.monotonic() >= instants[-1]


async def test_a_slot_left_unused_past_its_group_is_not_used_later() -> None:
    """A group's last slot taken long after its instant would share a second with the next
    groups in full: it is dropped and the sender waits for the next group instead."""
    budget = Budget(28.0, group=3)
    first = await budget.take()
    await asyncio.sleep(2 / 28.0)  # past the group's instant by more than one interval
    second = await budget.take()
    assert second >= first + 3 / 28.0 - 1e-9


async def test_a_late_send_moves_the_next_group_back() -> None:
    """The event loop was busy and the group's sends went late: the next group keeps its
    distance from when they really went, not from when they were planned."""
    now = [100.0]
    budget = Budget(28.0, group=3, monotonic=lambda: now[0])
    gap = 3 / 28.0
    planned = [await budget.take() for _ in range(3)]
    assert planned == [100.0] * 3
    # The next group's slot is reserved (its sender is asleep) before the late start.
    waiting = asyncio.create_task(budget.take())
    await asyncio.sleep(0)
    now[0] = 100.05  # the loop was held: the group's sends start 50 ms after their slot
    budget.started(planned[0])
    following = await waiting
    assert following == pytest.approx(100.05 + gap), (following - 100.0, gap)


async def test_a_send_on_time_moves_nothing() -> None:
    budget = Budget(28.0, group=3)
    slot = await budget.take()
    budget.started(slot)
    for _ in range(2):
        assert await budget.take() == slot
    following = await budget.take()
    assert following == pytest.approx(slot + 3 / 28.0)


async def test_one_slot_at_a_time_when_not_grouped() -> None:
    budget = Budget(20.0)
    slots = [await budget.take() for _ in range(4)]
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert gaps == pytest.approx([0.05] * 3)
    assert math.isclose(budget.interval, 0.05)


def test_nonsense_is_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        group_size(0)
    with pytest.raises(ValueError, match="group"):
        Budget(28.0, group=0)


async def test_a_slot_taken_late_does_not_bring_the_next_group_with_it() -> None:
    """The sender slept past its slot (the loop was busy): what it takes next in the same
    turn of the loop waits a group's distance from now, not from the slot it missed."""
    now = [100.0]
    budget = Budget(28.0, group=3, monotonic=lambda: now[0])
    gap = 3 / 28.0
    assert [await budget.take() for _ in range(3)] == [100.0] * 3
    waiting = asyncio.create_task(budget.take())  # the next group, 100 + gap
    await asyncio.sleep(0)
    now[0] = 100.3  # it wakes up late
    assert await waiting == pytest.approx(100.0 + gap)
    # Taken at once after it, in the same turn: not with the late one.
    following = await budget.take()
    assert following == pytest.approx(100.3 + gap)


async def test_paid_broadcast_may_still_catch_up_on_missed_slots() -> None:
    now = [100.0]
    budget = Budget(1000.0, catch_up=20, monotonic=lambda: now[0])
    await budget.take()
    now[0] = 100.05  # the loop was busy for 50 ms
    caught_up = [await budget.take() for _ in range(20)]
    assert all(slot < 100.05 for slot in caught_up), "missed slots used at once"
