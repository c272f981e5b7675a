"""Parse and diff a full national alerts payload: time per poll and memory.

    .venv/bin/python bench/parse_diff.py [--locations 1600] [--polls 40] [--changes 5]
                                         [--chats 2000] [--database-url URL] [--profile]

The payloads are SYNTHETIC, built from the real record shapes: the 2024 alerts.in.ua hromada
record (``feeds/samples/alerts_in_ua_active_2024-05-06_with_hromada.json``) and the real
ukrainealarm Kyiv record of 2026-09-25, replicated once per location. No real answer with
every location of Ukraine under alert has been published; this is what one would look like
at peak (the whole country, every oblast, raion and hromada). Location ids: the 27 top-level
ones, the registry's, and every id of the bundled ukrainealarm ``/regions`` dump (Lviv oblast's
raions and hromadas); the rest, up to ``--locations``, are made-up numbers (10000, 10001, ...)
that only matter as distinct keys. A location's record is the same shape whatever its level.

What a poll is (as in ``bot/ingest/poller.py``): parse the answer, then in one transaction
``storage.merge.record_observations`` (replace the feed's report) + ``feeds`` health update +
``storage.merge.reconcile`` (merge, diff against the announced state, events, channel posts),
committed to a real SQLite file in a temporary directory (WAL, as in production). The events'
direct messages are then queued by ``storage.alert_fanout.run`` in transactions of their own (the
bot's FanOut task does it right after the poll): timed and printed apart, since it is delivery
work that grows with the subscribers, not with the feed. Each measured poll ``--changes``
locations end and as many start again, so every poll has real events (2 x changes) for
``--chats`` subscribers spread over the known regions. A quiet poll (the feed said
"unchanged": 304 or the same change index) only reconciles; it is timed too.

Last, the same changed polls go through the bot's own ``bot.poller.FeedPoller`` (SQLite only:
it needs a database of its own): the answer comes from an in-process HTTP transport, and the
time is all the poller does, reading the feed's cache validators, fetching, parsing, learning
new places, storing and committing. That is the figure the target is about; the steps above
say where its time goes.

Target: under 20 ms per poll on this machine (polling every 2 s for a dozen feeds is then a
few percent of one core). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import cProfile
import gc
import io
import json
import pstats
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, insert, select, tuple_

from bot.ingest.alert_intake import AlertIntake
from bot.ingest.poller import FeedPoller, PollTarget
from feeds import regions
from feeds.alerts_in_ua_iot import OBLAST_ORDER
from feeds.kinds import KINDS
from feeds.model import Observation
from feeds.source import CacheState
from feeds.ukrainealarm import parse_regions
from storage import alert_fanout as fanout
from storage import audience as audience_store
from storage import feeds as feed_store
from storage import merge as alert_store
from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import AlertState, Chat, FeedObservation, Subscription

SAMPLES = Path(__file__).resolve().parent.parent / "feeds" / "samples"
FEED_NAME = "national"
START = datetime(2026, 9, 25, 9, 0, tzinfo=UTC)


# --- payloads ----------------------------------------------------------------------------------


def location_ids(count: int) -> list[str]:
    real: list[str] = [uid for uid, _ in OBLAST_ORDER]
    real += [r.id for r in regions.all_regions()]
    real += [
        r.id for r in parse_regions((SAMPLES / "ukrainealarm_regions_trimmed.json").read_bytes())
    ]
    ids = list(dict.fromkeys(real))
    filler = 10000
    while len(ids) < count:
        ids.append(str(filler))
        filler += 1
    return ids[:count]


def _stamp(number: int, epoch: int, micro: bool = False) -> str:
    """A distinct start time per location (real alerts do not all start at once); a new
    ``epoch`` gives times never seen before, as a parser meets them the first time."""
    moment = START - timedelta(days=epoch, seconds=number)
    text = moment.isoformat(timespec="microseconds" if micro else "milliseconds")
    return text.replace("+00:00", "Z")


def alerts_in_ua_payload(ids: list[str], epoch: int = 0) -> bytes:
    recorded = json.loads(
        (SAMPLES / "alerts_in_ua_active_2024-05-06_with_hromada.json").read_bytes()
    )
    shape = next(a for a in recorded["alerts"] if a["location_type"] == "hromada")
    alerts = []
    for number, uid in enumerate(ids):
        alert = copy.deepcopy(shape)
        alert["id"] = 100000 + number
        alert["location_uid"] = uid
        alert["location_title"] = f"{shape['location_title']} {uid}"
        alert["started_at"] = alert["updated_at"] = _stamp(number, epoch)
        alerts.append(alert)
    return json.dumps({**recorded, "alerts": alerts}, ensure_ascii=False).encode()


def ukrainealarm_payload(ids: list[str], epoch: int = 0) -> bytes:
    [shape] = json.loads((SAMPLES / "ukrainealarm_alerts_kyiv_city_2026-09-25.json").read_bytes())
    records = []
    for number, uid in enumerate(ids):
        record = copy.deepcopy(shape)
        record["regionId"] = uid
        record["regionType"] = "Community"
        record["regionName"] = f"{shape['regionName']} {uid}"
        record["lastUpdate"] = _stamp(number, epoch, micro=True)
        for alert in record["activeAlerts"]:
            alert["regionId"] = uid
            alert["lastUpdate"] = _stamp(number, epoch, micro=True)
        records.append(record)
    return json.dumps(records, ensure_ascii=False).encode()


# --- measuring -------------------------------------------------------------------------------


def summary(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered):7.2f} ms   min {ordered[0]:7.2f} ms   "
        f"p95 {p95:7.2f} ms   max {ordered[-1]:7.2f} ms   (n={len(ordered)})"
    )


def time_parse(
    kind: str, body: bytes, fresh: list[bytes], runs: int
) -> tuple[list[float], list[float], int, int]:
    """(repeat-answer timings, first-sight timings, tracemalloc peak, observations)."""
    parse = KINDS[kind].parse
    first_sight = []
    for other in fresh:
        started = time.perf_counter()
        parse(other)
        first_sight.append((time.perf_counter() - started) * 1000)
    parse(body)  # warm up: what every later poll of the same alerts meets
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        observations = parse(body)
        timings.append((time.perf_counter() - started) * 1000)
    gc.collect()
    tracemalloc.start()
    observations = parse(body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return timings, first_sight, peak, len(observations)


async def _timed(step: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await step()
    return (time.perf_counter() - started) * 1000


class Bench:
    def __init__(self, url: str, observations: list[Observation], chats: int, seed: int) -> None:
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)
        self.all = observations
        self.chats = chats
        self.random = random.Random(seed)
        self.now = START
        self.feed_id = 0
        self.off: list[Observation] = []
        self.previous: alert_store.Reported | None = None

    async def setup(self) -> None:
        await migrate.upgrade(self.engine)
        async with self.sessions() as session, session.begin():
            feed = await feed_store.upsert_config_feed(
                session,
                name=FEED_NAME,
                kind="alerts_in_ua",
                url="https://api.alerts.in.ua/v1/alerts/active.json",
                interval=2,
                token_env=None,
            )
            self.feed_id = feed.id
            known = [r.id for r in regions.all_regions()] + [o.region_id for o in self.all[:200]]
            chat_rows = [
                {"chat_id": 10_000 + n, "kind": "private", "active": True, "created_at": self.now}
                for n in range(self.chats)
            ]
            subscriptions = {
                (10_000 + n, region_id)
                for n in range(self.chats)
                for region_id in self.random.sample(known, 2)
            }
            if chat_rows:
                await session.execute(insert(Chat), chat_rows)
                await session.execute(
                    insert(Subscription),
                    [
                        {"chat_id": c, "region_id": r, "created_at": self.now, "kinds": None}
                        for c, r in sorted(subscriptions)
                    ],
                )

    async def poll(self, observations: list[Observation] | None) -> tuple[float, float, float, int]:
        """One poll's transaction; (record ms, reconcile ms, commit ms, events). The direct
        messages are queued after it (:meth:`fan_out`), as the bot's FanOut does."""
        self.now += timedelta(seconds=2)
        async with self.sessions() as session:
            await session.begin()
            record_ms = 0.0
            touched: set[audience_store.Key] | None = None
            if observations is not None:
                # As the poller does: diff against the report it wrote last time, then look
                # only at the keys that appeared or disappeared (the healthy feeds are the same).
                before = time.perf_counter()
                recorded = await alert_store.record_observations(
                    session, self.feed_id, observations, previous=self.previous
                )
                touched = recorded.touched
                record_ms = (time.perf_counter() - before) * 1000
            await feed_store.record_success(session, self.feed_id, self.now, CacheState())
            before = time.perf_counter()
            healthy = await alert_store.healthy_feeds(session, self.now)
            events = await alert_store.reconcile(
                session,
                source=FEED_NAME,
                now=self.now,
                # A quiet poll (nothing new) with the same healthy feeds looks at nothing.
                only=(touched if touched is not None else set())
                if self.previous is not None
                else None,
                healthy=healthy,
            )
            reconcile_ms = (time.perf_counter() - before) * 1000
            before = time.perf_counter()
            await session.commit()
            commit_ms = (time.perf_counter() - before) * 1000
        if observations is not None:
            self.previous = recorded.report
        return record_ms, reconcile_ms, commit_ms, len(events)

    async def fan_out(self) -> float:
        """Queue the direct messages of the last poll's events; ms."""
        started = time.perf_counter()
        await fanout.run(self.sessions, self.now)
        return (time.perf_counter() - started) * 1000

    def next_report(self, changes: int) -> list[Observation]:
        """The national map with ``changes`` locations ended and the previous ones back on."""
        was_off = set(self.off)
        on = [o for o in self.all if o not in was_off]
        self.off = self.random.sample(on, changes) if changes else []
        now_off = set(self.off)
        return [o for o in self.all if o not in now_off]

    async def close(self) -> None:
        await self.engine.dispose()


