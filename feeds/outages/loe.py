"""Lvivoblenergo (LOE): the hourly schedule API and the emergency-outage API.

``GET https://api.loe.lviv.ua/api/menus?page=1&type=photo-grafic`` answers a Hydra collection
(or, as observed in production, a bare array) of menus whose items carry the schedule as HTML
in ``rawHtml`` / ``rawMobileHtml`` (one item for today, another for tomorrow):

    Графік погодинних відключень на 08.01.2026
    Інформація станом на 16:16 08.01.2026
    Група 1.1. Електроенергії немає з 15:30 до 17:00.
    Група 6.2. Електроенергія є.

The same ``loe`` kind also reads that HTML on its own, the DTEK-shaped LOE mirror JSON, and
``GET https://power-api.loe.lviv.ua/api/pw_accidents`` (emergency outages by street; its fields
``id``, ``dateEvent``, ``datePlanIn``, ``koment``, ``buildingNames``, ``city``, ``street`` are
documented by every public client, though no real recorded body exists).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from feeds import timerange
from feeds.model import FeedFormatError
from feeds.outages import dtek
from feeds.outages.common import ParseContext, iso_utc, kyiv_dmy_hm, load_json
from feeds.outages.model import Basis, DaySchedule, OutageEvent, OutageReport, SlotState
from feeds.outages.timeline import slots_from_wall_intervals

LVIV_OBLAST = "27"

_TAG = re.compile(r"<[^>]+>")
_DATE = re.compile(r"Графік\s+погодинних\s+відключень\s+на\s+(\d{2})\.(\d{2})\.(\d{4})")
_AS_OF = re.compile(r"станом\s+на\s+(\d{1,2}:\d{2})\s+(\d{2}\.\d{2}\.\d{4})")
_GROUP = re.compile(r"Груп[аи]\s+(\d+\.\d+)\.?\s*(.*)")
_SPAN = re.compile(r"з\s+(\d{1,2}):(\d{2})\s+до\s+(\d{1,2}):(\d{2})")


def _lines(raw_html: str) -> list[str]:
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h\d)\s*/?>", "\n", raw_html)
    text = html.unescape(_TAG.sub("", text)).replace("\xa0", " ")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _minute(hours: str, minutes: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= 24 * 60 or int(minutes) >= 60:
        raise FeedFormatError(f"bad time {hours}:{minutes}")
    return value


def parse_html(raw_html: str, region_id: str = LVIV_OBLAST) -> list[DaySchedule]:
    """One LOE schedule block; raises :class:`FeedFormatError` if it does not read as one."""
    lines = _lines(raw_html)
    joined = "\n".join(lines)
    found = _DATE.search(joined)
    if found is None:
        raise FeedFormatError("no 'Графік погодинних відключень на DD.MM.YYYY' header")
    d, m, y = (int(x) for x in found.groups())
    try:
        day = date(y, m, d)
    except ValueError:
        raise FeedFormatError(f"bad schedule date {found.group(0)!r}") from None
    if not timerange.day_in_range(day):
        raise FeedFormatError(f"schedule date out of range {found.group(0)!r}")
    as_of = _AS_OF.search(joined)
    version = f"{as_of.group(1)} {as_of.group(2)}" if as_of else None
    published = kyiv_dmy_hm(f"{as_of.group(2)} {as_of.group(1)}") if as_of else None
    result: dict[str, DaySchedule] = {}
    for line in lines:
        match = _GROUP.match(line)
        if match is None:
            continue
        group, rest = match.groups()
        spans = [
            (_minute(a, b), _minute(c, e), SlotState.OFF) for a, b, c, e in _SPAN.findall(rest)
        ]
        if not spans and "немає" in rest:
            raise FeedFormatError(f"group {group}: outage without times: {line!r}")
        if not spans and not re.search(r"Електроенергія\s+є", rest):
            raise FeedFormatError(f"group {group}: cannot read {line!r}")
        if any(start >= end for start, end, _ in spans):
            raise FeedFormatError(f"group {group}: empty or reversed span in {line!r}")
        result[group] = DaySchedule(
            region_id=region_id,
            group=group,
            day=day,
            basis=Basis.FACT,
            slots=slots_from_wall_intervals(day, spans),
            version=version,
            published_at=published,
        )
    if not result:
        raise FeedFormatError("schedule block without any group")
    return list(result.values())


def _html_blocks(node: Any) -> Iterator[str]:
    """Every ``rawHtml`` / ``rawMobileHtml`` string in a menus answer, depth first."""
    if isinstance(node, Mapping):
        for key in ("rawHtml", "rawMobileHtml"):
            value = node.get(key)
            if isinstance(value, str) and value.strip():
                yield value
        for value in node.values():
            if isinstance(value, list | Mapping):
                yield from _html_blocks(value)
    elif isinstance(node, list):
        for item in node:
            yield from _html_blocks(item)


def _members(document: Any) -> list[Any] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, Mapping):
        members = document.get("hydra:member", document.get("member"))
        if isinstance(members, list):
            return members
    return None


def _as_of(schedule: DaySchedule) -> datetime:
    return schedule.published_at or datetime.min.replace(tzinfo=UTC)


def parse_menus(document: Any, region_id: str) -> list[DaySchedule]:
    best: dict[tuple[str, date], DaySchedule] = {}
    blocks = [b for b in _html_blocks(document) if _DATE.search(" ".join(_lines(b)))]
    if not blocks:
        raise FeedFormatError("no schedule in the menus answer")
    for block in blocks:
        for schedule in parse_html(block, region_id):
            key = (schedule.group, schedule.day)
            known = best.get(key)
            # rawHtml and rawMobileHtml (and a child item) may repeat a day: the latest wins.
            if known is None or _as_of(schedule) >= _as_of(known):
                best[key] = schedule
    return list(best.values())


def _houses(value: object) -> str | None:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v not in (None, ""))
    return value.strip() if isinstance(value, str) and value.strip() else None


def _name(value: object) -> str | None:
    if isinstance(value, Mapping):
        name = value.get("name")
        return name.strip() if isinstance(name, str) and name.strip() else None
    return None


def _event_id(value: object) -> str:
    if isinstance(value, bool) or value is None:
        raise FeedFormatError(f"accident without a usable id: {value!r}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # Clients coerce "123" and "123.0" alike.
    return text[:-2] if text.endswith(".0") else text


def parse_accidents(members: list[Any], region_id: str) -> list[OutageEvent]:
    events = []
    for item in members:
        if not isinstance(item, Mapping) or "dateEvent" not in item:
            raise FeedFormatError("pw_accidents item without dateEvent")
        starts = iso_utc(item.get("dateEvent"))
        if starts is None:
            raise FeedFormatError(f"bad dateEvent {item.get('dateEvent')!r}")
        city, street = _name(item.get("city")), _name(item.get("street"))
        place = ", ".join(p for p in (city, street) if p is not None)
        houses = _houses(item.get("buildingNames"))
        if houses:
            place = f"{place}, {houses}" if place else houses
        note = item.get("koment")
        events.append(
            OutageEvent(
                key=f"loe-accident:{_event_id(item.get('id'))}",
                region_id=region_id,
                group=None,
                starts_at=starts,
                ends_at=iso_utc(item.get("datePlanIn")),
                place=place or None,
                note=" ".join(note.split()) if isinstance(note, str) and note.strip() else None,
                # Street-level only with both: a street without its city cannot be matched.
                city=city if street is not None else None,
                street=street if city is not None else None,
                houses=houses if city is not None and street is not None else None,
            )
        )
    return events


def parse(body: bytes, ctx: ParseContext) -> OutageReport:
    region_id = ctx.region_id or LVIV_OBLAST
    if body.lstrip().startswith(b"<"):
        return OutageReport(schedules=parse_html(body.decode("utf-8", "replace"), region_id))
    document = load_json(body)
    if isinstance(document, Mapping) and ("fact" in document or "preset" in document):
        return dtek.parse(body, ctx, default_region=LVIV_OBLAST)
    members = _members(document)
    if members is None:
        raise FeedFormatError("expected a Hydra collection or a list")
    collection = document.get("@id", "") if isinstance(document, Mapping) else ""
    is_accidents = "accident" in str(collection) or any(
        isinstance(m, Mapping) and "dateEvent" in m for m in members
    )
    if is_accidents:
        return OutageReport(events=parse_accidents(members, region_id))
    return OutageReport(schedules=parse_menus(members, region_id))
