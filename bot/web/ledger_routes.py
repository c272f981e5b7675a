"""The public truce ledger on the bot's web server (issue 13 part 5), read-only:

- ``/truces``: the HTML page of every truce (``?lang=en``; ``?source=`` picks what is counted);
- ``/truces/<name>``: the same for one truce; ``.json`` its report (as ``truce report
  --json``), ``.csv`` the alerts counted, ``.png`` its chart;
- ``/truces.json``: every truce's report, versioned (bot/web/ledger_data.py);
- ``/truces.atom``: an entry per change of a truce's life.

The reports are computed at most once per :attr:`PublicLedger.max_age` seconds and again as
soon as anything they are computed from changes (storage/ledger_stamp.py): a page that many
people open costs the database one small read each. Charts are drawn in a worker thread, one
at a time (matplotlib takes a CPU for a moment), and kept with the reports they show.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from bot.ledger.render import chart_png
from bot.web.ledger_data import (
    EvidenceRow,
    atom_xml,
    evidence_csv,
    feed_entries,
    registry_json,
)
from bot.web.ledger_page import ledger_html, message_html, truce_path
from bot.web.server import RouteSet
from feeds import regions
from storage import ledger
from storage import truces as truce_store
from storage.ledger import TruceReport
from storage.ledger_stamp import claims_recorded, ledger_stamp, truce_times
from storage.truces import TruceView

MAX_AGE = 30.0  # seconds a report is kept while nothing changes (in-force windows grow)
HEADERS = {
    # Nothing on these pages runs a script or loads from elsewhere; a name that slipped
    # through escaping still could not.
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "public, max-age=30",
}
SUFFIXES = (".json", ".csv", ".png")
Draw = Callable[[TruceReport, str], bytes]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Snapshot:
    serial: int
    stamp: tuple[object, ...]
    taken: float  # monotonic
    now: datetime
    views: tuple[TruceView, ...]
    reports: dict[str, TruceReport]  # by name, in the registry's order


class PublicLedger:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        *,
        max_age: float = MAX_AGE,
        monotonic: Callable[[], float] = time.monotonic,
        draw: Draw = chart_png,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.max_age = max_age
        self._monotonic = monotonic
        self._draw = draw
        self._snapshots: dict[str | None, Snapshot] = {}
        self._locks: dict[str | None, asyncio.Lock] = {}
        self._serial = 0
        self._charts: dict[tuple[int, str, str], bytes] = {}
        self._drawing = asyncio.Lock()
        self.charts_drawn = 0  # a chart kept is not drawn again (the tests count)

    async def snapshot(self, source: str | None) -> Snapshot:
        """Every truce's report counting ``source`` (None: each report's default)."""
        lock = self._locks.setdefault(source, asyncio.Lock())
        async with lock, self._sessions() as session:
            stamp = await ledger_stamp(session)
            kept = self._snapshots.get(source)
            if (
                kept is not None
                and kept.stamp == stamp
                and self._monotonic() - kept.taken < self.max_age
            ):
                return kept
            now = self._clock()
            views = await truce_store.list_truces(session)
            reports = {
                view.name: await ledger.report_for(session, view, now, source) for view in views
            }
            self._serial += 1
            snapshot = Snapshot(self._serial, stamp, self._monotonic(), now, tuple(views), reports)
            self._snapshots[source] = snapshot
            return snapshot

    async def chart(self, snapshot: Snapshot, name: str, lang: str) -> bytes:
        key = (snapshot.serial, name, lang)
        async with self._drawing:
            png = self._charts.get(key)
            if png is None:
                png = await asyncio.to_thread(self._draw, snapshot.reports[name], lang)
                self.charts_drawn += 1
                # Only the newest reports' charts are worth keeping.
                newest = {s.serial for s in self._snapshots.values()}
                self._charts = {k: v for k, v in self._charts.items() if k[0] in newest}
                self._charts[key] = png
        return png

    async def evidence(self, snapshot: Snapshot, name: str) -> list[EvidenceRow]:
        """The alerts each claim's window and baseline counted, as the report counted them."""
        report = snapshot.reports[name]
        view = next(v for v in snapshot.views if v.name == name)
        ids = ledger.covered_ids(view)
        covered = None if ids is None else set(ids)
        rows: list[EvidenceRow] = []
        async with self._sessions() as session:
            for claim in report.claims:
                for label, span in (("window", claim.window), ("baseline", claim.baseline)):
                    if span.ends_at <= span.starts_at:
                        continue
                    alerts = await ledger.alerts_between(
                        session, report.source, span.starts_at, span.ends_at
                    )
                    rows.extend(
                        EvidenceRow(
                            claim.party,
                            label,
                            alert,
                            alert.minutes_within(span.starts_at, span.ends_at, snapshot.now),
                        )
                        for alert in alerts
                        if covered is None or alert.region_id in covered
                    )
        return rows

    async def feed(self, lang: str, origin: str) -> str:
        now = self._clock()
        async with self._sessions() as session:
            views = await truce_store.list_truces(session)
            created = await truce_times(session)
            recorded = await claims_recorded(session)
        return atom_xml(feed_entries(views, created, recorded, now, lang), origin, now, lang)


