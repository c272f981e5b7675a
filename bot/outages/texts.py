"""Outage texts in a chat's language; times shown in Kyiv wall-clock time."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bot.delivery.alert_texts import kyiv_time, region_name, truce_note
from bot.delivery.outbox_texts import register_notice_kind
from bot.i18n import t
from feeds.outages.model import SlotState
from feeds.outages.timeline import KYIV, SLOT, day_start, hours, intervals, wall_label
from storage.outage_fanout import KIND, read_event, read_schedule, read_truce
from storage.outages import EventChange, ScheduleChange, StoredSchedule
from storage.truces import TruceView

DASH = "–"


def region_title(region_id: str, lang: str) -> str:
    return region_name(region_id, region_id, lang)


def group_label(group: str) -> str:
    """Dnipro's ЦЕК queues, numbered 1001.1 … 1006.2 by DTEK, as people call them."""
    if re.fullmatch(r"100[1-9]\.\d", group):
        return f"ЦЕК {group[3:]}"
    return group


def format_hours(value: float, lang: str) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "uk" else text


def day_title(day: date, today: date, lang: str) -> str:
    label = day.strftime("%d.%m")
    if day == today:
        return t(lang, "outage.today", date=label)
    if (day - today).days == 1:
        return t(lang, "outage.tomorrow", date=label)
    return day.strftime("%d.%m.%Y")


def span(start: datetime, end: datetime, day: date) -> str:
    return f"{wall_label(start, day)}{DASH}{wall_label(end, day)}"


def spans(day: date, slots: str, state: SlotState) -> str:
    return ", ".join(span(i.start, i.end, day) for i in intervals(day, slots) if i.state == state)


def summary(day: date, slots: str, lang: str) -> str:
    """ "без світла 15:30–17:00"; the total hours off only where there are several spans
    to add up ("без світла 08:00–10:00, 15:30–17:00 (разом 3,5 год без світла)")."""
    parts = []
    off = spans(day, slots, SlotState.OFF)
    maybe = spans(day, slots, SlotState.MAYBE)
    if off:
        parts.append(t(lang, "outage.off", spans=off))
    if maybe:
        parts.append(t(lang, "outage.maybe", spans=maybe))
    if not parts:
        parts.append(t(lang, "outage.all_on"))
    text = "; ".join(parts)
    if len([i for i in intervals(day, slots) if i.state == SlotState.OFF]) > 1:
        text += f" ({t(lang, 'outage.hours_total', hours=format_hours(hours(slots), lang))})"
    return text


def day_line(
    day: date,
    today: date,
    fact: StoredSchedule | None,
    planned: StoredSchedule | None,
    lang: str,
) -> str:
    title = day_title(day, today, lang)
    if fact is None:
        if planned is not None and SlotState.MAYBE.value in planned.slots:
            maybe = spans(day, planned.slots, SlotState.MAYBE)
            return f"{title}: {t(lang, 'outage.planned_only', spans=maybe)}"
        return f"{title}: {t(lang, 'outage.no_schedule')}"
    text = f"{title}: {summary(day, fact.slots, lang)}"
    if fact.status == "WaitingForSchedule":
        text += f" — {t(lang, 'outage.waiting')}"
    elif fact.status == "EmergencyShutdowns":
        text += f" — {t(lang, 'outage.emergency_mode')}"
    return text


def _diff(change: ScheduleChange, lang: str) -> str:
    """Which half-hours changed, as runs: "13:00–13:30 тепер без світла"."""
    assert change.old is not None
    keys = {
        SlotState.OFF.value: "outage.diff_off",
        SlotState.ON.value: "outage.diff_on",
        SlotState.MAYBE.value: "outage.diff_maybe",
    }
    marked = "".join(
        new if new != old else "=" for old, new in zip(change.old, change.new, strict=False)
    )
    items = []
    midnight = day_start(change.day)
    index = 0
    while index < len(marked):
        char = marked[index]
        end = index
        while end < len(marked) and marked[end] == char:
            end += 1
        if char != "=":
            begin, finish = midnight + SLOT * index, midnight + SLOT * end
            items.append(t(lang, keys[char], span=span(begin, finish, change.day)))
        index = end
    return "; ".join(items)


def schedule_message(changes: Sequence[ScheduleChange], today: date, lang: str) -> str:
    """One message for one chat about every change of its groups in one poll."""
    sections: list[str] = []
    by_group: dict[tuple[str, str], list[ScheduleChange]] = {}
    for change in changes:
        by_group.setdefault((change.region_id, change.group), []).append(change)
    for (region_id, group), items in by_group.items():
        changed = any(c.old is not None for c in items)
        key = "outage.changed" if changed else "outage.published"
        lines = [t(lang, key, region=region_title(region_id, lang), group=group_label(group))]
        for change in sorted(items, key=lambda c: c.day):
            lines.append(
                f"{day_title(change.day, today, lang)}: {summary(change.day, change.new, lang)}"
            )
            if change.old is not None:
                lines.append(
                    t(lang, "outage.before", schedule=summary(change.day, change.old, lang))
                )
                lines.append(t(lang, "outage.diff", changes=_diff(change, lang)))
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def reminder_message(
    region_id: str, group: str, start: datetime, end: datetime, minutes: int, lang: str
) -> str:
    return t(
        lang,
        "outage.reminder",
        minutes=minutes,
        region=region_title(region_id, lang),
        group=group_label(group),
        start=_clock(start),
        end=_clock(end, midnight_as_24=True),
    )


