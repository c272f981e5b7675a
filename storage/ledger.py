"""The truce ledger: what the alert records say about each party's claimed window.

A query over history, not a side effect of detection: the evidence for a claim is every alert
(any kind) that started inside its window in a region the truce covers, read from one
source at a time (the bot's own events, or one imported dataset); a truce recorded late gets
its evidence all the same. The report is plain data (:class:`TruceReport`), rendered by the
chat, the command line (text and JSON) and the chart alike.

Definitions, as a reader checking a claim needs them:

* a claim's **window** runs from its claimed start to its claimed end, cut short where the
  truce was ended early and at the time of the report; an open claim runs to then;
* the **baseline** is the span of equal length just before the window;
* an alert counts where it started; its **alert-minutes** are the part of its duration inside
  the span it counts for (an alert still going counts up to now);
* a raion or hromada alert counts on its oblast's line as well as on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Float,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from feeds import regions
from storage.history_models import AlertHistory
from storage.models import AlertEvent
from storage.outage_models import OutageEventRow
from storage.truces import TruceView, get_truce

LIVE = "live"  # the bot's own alert events
HISTORY_SOURCES = ("official", "volunteer", "alerts_in_ua")
SOURCES = (LIVE, *HISTORY_SOURCES)
ENERGY_SCOPES = ("energy", "all")


@dataclass(frozen=True, slots=True)
class Alert:
    """One region's alert, as one source recorded it."""

    source: str
    region_id: str
    oblast_id: str
    kind: str
    started_at: datetime
    finished_at: datetime | None  # None: still active

    def minutes_within(self, start: datetime, end: datetime, now: datetime) -> float:
        finished = self.finished_at if self.finished_at is not None else now
        inside = min(finished, end) - max(self.started_at, start)
        return max(0.0, inside.total_seconds() / 60)


@dataclass(frozen=True, slots=True)
class Span:
    starts_at: datetime
    ends_at: datetime
    alerts: int
    alert_minutes: float
    emergency_outages: int | None  # None: not an energy pause

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "alerts": self.alerts,
            "alert_minutes": round(float(self.alert_minutes), 1),
        }
        if self.emergency_outages is not None:
            data["emergency_outages"] = self.emergency_outages
        return data


@dataclass(frozen=True, slots=True)
class OblastLine:
    region_id: str
    name_uk: str
    name_en: str
    level: str
    alerts: int
    alert_minutes: float
    baseline_alerts: int
    baseline_alert_minutes: float

    def as_json(self) -> dict[str, Any]:
        return {
            "region_id": self.region_id,
            "name_uk": self.name_uk,
            "name_en": self.name_en,
            "alerts": self.alerts,
            "alert_minutes": round(float(self.alert_minutes), 1),
            "baseline_alerts": self.baseline_alerts,
            "baseline_alert_minutes": round(float(self.baseline_alert_minutes), 1),
        }


@dataclass(frozen=True, slots=True)
class ClaimReport:
    party: str
    starts_at: datetime
    ends_at: datetime | None  # as claimed
    source_url: str | None
    window: Span
    baseline: Span
    after: Span  # the span of equal length after the window (for the chart)
    first_alert_after_minutes: float | None
    by_oblast: tuple[OblastLine, ...]

    @property
    def ratio(self) -> float | None:
        """Alerts in the window per alert in the baseline; None without a baseline alert."""
        if self.baseline.alerts == 0:
            return None
        return self.window.alerts / self.baseline.alerts

    def as_json(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "window": self.window.as_json(),
            "baseline": self.baseline.as_json(),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "first_alert_after_minutes": (
                None
                if self.first_alert_after_minutes is None
                else round(self.first_alert_after_minutes, 1)
            ),
            "by_oblast": [line.as_json() for line in self.by_oblast],
        }


