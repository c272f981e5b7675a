"""Alert feeds polled in step: their polls interleave evenly, so the bot learns of an alert at
most one short gap after it is published, and a restart or a back-off does not bunch them."""

from __future__ import annotations

import asyncio
import itertools
import math
import time

import pytest
from pydantic import SecretStr

from bot.config import FeedConfig
from bot.demo.fakes.feed_server import FakeFeedServer
from bot.ingest.poll_phases import (
    gaps_of,
    horizon_of,
    next_poll_delay,
    place,
    plan_phases,
    poll_times,
)
from tests.conftest import BotFactory, Clock
from tests.payloads import answer


def brute_force_worst(intervals: list[float], step: float) -> float:
    """The smallest largest gap any phases on a ``step`` grid can give."""
    horizon = horizon_of(intervals)
    best = math.inf
    grids = [[0.0]] + [
        [k * step for k in range(round(interval / step))] for interval in intervals[1:]
    ]
    for phases in itertools.product(*grids):
        best = min(best, max(gaps_of(poll_times(intervals, phases, horizon), horizon)))
    return best


def test_three_feeds_at_their_budgets_never_poll_in_the_same_instant() -> None:
    plan = plan_phases([6, 4, 3])  # alerts.in.ua, ukrainealarm, siren.pp.ua
    assert plan.horizon == 12
    assert plan.closest >= 0.25, plan.gaps
    assert plan.worst_delay == pytest.approx(brute_force_worst([3, 4, 6], 0.25))
    assert plan.worst_delay <= 2.5
    # Nine polls in 12 s: on average 1.33 s apart, against 3 s for the fastest feed alone.
    assert plan.median_delay < 0.8


def test_equal_intervals_are_spaced_evenly() -> None:
    plan = plan_phases([2, 2, 2])
    assert sorted(plan.phases) == pytest.approx([0, 2 / 3, 4 / 3], abs=1e-6)
    assert plan.gaps == pytest.approx([2 / 3] * 3, abs=1e-6)
    assert plan.median_delay == pytest.approx(1 / 3, abs=1e-6)


def test_two_feeds_half_the_fast_ones_gap() -> None:
    plan = plan_phases([6, 3])  # the example config
    assert plan.phases[1] == 0 and plan.phases[0] % 3 == pytest.approx(1.5)
    assert sorted(plan.gaps) == pytest.approx([1.5, 1.5, 3.0])
    assert plan.median_delay == pytest.approx(1.0)
    assert plan.worst_delay == 3.0


def test_one_feed_waits_half_its_interval() -> None:
    plan = plan_phases([15])
    assert (plan.median_delay, plan.mean_delay, plan.worst_delay) == (7.5, 7.5, 15)


def test_many_feeds_are_planned_quickly_and_well() -> None:
    started = time.perf_counter()
    plan = plan_phases([6, 4, 3, 3, 2.5])
    assert time.perf_counter() - started < 5
    assert plan.closest > 0, plan.gaps
    # Never worse than the fastest feed alone, split in two by the second fastest.
    assert plan.worst_delay <= 1.5


def test_a_feed_added_later_fits_between_the_others() -> None:
    assert place([4], [0.0], 4) == pytest.approx(2.0)
    assert place([], [], 6) == 0


def test_the_next_poll_lands_on_the_phase_whenever_it_is_asked() -> None:
    # Epoch 100, phase 1.5, every 6 s: polls at 101.5, 107.5, 113.5 ...
    assert next_poll_delay(100.0, 100.0, 6, 1.5) == pytest.approx(1.5)
    assert next_poll_delay(110.0, 100.0, 6, 1.5) == pytest.approx(3.5)  # after a pause
    assert next_poll_delay(1000.25, 100.0, 6, 1.5) == pytest.approx(1.25)  # 101.5 + 150 x 6


def test_invalid_intervals_are_refused() -> None:
    with pytest.raises(ValueError):
        plan_phases([6, 0])


async def test_the_running_bot_interleaves_its_feeds_polls(
    start_bot: BotFactory, feed_server: FakeFeedServer, clock: Clock
) -> None:
    paths = ["/a/active.json", "/b/active.json", "/c/active.json"]
    body, modified = answer(updated=clock.now)
    for path in paths:
        feed_server.set(path, body, last_modified=modified)
    feeds = [
        FeedConfig(
            name=f"feed-{i}",
            kind="alerts_in_ua",
            url=feed_server.url(path),
            interval=2,
            token=SecretStr("feed-secret-token"),
        )
        for i, path in enumerate(paths)
    ]
    await start_bot(schedule_polls=True, config_updates={"feeds": feeds})

    async def polls(count: int) -> list[tuple[str, float]]:
        deadline = time.monotonic() + 30
        while len(feed_server.arrivals) < count:
            assert time.monotonic() < deadline, feed_server.arrivals
            await asyncio.sleep(0.05)
        return feed_server.arrivals[:count]

    arrivals = await polls(3 * 4)  # four rounds of three feeds
    later = arrivals[3:]  # the first round may land while the bot still starts
    assert {path for path, _ in later[:3]} == set(paths), "each feed in turn"
    times = [at for _, at in later]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Three feeds every 2 s, in step: a poll every 2/3 s, whichever feed it is.
    assert min(gaps) > 0.45, gaps
    assert max(gaps) < 0.9, gaps
