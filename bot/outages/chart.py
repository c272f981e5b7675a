"""The /outage picture: one timeline bar per (group, day), drawn with matplotlib (Agg).

Made for a phone: a resident looks at it for a second, so the picture says in words what
the bars show. Every outage span carries its times ("15:30–17:00"), each bar's heading says
what its hours count ("1,5 год без світла"), the red "now" line is in the legend, the
provider's "as of" time is under the title, and a day nothing was published for is one line
of text, not an empty grey bar. Text is at least :data:`MIN_FONT` points at 1280 pixels
wide, the size Telegram keeps.

:func:`plan` decides what the picture says (tested as data); :func:`render_png` draws it.
Only the object API is used (Figure + FigureCanvasAgg, no pyplot), so a picture can be drawn
in a worker thread without touching global plotting state.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from feeds.outages.model import SlotState
from feeds.outages.timeline import KYIV, day_end, day_start, intervals

COLOURS = {
    SlotState.ON.value: "#4caf50",
    SlotState.OFF.value: "#263238",
    SlotState.MAYBE.value: "#ffb300",
    "unknown": "#cfd8dc",
}
NOW_COLOUR = "#e53935"
WIDTH_PX = 1280
DPI = 100
MIN_FONT = 14  # points at 100 dpi: readable on a phone once Telegram scales 1280 px down
_ROW_HEIGHT = 1.25  # inches a bar with its heading and span labels takes
_INSIDE_HOURS = 2.4  # a span at least this long has its times written on the bar


@dataclass(frozen=True, slots=True)
class ChartRow:
    label: str  # "1.1 · Сьогодні, 08.01"
    day: date
    slots: str | None  # None: nothing published for that day
    note: str = ""  # what the hours count: "1,5 год без світла"


@dataclass(frozen=True, slots=True)
class ChartTexts:
    title: str
    subtitle: str  # "Графік постачальника станом на 14:05"
    labels: Mapping[str, str]  # on / off / maybe / unknown / now / stale
    no_schedule: str  # "графіка ще немає"


@dataclass(frozen=True, slots=True)
class Span:
    left: float  # hours from the day's start
    width: float
    state: str
    text: str  # "15:30–17:00", for the outage and "maybe" spans
    inside: bool  # written on the bar (else under it)


@dataclass(frozen=True, slots=True)
class Bar:
    heading: str  # "1.1 · Сьогодні, 08.01 — 1,5 год без світла"
    length: float  # hours in the day (23 or 25 on the DST days)
    spans: tuple[Span, ...]
    now: float | None  # hours from the day's start, when now falls in this day


@dataclass(frozen=True, slots=True)
class Plan:
    title: str
    subtitle: str
    bars: tuple[Bar, ...]
    missing: tuple[str, ...]  # "Завтра, 09.01: графіка ще немає"
    legend: tuple[tuple[str, str], ...]  # (slot state or "now", label)
    ticks: tuple[tuple[float, str], ...]  # (hours, "15:00")


def _wall(moment: datetime) -> str:
    return moment.astimezone(KYIV).strftime("%H:%M")


def _span_text(start: datetime, end: datetime, day: date) -> str:
    finish = "24:00" if end == day_end(day) else _wall(end)
    return f"{_wall(start)}–{finish}"


def plan(rows: Sequence[ChartRow], texts: ChartTexts, *, now: datetime | None, stale: bool) -> Plan:
    """What the picture shows, as data: which bars, which words, which legend."""
    bars: list[Bar] = []
    missing: list[str] = []
    for row in rows:
        if row.slots is None:
            missing.append(row.label)
            continue
        start = day_start(row.day)
        length = (day_end(row.day) - start).total_seconds() / 3600
        spans = []
        for run in intervals(row.day, row.slots):
            left = (run.start - start).total_seconds() / 3600
            width = (run.end - run.start).total_seconds() / 3600
            named = run.state in (SlotState.OFF, SlotState.MAYBE)
            spans.append(
                Span(
                    left,
                    width,
                    run.state.value,
                    _span_text(run.start, run.end, row.day) if named else "",
                    width >= _INSIDE_HOURS,
                )
            )
        at = None
        if now is not None and start <= now < day_end(row.day):
            at = (now - start).total_seconds() / 3600
        heading = f"{row.label} — {row.note}" if row.note else row.label
        bars.append(Bar(heading, length, tuple(spans), at))
    # A day no group has a schedule for yet is one line ("Завтра, 09.01: …"), not one per group.
    by_day: dict[str, list[str]] = {}
    for label in missing:
        group, _, day = label.partition(" · ")
        by_day.setdefault(day or label, []).append(group)
    lines = []
    for day, groups in by_day.items():
        everyone = all(r.slots is None for r in rows if r.label.endswith(day))
        who = day if everyone else f"{', '.join(groups)} · {day}"
        lines.append(f"{who}: {texts.no_schedule}")
    shown_states = {span.state for bar in bars for span in bar.spans}
    keys = ((SlotState.ON, "on"), (SlotState.OFF, "off"), (SlotState.MAYBE, "maybe"))
    legend = [(state.value, texts.labels[key]) for state, key in keys if state in shown_states]
    if any(bar.now is not None for bar in bars):
        legend.append(("now", texts.labels["now"]))
    first = rows[0].day if rows else date.today()
    origin = day_start(first)
    ticks = tuple((float(h), _tick_label(origin, h)) for h in range(0, 25, 3))
    title = texts.title + (f"  ⚠ {texts.labels['stale']}" if stale else "")
    return Plan(title, texts.subtitle, tuple(bars), tuple(lines), tuple(legend), ticks)


def render_png(
    rows: Sequence[ChartRow],
    *,
    texts: ChartTexts,
    now: datetime | None = None,
    stale: bool = False,
) -> bytes:
    """A PNG of :func:`plan`'s picture."""
    return draw(plan(rows, texts, now=now, stale=stale), stale=stale)