@dataclass(frozen=True, slots=True)
class TruceReport:
    name: str
    scope: str
    regions: tuple[str, ...] | None  # None: every region
    status: str
    disputed: bool
    ended_at: datetime | None
    end_reason: str | None
    source: str  # the source counted
    sources: dict[str, int]  # alerts each source holds over the report's span
    generated_at: datetime
    claims: tuple[ClaimReport, ...]
    # Alerts started in each hour from ``hourly_origin`` (a whole hour) over every claim's
    # baseline, window and the span after it: the chart.
    hourly_origin: datetime
    hourly: tuple[int, ...] = field(repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scope": self.scope,
            "regions": "all" if self.regions is None else list(self.regions),
            "status": self.status,
            "disputed": self.disputed,
            "end_reason": self.end_reason,
            "source": self.source,
            "sources": self.sources,
            "generated_at": self.generated_at.isoformat(),
            "claims": [claim.as_json() for claim in self.claims],
        }


class UnknownSource(ValueError):
    pass


def claim_window(
    view: TruceView, starts_at: datetime, ends_at: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The span a claim's evidence is counted in (see the module's definitions)."""
    end = now
    if ends_at is not None:
        end = min(end, ends_at)
    if view.ended_at is not None:
        end = min(end, view.ended_at)
    return starts_at, max(starts_at, end)


def covered_ids(view: TruceView) -> list[str] | None:
    """The region ids whose alerts count for the truce: its regions, the places inside them,
    and the places above them (an oblast-wide alert is an alert in each of its raions).
    None: every region."""
    if view.regions is None:
        return None
    ids: dict[str, None] = {}
    for region_id in view.regions:
        ids.update(dict.fromkeys(regions.lineage(region_id)))
        ids.update(dict.fromkeys(regions.with_descendants(region_id)))
    return list(ids)


_START: BindParameter[datetime] = bindparam("start")
_END: BindParameter[datetime] = bindparam("end")
_HISTORY = (
    select(
        AlertHistory.region_id,
        AlertHistory.oblast_id,
        AlertHistory.kind,
        AlertHistory.started_at,
        AlertHistory.finished_at,
    )
    .where(
        AlertHistory.source == bindparam("source"),
        AlertHistory.started_at >= _START,
        AlertHistory.started_at < _END,
    )
    .order_by(AlertHistory.started_at)
)
_ENDS = aliased(AlertEvent)
_LIVE = (
    select(
        AlertEvent.region_id,
        AlertEvent.kind,
        AlertEvent.occurred_at,
        # The alert's end: the next end event of that region and kind.
        select(func.min(_ENDS.occurred_at))
        .where(
            _ENDS.region_id == AlertEvent.region_id,
            _ENDS.kind == AlertEvent.kind,
            _ENDS.transition == "end",
            _ENDS.id > AlertEvent.id,
        )
        .scalar_subquery(),
    )
    .where(
        AlertEvent.transition == "start",
        AlertEvent.occurred_at >= _START,
        AlertEvent.occurred_at < _END,
    )
    .order_by(AlertEvent.occurred_at)
)
_HISTORY_COUNTS = (
    select(AlertHistory.source, func.count())
    .where(AlertHistory.started_at >= _START, AlertHistory.started_at < _END)
    .group_by(AlertHistory.source)
)
_LIVE_COUNT = select(func.count()).where(
    AlertEvent.transition == "start",
    AlertEvent.occurred_at >= _START,
    AlertEvent.occurred_at < _END,
)
_FIRST_OUTAGE = select(func.min(OutageEventRow.first_seen_at))
_OUTAGE_START = func.coalesce(OutageEventRow.starts_at, OutageEventRow.first_seen_at)
_OUTAGES = select(OutageEventRow.region_id, _OUTAGE_START).where(
    and_(_OUTAGE_START >= _START, _OUTAGE_START < _END)
)


async def alerts_between(
    session: AsyncSession, source: str, start: datetime, end: datetime
) -> list[Alert]:
    """Every alert ``source`` recorded as starting in [start, end), by start: the evidence of
    a window one alert a row (filter with :func:`covered_ids`)."""
    bounds = {"start": start, "end": end}
    if source == LIVE:
        rows = await session.execute(_LIVE, bounds)
        return [
            Alert(LIVE, region_id, regions.oblast_of(region_id) or region_id, kind, at, until)
            for region_id, kind, at, until in rows
        ]
    if source not in HISTORY_SOURCES:
        raise UnknownSource(source)
    records = await session.execute(_HISTORY, {**bounds, "source": source})
    return [
        Alert(source, region_id, oblast_id or region_id, kind, at, until)
        for region_id, oblast_id, kind, at, until in records
    ]


async def source_counts(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """Alerts each source recorded as starting in [start, end) (sources with none left out)."""
    bounds = {"start": start, "end": end}
    counts = {LIVE: int(await session.scalar(_LIVE_COUNT, bounds) or 0)}
    for source, count in await session.execute(_HISTORY_COUNTS, bounds):
        counts[source] = int(count)
    return {s: counts[s] for s in dict.fromkeys((*SOURCES, *sorted(counts))) if counts.get(s)}


def default_source(counts: dict[str, int]) -> str:
    """The bot's own events where it has any, else the first dataset that has some."""
    for source in SOURCES:
        if counts.get(source):
            return source
    return LIVE