async def _median_ms(runs: int, step: Callable[[], Awaitable[Any]]) -> float:
    return statistics.median([await _timed(step) for _ in range(runs)])


async def breakdown(bench: Bench, runs: int) -> None:
    """The statements a changed poll runs, alone, against the same data: where time goes."""
    print("  where the time goes (each statement alone, median):")
    feed_id = bench.feed_id

    async with bench.sessions() as session:

        async def orm_observations() -> None:
            (await session.scalars(select(FeedObservation))).all()

        async def core_observations() -> None:
            columns = (FeedObservation.region_id, FeedObservation.kind, FeedObservation.since)
            (await session.execute(select(*columns))).all()

        async def orm_states() -> None:
            (await session.scalars(select(AlertState))).all()

        async def core_active_states() -> None:
            columns = (AlertState.region_id, AlertState.kind)
            (await session.execute(select(*columns).where(AlertState.active))).all()

        rows = {
            "load every feed_observations row as ORM objects": orm_observations,
            "  the same rows as plain tuples (Core, as _merged reads them)": core_observations,
            "load every alert_state row as ORM objects": orm_states,
            "  only the active (region, kind) pairs as tuples (Core)": core_active_states,
        }
        for label, step in rows.items():
            print(f"    {label:68} {await _median_ms(runs, step):7.2f} ms")

    observations = [
        {
            "feed_id": feed_id,
            "region_id": o.region_id,
            "kind": str(o.kind),
            "region_title": o.region_title,
            "since": o.since,
            "level": o.level,
            "threat": o.threat,
        }
        for o in bench.all
    ]
    changed = observations[:10]

    async def replace_all() -> None:
        async with bench.sessions() as session, session.begin():
            await session.execute(delete(FeedObservation).where(FeedObservation.feed_id == feed_id))
            await session.execute(insert(FeedObservation), observations)
            await session.rollback()

    async def write_changes_only() -> None:
        async with bench.sessions() as session, session.begin():
            keys = [(row["region_id"], row["kind"]) for row in changed]
            await session.execute(
                delete(FeedObservation).where(
                    FeedObservation.feed_id == feed_id,
                    tuple_(FeedObservation.region_id, FeedObservation.kind).in_(keys),
                )
            )
            await session.execute(insert(FeedObservation), changed)
            await session.rollback()

    label = f"replace all of the feed's {len(observations)} rows"
    print(f"    {label:68} {await _median_ms(runs, replace_all):7.2f} ms")
    label = "  write only 10 changed rows (record_observations)"
    print(f"    {label:68} {await _median_ms(runs, write_changes_only):7.2f} ms")


