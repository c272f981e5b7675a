"""Import alert history: the public Ukrainian air-raid dataset in both its published forms,
and alerts.in.ua's history answers (feeds/alerts_in_ua_history.py).

The official file: ``oblast,raion,hromada,level,started_at,finished_at,source``; the volunteer
file: ``region,started_at,finished_at,naive``. Times are UTC; names English transliterations
(``Lvivska oblast``, ``Kyiv City``, ``m. Nikopol ta Nikopolska terytorialna hromada``). Places
are matched to the region registry; a place it does not know is kept under its oblast and
counted, never dropped. Every row keys on (source, place as written, kind, start), so
importing a file twice adds nothing. Import writes history rows only: no message, no change to
the current alert state.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from feeds import regions
from feeds.alerts_in_ua_history import HistoryRecord
from storage.db import upsert_insert
from storage.history_models import AlertHistory

Form = Literal["official", "volunteer"]
OFFICIAL_HEADER = ("oblast", "raion", "hromada", "level", "started_at", "finished_at", "source")
VOLUNTEER_HEADER = ("region", "started_at", "finished_at", "naive")
UNKNOWN_REGION = "unknown"
BATCH = 2000
ANALYZE_AFTER = 10_000  # rows in one import


class HistoryFormatError(ValueError):
    """A file that is neither published form."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    source: str
    place: str
    region_id: str
    oblast_id: str | None
    level: str
    kind: str
    started_at: datetime
    finished_at: datetime | None
    estimated_end: bool
    matched: bool

    def as_values(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "place": self.place,
            "region_id": self.region_id,
            "oblast_id": self.oblast_id,
            "level": self.level,
            "kind": self.kind,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": (
                None
                if self.finished_at is None
                else (self.finished_at - self.started_at).total_seconds()
            ),
            "estimated_end": self.estimated_end,
            "matched": self.matched,
            "note": None,
        }


@dataclass
class ImportSummary:
    """What one file gave: shown to the operator after each import."""

    source: str
    rows: int = 0
    added: int = 0
    unmatched: Counter[str] = field(default_factory=Counter)  # place -> rows
    bad_rows: list[str] = field(default_factory=list)  # "line 12: no start time"

    @property
    def already_present(self) -> int:
        return self.rows - len(self.bad_rows) - self.added


# --- reading ---------------------------------------------------------------------------


def detect_form(header: Sequence[str]) -> Form:
    names = tuple(h.strip().lower() for h in header)
    if names == OFFICIAL_HEADER:
        return "official"
    if names == VOLUNTEER_HEADER:
        return "volunteer"
    raise HistoryFormatError(
        "not an air-raid history file: expected the header "
        f"{','.join(OFFICIAL_HEADER)} or {','.join(VOLUNTEER_HEADER)}, got {','.join(names)}"
    )


