"""The truce report as text (chat and command line) and as a chart, in the reader's language."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.delivery.alert_texts import (
    KYIV,
    duration_text,
    kyiv_time,
    party_name,
    region_name,
    scope_name,
    window,
)
from bot.i18n import t, tn
from storage.ledger import SOURCES, ClaimReport, TruceReport
from storage.truces import TruceView

MAX_PLACES = 12  # lines per claim in the chat; the JSON has them all
CHART_COLOURS = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a")


def truces_text(views: Sequence[TruceView], now: datetime, lang: str) -> str:
    """``/truces`` and ``truce list``: every truce with its life and each party's claim."""
    if not views:
        return t(lang, "truces.none")
    lines = [t(lang, "truces.header")]
    for view in views:
        region_names = (
            t(lang, "truces.regions_all")
            if view.regions is None
            else ", ".join(region_name(r, r, lang) for r in view.regions)
        )
        lines.append(
            t(
                lang,
                "truces.item",
                name=view.name,
                status=t(lang, f"status.{view.status(now)}"),
                scope=scope_name(view.scope, lang),
                regions=region_names,
            )
        )
        for claim in view.claims:
            lines.append(
                t(
                    lang,
                    "truces.claim",
                    party=party_name(claim.party, lang),
                    window=window(claim.starts_at, claim.ends_at, lang),
                    source=f" — {claim.source}" if claim.source else "",
                )
            )
        if view.disputed:
            lines.append(t(lang, "truces.disputed"))
        if view.end_reason and view.ended_at is not None and view.ended_at <= now:
            lines.append(t(lang, "truces.end_reason", reason=view.end_reason))
    return "\n".join(lines)


def duration(minutes: float, lang: str) -> str:
    """A measured total of minutes: 0 stays "0 хв" (a pause that held)."""
    return duration_text(minutes * 60, lang, at_least_a_minute=False)


def _ratio(value: float, lang: str) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang == "uk" else text


def report_text(report: TruceReport, lang: str) -> str:
    regions_text = (
        t(lang, "truces.regions_all")
        if report.regions is None
        else ", ".join(region_name(r, r, lang) for r in report.regions)
    )
    lines = [
        t(
            lang,
            "report.header",
            name=report.name,
            scope=scope_name(report.scope, lang),
            regions=regions_text,
            status=t(lang, f"status.{report.status}"),
        )
    ]
    if report.disputed:
        lines.append(t(lang, "report.disputed"))
    if report.status == "ended_early" and report.end_reason:
        lines.append(t(lang, "report.end_reason", reason=report.end_reason))
    lines.append(t(lang, "report.source", source=t(lang, f"source.{report.source}")))
    others = [s for s in SOURCES if s != report.source and report.sources.get(s)]
    if others:
        lines.append(
            t(
                lang,
                "report.other_sources",
                sources=", ".join(others),
                name=report.name,
                first=others[0],
            )
        )
    lines.append(t(lang, "report.disclaimer"))
    for claim in report.claims:
        lines.append("")
        lines.extend(_claim_lines(claim, report, lang))
    return "\n".join(lines)