def back_message(
    region_id: str, group: str, at: datetime, upcoming: tuple[datetime, datetime] | None, lang: str
) -> str:
    text = t(
        lang,
        "outage.back",
        time=_clock(at),
        region=region_title(region_id, lang),
        group=group_label(group),
    )
    if upcoming is not None:
        text += "\n" + t(
            lang,
            "outage.next",
            span=f"{_clock(upcoming[0])}{DASH}{_clock(upcoming[1], midnight_as_24=True)}",
        )
    return text


def _clock(moment: datetime, *, midnight_as_24: bool = False) -> str:
    """Kyiv wall-clock time; an outage that runs to midnight ends at 24:00, as providers say."""
    text = moment.astimezone(KYIV).strftime("%H:%M")
    return "24:00" if midnight_as_24 and text == "00:00" else text


def event_message(
    changes: Iterable[EventChange], truces: Sequence[TruceView], now: datetime, lang: str
) -> str:
    """Emergency outages of one poll for one chat; the truce note when a pause is in force."""
    blocks = []
    for change in changes:
        key = {
            "start": "outage.emergency_start",
            "update": "outage.emergency_update",
            "end": "outage.emergency_end",
        }[change.transition]
        lines = [t(lang, key, region=region_title(change.region_id, lang))]
        if change.group:
            lines.append(t(lang, "outage.emergency_group", group=group_label(change.group)))
        if change.place:
            lines.append(change.place)
        if change.transition != "end":
            if change.note == "EmergencyShutdowns":
                lines.append(t(lang, "outage.emergency_general"))
            elif change.note:
                lines.append(change.note)
            if change.starts_at is not None:
                lines.append(
                    t(lang, "outage.emergency_since", time=kyiv_time(change.starts_at, now))
                )
            if change.ends_at is not None:
                lines.append(t(lang, "outage.emergency_until", time=kyiv_time(change.ends_at, now)))
        blocks.append("\n".join(lines))
    notes = [truce_note(truce, now, lang, key="outage.truce_note") for truce in truces]
    return "\n\n".join(blocks + notes)


def news_message(
    title: str,
    summary_text: str | None,
    link: str | None,
    lang: str,
    *,
    cap: bool = False,
    msg_type: str | None = None,
    severity: str | None = None,
    area: str | None = None,
) -> str:
    key = "outage.news"
    if cap:
        key = "outage.cap_cancel" if msg_type == "Cancel" else "outage.cap"
    lines = [t(lang, key, title=title)]
    if severity:
        lines.append(t(lang, "outage.cap_severity", severity=severity))
    lines += [part for part in (area, summary_text, link) if part]
    return "\n".join(lines)[:4000]


def _part_text(part: Mapping[str, Any], lang: str) -> str:
    kind = part["type"]
    if kind == "schedule":
        changes = [read_schedule(c) for c in part["changes"]]
        return schedule_message(changes, date.fromisoformat(part["today"]), lang)
    if kind == "event":
        return event_message(
            [read_event(c) for c in part["changes"]],
            [read_truce(truce) for truce in part["truces"]],
            datetime.fromisoformat(part["now"]),
            lang,
        )
    if kind == "news":
        text = "\n\n".join(
            news_message(
                item["title"],
                item["summary"],
                item["link"],
                lang,
                cap=part["cap"],
                msg_type=item["msg_type"],
                severity=item["severity"],
                area=item["area"],
            )
            for item in part["items"]
        )
        return text[:4000]
    if kind == "reminder":
        return reminder_message(
            part["region_id"],
            part["group"],
            datetime.fromisoformat(part["start"]),
            datetime.fromisoformat(part["end"]),
            part["minutes"],
            lang,
        )
    if kind == "back":
        following = part["next"]
        return back_message(
            part["region_id"],
            part["group"],
            datetime.fromisoformat(part["at"]),
            None
            if following is None
            else (datetime.fromisoformat(following[0]), datetime.fromisoformat(following[1])),
            lang,
        )
    raise ValueError(f"unknown outage notice part {kind!r}")


def render_notice(payload: Mapping[str, Any], lang: str) -> str:
    """An outage notice (storage/outage_fanout.py) in the reader's language, when it is sent."""
    return "\n\n".join(_part_text(part, lang) for part in payload["parts"])


register_notice_kind(KIND, render_notice)