async def truce_report(
    session: AsyncSession, name: str, now: datetime, source: str | None = None
) -> TruceReport | None:
    """The report of truce ``name`` as of ``now``; None if there is no such truce.

    ``source`` picks what is counted (:data:`SOURCES`); by default :func:`default_source`.
    Raises :class:`UnknownSource` for another name.
    """
    if source is not None and source not in SOURCES:
        raise UnknownSource(source)
    view = await get_truce(session, name)
    if view is None:
        return None
    return await report_for(session, view, now, source)


async def report_for(
    session: AsyncSession, view: TruceView, now: datetime, source: str | None = None
) -> TruceReport:
    """The figures are summed in the database (one grouped read per span): a claim over half
    a year of 100,000 alerts must not bring each of them into Python (bench/ledger.py)."""
    spans = []
    for claim in view.claims:
        start, end = claim_window(view, claim.starts_at, claim.ends_at, now)
        spans.append((claim, start, end, end - start))
    first = min((start - length for _, start, _, length in spans), default=now)
    last = max((max(end, min(end + length, now)) for _, _, end, length in spans), default=now)
    counts = await source_counts(session, first, last) if last > first else {}
    chosen = source or default_source(counts)
    ids = covered_ids(view)
    sums = _Sums(session, chosen, ids, now)
    watching_since = None
    outages: list[tuple[str, datetime]] = []
    if view.scope in ENERGY_SCOPES and last > first:
        # Emergency outages count for an energy pause, and only from when the bot was
        # watching outages: before its first record "0 outages" is a claim it cannot make.
        watching_since = await session.scalar(_FIRST_OUTAGE)
        rows = await session.execute(_OUTAGES, {"start": first, "end": last})
        outages = [(r, at) for r, at in rows if ids is None or r in ids]
    claims = []
    for claim, start, end, length in spans:
        counted = outages if watching_since is not None and watching_since <= end else None
        after_end = max(end, min(end + length, now))
        window, window_groups = await sums.span(start, end, counted)
        baseline, baseline_groups = await sums.span(start - length, start, counted)
        after, _ = await sums.span(end, after_end, counted)
        first_alert = min((g.first for g in window_groups), default=None)
        claims.append(
            ClaimReport(
                party=claim.party,
                starts_at=claim.starts_at,
                ends_at=claim.ends_at,
                source_url=claim.source,
                window=window,
                baseline=baseline,
                after=after,
                first_alert_after_minutes=(
                    None
                    if first_alert is None
                    else (first_alert - claim.starts_at).total_seconds() / 60
                ),
                by_oblast=_by_oblast(window_groups, baseline_groups),
            )
        )
    origin = first.replace(minute=0, second=0, microsecond=0)
    hourly = await sums.hourly(origin, last) if last > first else ()
    return TruceReport(
        name=view.name,
        scope=view.scope,
        regions=view.regions,
        status=view.status(now),
        disputed=view.disputed,
        ended_at=view.ended_at,
        end_reason=view.end_reason,
        source=chosen,
        sources=counts,
        generated_at=now,
        claims=tuple(claims),
        hourly_origin=origin,
        hourly=hourly,
    )