def draw(chart: Plan, *, stale: bool = False) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    count = max(1, len(chart.bars))
    header, footer = 1.3, 0.9 + 0.45 * len(chart.missing)
    height = header + _ROW_HEIGHT * count + footer
    figure = Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.03, footer / height, 0.94, (_ROW_HEIGHT * count) / height))
    for index, bar in enumerate(chart.bars):
        y = (count - 1 - index) * 2.0  # the bar, its heading above and span times below
        axes.text(0, y + 0.55, bar.heading, fontsize=MIN_FONT + 2, va="bottom", ha="left")
        for span in bar.spans:
            axes.broken_barh([(span.left, span.width)], (y - 0.4, 0.8), color=COLOURS[span.state])
            if not span.text:
                continue
            middle = span.left + span.width / 2
            if span.inside:
                colour = "white" if span.state == SlotState.OFF.value else "black"
                axes.text(
                    middle, y, span.text, fontsize=MIN_FONT, color=colour, va="center", ha="center"
                )
            else:
                # Under the bar; at the day's edges aligned inward, so "00:00–00:30" is whole.
                align = "left" if middle < 2 else "right" if middle > bar.length - 2 else "center"
                x = span.left if align == "left" else span.left + span.width
                x = middle if align == "center" else x
                axes.text(x, y - 0.5, span.text, fontsize=MIN_FONT, va="top", ha=align)
        if bar.now is not None:
            axes.plot([bar.now, bar.now], [y - 0.55, y + 0.55], color=NOW_COLOUR, linewidth=3)
    # 25 hours on the day the clocks go back, 23 on the day they go forward.
    axes.set_xlim(-0.1, max((bar.length for bar in chart.bars), default=24.0) + 0.1)
    axes.set_ylim(-1.3, (count - 1) * 2.0 + 1.4)
    axes.set_yticks([])
    axes.set_xticks([h for h, _ in chart.ticks])
    axes.set_xticklabels([label for _, label in chart.ticks], fontsize=MIN_FONT)
    axes.set_xticks(range(25), minor=True)  # a line every hour: "15:30" sits between two
    axes.grid(axis="x", which="both", color="#eceff1", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    title_colour = "#b71c1c" if stale else "black"
    figure.text(
        0.03,
        1 - 0.5 / height,
        chart.title,
        fontsize=MIN_FONT + 8,
        weight="bold",
        color=title_colour,
    )
    figure.text(0.03, 1 - 0.95 / height, chart.subtitle, fontsize=MIN_FONT + 2, color="#37474f")
    handles = [
        Line2D([], [], color=NOW_COLOUR, linewidth=3, label=label)
        if key == "now"
        else Patch(color=COLOURS[key], label=label)
        for key, label in chart.legend
    ]
    if handles:
        figure.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.02, (0.15 + 0.45 * len(chart.missing)) / height),
            ncol=len(handles),
            fontsize=MIN_FONT,
            frameon=False,
        )
    for index, line in enumerate(chart.missing):
        y = (0.2 + 0.45 * (len(chart.missing) - 1 - index)) / height
        figure.text(0.03, y, line, fontsize=MIN_FONT, color="#37474f")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _tick_label(origin: datetime, hour: int) -> str:
    """Kyiv wall-clock time, placed by real elapsed time (DST days differ)."""
    text = (origin + timedelta(hours=hour)).astimezone(KYIV).strftime("%H:%M")
    return "24:00" if hour >= 23 and text == "00:00" else text
