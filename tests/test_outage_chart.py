"""The /outage picture as a resident reads it on a phone (issue 16): every outage span with its
times, what the hours count, the red "now" line in the legend, the provider's "as of" time, a
day without a schedule as one line instead of empty bars, text large enough."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime

from bot.i18n import t
from bot.outages.chart import MIN_FONT, WIDTH_PX, ChartRow, ChartTexts, plan, render_png

TODAY = date(2026, 1, 8)
TOMORROW = date(2026, 1, 9)
NOON = datetime(2026, 1, 8, 10, 0, tzinfo=UTC)  # 12:00 in Kyiv


def slots(*off: tuple[float, float], maybe: tuple[float, float] | None = None) -> str:
    cells = ["+"] * 48
    for start, end in off:
        cells[int(start * 2) : int(end * 2)] = ["-"] * int((end - start) * 2)
    if maybe is not None:
        cells[int(maybe[0] * 2) : int(maybe[1] * 2)] = ["?"] * int((maybe[1] - maybe[0]) * 2)
    return "".join(cells)


def texts(lang: str) -> ChartTexts:
    labels = {
        k: t(lang, f"outage.chart_{k}") for k in ("on", "off", "maybe", "unknown", "stale", "now")
    }
    return ChartTexts(
        t(lang, "outage.chart_title"),
        t(lang, "outage.chart_as_of", time="08:50"),
        labels,
        t(lang, "outage.no_schedule"),
    )


ROWS = [
    ChartRow("1.1 · Сьогодні, 08.01", TODAY, slots((15.5, 17)), "1,5 год без світла"),
    ChartRow("1.1 · Завтра, 09.01", TOMORROW, None),
    ChartRow("6.2 · Сьогодні, 08.01", TODAY, slots((0, 0.5), (7, 14.5), maybe=(21, 22)), "8 год"),
    ChartRow("6.2 · Завтра, 09.01", TOMORROW, None),
]


def test_every_outage_span_says_its_times_and_the_heading_what_it_counts() -> None:
    chart = plan(ROWS, texts("uk"), now=NOON, stale=False)
    first, second = chart.bars
    assert first.heading == "1.1 · Сьогодні, 08.01 — 1,5 год без світла"
    assert [s.text for s in first.spans if s.text] == ["15:30–17:00"]
    assert [s.text for s in second.spans if s.text] == ["00:00–00:30", "07:00–14:30", "21:00–22:00"]
    # A long span carries its times on the bar, a short one under it.
    assert [s.inside for s in second.spans if s.text] == [False, True, False]
    assert chart.subtitle == "Графік постачальника станом на 08:50"


def test_the_now_line_is_in_the_legend_and_only_states_shown_are() -> None:
    chart = plan(ROWS, texts("uk"), now=NOON, stale=False)
    assert [label for _, label in chart.legend] == ["світло є", "без світла", "можливо", "зараз"]
    assert all(bar.now == 12.0 for bar in chart.bars)
    tomorrow_only = plan(
        ROWS[:1], texts("en"), now=datetime(2026, 1, 9, 10, tzinfo=UTC), stale=False
    )
    assert [label for _, label in tomorrow_only.legend] == ["power", "no power"]


def test_a_day_without_a_schedule_is_one_line_not_empty_bars() -> None:
    chart = plan(ROWS, texts("uk"), now=NOON, stale=False)
    assert len(chart.bars) == 2
    assert chart.missing == ("Завтра, 09.01: графіка ще немає",)
    # Only one group lacks it: the line names the group.
    tomorrow = ChartRow("6.2 · Завтра, 09.01", TOMORROW, slots((1, 2)), "1 год без світла")
    partly = plan([*ROWS[:3], tomorrow], texts("uk"), now=NOON, stale=False)
    assert partly.missing == ("1.1 · Завтра, 09.01: графіка ще немає",)


def test_the_picture_is_phone_sized_and_short_without_empty_rows() -> None:
    png = render_png(ROWS, texts=texts("uk"), now=NOON)
    width, height = struct.unpack(">II", png[16:24])  # the PNG's IHDR
    assert width == WIDTH_PX
    assert height < 600, "two bars and a line of text, not four bars"
    assert MIN_FONT >= 14


def test_the_day_the_clocks_go_back_has_25_hours_and_its_spans_read_as_the_clock_does() -> None:
    day = date(2026, 10, 25)  # 04:00 EEST becomes 03:00 EET: 50 half-hours
    cells = ["+"] * 50
    cells[46:50] = ["-"] * 4  # the last two hours by the clock
    row = ChartRow("1.1 · Сьогодні, 25.10", day, "".join(cells), "2 год без світла")
    chart = plan([row], texts("uk"), now=None, stale=False)
    (bar,) = chart.bars
    assert bar.length == 25
    assert [s.text for s in bar.spans if s.text] == ["22:00–24:00"]
    assert render_png([row], texts=texts("uk")).startswith(b"\x89PNG")