def _lang(request: web.Request) -> str:
    lang = request.query.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=HEADERS
    )


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, ensure_ascii=False),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=HEADERS,
    )


def _names(rows: list[EvidenceRow]) -> dict[str, tuple[str, str]]:
    names = {}
    for row in rows:
        region = regions.get(row.alert.region_id)
        if region is not None:
            names[region.id] = (region.name_uk, region.name_en)
    return names


def ledger_routes(site: PublicLedger) -> RouteSet:
    def with_source(
        handler: Callable[[web.Request, str | None], Awaitable[web.StreamResponse]],
        as_json: bool = False,
    ) -> Handler:
        """``?source=`` checked before the handler runs: an unknown one is a 400 saying which
        sources there are."""

        async def checked(request: web.Request) -> web.StreamResponse:
            source = request.query.get("source") or None
            if source is None or source in ledger.SOURCES:
                return await handler(request, source)
            lang = _lang(request)
            text = t(lang, "report.bad_source", source=source, sources=", ".join(ledger.SOURCES))
            if as_json:
                return _json({"error": text}, status=400)
            return _html(message_html(t(lang, "web.bad_source_title"), text, lang), status=400)

        return checked

    async def page(request: web.Request, source: str | None) -> web.StreamResponse:
        snapshot = await site.snapshot(source)
        reports = list(snapshot.reports.values())
        return _html(ledger_html(reports, snapshot.now, _lang(request), source=source))

    async def registry(_request: web.Request, source: str | None) -> web.StreamResponse:
        snapshot = await site.snapshot(source)
        return _json(registry_json(list(snapshot.reports.values()), snapshot.now))

    async def atom(request: web.Request) -> web.StreamResponse:
        origin = f"{request.scheme}://{request.host}"
        return web.Response(
            text=await site.feed(_lang(request), origin),
            content_type="application/atom+xml",
            charset="utf-8",
            headers=HEADERS,
        )

    async def truce(request: web.Request, source: str | None) -> web.StreamResponse:
        lang = _lang(request)
        raw = request.match_info["name"]
        snapshot = await site.snapshot(source)
        name, suffix = raw, ""
        for ending in SUFFIXES:
            if raw.endswith(ending) and raw[: -len(ending)] in snapshot.reports:
                name, suffix = raw[: -len(ending)], ending
                break
        if name not in snapshot.reports:
            shown = next((raw[: -len(e)] for e in SUFFIXES if raw.endswith(e)), raw)
            text = t(lang, "web.not_found", name=shown)
            if raw.endswith(".json"):
                return _json({"error": text}, status=404)
            return _html(message_html(t(lang, "web.not_found_title"), text, lang), status=404)
        report = snapshot.reports[name]
        if suffix == ".json":
            return _json(report.as_json())
        if suffix == ".png":
            png = await site.chart(snapshot, name, lang)
            return web.Response(body=png, content_type="image/png", headers=HEADERS)
        if suffix == ".csv":
            rows = await site.evidence(snapshot, name)
            response = web.Response(
                text=evidence_csv(name, rows, _names(rows)),
                content_type="text/csv",
                charset="utf-8",
                headers=HEADERS,
            )
            response.headers["Content-Disposition"] = 'inline; filename="truce.csv"'
            return response
        page = ledger_html([report], snapshot.now, lang, source=source, path=truce_path(name))
        return _html(page)

    def add(app: web.Application) -> None:
        app.router.add_get("/truces", with_source(page))
        app.router.add_get("/truces.json", with_source(registry, as_json=True))
        app.router.add_get("/truces.atom", atom)
        app.router.add_get("/truces/{name:.+}", with_source(truce))

    return add
