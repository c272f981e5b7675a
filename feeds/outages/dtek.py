"""DTEK "DisconSchedule" JSON: ``fact`` (the day's schedule) and ``preset`` (weekly template).

Accepted shapes, all seen in real material:

- the mirror file ``{"regionId", "lastUpdated", "fact": {...}, "preset": {...}}`` (DTEK sites
  via Baskerville42/outage-data-ua, LOE via yaroslav2901/OE_OUTAGE_DATA);
- a bare ``fact`` object ``{"data", "update", "today"}``;
- a DTEK shutdowns page with ``DisconSchedule.fact = {...}`` (and ``.preset``) in a script.

``fact.data`` maps a Kyiv-midnight Unix time to ``{"GPV1.1": {"1".."24": status}}`` (hour key
N is [N-1:00, N:00); some feeds count "0".."23"); it may be an empty list. ``first`` /
``second`` mean off in the first / second half of the hour, the ``m…`` values "maybe".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from feeds import timerange
from feeds.model import FeedFormatError
from feeds.outages.common import (
    ParseContext,
    kyiv_dmy_hm,
    load_json,
    region_or,
    require_region,
)
from feeds.outages.model import Basis, DaySchedule, OutageReport, SlotState
from feeds.outages.timeline import KYIV, slots_from_wall

ON, OFF, MAYBE = SlotState.ON, SlotState.OFF, SlotState.MAYBE

# status → (first half-hour, second half-hour)
STATUSES: dict[str, tuple[SlotState, SlotState]] = {
    "yes": (ON, ON),
    "no": (OFF, OFF),
    "first": (OFF, ON),
    "second": (ON, OFF),
    "maybe": (MAYBE, MAYBE),
    "mfirst": (MAYBE, ON),
    "msecond": (ON, MAYBE),
}

_GROUP = re.compile(r"^GPV(\d+\.\d+)$")
_ONE_BASED = frozenset(str(h) for h in range(1, 25))
_ZERO_BASED = frozenset(str(h) for h in range(24))


def group_name(key: str) -> str:
    """``"GPV1.1"`` → ``"1.1"``; Dnipro's ЦЕК queues stay numbered as DTEK does (1001.1)."""
    match = _GROUP.match(key)
    if match is None:
        raise FeedFormatError(f"unknown group key {key!r}")
    return match.group(1)


def _hour_reader(cells: object, where: str) -> Callable[[int], SlotState]:
    if not isinstance(cells, Mapping):
        raise FeedFormatError(f"{where}: hours are not an object")
    keys = frozenset(cells)
    if keys == _ONE_BASED:
        offset = 1
    elif keys == _ZERO_BASED:
        offset = 0
    else:
        raise FeedFormatError(f"{where}: expected 24 hour keys, got {sorted(keys)[:5]}…")
    halves: dict[int, tuple[SlotState, SlotState]] = {}
    for key, status in cells.items():
        if status not in STATUSES:
            raise FeedFormatError(f"{where}: unknown status {status!r}")
        halves[int(key) - offset] = STATUSES[status]

    def state_at(minute: int) -> SlotState:
        first, second = halves[minute // 60]
        return second if minute % 60 >= 30 else first

    return state_at


def _day_of(timestamp: str) -> date:
    try:
        day = datetime.fromtimestamp(int(timestamp), KYIV).date()
    except (ValueError, OverflowError, OSError):
        raise FeedFormatError(f"bad day key {timestamp[:40]!r}") from None
    if not timerange.day_in_range(day):
        raise FeedFormatError(f"day key {timestamp[:40]!r} out of range")
    return day


def parse_fact(fact: object, region_id: str) -> list[DaySchedule]:
    if not isinstance(fact, Mapping):
        raise FeedFormatError("fact is not an object")
    data = fact.get("data")
    if data in ([], {}, None):
        return []
    if not isinstance(data, Mapping):
        raise FeedFormatError("fact.data is neither an object nor empty")
    update = fact.get("update")
    version = update if isinstance(update, str) else None
    published = kyiv_dmy_hm(version) if version else None
    result = []
    for timestamp, groups in data.items():
        day = _day_of(timestamp)
        if not isinstance(groups, Mapping):
            raise FeedFormatError(f"fact.data[{timestamp}] is not an object")
        for key, cells in groups.items():
            reader = _hour_reader(cells, f"fact.data[{timestamp}][{key}]")
            result.append(
                DaySchedule(
                    region_id=region_id,
                    group=group_name(key),
                    day=day,
                    basis=Basis.FACT,
                    slots=slots_from_wall(day, reader),
                    version=version,
                    published_at=published,
                )
            )
    return result


def parse_preset(preset: object, region_id: str, today: date, days: int = 7) -> list[DaySchedule]:
    """The weekly template laid onto ``today`` and the following days (weekday "1" = Monday)."""
    if not isinstance(preset, Mapping):
        raise FeedFormatError("preset is not an object")
    data = preset.get("data")
    if data in ([], {}, None):
        return []
    if not isinstance(data, Mapping):
        raise FeedFormatError("preset.data is not an object")
    update = preset.get("updateFact")
    version = update if isinstance(update, str) else None
    published = kyiv_dmy_hm(version) if version else None
    result = []
    for key, weekdays in data.items():
        group = group_name(key)
        if not isinstance(weekdays, Mapping):
            raise FeedFormatError(f"preset.data[{key}] is not an object")
        readers = {
            str(weekday): _hour_reader(cells, f"preset.data[{key}][{weekday}]")
            for weekday, cells in weekdays.items()
        }
        for offset in range(days):
            day = today + timedelta(days=offset)
            reader = readers.get(str(day.isoweekday()))
            if reader is None:
                continue
            result.append(
                DaySchedule(
                    region_id=region_id,
                    group=group,
                    day=day,
                    basis=Basis.PLANNED,
                    slots=slots_from_wall(day, reader),
                    version=version,
                    published_at=published,
                )
            )
    return result


def _embedded(page: str, name: str) -> Any:
    """The object literal after ``DisconSchedule.<name> =`` in a page, or None."""
    match = re.search(rf"DisconSchedule\.{name}\s*=\s*", page)
    if match is None:
        return None
    try:
        value, _end = json.JSONDecoder().raw_decode(page, match.end())
    except ValueError as exc:
        raise FeedFormatError(f"DisconSchedule.{name} is not JSON: {exc}") from None
    return value


def parse(body: bytes, ctx: ParseContext, *, default_region: str | None = None) -> OutageReport:
    text = body.lstrip()
    region_hint: str | None = None
    fact: object = None
    preset: object = None
    if text.startswith(b"<"):
        page = body.decode("utf-8", errors="replace")
        fact = _embedded(page, "fact")
        preset = _embedded(page, "preset")
        if fact is None and preset is None:
            raise FeedFormatError("no DisconSchedule in the page")
    else:
        document = load_json(body)
        if not isinstance(document, Mapping):
            raise FeedFormatError("expected a JSON object")
        if "fact" in document or "preset" in document:
            fact = document.get("fact")
            preset = document.get("preset")
            hint = document.get("regionId")
            region_hint = hint if isinstance(hint, str) else None
        elif "data" in document and ("update" in document or "today" in document):
            fact = document
        else:
            raise FeedFormatError("neither fact nor preset in the answer")
    region_id = require_region(
        ctx.region_id or region_or(region_hint, default_region), "DTEK schedule"
    )
    schedules = parse_fact(fact, region_id) if fact is not None else []
    if isinstance(preset, Mapping) and "data" in preset:
        schedules += parse_preset(preset, region_id, ctx.today)
    return OutageReport(schedules=schedules)
