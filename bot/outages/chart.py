"""The /outage picture: one timeline bar per (group, day), drawn with matplotlib (Agg).

Only the object API is used (Figure + FigureCanvasAgg, no pyplot), so a picture can be
drawn in a worker thread without touching global plotting state.
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


@dataclass(frozen=True, slots=True)
class ChartRow:
    label: str
    day: date
    slots: str | None  # None: nothing published for that day
    note: str = ""  # e.g. hours off, shown at the right end


def render_png(
    rows: Sequence[ChartRow],
    *,
    title: str,
    labels: Mapping[str, str],
    now: datetime | None = None,
    stale: bool = False,
) -> bytes:
    """A PNG of the rows; ``labels`` names on / off / maybe / unknown / now / stale."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    height = 1.3 + 0.55 * max(1, len(rows))
    figure = Figure(figsize=(9, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    for index, row in enumerate(rows):
        y = len(rows) - 1 - index
        start = day_start(row.day)
        length = (day_end(row.day) - start).total_seconds() / 3600
        if row.slots is None:
            axes.broken_barh([(0, length)], (y - 0.35, 0.7), color=COLOURS["unknown"])
        else:
            for run in intervals(row.day, row.slots):
                left = (run.start - start).total_seconds() / 3600
                width = (run.end - run.start).total_seconds() / 3600
                axes.broken_barh([(left, width)], (y - 0.35, 0.7), color=COLOURS[run.state.value])
        if row.note:
            axes.text(length + 0.2, y, row.note, va="center", fontsize=8)
        if now is not None and start <= now < day_end(row.day):
            x = (now - start).total_seconds() / 3600
            axes.plot([x, x], [y - 0.45, y + 0.45], color="#e53935", linewidth=2)
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels([row.label for row in reversed(rows)], fontsize=9)
    # Hour ticks in Kyiv wall-clock time, placed by real elapsed time (DST days differ).
    first = rows[0].day if rows else date.today()
    origin = day_start(first)
    ticks = list(range(0, 25, 3))
    axes.set_xticks(ticks)
    axes.set_xticklabels([_tick_label(origin, h) for h in ticks], fontsize=8)
    axes.set_xlim(0, 27.5)
    axes.set_ylim(-0.8, len(rows) - 0.2)
    axes.grid(axis="x", color="#eceff1", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    heading = title + (f"  ⚠ {labels['stale']}" if stale else "")
    axes.set_title(heading, fontsize=11, loc="left", color="#b71c1c" if stale else "black")
    legend = [
        Patch(color=COLOURS[SlotState.ON.value], label=labels["on"]),
        Patch(color=COLOURS[SlotState.OFF.value], label=labels["off"]),
        Patch(color=COLOURS[SlotState.MAYBE.value], label=labels["maybe"]),
        Patch(color=COLOURS["unknown"], label=labels["unknown"]),
    ]
    axes.legend(
        handles=legend,
        loc="upper center",
        bbox_to_anchor=(0.45, -0.12),
        ncol=4,
        fontsize=8,
        frameon=False,
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _tick_label(origin: datetime, hour: int) -> str:
    text = (origin + timedelta(hours=hour)).astimezone(KYIV).strftime("%H:%M")
    return "24:00" if hour >= 23 and text == "00:00" else text