# --- the grouped reads -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Group:
    region_id: str
    oblast_id: str
    alerts: int
    minutes: float
    first: datetime


def _epoch(column: Any, dialect: str) -> Any:
    """Seconds since 1970 of a stored time, in SQL (SQLite keeps ISO text, PostgreSQL a
    timestamptz)."""
    if dialect == "postgresql":
        return func.extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0


@cache
def _rows(source_kind: str, filtered: bool) -> Any:
    """One source's alerts that started in [start, end) (in the covered regions), as a
    subquery of region_id, oblast_id, started_at, finished_at."""
    query: Any
    if source_kind == LIVE:
        ends = aliased(AlertEvent)
        query = select(
            AlertEvent.region_id.label("region_id"),
            literal(None, String).label("oblast_id"),
            AlertEvent.occurred_at.label("started_at"),
            # The alert's end: the next end event of that region and kind.
            select(func.min(ends.occurred_at))
            .where(
                ends.region_id == AlertEvent.region_id,
                ends.kind == AlertEvent.kind,
                ends.transition == "end",
                ends.id > AlertEvent.id,
            )
            .scalar_subquery()
            .label("finished_at"),
            literal(None, Float).label("duration_s"),
        ).where(
            AlertEvent.transition == "start",
            AlertEvent.occurred_at >= _START,
            AlertEvent.occurred_at < _END,
        )
        region = AlertEvent.region_id
    else:
        query = select(
            AlertHistory.region_id,
            AlertHistory.oblast_id,
            AlertHistory.started_at,
            AlertHistory.finished_at,
            AlertHistory.duration_s,
        ).where(
            AlertHistory.source == bindparam("source"),
            AlertHistory.started_at >= _START,
            AlertHistory.started_at < _END,
        )
        region = AlertHistory.region_id
    if filtered:
        query = query.where(region.in_(bindparam("ids", expanding=True)))
    return query.subquery()


@cache
def _sums_statement(source_kind: str, filtered: bool, dialect: str) -> Any:
    rows = _rows(source_kind, filtered)
    started = _epoch(rows.c.started_at, dialect)
    finished = func.coalesce(_epoch(rows.c.finished_at, dialect), bindparam("now_s"))
    until = case((finished < bindparam("end_s"), finished), else_=bindparam("end_s"))
    seconds = case(
        # Ended inside the span: its stored duration (no date arithmetic for most rows).
        (
            and_(rows.c.finished_at.is_not(None), rows.c.finished_at <= _END),
            func.coalesce(rows.c.duration_s, until - started),
        ),
        (until > started, until - started),
        else_=0.0,
    )
    return select(
        rows.c.region_id,
        rows.c.oblast_id,
        func.count(),
        func.sum(seconds),
        func.min(rows.c.started_at),
    ).group_by(rows.c.region_id, rows.c.oblast_id)


@cache
def _hourly_statement(source_kind: str, filtered: bool, dialect: str) -> Any:
    """Alerts started per UTC hour: keyed by the hour (PostgreSQL) or "YYYY-MM-DD HH" (SQLite
    keeps UTC ISO text, whose first 13 characters name the hour)."""
    rows = _rows(source_kind, filtered)
    if dialect == "postgresql":
        hour = func.date_trunc("hour", func.timezone("UTC", rows.c.started_at))
    else:
        hour = func.substr(rows.c.started_at, 1, 13)
    return select(hour, func.count()).group_by(hour)