async def run_poller(args: argparse.Namespace, body: bytes, url: str) -> None:
    """The same changed polls through the bot's own FeedPoller (bot/ingest/poller.py): the answer
    comes from an in-process HTTP transport, then fetch, parse, the poller's own reads and
    writes, and the commit, exactly as the bot runs them every interval. Then quiet polls:
    the transport answers 304 to the ETag it gave."""
    envelope = json.loads(body)
    records = envelope["alerts"]
    answer = {"body": body}

    def respond(request: httpx.Request) -> httpx.Response:
        # As alerts.in.ua does: an ETag, and 304 when the client already has this answer.
        etag = f'"{hash(answer["body"]) & 0xFFFFFFFF:x}"'
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(200, content=answer["body"], headers={"ETag": etag})

    parse = KINDS["alerts_in_ua"].parse
    bench = Bench(url, parse(body), args.chats, args.seed)
    await bench.setup()
    client = httpx.AsyncClient(transport=httpx.MockTransport(respond))
    poller = FeedPoller(
        PollTarget(bench.feed_id, FEED_NAME, "alerts_in_ua", "https://bench.invalid/", 2, 10),
        AlertIntake(),
        client=client,
        sessions=bench.sessions,
        clock=lambda: bench.now,
        on_changes=lambda _events: None,
    )
    random_ids = random.Random(args.seed)
    ids = [record["location_uid"] for record in records]
    off: set[str] = set()

    def next_answer() -> None:
        nonlocal off
        off = set(random_ids.sample([i for i in ids if i not in off], args.changes))
        alerts = [record for record in records if record["location_uid"] not in off]
        answer["body"] = json.dumps({**envelope, "alerts": alerts}, ensure_ascii=False).encode()

    try:
        await poller.poll(force=True)  # the first answer: every location starts
        await bench.fan_out()
        totals, events = [], []
        for number in range(args.polls + 3):
            next_answer()
            bench.now += timedelta(seconds=2)
            started = time.perf_counter()
            outcome = await poller.poll(force=True)
            elapsed = (time.perf_counter() - started) * 1000
            await bench.fan_out()
            if not outcome.ok:
                raise SystemExit(f"poll failed: {outcome.error}")
            if number >= 3:  # the first ones warm the caches
                totals.append(elapsed)
                events.append(len(outcome.changes or []))
        print(
            f"  through the bot's FeedPoller (fetch from an in-process transport, parse, "
            f"store; events per poll: median {statistics.median(events):.0f}):"
        )
        print(f"    changed poll                     {summary(totals)}")
        quiet = []
        for _ in range(args.polls):
            bench.now += timedelta(seconds=2)
            started = time.perf_counter()
            outcome = await poller.poll(force=True)
            quiet.append((time.perf_counter() - started) * 1000)
            if not outcome.ok or outcome.changed:
                raise SystemExit(f"expected a 304: {outcome}")
        print(f"    quiet poll (304)                 {summary(quiet)}")
    finally:
        await client.aclose()
        await bench.close()


