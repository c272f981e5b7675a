"""Kyiv days as real half-hour slots, and the wall-clock ↔ UTC conversions around them.

Providers write schedules in Kyiv wall-clock time ("з 15:30 до 17:00", DTEK hour "4" =
03:00–04:00, Yasno minute 840). A day is cut into its *real* half-hours, so that the spring
DST day (03:00 jumps to 04:00) has 46 slots and the autumn one (04:00 falls back to 03:00)
has 50: the hour that does not exist is dropped, and the hour that happens twice gets the
provider's one status both times. Every stored instant is UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from feeds.outages.model import Interval, SlotState

KYIV = ZoneInfo("Europe/Kyiv")
SLOT = timedelta(minutes=30)
DAY_MINUTES = 24 * 60


def day_start(day: date) -> datetime:
    """Kyiv midnight of ``day``, in UTC."""
    return datetime.combine(day, time(0), KYIV).astimezone(UTC)


def day_end(day: date) -> datetime:
    return day_start(day + timedelta(days=1))


def kyiv_date(moment: datetime) -> date:
    return moment.astimezone(KYIV).date()


@lru_cache(maxsize=512)
def wall_minutes(day: date) -> tuple[int, ...]:
    """The Kyiv wall-clock minute at which each real half-hour of ``day`` starts."""
    start, end = day_start(day), day_end(day)
    count = int((end - start) / SLOT)
    result = []
    for index in range(count):
        local = (start + index * SLOT).astimezone(KYIV)
        result.append(local.hour * 60 + local.minute)
    return tuple(result)


def slot_count(day: date) -> int:
    return len(wall_minutes(day))


def slots_from_wall(day: date, state_at: Callable[[int], SlotState]) -> str:
    """Slots for ``day`` from a function of the wall-clock minute a half-hour starts at."""
    return "".join(state_at(minute).value for minute in wall_minutes(day))


def slots_from_wall_intervals(
    day: date, runs: Iterable[tuple[int, int, SlotState]], default: SlotState = SlotState.ON
) -> str:
    """Slots from wall-clock ``(start_minute, end_minute, state)`` runs (1440 = 24:00).

    A half-hour touched by a run takes its state; "off" wins over "maybe" so a partly-off
    half-hour is never shown as powered.
    """
    runs = list(runs)
    rank = {SlotState.ON: 0, SlotState.MAYBE: 1, SlotState.OFF: 2}

    def state_at(minute: int) -> SlotState:
        best = default
        for start, end, state in runs:
            if start < minute + 30 and minute < end and rank[state] > rank[best]:
                best = state
        return best

    return slots_from_wall(day, state_at)


def intervals(day: date, slots: str) -> list[Interval]:
    """Runs of equal slots of one day, in UTC."""
    return merged([(day, slots)])


def merged(days: Sequence[tuple[date, str]]) -> list[Interval]:
    """Runs over several days; runs of consecutive days that touch at midnight are joined."""
    result: list[Interval] = []
    for day, slots in sorted(days):
        start = day_start(day)
        for index, char in enumerate(slots):
            state = SlotState(char)
            begin = start + index * SLOT
            finish = begin + SLOT
            last = result[-1] if result else None
            if last is not None and last.state == state and last.end == begin:
                result[-1] = Interval(last.start, finish, state)
            else:
                result.append(Interval(begin, finish, state))
    return result


def hours(slots: str, state: SlotState = SlotState.OFF) -> float:
    return slots.count(state.value) / 2


def wall_label(moment: datetime, day: date) -> str:
    """``HH:MM`` in Kyiv time; the end of ``day`` reads ``24:00``, as providers write it."""
    if moment == day_end(day):
        return "24:00"
    return moment.astimezone(KYIV).strftime("%H:%M")