def _claim_lines(claim: ClaimReport, report: TruceReport, lang: str) -> list[str]:
    lines = [
        t(
            lang,
            "report.claim",
            party=party_name(claim.party, lang),
            window=window(claim.starts_at, claim.ends_at, lang),
        )
    ]
    if claim.window.ends_at <= claim.window.starts_at:
        lines.append(t(lang, "report.not_started"))
        return lines
    lines.append(
        t(
            lang,
            "report.window",
            alerts=tn(lang, "count.alerts", claim.window.alerts),
            minutes=duration(claim.window.alert_minutes, lang),
        )
    )
    lines.append(
        t(
            lang,
            "report.baseline",
            alerts=tn(lang, "count.alerts", claim.baseline.alerts),
            minutes=duration(claim.baseline.alert_minutes, lang),
        )
    )
    ratio = claim.ratio
    lines.append(
        t(lang, "report.no_ratio")
        if ratio is None
        else t(lang, "report.ratio", ratio=_ratio(ratio, lang))
    )
    if claim.first_alert_after_minutes is None:
        lines.append(t(lang, "report.no_first"))
    else:
        lines.append(t(lang, "report.first", delay=duration(claim.first_alert_after_minutes, lang)))
    if claim.window.emergency_outages is not None:
        lines.append(
            t(
                lang,
                "report.outages",
                outages=tn(lang, "count.outages", claim.window.emergency_outages),
                baseline=tn(lang, "count.outages", claim.baseline.emergency_outages or 0),
            )
        )
    # The busiest places first: the chat has room for a dozen (the JSON lists them all).
    places = sorted(
        (p for p in claim.by_oblast if p.alerts or p.baseline_alerts),
        key=lambda p: (-p.alerts, -p.baseline_alerts),
    )
    if places:
        lines.append(t(lang, "report.places"))
        for place in places[:MAX_PLACES]:
            lines.append(
                t(
                    lang,
                    "report.place",
                    name=place.name_en if lang == "en" else place.name_uk,
                    alerts=place.alerts,
                    baseline=place.baseline_alerts,
                )
            )
        if len(places) > MAX_PLACES:
            lines.append(
                t(lang, "report.more", places=tn(lang, "count.places", len(places) - MAX_PLACES))
            )
    return lines


def chart_png(report: TruceReport, lang: str) -> bytes:
    """Alerts started per hour over the baseline, the windows and an equal span after, each
    party's window shaded and labelled. Object API only (no pyplot): safe in a worker thread.
    The x axis is hours since the first baseline began, labelled in Kyiv time."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    claims: Sequence[ClaimReport] = report.claims
    origin = report.hourly_origin
    counts = list(report.hourly) or [0]
    hours = len(counts)

    def x(moment: datetime) -> float:
        return (moment - origin).total_seconds() / 3600

    figure = Figure(figsize=(10, 4.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    axes.bar(range(hours), counts, width=1.0, align="edge", color="#455a64", zorder=2)
    for index, claim in enumerate(claims):
        colour = CHART_COLOURS[index % len(CHART_COLOURS)]
        low, high = x(claim.window.starts_at), x(claim.window.ends_at)
        if high > low:
            axes.axvspan(low, high, color=colour, alpha=0.15, zorder=1)
        axes.axvline(low, color=colour, linewidth=1.2)
        axes.text(
            low,
            1.0 - 0.08 * index,
            f" {claim.party}",
            color=colour,
            fontsize=9,
            va="top",
            transform=axes.get_xaxis_transform(),
        )
    if claims:
        first = claims[0]
        for label, span in (
            ("report.chart_baseline", first.baseline),
            ("report.chart_after", first.after),
        ):
            if span.ends_at > span.starts_at:
                middle = (x(span.starts_at) + x(span.ends_at)) / 2
                axes.text(
                    middle,
                    0.98,
                    t(lang, label),
                    ha="center",
                    va="top",
                    fontsize=8,
                    color="#607d8b",
                    transform=axes.get_xaxis_transform(),
                )
    step = max(1, math.ceil(hours / 12))
    ticks = list(range(0, hours + 1, step))
    axes.set_xticks(ticks)
    axes.set_xticklabels(
        [(origin + timedelta(hours=h)).astimezone(KYIV).strftime("%d.%m\n%H:%M") for h in ticks],
        fontsize=7,
    )
    axes.set_xlim(0, hours)
    axes.set_title(t(lang, "report.chart_title", name=report.name), fontsize=11, loc="left")
    axes.set_ylabel(t(lang, "report.chart_alerts"), fontsize=9)
    axes.grid(axis="y", color="#eceff1")
    figure.text(
        0.01,
        0.01,
        f"{t(lang, f'source.{report.source}')} · {kyiv_time(report.generated_at)}",
        fontsize=7,
        color="#607d8b",
    )
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
