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

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, func, select
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
    evidence: tuple[Alert, ...] = field(repr=False)  # the window's alerts, by start

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
    timeline: tuple[Alert, ...] = field(repr=False)  # every counted alert, for the chart

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


def _covered_ids(view: TruceView) -> set[str] | None:
    """Ids an alert may be in to count: the covered regions, and the places above them (an
    oblast-wide alert is an alert in each of its raions); places inside them are checked
    with :meth:`TruceView.covers`. None: every region."""
    if view.regions is None:
        return None
    return {ancestor for region_id in view.regions for ancestor in regions.lineage(region_id)}


def covered(view: TruceView, region_id: str, above: set[str] | None) -> bool:
    return above is None or region_id in above or view.covers(region_id)


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
    """Every alert ``source`` recorded as starting in [start, end), by start."""
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
    spans = []
    for claim in view.claims:
        start, end = claim_window(view, claim.starts_at, claim.ends_at, now)
        length = end - start
        spans.append((claim, start, end, length))
    if spans:
        first = min(start - length for _, start, _, length in spans)
        last = max(min(end + length, now) for _, _, end, length in spans)
        last = max(last, first)
    else:
        first = last = now
    counts = await source_counts(session, first, last) if last > first else {}
    chosen = source or default_source(counts)
    above = _covered_ids(view)
    alerts = (
        [
            a
            for a in await alerts_between(session, chosen, first, last)
            if covered(view, a.region_id, above)
        ]
        if last > first
        else []
    )
    outages: list[tuple[str, datetime]] = []
    # Emergency outages count for an energy pause, and only from when the bot was watching
    # outages: before its first record "0 outages" would be a claim it cannot make.
    watching_since = None
    if view.scope in ENERGY_SCOPES and last > first:
        watching_since = await session.scalar(_FIRST_OUTAGE)
        rows = await session.execute(_OUTAGES, {"start": first, "end": last})
        outages = [(r, at) for r, at in rows if covered(view, r, above)]
    claims = tuple(
        _claim_report(
            claim.party,
            claim.starts_at,
            claim.ends_at,
            claim.source,
            start,
            end,
            length,
            alerts,
            outages if watching_since is not None and watching_since <= end else None,
            now,
        )
        for claim, start, end, length in spans
    )
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
        claims=claims,
        timeline=tuple(alerts),
    )


def _within(alerts: Iterable[Alert], start: datetime, end: datetime) -> list[Alert]:
    return [a for a in alerts if start <= a.started_at < end]


def _span(
    alerts: Sequence[Alert],
    start: datetime,
    end: datetime,
    now: datetime,
    outages: Sequence[tuple[str, datetime]] | None,
) -> Span:
    return Span(
        starts_at=start,
        ends_at=end,
        alerts=len(alerts),
        alert_minutes=sum(a.minutes_within(start, end, now) for a in alerts),
        emergency_outages=(
            None if outages is None else sum(1 for _, at in outages if start <= at < end)
        ),
    )


def _claim_report(
    party: str,
    claimed_start: datetime,
    claimed_end: datetime | None,
    source_url: str | None,
    start: datetime,
    end: datetime,
    length: timedelta,
    alerts: Sequence[Alert],
    outages: Sequence[tuple[str, datetime]] | None,
    now: datetime,
) -> ClaimReport:
    inside = _within(alerts, start, end)
    before = _within(alerts, start - length, start)
    after_end = max(end, min(end + length, now))
    after = _within(alerts, end, after_end)
    first = min((a.started_at for a in inside), default=None)
    return ClaimReport(
        party=party,
        starts_at=claimed_start,
        ends_at=claimed_end,
        source_url=source_url,
        window=_span(inside, start, end, now, outages),
        baseline=_span(before, start - length, start, now, outages),
        after=_span(after, end, after_end, now, outages),
        first_alert_after_minutes=(
            None if first is None else (first - claimed_start).total_seconds() / 60
        ),
        by_oblast=_by_oblast(inside, before, (start, end), (start - length, start), now),
        evidence=tuple(inside),
    )


def _by_oblast(
    inside: Sequence[Alert],
    before: Sequence[Alert],
    window: tuple[datetime, datetime],
    baseline: tuple[datetime, datetime],
    now: datetime,
) -> tuple[OblastLine, ...]:
    counts: Counter[tuple[str, str]] = Counter()
    minutes: dict[tuple[str, str], float] = {}
    oblast_of: dict[str, str] = {}
    for label, alerts, (start, end) in (("w", inside, window), ("b", before, baseline)):
        for alert in alerts:
            spent = alert.minutes_within(start, end, now)
            places = {alert.oblast_id, alert.region_id}
            oblast_of[alert.oblast_id] = alert.oblast_id
            oblast_of[alert.region_id] = alert.oblast_id
            for place in places:
                counts[(place, label)] += 1
                minutes[(place, label)] = minutes.get((place, label), 0.0) + spent
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
                alerts=counts[(place, "w")],
                alert_minutes=minutes.get((place, "w"), 0.0),
                baseline_alerts=counts[(place, "b")],
                baseline_alert_minutes=minutes.get((place, "b"), 0.0),
            )
        )
    return tuple(lines)


def _name(region_id: str) -> tuple[str, str]:
    region = regions.get(region_id)
    if region is None:
        return region_id, region_id
    return region.name_uk, region.name_en