async def run_diff(args: argparse.Namespace, body: bytes, url: str) -> None:
    parse = KINDS["alerts_in_ua"].parse
    bench = Bench(url, parse(body), args.chats, args.seed)
    await bench.setup()
    try:
        cold = time.perf_counter()
        _, _, _, cold_events = await bench.poll(parse(body))
        await bench.fan_out()
        cold_ms = (time.perf_counter() - cold) * 1000
        print(
            f"  first poll (every location starts, {cold_events} events, outbox rows for "
            f"{args.chats} chats): {cold_ms:.1f} ms"
        )
        for _ in range(3):  # warm the connection and statement caches
            await bench.poll(bench.next_report(args.changes))
            await bench.fan_out()

        totals, parses, records, reconciles, commits, events = [], [], [], [], [], []
        fan_outs, cpus = [], []
        profiler = cProfile.Profile() if args.profile else None
        for _ in range(args.polls):
            report = bench.next_report(args.changes)
            # The poll parses the answer it got; the report is what that answer says.
            started = time.perf_counter()
            cpu_started = time.process_time()
            if profiler:
                profiler.enable()
            parse(body)
            parsed = time.perf_counter()
            record_ms, reconcile_ms, commit_ms, count = await bench.poll(report)
            finished = time.perf_counter()
            cpus.append((time.process_time() - cpu_started) * 1000)
            fan_outs.append(await bench.fan_out())
            if profiler:
                profiler.disable()
            parses.append((parsed - started) * 1000)
            totals.append((finished - started) * 1000)
            records.append(record_ms)
            reconciles.append(reconcile_ms)
            commits.append(commit_ms)
            events.append(count)

        quiet = []
        for _ in range(args.polls):
            record_ms, reconcile_ms, commit_ms, _count = await bench.poll(None)
            quiet.append(reconcile_ms + commit_ms)

        print(
            f"  changed poll, {args.changes} end + {args.changes} start "
            f"(events per poll: median {statistics.median(events):.0f}):"
        )
        print(f"    parse + diff (whole poll)        {summary(totals)}")
        print(f"      CPU time of it (all threads)   {summary(cpus)}")
        print(f"      parse                          {summary(parses)}")
        print(f"      record_observations            {summary(records)}")
        print(f"      reconcile                      {summary(reconciles)}")
        print(f"      commit                         {summary(commits)}")
        print(f"    then, in its own transactions: queue the direct messages to {args.chats} chats")
        print(f"      fan-out                        {summary(fan_outs)}")
        print(f"  quiet poll (304 / same index: reconcile only)  {summary(quiet)}")
        await breakdown(bench, args.polls)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
    finally:
        await bench.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--locations", type=int, default=1600)
    parser.add_argument("--polls", type=int, default=40)
    parser.add_argument("--changes", type=int, default=5, help="locations ending per poll")
    parser.add_argument("--chats", type=int, default=2000, help="subscribers (2 regions each)")
    parser.add_argument("--database-url", help="default: a SQLite file in a temp directory")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the changed polls")
    args = parser.parse_args(argv)

    ids = location_ids(args.locations)
    builders = {"alerts_in_ua": alerts_in_ua_payload, "ukrainealarm": ukrainealarm_payload}
    payloads = {kind: build(ids) for kind, build in builders.items()}
    print(f"python {sys.version.split()[0]}, {len(ids)} locations under alert (synthetic)")
    print("parse alone (the same alerts again, as every later poll meets them):")
    first_sights: dict[str, list[float]] = {}
    for kind, body in payloads.items():
        fresh = [builders[kind](ids, epoch) for epoch in range(1, 6)]
        timings, first_sights[kind], peak, count = time_parse(
            kind, body, fresh, max(args.polls, 20)
        )
        print(
            f"  {kind:13} {len(body) / 1024:5.0f} KiB -> {count} obs.  {summary(timings)}"
            f"   peak {peak / 2**20:.1f} MiB (tracemalloc)"
        )
    print("parse alone, every start time new (a feed's first answer):")
    for kind, timings in first_sights.items():
        print(f"  {kind:13} {summary(timings)}")
    body = payloads["alerts_in_ua"]
    started = time.perf_counter()
    for _ in range(10):
        json.loads(body)
    loads_ms = (time.perf_counter() - started) * 100
    print(f"  (json.loads of the alerts_in_ua answer alone: {loads_ms:.2f} ms)")

    print("parse + diff (alerts_in_ua answer):")
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{directory}/bench.db"
        print(f"  database: {url.split('://', 1)[0]}")
        asyncio.run(run_diff(args, payloads["alerts_in_ua"], url))
        if not args.database_url:
            url = f"sqlite+aiosqlite:///{directory}/poller.db"
            asyncio.run(run_poller(args, payloads["alerts_in_ua"], url))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS of the whole run: {rss / 1024:.0f} MiB (ru_maxrss)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
