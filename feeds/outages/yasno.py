"""Yasno (DTEK's retail brand; Kyiv city and Dnipro): blackout-service API v2, and legacy v1.

v2 ``…/shutdowns/regions/{region}/dsos/{dso}/planned-outages`` answers
``{"<group>": {"today": Day, "tomorrow": Day, "updatedOn": iso}}`` where a Day has
``slots`` (minutes from Kyiv midnight, 1440 = 24:00, ``type`` Definite / NotPlanned),
``date`` and ``status`` (ScheduleApplies, WaitingForSchedule, EmergencyShutdowns, NoOutages).
A ``NoOutages`` day that still lists ``Definite`` slots keeps them (logged once per feed,
day and queue). ``…/shutdowns/probable-outages`` answers the weekly template per weekday
(0 = Monday).

v1 ``api/v1/pages/home/schedule-turn-off-electricity`` carries a component with
``dailySchedule`` (today/tomorrow, hours as floats, ``DEFINITE_OUTAGE``) and the weekly
``schedule`` (``POSSIBLE_OUTAGE``) for both "kiev" and "dnipro".
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from feeds.model import FeedFormatError
from feeds.outages.common import ParseContext, iso_utc, kyiv_dmy_hm, load_json
from feeds.outages.model import Basis, DaySchedule, OutageEvent, OutageReport, SlotState
from feeds.outages.timeline import day_start, kyiv_date, slots_from_wall_intervals

log = logging.getLogger("alertbot.outages")

KYIV_CITY = "31"
# Yasno's own region ids (addresses/v2/regions) and v1 region keys → registry ids.
V2_REGIONS = {"25": KYIV_CITY, "3": "9"}
V1_REGIONS = {"kiev": KYIV_CITY, "dnipro": "9"}

V2_TYPES = {"Definite": SlotState.OFF, "NotPlanned": SlotState.ON, "Possible": SlotState.MAYBE}
V1_TYPES = {"DEFINITE_OUTAGE": SlotState.OFF, "POSSIBLE_OUTAGE": SlotState.MAYBE}
EMERGENCY_STATUS = "EmergencyShutdowns"

_URL_REGION = re.compile(r"/regions/(\d+)/")
_GROUP = re.compile(r"^(?:group_)?(\d+\.\d+)$")


def _group(key: object) -> str:
    match = _GROUP.match(str(key))
    if match is None:
        raise FeedFormatError(f"unknown group key {key!r}")
    return match.group(1)


def _v2_runs(slots: object, where: str) -> list[tuple[int, int, SlotState]]:
    if not isinstance(slots, list):
        raise FeedFormatError(f"{where}: slots is not a list")
    runs = []
    for slot in slots:
        if not isinstance(slot, Mapping):
            raise FeedFormatError(f"{where}: slot is not an object")
        start, end, kind = slot.get("start"), slot.get("end"), slot.get("type")
        if not isinstance(start, int | float) or not isinstance(end, int | float):
            raise FeedFormatError(f"{where}: slot without start/end minutes")
        if not 0 <= start <= end <= 1440:
            raise FeedFormatError(f"{where}: slot {start}–{end} outside the day")
        state = V2_TYPES.get(str(kind))
        if state is None:
            # The reference clients treat unknown types as no outage; say so in the log.
            log.warning("yasno_slot_type_unknown", extra={"type": str(kind), "where": where})
            state = SlotState.ON
        runs.append((int(start), int(end), state))
    return runs


class ContradictionNotes:
    """Which (feed, day, group) contradictions were already logged.

    A feed is polled every few minutes and answers the same day many times; one line per
    contradiction tells the operator, a line per poll would bury everything else. Bounded, so a
    long-running bot does not grow it without end (the oldest keys go first).
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, str, date], None] = OrderedDict()

    def first_time(self, key: tuple[str, str, date]) -> bool:
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True


NOTES = ContradictionNotes()


