"""Phases for feeds that carry the same alerts, so their polls interleave evenly.

An alert is learnt at the first poll, of any source, after it was published: what decides the
delay is the largest gap between two polls of all the alert feeds together, not any feed's own
interval. Three feeds at 6 s, 4 s and 3 s polled at random offsets may fire in the same instant
and leave 3 s without a look; phased, no gap is longer than 1.5 s.

The plan is pure arithmetic: every feed polls at ``epoch + phase + k * interval``. Over the
hyperperiod (the intervals' least common multiple) the pattern repeats, so the gaps measured
there are every gap there will be. Phases are searched on a grid: exhaustively for a few
feeds, greedily then by coordinate descent for more.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TICK = 0.01  # seconds: intervals are compared in hundredths of a second
MAX_HORIZON = 600.0  # seconds: intervals with a longer common period are judged on this window
CANDIDATES = 120  # phases tried per feed at most
EXHAUSTIVE = 20_000  # combinations searched exhaustively at most; beyond: greedy + descent
DESCENT_PASSES = 4


@dataclass(frozen=True, slots=True)
class PhasePlan:
    """Phases (seconds after the epoch, one per interval, in the order given) and the delay
    from a publication at a random moment to the next poll of any feed."""

    intervals: tuple[float, ...]
    phases: tuple[float, ...]
    horizon: float
    gaps: tuple[float, ...]  # between consecutive polls over the horizon, circular

    @property
    def worst_delay(self) -> float:
        return max(self.gaps) if self.gaps else math.inf

    @property
    def mean_delay(self) -> float:
        if not self.gaps:
            return math.inf
        return sum(g * g for g in self.gaps) / (2 * self.horizon)

    @property
    def median_delay(self) -> float:
        """The delay that half the publications wait less than: the m with
        ``sum(min(gap, m)) = horizon / 2`` (a publication lands in a gap in proportion to its
        length and then waits uniformly up to it)."""
        if not self.gaps:
            return math.inf
        ordered = sorted(self.gaps)
        half = self.horizon / 2
        below = 0.0  # sum of the gaps shorter than the candidate
        for i, gap in enumerate(ordered):
            longer = len(ordered) - i
            # m in [previous gap, gap]: below + longer * m = half
            m = (half - below) / longer
            if m <= gap:
                return m
            below += gap
        return ordered[-1]

    @property
    def closest(self) -> float:
        """The shortest gap between two polls (0: two feeds poll in the same instant)."""
        return min(self.gaps) if self.gaps else math.inf


def _ticks(interval: float) -> int:
    return max(1, round(interval / TICK))


def horizon_of(intervals: Sequence[float]) -> float:
    period = 1
    for interval in intervals:
        period = math.lcm(period, _ticks(interval))
    return min(period * TICK, MAX_HORIZON)


def poll_times(intervals: Sequence[float], phases: Sequence[float], horizon: float) -> list[float]:
    times: list[float] = []
    for interval, phase in zip(intervals, phases, strict=True):
        start = phase % interval
        times.extend(start + k * interval for k in range(math.ceil((horizon - start) / interval)))
    times.sort()
    return times


def gaps_of(times: Sequence[float], horizon: float) -> list[float]:
    if not times:
        return []
    gaps = [round(b - a, 9) for a, b in itertools.pairwise(times)]
    gaps.append(round(times[0] + horizon - times[-1], 9))
    return gaps


Score = tuple[float, float, float]


def _score(gaps: Sequence[float]) -> Score:
    # The worst wait first, then the average one (sum of squares), then keep polls apart.
    return (round(max(gaps), 6), round(sum(g * g for g in gaps), 6), -round(min(gaps), 6))


def _candidates(interval: float, step: float) -> list[float]:
    count = max(1, round(interval / step))
    return [round(k * step, 9) for k in range(count)]


def _step(intervals: Sequence[float]) -> float:
    """A grid step that divides every interval (their greatest common divisor, subdivided)
    and keeps the longest interval's candidates to about ``CANDIDATES``."""
    base = 0
    for interval in intervals:
        base = math.gcd(base, _ticks(interval))
    divisions = max(1, (CANDIDATES * base) // _ticks(max(intervals)))
    return base * TICK / divisions


def plan_phases(intervals: Sequence[float]) -> PhasePlan:
    """Phases for feeds polled every ``intervals`` seconds that minimise the largest gap
    between two polls (then the mean wait, then keep polls from coinciding)."""
    if not intervals:
        return PhasePlan((), (), 0.0, ())
    if any(not interval > 0 for interval in intervals):
        raise ValueError("intervals must be positive")
    horizon = horizon_of(intervals)
    step = _step(intervals)
    # The shortest interval anchors the plan at phase 0: only relative phases matter.
    order = sorted(range(len(intervals)), key=lambda i: (intervals[i], i))
    ordered = [intervals[i] for i in order]
    choices = [[0.0]] + [_candidates(interval, step) for interval in ordered[1:]]

    def score(phases: Sequence[float]) -> Score:
        # A prefix of the phases: the feeds placed so far (the greedy start).
        times = poll_times(ordered[: len(phases)], phases, horizon)
        return _score(gaps_of(times, horizon))

    if math.prod(len(c) for c in choices) <= EXHAUSTIVE:
        best = _exhaustive(choices, score)
    else:
        best = _descent(choices, score)
    phases = [0.0] * len(intervals)
    for position, index in enumerate(order):
        phases[index] = best[position]
    gaps = gaps_of(poll_times(intervals, phases, horizon), horizon)
    return PhasePlan(tuple(intervals), tuple(phases), horizon, tuple(gaps))


def _exhaustive(
    choices: list[list[float]], score: Callable[[Sequence[float]], Score]
) -> list[float]:
    best: list[float] = [c[0] for c in choices]
    best_score = score(best)
    for combination in itertools.product(*choices):
        current = score(combination)
        if current < best_score:
            best, best_score = list(combination), current
    return best


def _descent(choices: list[list[float]], score: Callable[[Sequence[float]], Score]) -> list[float]:
    # Greedy: each feed where it helps most beside the ones placed before it; then each in
    # turn moved while that helps.
    phases: list[float] = []
    for options in choices:
        phases.append(min(options, key=lambda p: score([*phases, p])))
    current = score(phases)
    for _ in range(DESCENT_PASSES):
        improved = False
        for i in range(1, len(choices)):
            for phase in choices[i]:
                trial = [*phases[:i], phase, *phases[i + 1 :]]
                trial_score = score(trial)
                if trial_score < current:
                    phases, current, improved = trial, trial_score, True
        if not improved:
            break
    return phases


def next_poll_delay(now: float, epoch: float, interval: float, phase: float) -> float:
    """Seconds from ``now`` to the next moment ``epoch + phase + k * interval`` (k any
    integer): where a feed's polls belong, whatever happened since the epoch."""
    return (epoch + phase - now) % interval


def place(intervals: Sequence[float], phases: Sequence[float], interval: float) -> float:
    """The best phase for one more feed beside feeds already phased (they keep theirs)."""
    everything = [*intervals, interval]
    horizon = horizon_of(everything)
    step = _step(everything)

    def score(phase: float) -> Score:
        times = poll_times(everything, [*phases, phase], horizon)
        return _score(gaps_of(times, horizon))

    return min(_candidates(interval, step), key=score)


__all__ = [
    "PhasePlan",
    "gaps_of",
    "horizon_of",
    "next_poll_delay",
    "place",
    "plan_phases",
    "poll_times",
]
