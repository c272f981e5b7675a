"""The public ledger's HTML: every truce with its life, each party's claim and the report's
figures, server-rendered, no JavaScript, readable on a phone.

Truce names, parties and sources are admin input (and a curator's, through a truces feed):
every text goes through :func:`esc`, every path part through :func:`truce_path`, and a source
becomes a link only when it is an http(s) URL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from urllib.parse import quote, urlencode, urlsplit

from bot.delivery.alert_texts import kyiv_time, region_name, scope_name, window
from bot.i18n import t
from bot.ledger.render import duration
from storage.ledger import SOURCES, ClaimReport, OblastLine, TruceReport
from storage.truces import UNSPECIFIED_PARTY

STYLE = """
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:52rem;padding:0 .8rem 2rem;color:#1b1f23;background:#fff}
h1{font-size:1.45rem;margin:1rem 0 .4rem}h2{font-size:1.2rem;margin:0 0 .3rem}
h3{font-size:1rem;margin:1rem 0 .3rem}
nav,.meta,.note{color:#52606d;font-size:.9rem}
section.truce{border-top:2px solid #cfd8dc;padding:.8rem 0}
.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;background:#eceff1;
font-size:.85rem}.badge.disputed{background:#fff3e0;color:#8d4b00}
.wrap{overflow-x:auto}table{border-collapse:collapse;margin:.3rem 0;font-size:.92rem}
th,td{padding:.2rem .5rem;border-bottom:1px solid #eceff1;text-align:right}
th:first-child,td:first-child{text-align:left}td.inner{padding-left:1.3rem}
img{max-width:100%;height:auto;display:block;margin:.5rem 0}a{color:#1565c0}
""".replace("\n", "")


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def truce_path(name: str, suffix: str = "") -> str:
    """The path of a truce's resource: the name quoted whole (a "/" or "?" in it stays inside
    the one path segment)."""
    return "/truces/" + quote(name, safe="") + suffix


def with_query(path: str, lang: str, source: str | None = None) -> str:
    query = {}
    if lang != "uk":
        query["lang"] = lang
    if source:
        query["source"] = source
    return path + ("?" + urlencode(query) if query else "")


def anchor(name: str) -> str:
    """An element id for the truce: a digest, so any name makes a valid one."""
    return "truce-" + hashlib.sha256(name.encode()).hexdigest()[:12]


def source_html(source: str) -> str:
    """A claim's source: a link only for an http(s) URL, never followed by search engines."""
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f'<a href="{esc(source)}" rel="nofollow noopener noreferrer">{esc(source)}</a>'
    return esc(source)


def _page(title: str, body: Iterable[str], lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style>"
        '<link rel="alternate" type="application/atom+xml" href="/truces.atom">'
        f"</head><body>{''.join(body)}</body></html>\n"
    )


def _number(value: float, lang: str, digits: int = 1) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "uk" else text


def ledger_html(
    reports: Sequence[TruceReport],
    now: datetime,
    lang: str,
    *,
    source: str | None = None,
    path: str = "/truces",
) -> str:
    """The page of ``reports`` (every truce at /truces, one at /truces/<name>)."""
    other = "en" if lang == "uk" else "uk"
    body = [
        f'<nav><a href="{esc(with_query(path, other, source))}" lang="{other}">'
        f"{esc(t(lang, 'web.other_language'))}</a>"
        f' · <a href="/truces.atom">{esc(t(lang, "web.feed"))}</a>'
        f' · <a href="/truces.json">JSON</a>',
    ]
    if path != "/truces":
        body.append(
            f' · <a href="{esc(with_query("/truces", lang, source))}">'
            f"{esc(t(lang, 'web.all_truces'))}</a>"
        )
    body.append("</nav>")
    body.append(f"<h1>{esc(t(lang, 'web.title'))}</h1>")
    body.append(f"<p>{esc(t(lang, 'web.intro'))}</p>")
    body.append(f'<p class="note">{esc(t(lang, "report.disclaimer"))}</p>')
    body.append(f'<p class="meta">{esc(t(lang, "web.generated", time=kyiv_time(now)))}</p>')
    if not reports:
        body.append(f"<p>{esc(t(lang, 'truces.none'))}</p>")
    for report in reports:
        body.extend(_truce(report, lang, source))
    return _page(t(lang, "web.title"), body, lang)


def _truce(report: TruceReport, lang: str, chosen: str | None) -> list[str]:
    regions_text = (
        t(lang, "truces.regions_all")
        if report.regions is None
        else ", ".join(region_name(r, r, lang) for r in report.regions)
    )
    status = f'<span class="badge status-{esc(report.status)}">'
    status += esc(t(lang, f"status.{report.status}")) + "</span>"
    if report.disputed:
        status += f' <span class="badge disputed">{esc(t(lang, "web.disputed"))}</span>'
    out = [
        f'<section class="truce" id="{anchor(report.name)}">',
        f'<h2><a href="{esc(with_query(truce_path(report.name), lang, chosen))}">'
        f"{esc(report.name)}</a></h2>",
        f"<p>{status}</p>",
        f'<p class="meta">{esc(t(lang, "web.scope", scope=scope_name(report.scope, lang)))}'
        f" · {esc(t(lang, 'web.regions', regions=regions_text))}</p>",
    ]
    if report.status == "ended_early" and report.end_reason:
        out.append(f"<p>{esc(t(lang, 'report.end_reason', reason=report.end_reason))}</p>")
    out.append(
        f'<p class="meta">{esc(t(lang, "web.counted", source=t(lang, f"source.{report.source}")))}'
    )
    others = [s for s in SOURCES if s != report.source and report.sources.get(s)]
    if others:
        links = ", ".join(
            f'<a href="{esc(with_query(truce_path(report.name), lang, s))}">'
            f"{esc(t(lang, f'source.{s}'))}</a>"
            for s in others
        )
        out.append(f" {esc(t(lang, 'web.other_sources'))}{links}")
    out.append("</p>")
    for claim in report.claims:
        out.extend(_claim(claim, lang))
    if report.claims:
        png = with_query(truce_path(report.name, ".png"), lang, chosen)
        alt = t(lang, "web.chart_alt", name=report.name)
        out.append(
            f'<img src="{esc(png)}" alt="{esc(alt)}" width="1000" height="420" loading="lazy">'
            f'<p class="note">{esc(t(lang, "report.chart_caption"))}</p>'
        )
    data = [
        f'<a href="{esc(with_query(truce_path(report.name, ".json"), "uk", chosen))}">JSON</a>',
        f'<a href="{esc(with_query(truce_path(report.name, ".csv"), "uk", chosen))}">CSV</a>',
    ]
    out.append(f'<p class="meta">{esc(t(lang, "web.data"))}: {" · ".join(data)}</p>')
    out.append("</section>")
    return out


def claim_heading(party: str, lang: str) -> str:
    """Who announced the window; a claim recorded without a party says so plainly."""
    if party == UNSPECIFIED_PARTY:
        return t(lang, "web.claim_unspecified")
    return t(lang, "web.claim", party=party)


def _claim(claim: ClaimReport, lang: str) -> list[str]:
    out = [
        f"<h3>{esc(claim_heading(claim.party, lang))}</h3>",
        "<p>"
        + esc(t(lang, "web.claim_window", window=window(claim.starts_at, claim.ends_at, lang))),
    ]
    if claim.source_url:
        out.append("<br>" + esc(t(lang, "web.claim_source")) + source_html(claim.source_url))
    out.append("</p>")
    if claim.window.ends_at <= claim.window.starts_at:
        out.append(f"<p>{esc(t(lang, 'web.not_started'))}</p>")
        return out
    outages = claim.window.emergency_outages is not None
    head = ["web.col_span", "web.col_alerts", "web.col_minutes"]
    if outages:
        head.append("web.col_outages")
    out.append('<div class="wrap"><table class="figures"><thead><tr>')
    out.extend(f'<th scope="col">{esc(t(lang, key))}</th>' for key in head)
    out.append("</tr></thead><tbody>")
    for key, span in (("web.row_window", claim.window), ("web.row_baseline", claim.baseline)):
        cells = [
            esc(f"{t(lang, key)} ({window(span.starts_at, span.ends_at, lang)})"),
            str(span.alerts),
            _number(span.alert_minutes, lang),
        ]
        if outages:
            cells.append(str(span.emergency_outages or 0))
        out.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    out.append("</tbody></table></div>")
    ratio = claim.ratio
    out.append(
        "<p>"
        + esc(
            t(lang, "web.no_ratio")
            if ratio is None
            else t(lang, "web.ratio", ratio=_number(ratio, lang, 2))
        )
        + "<br>"
        + esc(
            t(lang, "web.no_first")
            if claim.first_alert_after_minutes is None
            else t(lang, "web.first", delay=duration(claim.first_alert_after_minutes, lang))
        )
        + "</p>"
    )
    if claim.by_oblast:
        out.extend(_places(claim.by_oblast, lang))
    return out


def _places(lines: Sequence[OblastLine], lang: str) -> list[str]:
    out = [f"<h3>{esc(t(lang, 'web.places'))}</h3>", '<div class="wrap"><table class="places">']
    out.append("<thead><tr>")
    for key in (
        "web.col_place",
        "web.col_window_alerts",
        "web.col_window_minutes",
        "web.col_baseline_alerts",
        "web.col_baseline_minutes",
    ):
        out.append(f'<th scope="col">{esc(t(lang, key))}</th>')
    out.append("</tr></thead><tbody>")
    for line in lines:
        name = line.name_en if lang == "en" else line.name_uk
        inner = ' class="inner"' if line.level != "oblast" else ""
        out.append(
            f"<tr><td{inner}>{esc(name)}</td><td>{line.alerts}</td>"
            f"<td>{_number(line.alert_minutes, lang)}</td><td>{line.baseline_alerts}</td>"
            f"<td>{_number(line.baseline_alert_minutes, lang)}</td></tr>"
        )
    out.append("</tbody></table></div>")
    return out


def message_html(title: str, text: str, lang: str) -> str:
    """A page of one message (not found, a bad source), with the way back."""
    body = [
        f'<nav><a href="{esc(with_query("/truces", lang))}">{esc(t(lang, "web.all_truces"))}</a>'
        "</nav>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{esc(text)}</p>",
    ]
    return _page(title, body, lang)