class _Sums:
    def __init__(
        self, session: AsyncSession, source: str, ids: list[str] | None, now: datetime
    ) -> None:
        self.session = session
        self.kind = LIVE if source == LIVE else "history"
        self.dialect = session.get_bind().dialect.name
        self.params: dict[str, Any] = {"now_s": now.timestamp()}
        if self.kind != LIVE:
            self.params["source"] = source
        if ids is not None:
            self.params["ids"] = ids
        self.filtered = ids is not None

    async def span(
        self, start: datetime, end: datetime, outages: Sequence[tuple[str, datetime]] | None
    ) -> tuple[Span, list[_Group]]:
        groups: list[_Group] = []
        if end > start:
            statement = _sums_statement(self.kind, self.filtered, self.dialect)
            params = {**self.params, "start": start, "end": end, "end_s": end.timestamp()}
            for region_id, oblast_id, alerts, seconds, first in await self.session.execute(
                statement, params
            ):
                oblast = oblast_id or regions.oblast_of(region_id) or region_id
                groups.append(
                    _Group(region_id, oblast, int(alerts), float(seconds or 0) / 60, _aware(first))
                )
        span = Span(
            starts_at=start,
            ends_at=end,
            alerts=sum(g.alerts for g in groups),
            alert_minutes=sum(g.minutes for g in groups),
            emergency_outages=(
                None if outages is None else sum(1 for _, at in outages if start <= at < end)
            ),
        )
        return span, groups

    async def hourly(self, origin: datetime, end: datetime) -> tuple[int, ...]:
        statement = _hourly_statement(self.kind, self.filtered, self.dialect)
        params = {**self.params, "start": origin, "end": end}
        size = max(1, math.ceil((end - origin).total_seconds() / 3600))
        counts = [0] * size
        for hour, alerts in await self.session.execute(statement, params):
            moment = (
                hour.replace(tzinfo=UTC)
                if isinstance(hour, datetime)
                else datetime.strptime(str(hour), "%Y-%m-%d %H").replace(tzinfo=UTC)
            )
            index = int((moment - origin).total_seconds() // 3600)
            if 0 <= index < size:
                counts[index] += int(alerts)
        return tuple(counts)


def _aware(moment: datetime | str) -> datetime:
    """min() over a column loses its type on SQLite: ISO text back to an aware datetime."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _by_oblast(window: Sequence[_Group], baseline: Sequence[_Group]) -> tuple[OblastLine, ...]:
    counts: dict[tuple[str, str], int] = {}
    minutes: dict[tuple[str, str], float] = {}
    oblast_of: dict[str, str] = {}
    for label, groups in (("w", window), ("b", baseline)):
        for group in groups:
            oblast_of[group.oblast_id] = group.oblast_id
            oblast_of[group.region_id] = group.oblast_id
            for place in {group.oblast_id, group.region_id}:
                key = (place, label)
                counts[key] = counts.get(key, 0) + group.alerts
                minutes[key] = minutes.get(key, 0.0) + group.minutes
    rank = {region.id: index for index, region in enumerate(regions.all_regions())}

    def order(place: str) -> tuple[int, str, int, int, str]:
        oblast = oblast_of[place]
        inner = 0 if place == oblast else 1
        return (rank.get(oblast, len(rank)), oblast, inner, rank.get(place, len(rank)), place)

    lines = []
    for place in sorted(oblast_of, key=order):
        region = regions.get(place)
        name_uk, name_en = _name(place)
        lines.append(
            OblastLine(
                region_id=place,
                name_uk=name_uk,
                name_en=name_en,
                level=region.level if region is not None else "oblast",
                alerts=counts.get((place, "w"), 0),
                alert_minutes=minutes.get((place, "w"), 0.0),
                baseline_alerts=counts.get((place, "b"), 0),
                baseline_alert_minutes=minutes.get((place, "b"), 0.0),
            )
        )
    return tuple(lines)


def _name(region_id: str) -> tuple[str, str]:
    region = regions.get(region_id)
    if region is None:
        return region_id, region_id
    return region.name_uk, region.name_en
