"""Parse and diff a full outage-provider payload, and render one schedule picture.

    .venv/bin/python bench/outages.py [--rounds 50]

Payloads are the real bundled answers (``feeds/samples``): DTEK Dnipro's full ``fact``
(12 groups × 2 days, 10.12.2025) and LOE's HTML schedule (12 groups, 08.01.2026). "Diff" is
what a poll does with a parsed answer (``storage.outages.apply_schedules``, committed to a
real SQLite file in WAL mode, as in production): the first store, a re-publication with
identical content (the common case: no change), and a changed answer (every group's slots
shifted by half an hour, so every row changes and its intervals are rebuilt). The picture is
the /outage photo for 6 groups × 2 days (12 bars), rendered with matplotlib's Agg backend.

Figures are printed, never asserted. Peak memory: tracemalloc's peak per stage (Python
allocations) and the process's maximum resident size at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.outages.chart import ChartRow, ChartTexts, render_png  # noqa: E402
from feeds.outages import OUTAGE_KINDS, ParseContext  # noqa: E402
from feeds.outages.model import DaySchedule  # noqa: E402
from storage import migrate  # noqa: E402
from storage import outages as store  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402

SAMPLES = ROOT / "feeds" / "samples"
LABELS = {
    "on": "світло є",
    "off": "без світла",
    "maybe": "можливо",
    "unknown": "немає даних",
    "stale": "дані могли застаріти",
    "now": "зараз",
}


def timed(function: Callable[[], Any], rounds: int) -> tuple[float, float, Any]:
    """Median milliseconds per call, tracemalloc peak in KiB, and the last result.

    Timed without tracemalloc (it slows allocation-heavy code several times over); the peak
    is taken from one more call, traced on its own.
    """
    result = function()  # warm-up (imports, caches)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 1024, result


def shifted(schedules: list[DaySchedule], index: int) -> list[DaySchedule]:
    """Every group-day's slots moved by half an hour on odd rounds, back on even ones; each
    round a newer publication time (an older one would be ignored as a lagging copy)."""
    published = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=index)
    shift = index % 2
    return [
        replace(s, slots=s.slots[shift:] + s.slots[:shift], published_at=published)
        for s in schedules
    ]


async def diff_figures(schedules: list[DaySchedule], rounds: int) -> dict[str, tuple[float, float]]:
    figures: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as directory:
        engine = create_engine(f"sqlite+aiosqlite:///{directory}/bench.db")
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        now = datetime(2025, 12, 10, 7, 0, tzinfo=UTC)

        async def apply(batch: list[DaySchedule]) -> int:
            async with sessions() as session, session.begin():
                return len(await store.apply_schedules(session, "bench", batch, now))

        async def measure(
            batch_of: Callable[[int], list[DaySchedule]], changes: int
        ) -> tuple[float, float]:
            times = []
            for index in range(rounds):
                batch = batch_of(index)
                start = time.perf_counter()
                found = await apply(batch)
                times.append((time.perf_counter() - start) * 1000)
                assert found == changes, (found, changes)
            tracemalloc.start()
            await apply(batch_of(rounds))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return statistics.median(times), peak / 1024

        start = time.perf_counter()
        assert await apply(schedules) == len(schedules)
        figures["first store (cold: a new database)"] = ((time.perf_counter() - start) * 1000, 0.0)
        figures["same content again"] = await measure(lambda i: schedules, 0)
        batches = [shifted(schedules, i + 1) for i in range(rounds + 1)]
        # A day with power all day looks the same shifted; every other one changes.
        varied = sum(1 for s in schedules if len(set(s.slots)) > 1)
        figures["every group-day with outages changed"] = await measure(
            lambda i: batches[i], varied
        )
        await engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    dtek_body = (SAMPLES / "dtek_dnem_outage_data_2025-12-10_fact.json").read_bytes()
    loe_body = (SAMPLES / "loe_menus_rawHtml_2026-01-08.html").read_bytes()
    dtek = OUTAGE_KINDS["dtek_json"].parse
    loe = OUTAGE_KINDS["loe"].parse
    context = ParseContext(date(2025, 12, 10))

    print(f"python {sys.version.split()[0]}, {args.rounds} rounds, medians")
    ms, kib, report = timed(lambda: dtek(dtek_body, context), args.rounds)
    print(
        f"parse DTEK Dnipro fact ({len(dtek_body)} B, {len(report.schedules)} group-days): "
        f"{ms:.2f} ms, peak {kib:.0f} KiB"
    )
    ms, kib, loe_report = timed(lambda: loe(loe_body, ParseContext(date(2026, 1, 8))), args.rounds)
    print(
        f"parse LOE HTML ({len(loe_body)} B, {len(loe_report.schedules)} groups): "
        f"{ms:.2f} ms, peak {kib:.0f} KiB"
    )
    for name, (ms, kib) in asyncio.run(diff_figures(report.schedules, args.rounds)).items():
        peak = f", peak {kib:.0f} KiB" if kib else ""
        print(f"diff + store, {name} ({len(report.schedules)} group-days): {ms:.2f} ms{peak}")

    rows = []
    for schedule in report.schedules:
        if schedule.group in ("1.1", "2.1", "3.1", "4.1", "5.1", "6.1"):
            rows.append(
                ChartRow(
                    f"{schedule.group} · {schedule.day:%d.%m}",
                    schedule.day,
                    schedule.slots,
                    "7 год",
                )
            )
    now = datetime(2025, 12, 10, 10, 0, tzinfo=UTC)

    def draw() -> bytes:
        texts = ChartTexts(
            "Графік відключень — Дніпропетровська область",
            "Графік постачальника станом на 09:55",
            LABELS,
            "графіка ще немає",
        )
        return render_png(rows, texts=texts, now=now)

    rounds = max(3, args.rounds // 5)
    ms, kib, png = timed(draw, rounds)
    size = len(png) // 1024
    print(f"render one picture ({len(rows)} bars, {size} KiB PNG): {ms:.1f} ms, peak {kib:.0f} KiB")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident size: {maxrss:.0f} MiB")


if __name__ == "__main__":
    main()