def _minute_label(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _note_contradiction(
    ctx: ParseContext,
    region_id: str,
    group: str,
    day: date,
    runs: list[tuple[int, int, SlotState]],
    notes: ContradictionNotes,
) -> None:
    """``NoOutages`` with an explicit ``Definite`` window: the window is kept (a resident
    would rather be warned of an outage that does not come than miss one that does; Home
    Assistant's Yasno integration keeps it too) and the contradiction goes to the log."""
    off = [(start, end) for start, end, state in runs if state == SlotState.OFF and end > start]
    if not off or not notes.first_time((ctx.url or region_id, group, day)):
        return
    log.warning(
        "yasno_status_contradicts_slots",
        extra={
            "url": ctx.url,
            "region_id": region_id,
            "group": group,
            "day": day.isoformat(),
            "status": "NoOutages",
            "windows": ", ".join(f"{_minute_label(a)}-{_minute_label(b)}" for a, b in off),
        },
    )


def _v2_region(ctx: ParseContext, yasno_region: str | None = None) -> str:
    if ctx.region_id:
        return ctx.region_id
    if yasno_region is None and ctx.url:
        match = _URL_REGION.search(ctx.url)
        yasno_region = match.group(1) if match else None
    return V2_REGIONS.get(yasno_region or "", KYIV_CITY)


def parse_planned(
    document: Mapping[str, Any], ctx: ParseContext, notes: ContradictionNotes = NOTES
) -> OutageReport:
    region_id = _v2_region(ctx)
    schedules: list[DaySchedule] = []
    emergency_days: set[date] = set()
    for key, value in document.items():
        group = _group(key)
        if not isinstance(value, Mapping):
            raise FeedFormatError(f"group {key}: not an object")
        updated = value.get("updatedOn")
        version = updated if isinstance(updated, str) else None
        for which in ("today", "tomorrow"):
            day_obj = value.get(which)
            if day_obj is None:
                continue
            if not isinstance(day_obj, Mapping):
                raise FeedFormatError(f"group {key}.{which}: not an object")
            midnight = iso_utc(day_obj.get("date"))
            if midnight is None:
                raise FeedFormatError(f"group {key}.{which}: no date")
            day = kyiv_date(midnight)
            status = day_obj.get("status")
            status = status if isinstance(status, str) else None
            runs = _v2_runs(day_obj.get("slots", []), f"group {key}.{which}")
            if status == "NoOutages":
                _note_contradiction(ctx, region_id, group, day, runs, notes)
            if status == EMERGENCY_STATUS:
                emergency_days.add(day)
            schedules.append(
                DaySchedule(
                    region_id=region_id,
                    group=group,
                    day=day,
                    basis=Basis.FACT,
                    slots=slots_from_wall_intervals(day, runs),
                    version=version,
                    published_at=iso_utc(version),
                    status=status,
                )
            )
    events = [
        OutageEvent(
            key=f"yasno-emergency:{region_id}:{day.isoformat()}",
            region_id=region_id,
            group=None,
            starts_at=day_start(day),
            ends_at=None,
            note=EMERGENCY_STATUS,
        )
        for day in sorted(emergency_days)
    ]
    return OutageReport(schedules=schedules, events=events)


def parse_probable(document: Mapping[str, Any], ctx: ParseContext) -> OutageReport:
    schedules: list[DaySchedule] = []
    for yasno_region, region_obj in document.items():
        region_id = _v2_region(ctx, str(yasno_region))
        dsos = region_obj.get("dsos") if isinstance(region_obj, Mapping) else None
        if not isinstance(dsos, Mapping):
            raise FeedFormatError("probable-outages: region without dsos")
        for dso in dsos.values():
            groups = dso.get("groups") if isinstance(dso, Mapping) else None
            if not isinstance(groups, Mapping):
                raise FeedFormatError("probable-outages: dso without groups")
            for key, group_obj in groups.items():
                group = _group(key)
                weekdays = group_obj.get("slots") if isinstance(group_obj, Mapping) else None
                if not isinstance(weekdays, Mapping):
                    raise FeedFormatError(f"probable-outages: group {key} without slots")
                for offset in range(7):
                    day = ctx.today + timedelta(days=offset)
                    slots = weekdays.get(str(day.weekday()))
                    if slots is None:
                        continue
                    runs = [
                        (start, end, SlotState.MAYBE if state == SlotState.OFF else state)
                        for start, end, state in _v2_runs(slots, f"group {key} day {offset}")
                    ]
                    schedules.append(
                        DaySchedule(
                            region_id=region_id,
                            group=group,
                            day=day,
                            basis=Basis.PLANNED,
                            slots=slots_from_wall_intervals(day, runs),
                        )
                    )
    return OutageReport(schedules=schedules)


def _v1_runs(items: object, where: str) -> list[tuple[int, int, SlotState]]:
    if not isinstance(items, list):
        raise FeedFormatError(f"{where}: not a list")
    runs = []
    for item in items:
        if not isinstance(item, Mapping):
            raise FeedFormatError(f"{where}: item is not an object")
        start, end = item.get("start"), item.get("end")
        if not isinstance(start, int | float) or not isinstance(end, int | float):
            raise FeedFormatError(f"{where}: item without start/end hours")
        if not 0 <= start <= end <= 24:
            raise FeedFormatError(f"{where}: {start}–{end} outside the day")
        state = V1_TYPES.get(str(item.get("type")))
        if state is None:
            log.warning("yasno_slot_type_unknown", extra={"type": str(item.get("type"))})
            continue
        runs.append((round(start * 60), round(end * 60), state))
    return runs


_V1_TITLE = re.compile(r"(\d{2}\.\d{2}\.\d{4})\s+на\s+(\d{1,2}:\d{2})")


def parse_v1(component: Mapping[str, Any], ctx: ParseContext) -> OutageReport:
    schedules: list[DaySchedule] = []
    wanted = ctx.region_id
    daily = component.get("dailySchedule")
    if not isinstance(daily, Mapping):
        raise FeedFormatError("v1: no dailySchedule")
    for region_key, days in daily.items():
        region_id = V1_REGIONS.get(str(region_key))
        if region_id is None or (wanted and region_id != wanted) or not isinstance(days, Mapping):
            continue
        for which in ("today", "tomorrow"):
            day_obj = days.get(which)
            if not isinstance(day_obj, Mapping):
                continue
            title = _V1_TITLE.search(str(day_obj.get("title", "")))
            if title is None:
                raise FeedFormatError(f"v1 {region_key}.{which}: no date in the title")
            published = kyiv_dmy_hm(f"{title.group(1)} {title.group(2)}")
            if published is None:
                raise FeedFormatError(f"v1 {region_key}.{which}: bad date in the title")
            day = kyiv_date(published)
            groups = day_obj.get("groups")
            if not isinstance(groups, Mapping):
                raise FeedFormatError(f"v1 {region_key}.{which}: no groups")
            for key, items in groups.items():
                schedules.append(
                    DaySchedule(
                        region_id=region_id,
                        group=_group(key),
                        day=day,
                        basis=Basis.FACT,
                        slots=slots_from_wall_intervals(day, _v1_runs(items, f"{key}")),
                        version=title.group(0),
                        published_at=published,
                    )
                )
    weekly = component.get("schedule")
    if isinstance(weekly, Mapping):
        for region_key, groups in weekly.items():
            region_id = V1_REGIONS.get(str(region_key))
            if region_id is None or (wanted and region_id != wanted):
                continue
            if not isinstance(groups, Mapping):
                raise FeedFormatError(f"v1 schedule.{region_key}: not an object")
            for key, week in groups.items():
                if not isinstance(week, list) or len(week) != 7:
                    raise FeedFormatError(f"v1 schedule.{region_key}.{key}: not 7 days")
                for offset in range(7):
                    day = ctx.today + timedelta(days=offset)
                    runs = _v1_runs(week[day.weekday()], f"{key}")
                    schedules.append(
                        DaySchedule(
                            region_id=region_id,
                            group=_group(key),
                            day=day,
                            basis=Basis.PLANNED,
                            slots=slots_from_wall_intervals(day, runs),
                        )
                    )
    return OutageReport(schedules=schedules)


def parse(body: bytes, ctx: ParseContext) -> OutageReport:
    document = load_json(body)
    if not isinstance(document, Mapping):
        raise FeedFormatError("expected a JSON object")
    components = document.get("components")
    if isinstance(components, list):
        for component in components:
            if isinstance(component, Mapping) and "dailySchedule" in component:
                return parse_v1(component, ctx)
        raise FeedFormatError("v1 page without the schedule component")
    values = list(document.values())
    if values and all(isinstance(v, Mapping) and "dsos" in v for v in values):
        return parse_probable(document, ctx)
    if values and all(isinstance(v, Mapping) and ("today" in v or "tomorrow" in v) for v in values):
        return parse_planned(document, ctx)
    raise FeedFormatError("neither planned-outages, probable-outages nor the v1 page")
