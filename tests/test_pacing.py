"""The send budget: groups of slots at the rate, never more than Telegram's 30 in a second."""

from __future__ import annotations

import asyncio

import pytest

from bot.delivery.pacing import FREE_LIMIT, GROUP_SPREAD, Budget, free_burst


class FakeTime:
    """The budget's clock and sleep: a sleep moves the clock, nothing waits for real."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps = 0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds


def _budget(time: FakeTime, rate: float, burst: int) -> Budget:
    return Budget(rate, burst=burst, monotonic=time.monotonic, sleep=time.sleep)


async def _send_times(budget: Budget, time: FakeTime, count: int) -> list[float]:
    times = []
    for _ in range(count):
        await budget.take()
        times.append(time.now)
    return times


def _most_in_a_second(times: list[float]) -> int:
    """The most sends any closed one-second window holds (the strictest reading)."""
    return max(sum(1 for t in times if start <= t <= start + 1.0) for start in times)


async def test_the_default_rate_sends_in_groups_of_six_and_never_more_than_30_a_second() -> None:
    time = FakeTime()
    budget = _budget(time, 28.0, free_burst(28.0))
    times = await _send_times(budget, time, 600)
    assert budget.burst == 6
    assert _most_in_a_second(times) <= FREE_LIMIT
    assert (len(times) - 1) / (times[-1] - times[0]) == pytest.approx(28.0, rel=0.02)
    assert len(set(times)) == 100, "one wake-up for six sends"
    assert time.sleeps <= 100


@pytest.mark.parametrize("rate", [1.0, 2.5, 7.0, 12.0, 19.5, 20.0, 25.0, 27.0, 28.0, 29.0])
async def test_no_rate_a_group_size_is_chosen_for_exceeds_the_limit(rate: float) -> None:
    time = FakeTime()
    budget = _budget(time, rate, free_burst(rate))
    times = await _send_times(budget, time, int(rate * 20))
    assert _most_in_a_second(times) <= FREE_LIMIT


def test_a_rate_at_the_limit_gets_no_groups() -> None:
    assert free_burst(30.0) == 1
    assert free_burst(1000.0) == 1


async def test_a_group_not_taken_at_once_is_given_up_not_sent_late() -> None:
    time = FakeTime()
    budget = _budget(time, 28.0, 6)
    first = await _send_times(budget, time, 1)
    time.now += GROUP_SPREAD * 4  # the rest of the group was not wanted at once
    later = await _send_times(budget, time, 1)
    assert later[0] >= first[0] + 6 / 28.0, "the next group, not the old one's rest"


async def test_senders_waiting_together_share_a_group() -> None:
    time = FakeTime()
    budget = _budget(time, 28.0, 6)
    await _send_times(budget, time, 6)  # the first group, at once
    at = time.now
    await asyncio.gather(*(budget.take() for _ in range(6)))
    assert time.now == pytest.approx(at + 6 / 28.0), "all six go at the next group's instant"


async def test_a_pause_moves_every_slot_past_it() -> None:
    time = FakeTime()
    budget = _budget(time, 28.0, 6)
    await _send_times(budget, time, 3)
    budget.pause(5.0)
    after = await _send_times(budget, time, 1)
    assert after[0] >= 1005.0
