"""The truce ledger over a year of history: import 100,000 rows, then report, on SQLite and
PostgreSQL.

    .venv/bin/python bench/ledger.py [--rows 100000] [--rounds 5] [--json] [--no-postgres]

The year is generated in the real shape, from the bundled official slice around Christmas
2023 (``feeds/samples/history``): places (oblasts, and the raions and hromadas the file names,
~8 % of rows) in the proportions they appear there, hours of the day and durations drawn from
its rows, starts spread over 2023. It is written as an official CSV file and imported through
the same code as ``python -m bot history import`` (read, match places, insert), into a fresh
SQLite file (WAL, as in production) and a fresh PostgreSQL database at 127.0.0.1.

Reports (``storage.ledger.truce_report``, what ``/truce_report`` and ``truce report --json``
compute): a three-day pause in June with two parties' claims (the usual case), and a
six-month claim from July, whose window and baseline cover the whole year (every row read).
Targets: import under 10 s, report under 1 s. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from storage import history, ledger, migrate  # noqa: E402
from storage import truces as truce_store  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402

SLICE = ROOT / "feeds" / "samples" / "history" / "official_2022-12-30_2023-01-14.csv"
YEAR = datetime(2023, 1, 1, tzinfo=UTC)
NOW = datetime(2024, 1, 15, tzinfo=UTC)
PG_HOST = os.environ.get("ALERTBOT_TEST_PG_HOST", "127.0.0.1")
PG_USER = os.environ.get("ALERTBOT_TEST_PG_USER", "postgres")


def generate(rows: int, seed: int = 2023) -> str:
    """An official-form CSV of ``rows`` alerts over 2023, shaped like the real slice."""
    rng = random.Random(seed)
    real = list(csv.reader(SLICE.read_text().splitlines()))[1:]
    places = [tuple(r[:4]) for r in real]
    starts = [datetime.fromisoformat(r[4]) for r in real]
    durations = [datetime.fromisoformat(r[5]) - s for r, s in zip(real, starts, strict=True)]
    seconds_of_day = [s.hour * 3600 + s.minute * 60 + s.second for s in starts]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(history.OFFICIAL_HEADER)
    seen: set[tuple[tuple[str, ...], datetime]] = set()
    while len(seen) < rows:
        place = rng.choice(places)
        day = YEAR + timedelta(days=rng.randrange(365))
        start = day + timedelta(seconds=rng.choice(seconds_of_day) + rng.randrange(-900, 900))
        if (place, start) in seen:
            continue
        seen.add((place, start))
        end = start + rng.choice(durations)
        writer.writerow(
            [
                *place,
                f"{start:%Y-%m-%d %H:%M:%S+00:00}",
                f"{end:%Y-%m-%d %H:%M:%S+00:00}",
                "official",
            ]
        )
    return out.getvalue()


async def _pg_admin(statement: str) -> None:
    connection = await asyncpg.connect(host=PG_HOST, user=PG_USER, database="postgres", timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _timed(work: Callable[[], Awaitable[Any]], rounds: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds of this process (Python and SQLite's
    thread; PostgreSQL's server work is not in it) per run."""
    walls, cpus = [], []
    for _ in range(rounds):
        began, cpu = time.perf_counter(), time.process_time()
        await work()
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


async def _claims(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        for name, party, start, end in (
            ("june-pause", "Ukraine", datetime(2023, 6, 10, 21, tzinfo=UTC), timedelta(days=3)),
            ("june-pause", "Russia", datetime(2023, 6, 11, 0, tzinfo=UTC), timedelta(days=3)),
            ("half-year", "Someone", datetime(2023, 7, 2, tzinfo=UTC), timedelta(days=182)),
        ):
            await truce_store.set_claim(
                session,
                name=name,
                party=party,
                starts_at=start,
                ends_at=start + end,
                scope="energy",
                region_ids=None,
                source=None,
                actor=0,
                now=NOW,
            )


async def run_backend(label: str, url: str, text: str, rounds: int) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        began, cpu = time.perf_counter(), time.process_time()
        async with sessions() as session, session.begin():
            summary = await history.import_text(session, text)
        import_s = time.perf_counter() - began
        import_cpu_s = time.process_time() - cpu
        began = time.perf_counter()
        async with sessions() as session, session.begin():
            again = await history.import_text(session, text)
        reimport_s = time.perf_counter() - began
        await _claims(sessions)
        figures: dict[str, Any] = {
            "backend": label,
            "rows": summary.rows,
            "import_s": round(import_s, 3),
            "import_cpu_s": round(import_cpu_s, 3),
            "import_rows_per_s": round(summary.added / import_s),
            "reimport_s": round(reimport_s, 3),
            "reimport_added": again.added,
        }
        for name in ("june-pause", "half-year"):

            async def report(name: str = name) -> ledger.TruceReport | None:
                async with sessions() as session:
                    return await ledger.truce_report(session, name, NOW, "official")

            result = await report()  # warm-up
            assert result is not None
            median, cpu = await _timed(report, rounds)
            figures[f"report_{name}_s"] = round(median, 4)
            figures[f"report_{name}_cpu_s"] = round(cpu, 4)
            figures[f"report_{name}_alerts_counted"] = sum(
                c.window.alerts + c.baseline.alerts + c.after.alerts for c in result.claims
            )
            figures[f"report_{name}_window_alerts"] = [c.window.alerts for c in result.claims]
        return figures
    finally:
        await engine.dispose()


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    began = time.perf_counter()
    text = generate(args.rows)
    generated_s = time.perf_counter() - began
    results = []
    with tempfile.TemporaryDirectory(prefix="alertbot-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'ledger.db'}"
        results.append(await run_backend("sqlite", url, text, args.rounds))
    if not args.no_postgres:
        name = f"alertbot_bench_{uuid.uuid4().hex[:10]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}/{name}"
            results.append(await run_backend("postgresql", url, text, args.rounds))
        finally:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for result in results:
        result["generate_csv_s"] = round(generated_s, 3)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="report runs (median shown)")
    parser.add_argument("--json", action="store_true", help="one JSON object per backend")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    results = asyncio.run(main_async(args))
    for result in results:
        result["load_average"] = round(load, 1)
        if args.json:
            print(json.dumps(result))
            continue
        print(
            f"{result['backend']:>10}: import {result['rows']:,} rows {result['import_s']:.2f} s "
            f"(CPU {result['import_cpu_s']:.2f} s; again: {result['reimport_s']:.2f} s, "
            f"{result['reimport_added']} added); report, 3-day pause: "
            f"{result['report_june-pause_s'] * 1000:.0f} ms "
            f"(CPU {result['report_june-pause_cpu_s'] * 1000:.0f} ms, "
            f"{result['report_june-pause_alerts_counted']:,} alerts counted); half-year claim: "
            f"{result['report_half-year_s'] * 1000:.0f} ms "
            f"(CPU {result['report_half-year_cpu_s'] * 1000:.0f} ms, "
            f"{result['report_half-year_alerts_counted']:,} alerts counted); "
            f"load average at start {result['load_average']}"
        )


if __name__ == "__main__":
    main()
