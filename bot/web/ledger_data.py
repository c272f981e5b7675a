"""The public ledger as data: the registry's JSON, one truce's evidence as CSV, and the Atom
feed of the truces' lives.

``/truces.json`` is ``{"version": 1, "generated_at": ..., "truces": [report, ...]}``, each
report exactly what ``python -m bot truce report --json`` prints; a truces feed (issue 13
part 6) reads this. A change that breaks a reader raises :data:`SCHEMA_VERSION`.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from bot.delivery.alert_texts import window
from bot.i18n import t
from bot.web.ledger_page import anchor, truce_path, with_query
from storage.ledger import Alert, TruceReport
from storage.truces import TruceView

SCHEMA_VERSION = 1
CSV_COLUMNS = (
    "truce",
    "party",
    "span",
    "source",
    "region_id",
    "region_uk",
    "region_en",
    "oblast_id",
    "kind",
    "started_at",
    "finished_at",
    "minutes_in_span",
)
# A spreadsheet runs a cell that begins with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NAMESPACE = uuid.UUID("9f5c3a52-6b0e-4d8a-9a55-2f1a4c7e8d10")  # the ledger's entry ids


def registry_json(reports: Sequence[TruceReport], now: datetime) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "generated_at": now.isoformat(),
        "truces": [report.as_json() for report in reports],
    }


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    party: str
    span: str  # "window" or "baseline"
    alert: Alert
    minutes: float


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def evidence_csv(name: str, rows: Sequence[EvidenceRow], names: dict[str, tuple[str, str]]) -> str:
    """One row per alert counted (the window's evidence and the baseline's), as the report
    counts them; ``names``: region id -> (Ukrainian, English)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        alert = row.alert
        uk, en = names.get(alert.region_id, (alert.region_id, alert.region_id))
        writer.writerow(
            [
                _cell(name),
                _cell(row.party),
                row.span,
                alert.source,
                alert.region_id,
                _cell(uk),
                _cell(en),
                alert.oblast_id,
                alert.kind,
                alert.started_at.isoformat(),
                "" if alert.finished_at is None else alert.finished_at.isoformat(),
                f"{row.minutes:.1f}",
            ]
        )
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Entry:
    key: str  # stable: the same change is the same entry on every read
    updated: datetime
    title: str
    summary: str
    truce: str


def feed_entries(
    views: Sequence[TruceView],
    created: dict[str, tuple[int, datetime]],
    recorded: dict[tuple[int, str], datetime],
    now: datetime,
    lang: str,
) -> list[Entry]:
    """An entry per change of a truce's life up to ``now``: each claim announced (when it was
    recorded), each claim's window opening, and the truce ended early or over; newest first."""
    entries: list[Entry] = []
    for view in views:
        truce_id, created_at = created.get(view.name, (view.id, now))
        ended = view.ended_at if view.ended_at is not None and view.ended_at <= now else None
        for claim in view.claims:
            at = recorded.get((truce_id, claim.party), created_at)
            text = window(claim.starts_at, claim.ends_at, lang)
            entries.append(
                Entry(
                    f"{truce_id}/{claim.party}/announced/{at.isoformat()}",
                    at,
                    t(lang, "web.atom_announced", name=view.name, party=claim.party, window=text),
                    text,
                    view.name,
                )
            )
            if claim.starts_at <= now and (ended is None or claim.starts_at < ended):
                entries.append(
                    Entry(
                        f"{truce_id}/{claim.party}/in_force/{claim.starts_at.isoformat()}",
                        claim.starts_at,
                        t(lang, "web.atom_in_force", name=view.name, party=claim.party),
                        text,
                        view.name,
                    )
                )
        status = view.status(now)
        if status == "ended_early" and ended is not None:
            entries.append(
                Entry(
                    f"{truce_id}/ended/{ended.isoformat()}",
                    ended,
                    t(lang, "web.atom_ended", name=view.name),
                    t(lang, "web.atom_reason", reason=view.end_reason) if view.end_reason else "",
                    view.name,
                )
            )
        elif status == "expired" and view.claims:
            ends = [c.ends_at for c in view.claims if c.ends_at is not None]
            over = max(ends, default=ended)
            if over is not None:
                entries.append(
                    Entry(
                        f"{truce_id}/expired/{over.isoformat()}",
                        over,
                        t(lang, "web.atom_expired", name=view.name),
                        "",
                        view.name,
                    )
                )
    entries.sort(key=lambda e: (e.updated, e.key), reverse=True)
    return entries


def _x(text: str) -> str:
    return xml_escape(text, {'"': "&quot;"})


def atom_xml(entries: Sequence[Entry], origin: str, now: datetime, lang: str) -> str:
    """A valid Atom 1.0 document (RFC 4287): ids, titles, updated times, links."""
    updated = max((e.updated for e in entries), default=now)
    page = origin + with_query("/truces", lang)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{_x(lang)}">',
        f"<id>{_x(origin + '/truces.atom')}</id>",
        f"<title>{_x(t(lang, 'web.title'))}</title>",
        f"<updated>{updated.isoformat()}</updated>",
        "<author><name>alertbot</name></author>",
        f'<link rel="self" type="application/atom+xml" href="{_x(origin + "/truces.atom")}"/>',
        f'<link rel="alternate" type="text/html" href="{_x(page)}"/>',
    ]
    for entry in entries:
        link = origin + with_query(truce_path(entry.truce), lang) + "#" + anchor(entry.truce)
        parts.append(
            "<entry>"
            f"<id>urn:uuid:{uuid.uuid5(_NAMESPACE, entry.key)}</id>"
            f"<title>{_x(entry.title)}</title>"
            f"<updated>{entry.updated.isoformat()}</updated>"
            f'<link rel="alternate" type="text/html" href="{_x(link)}"/>'
            + (f"<summary>{_x(entry.summary)}</summary>" if entry.summary else "")
            + "</entry>"
        )
    parts.append("</feed>\n")
    return "".join(parts)