def _time(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def read_rows(text: str, summary: ImportSummary | None = None) -> tuple[Form, list[HistoryRow]]:
    """The rows of a history file's text; unreadable rows are listed in ``summary``."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise HistoryFormatError("empty file")
    form = detect_form(header)
    matcher = PlaceMatcher()
    seen: dict[tuple[str, ...], _Place] = {}
    rows: list[HistoryRow] = []
    for line, record in enumerate(reader, start=2):
        if not record or not any(v.strip() for v in record):
            continue
        if summary is not None:
            summary.rows += 1
        try:
            row = (
                _official(record, matcher, seen)
                if form == "official"
                else _volunteer(record, matcher)
            )
        except (ValueError, IndexError) as exc:
            if summary is not None:
                summary.bad_rows.append(f"line {line}: {exc}")
            continue
        if summary is not None and not row.matched:
            summary.unmatched[row.place] += 1
        rows.append(row)
    return form, rows


def _times(started: str, finished: str) -> tuple[datetime, datetime | None]:
    start = _time(started)
    if start is None:
        raise ValueError("no start time")
    end = _time(finished)
    if end is not None and end < start:
        raise ValueError("ends before it starts")
    return start, end


_Place = tuple[str, str, str, str | None, bool]  # level, place, region id, oblast id, matched


def _official(
    record: list[str], matcher: PlaceMatcher, seen: dict[tuple[str, ...], _Place]
) -> HistoryRow:
    if len(record) < len(OFFICIAL_HEADER):
        raise ValueError(f"{len(record)} columns, expected {len(OFFICIAL_HEADER)}")
    key = tuple(record[:4])
    place = seen.get(key)
    if place is None:  # a year names a few hundred places: each is matched once
        oblast, raion, hromada, level = (v.strip() for v in key)
        # The file's own quirk: some rows carry the raion in the oblast column and vice versa.
        if _is_raion(oblast) and _is_oblast(raion):
            oblast, raion = raion, oblast
        region_id, oblast_id, matched = matcher.match(oblast, raion, hromada)
        name = "/".join(p for p in (oblast, raion, hromada) if p)
        place = seen[key] = (level or "oblast", name, region_id, oblast_id, matched)
    start, end = _times(record[4], record[5])
    level, name, region_id, oblast_id, matched = place
    return HistoryRow(
        source="official",
        place=name,
        region_id=region_id,
        oblast_id=oblast_id,
        level=level,
        kind="air_raid",
        started_at=start,
        finished_at=end,
        estimated_end=False,
        matched=matched,
    )


def _volunteer(record: list[str], matcher: PlaceMatcher) -> HistoryRow:
    if len(record) < len(VOLUNTEER_HEADER):
        raise ValueError(f"{len(record)} columns, expected {len(VOLUNTEER_HEADER)}")
    place = record[0].strip()
    start, end = _times(record[1], record[2])
    region_id, oblast_id, matched = matcher.match(place, "", "")
    return HistoryRow(
        source="volunteer",
        place=place,
        region_id=region_id,
        oblast_id=oblast_id,
        level="oblast",
        kind="air_raid",
        started_at=start,
        finished_at=end,
        # naive=True: no end was seen; the file set it to start + 30 minutes.
        estimated_end=record[3].strip().lower() == "true",
        matched=matched,
    )


def _is_raion(name: str) -> bool:
    return name.lower().endswith(" raion")


def _is_oblast(name: str) -> bool:
    return name.lower().endswith(" oblast") or name.lower() in ("kyiv city", "sevastopol city")


# --- matching places -------------------------------------------------------------------

_FILLER = {
    "m",
    "smt",
    "s",
    "ta",
    "and",
    "terytorialna",
    "hromada",
    "raion",
    "oblast",
    "misto",
    "city",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")


def _key(name: str) -> str:
    words = _NON_WORD.split(name.casefold().replace("'", "").replace("’", ""))
    return " ".join(w for w in words if w and w not in _FILLER)


class PlaceMatcher:
    """Dataset names to registry ids, within their oblast (two oblasts have a
    Pervomaiskyi raion)."""

    def __init__(self) -> None:
        self._inside: dict[str, dict[str, str]] = {}
        self._oblasts: dict[str, str | None] = {}

    def oblast(self, name: str) -> str | None:
        if name not in self._oblasts:
            region = regions.resolve(name)
            top = regions.oblast_of(region.id) if region is not None else None
            self._oblasts[name] = top
        return self._oblasts[name]

    def _places(self, oblast_id: str) -> dict[str, str]:
        if oblast_id not in self._inside:
            keys: dict[str, str] = {}
            for region_id in regions.with_descendants(oblast_id)[1:]:
                region = regions.get(region_id)
                if region is None:
                    continue
                for spelling in (region.name_en, regions.transliterate(region.name_uk)):
                    keys.setdefault(f"{region.level}:{_key(spelling)}", region.id)
            self._inside[oblast_id] = keys
        return self._inside[oblast_id]

    def match(self, oblast: str, raion: str, hromada: str) -> tuple[str, str | None, bool]:
        """(region id, oblast id, matched): the innermost place named, or its oblast."""
        oblast_id = self.oblast(oblast)
        if oblast_id is None:
            return UNKNOWN_REGION, None, False
        places = self._places(oblast_id)
        if hromada:
            found = places.get(f"hromada:{_key(hromada)}")
            return (found, oblast_id, True) if found else (oblast_id, oblast_id, False)
        if raion:
            found = places.get(f"raion:{_key(raion)}")
            return (found, oblast_id, True) if found else (oblast_id, oblast_id, False)
        return oblast_id, oblast_id, True


# --- writing ---------------------------------------------------------------------------


@cache
def _insert(dialect_insert: Callable[..., Any]) -> Any:
    return dialect_insert(cast(Table, AlertHistory.__table__)).on_conflict_do_nothing(
        index_elements=["source", "place", "kind", "started_at"]
    )


async def count(session: AsyncSession, source: str | None = None) -> int:
    query = select(func.count()).select_from(AlertHistory)
    if source is not None:
        query = query.where(AlertHistory.source == source)
    return int(await session.scalar(query) or 0)


def _batches(rows: Sequence[HistoryRow]) -> Iterator[Sequence[HistoryRow]]:
    for index in range(0, len(rows), BATCH):
        yield rows[index : index + BATCH]


async def store(session: AsyncSession, rows: Iterable[HistoryRow]) -> int:
    """Insert the rows not stored yet; how many were added."""
    listed = list(rows)
    if not listed:
        return 0
    before = await count(session)
    statement = _insert(upsert_insert(session))
    for batch in _batches(listed):
        await session.execute(statement, [row.as_values() for row in batch])
    if session.get_bind().dialect.name == "postgresql" and len(listed) >= ANALYZE_AFTER:
        # A bulk load leaves the planner thinking the table is empty: it then sorts half a
        # year of rows on disk to group them (0.8 s instead of 0.2 s, bench/ledger.py).
        await session.execute(text("ANALYZE alert_history"))
    return await count(session) - before


async def import_text(session: AsyncSession, text: str) -> ImportSummary:
    """Read one file's text and store its rows; raises :class:`HistoryFormatError`."""
    summary = ImportSummary(source="?")
    form, rows = read_rows(text, summary)
    summary.source = form
    summary.added = await store(session, rows)
    return summary


def rows_from_provider(records: Iterable[HistoryRecord], source: str) -> list[HistoryRow]:
    """History rows of a provider's answer (feeds/alerts_in_ua_history.py), keyed by the
    provider's place id; a place the registry does not know is kept under its oblast."""
    rows = []
    for record in records:
        known = regions.get(record.region_id) is not None
        oblast = regions.oblast_of(record.region_id) if known else None
        oblast = oblast or (record.oblast_id if regions.get(record.oblast_id or "") else None)
        rows.append(
            HistoryRow(
                source=source,
                place=record.region_id,
                region_id=record.region_id if known else (oblast or UNKNOWN_REGION),
                oblast_id=oblast,
                level=record.level,
                kind=record.kind,
                started_at=record.started_at,
                finished_at=record.finished_at,
                estimated_end=False,
                matched=known,
            )
        )
    return rows
