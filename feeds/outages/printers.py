"""``python -m bot parse --kind KIND FILE`` for the outage kinds: one JSON object a line.

A schedule line per (region, group, day, basis) with its off / maybe intervals in UTC and in
Kyiv wall-clock time; an emergency-outage line per event; an announcement line per news item
or CAP alert. Weekly templates are laid onto the coming week from today's Kyiv date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from feeds.outages import OUTAGE_KINDS, ParseContext
from feeds.outages.model import Announcement, DaySchedule, OutageEvent, SlotState
from feeds.outages.timeline import hours, intervals, kyiv_date, wall_label

STATE_NAMES = {SlotState.OFF: "off", SlotState.MAYBE: "maybe", SlotState.ON: "on"}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def schedule_record(schedule: DaySchedule) -> dict[str, Any]:
    return {
        "type": "schedule",
        "region_id": schedule.region_id,
        "group": schedule.group,
        "day": schedule.day.isoformat(),
        "basis": schedule.basis.value,
        "version": schedule.version,
        "published_at": _iso(schedule.published_at),
        "status": schedule.status,
        "hours_off": hours(schedule.slots),
        "hours_maybe": hours(schedule.slots, SlotState.MAYBE),
        "intervals": [
            {
                "state": STATE_NAMES[run.state],
                "start": _iso(run.start),
                "end": _iso(run.end),
                "from": wall_label(run.start, schedule.day),
                "to": wall_label(run.end, schedule.day),
            }
            for run in intervals(schedule.day, schedule.slots)
            if run.state != SlotState.ON
        ],
    }


def event_record(event: OutageEvent) -> dict[str, Any]:
    return {
        "type": "emergency",
        "key": event.key,
        "region_id": event.region_id,
        "group": event.group,
        "starts_at": _iso(event.starts_at),
        "ends_at": _iso(event.ends_at),
        "place": event.place,
        "note": event.note,
    }


def announcement_record(item: Announcement) -> dict[str, Any]:
    return {
        "type": "announcement",
        "key": item.key,
        "title": item.title,
        "link": item.link,
        "published_at": _iso(item.published_at),
        "msg_type": item.msg_type,
        "severity": item.severity,
        "expires_at": _iso(item.expires_at),
        "area": item.area,
    }


def printer(
    kind: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Callable[[bytes], Iterable[dict[str, Any]]]:
    def print_report(body: bytes) -> Iterable[dict[str, Any]]:
        report = OUTAGE_KINDS[kind].parse(body, ParseContext(kyiv_date(clock())))
        records = [schedule_record(s) for s in report.schedules]
        records += [event_record(e) for e in report.events or []]
        records += [announcement_record(a) for a in report.announcements]
        return records

    return print_report


PRINTERS: dict[str, Callable[[bytes], Iterable[dict[str, Any]]]] = {
    kind: printer(kind) for kind in OUTAGE_KINDS
}
