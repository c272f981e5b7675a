"""Seconds from the siren to the phone (issue 15): the earliest publish of an alert change to
its detection, the first channel post and the first direct message, for five setups side by
side in one run.

    .venv/bin/python bench/latency.py [--changes 200] [--duration 150] [--json]

Three fake providers on 127.0.0.1 in their real formats (alerts.in.ua ``/v1/alerts/active.json``;
ukrainealarm ``/api/v3/alerts/status`` + ``/api/v3/alerts``; siren.pp.ua, the same API without a
key) publish the same alert changes, each with its own lag (0 to ``--max-lag`` s after the
earliest, the order random). Many oblasts change independently at random moments, so a few
minutes hold hundreds of changes (one oblast's changes stay ``--region-gap`` s apart).

Each setup is the real bot (AlertBot, its own process, SQLite file, FakeBotApi recording the
arrival time of every message), a channel and three subscribers of every oblast:

- ``in_step``: the three sources at their default intervals (alerts.in.ua 6 s, siren.pp.ua 3 s,
  ukrainealarm 4 s), phased by bot/ingest/poll_phases.py;
- ``not_in_step``: the same with random phases (the FeedManager's ``phase_plan`` seam);
- ``one_source_10s`` / ``one_source_2s``: alerts.in.ua alone (Home Assistant's 10 s, the Home
  Front Command bot's 2 s);
- ``webhook``: ``in_step`` plus ukrainealarm's push, a signed POST at ukrainealarm's publish.

All delays are measured from the earliest publish of the three providers (the moment the
siren could have been known). Starts and ends are reported apart: the headline figures
(``p50_s``/``p90_s``/``p99_s`` in ``--json``, and the detection, channel post and time to
first send figures) are the alert STARTS, what a resident must see. An end waits for every
healthy source to agree (a webhook or a single source never ends an alert another still
reports), so ends are slower by design: ``ends_p50_s``/``ends_p90_s``/``ends_p99_s`` and the
``ends`` object; ``all_direct`` mixes both, as the first runs of this bench did.

Setups run concurrently (one process each; CLOCK_MONOTONIC is shared by the processes). Time
to first send (issue 15 part 4) is printed apart: from the event's detection to its channel
post's row, the row's claim and the first sendMessage at the fake; then from the channel
post to the claim of the first direct message (the fan-out lets channel posts go first) and
on to its arrival.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "true")

import aiohttp  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from bot.demo.fakes.feed_server import FakeFeedServer  # noqa: E402
from bot.ingest.poll_phases import PhasePlan, gaps_of, horizon_of, poll_times  # noqa: E402
from feeds import regions  # noqa: E402

TOKEN = "123456:LATENCY-BENCH"
AIU_PATH = "/v1/alerts/active.json"
UA_LIST = "/api/v3/alerts"
UA_STATUS = "/api/v3/alerts/status"
PUSH_PATH = "/push/ukrainealarm"
# Each oblast has a channel and three subscribers of its own: Telegram's one-message-a-second
# per chat would otherwise queue one oblast's alert behind another's in a shared chat.
SUBSCRIBERS_PER_REGION = 3


def channel_of(region: str) -> int:
    return -1_000_000 - int(region)


def subscribers_of(region: str) -> list[int]:
    return [int(region) * 10 + k for k in range(1, SUBSCRIBERS_PER_REGION + 1)]


CREATED = "2025-03-18 10:00:00.000000"
PROVIDERS = ("alerts_in_ua", "ukrainealarm", "siren_pp_ua")
# Always-on in real answers (Luhansk, Crimea) or cities: left out so each oblast is one title.
SKIPPED = {"16", "29", "30", "31"}
SETUPS = ("in_step", "not_in_step", "one_source_10s", "one_source_2s", "webhook")


def oblasts() -> list[regions.Region]:
    return [r for r in regions.top_level() if r.level == "oblast" and r.id not in SKIPPED]


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))], 3)


def spread(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_s": percentile(values, 0.5),
        "p90_s": percentile(values, 0.9),
        "p99_s": percentile(values, 0.99),
    }


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# -- the providers -----------------------------------------------------------------------


class Providers:
    """The three fake providers' answers, rewritten at each provider's own publish."""

    def __init__(self, aiu: FakeFeedServer, ua: FakeFeedServer, siren: FakeFeedServer) -> None:
        self.servers = {"alerts_in_ua": aiu, "ukrainealarm": ua, "siren_pp_ua": siren}
        self.active: dict[str, dict[str, datetime]] = {p: {} for p in PROVIDERS}
        self.index = {p: 1000 for p in PROVIDERS}
        for provider in PROVIDERS:
            self._render(provider)

    def publish(self, provider: str, region: str, on: bool) -> None:
        if on:
            self.active[provider][region] = datetime.now(UTC)
        else:
            self.active[provider].pop(region, None)
        self.index[provider] += 1
        self._render(provider)

    def _render(self, provider: str) -> None:
        server = self.servers[provider]
        active = self.active[provider]
        if provider == "alerts_in_ua":
            now = datetime.now(UTC)
            body: Any = {
                "alerts": [
                    {
                        "id": 50_000 + int(rid),
                        "location_title": regions.get(rid).name_uk,  # type: ignore[union-attr]
                        "location_type": "oblast",
                        "started_at": iso(since),
                        "finished_at": None,
                        "updated_at": iso(since),
                        "alert_type": "air_raid",
                        "location_oblast": regions.get(rid).name_uk,  # type: ignore[union-attr]
                        "location_uid": rid,
                        "notes": None,
                        "country": None,
                        "deleted_at": None,
                        "calculated": None,
                        "location_oblast_uid": int(rid),
                    }
                    for rid, since in active.items()
                ],
                "meta": {
                    "last_updated_at": now.strftime("%Y/%m/%d %H:%M:%S +0000"),
                    "type": "full",
                },
                "disclaimer": "If you use python try our official alerts_in_ua PiP package.",
            }
            # No Last-Modified: two publishes within one second must not answer 304.
            server.set(AIU_PATH, json.dumps(body, ensure_ascii=False).encode())
            return
        records = [
            {
                "regionId": rid,
                "regionType": "State",
                "regionName": regions.get(rid).name_uk,  # type: ignore[union-attr]
                "regionEngName": regions.get(rid).name_en,  # type: ignore[union-attr]
                "lastUpdate": iso(since),
                "activeAlerts": [
                    {
                        "regionId": rid,
                        "regionType": "State",
                        "type": "AIR",
                        "lastUpdate": iso(since),
                        "activeAlertLevels": [],
                    }
                ],
            }
            for rid, since in active.items()
        ]
        server.set(UA_LIST, json.dumps(records, ensure_ascii=False).encode())
        server.set(UA_STATUS, json.dumps({"lastActionIndex": self.index[provider]}).encode())


@dataclass(frozen=True)
class Change:
    at: float  # seconds after the schedule's start: the earliest publish
    region: str
    on: bool
    lags: dict[str, float]  # provider -> seconds after ``at``


def schedule(args: argparse.Namespace, rng: random.Random) -> list[Change]:
    """``--changes`` moments over ``--duration`` s; each goes to an oblast free for
    ``--region-gap`` s (a moment waits for the first one free)."""
    places = [r.id for r in oblasts()][: args.regions or None]
    free = dict.fromkeys(places, 0.0)
    state = dict.fromkeys(places, False)
    changes: list[Change] = []
    for moment in sorted(rng.uniform(0, args.duration) for _ in range(args.changes)):
        ready = [p for p in places if free[p] <= moment]
        if ready:
            region = rng.choice(ready)
        else:
            region = min(places, key=lambda p: free[p])
            moment = free[region]
        free[region] = moment + args.region_gap
        state[region] = not state[region]
        lags = {p: rng.uniform(0, args.max_lag) for p in PROVIDERS}
        first = min(lags.values())
        changes.append(
            Change(moment, region, state[region], {p: v - first for p, v in lags.items()})
        )
    return changes


# -- a setup's bot (a worker process) ----------------------------------------------------


def random_phases(intervals: Sequence[float]) -> PhasePlan:
    """Not in step: each feed at a random phase, as independent schedules would be."""
    phases = tuple(random.uniform(0, i) for i in intervals)
    if not intervals:
        return PhasePlan((), (), 0.0, ())
    horizon = horizon_of(intervals)
    gaps = tuple(gaps_of(poll_times(intervals, phases, horizon), horizon))
    return PhasePlan(tuple(intervals), phases, horizon, gaps)


async def make_database(path: Path) -> str:
    from storage import migrate
    from storage.db import create_engine

    url = f"sqlite+aiosqlite:///{path}"

    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    places = [r.id for r in oblasts()]
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executemany(
            "INSERT INTO chats (chat_id, kind, lang, active, created_at) VALUES (?,?,?,?,?)",
            ((i, "private", None, 1, CREATED) for p in places for i in subscribers_of(p)),
        )
        db.executemany(
            "INSERT INTO chats (chat_id, kind, lang, active, created_at, username) "
            "VALUES (?,?,?,?,?,?)",
            ((channel_of(p), "channel", None, 1, CREATED, f"bench_{p}") for p in places),
        )
        db.executemany(
            "INSERT INTO subscriptions (chat_id, region_id, created_at) VALUES (?,?,?)",
            ((c, p, CREATED) for p in places for c in (*subscribers_of(p), channel_of(p))),
        )
        db.commit()
    return url


async def worker(spec: dict[str, Any]) -> None:
    """Run one setup's bot until a line on stdin; then print what happened as JSON."""
    from sqlalchemy import select

    from bot.app import AlertBot
    from bot.config import Config, DatabaseConfig, FeedConfig, TelegramConfig, WebConfig
    from bot.demo.fakes.bot_api import FakeBotApi
    from bot.ingest.poll_phases import plan_phases
    from storage.db import create_engine, session_factory
    from storage.models import AlertEvent, Outbox

    url = await make_database(Path(spec["db"]))
    feeds = [
        FeedConfig(
            name=f["name"],
            kind=f["kind"],
            url=f["url"],
            **({"interval": f["interval"]} if "interval" in f else {}),
            token=SecretStr(f["token"]) if f.get("token") else None,
            public_key_file=f.get("public_key_file"),
        )
        for f in spec["feeds"]
    ]
    async with FakeBotApi(TOKEN) as api:
        config = Config(
            telegram=TelegramConfig(token=SecretStr(TOKEN), base_url=api.base_url),
            database=DatabaseConfig(url=url),
            feeds=feeds,
            web=WebConfig(listen=f"127.0.0.1:{spec['web_port']}")
            if spec["web_port"]
            else WebConfig(),
            allow_private_feeds=True,
        )
        plan = random_phases if spec["phases"] == "random" else plan_phases
        bot = AlertBot(config, phase_plan=plan)
        await bot.start()
        try:
            print("READY", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        finally:
            await bot.stop()
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with sessions() as session:
            events = (await session.scalars(select(AlertEvent))).all()
            rows = (await session.scalars(select(Outbox))).all()
        await engine.dispose()
        wall_minus_mono = time.time() - time.monotonic()

        def mono(moment: datetime | None) -> float | None:
            return None if moment is None else moment.timestamp() - wall_minus_mono

        result = {
            "events": [
                {
                    "id": e.id,
                    "region": e.region_id,
                    "transition": e.transition,
                    "detected": mono(e.detected_at),
                    "source": e.source,
                }
                for e in events
            ],
            "outbox": [
                {
                    "event": r.event_id,
                    "chat": r.chat_id,
                    "created": mono(r.created_at),
                    "claimed": mono(r.claimed_at),
                }
                for r in rows
                if r.event_id is not None
            ],
            "sent": [
                {"chat": m.chat_id, "text": m.text or "", "at": m.at}
                for m in api.sent
                if m.method == "sendMessage"
            ],
        }
    print("RESULT " + json.dumps(result), flush=True)


# -- the run -----------------------------------------------------------------------------


def feeds_for(setup: str, urls: dict[str, str], key_file: str) -> list[dict[str, Any]]:
    aiu = {"name": "alerts-in-ua", "kind": "alerts_in_ua", "url": urls["alerts_in_ua"]}
    aiu["token"] = "bench-token"
    three = [
        {**aiu, "interval": 6},
        {
            "name": "ukrainealarm",
            "kind": "ukrainealarm",
            "url": urls["ukrainealarm"],
            "interval": 4,
            "token": "bench-key",
        },
        {"name": "siren", "kind": "siren_pp_ua", "url": urls["siren_pp_ua"], "interval": 3},
    ]
    if setup == "one_source_10s":
        return [{**aiu, "interval": 10}]
    if setup == "one_source_2s":
        return [{**aiu, "interval": 2}]
    if setup == "webhook":
        push = {
            "name": "ua-push",
            "kind": "ukrainealarm_webhook",
            "url": f"https://bot.example{PUSH_PATH}",
            "public_key_file": key_file,
        }
        return [*three, push]
    return three


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def signed_push(key: rsa.RSAPrivateKey, region: str, on: bool) -> tuple[bytes, dict[str, str]]:
    now = datetime.now(UTC)
    body = json.dumps(
        {
            "regionId": region,
            "status": "Activate" if on else "Deactivate",
            "alarmType": "AIR",
            "createdAt": iso(now),
            "alertLevel": None,
            "reason": None,
            "activeAlertLevels": [],
        }
    ).encode()
    stamp = str(int(now.timestamp()))
    signature = key.sign(stamp.encode() + b"." + body, padding.PKCS1v15(), hashes.SHA256())
    headers = {
        "X-Webhook-Timestamp": stamp,
        "X-Webhook-Signature": base64.b64encode(signature).decode(),
        "Content-Type": "application/json",
    }
    return body, headers


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    changes = schedule(args, rng)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with tempfile.TemporaryDirectory(prefix="latency-") as tmp:
        key_file = Path(tmp) / "ukrainealarm.pem"
        key_file.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        async with (
            FakeFeedServer() as aiu,
            FakeFeedServer() as ua,
            FakeFeedServer() as siren,
            aiohttp.ClientSession() as http,
        ):
            providers = Providers(aiu, ua, siren)
            urls = {
                "alerts_in_ua": aiu.url(AIU_PATH),
                "ukrainealarm": ua.url(UA_LIST),
                "siren_pp_ua": siren.url(UA_LIST),
            }
            workers: dict[str, asyncio.subprocess.Process] = {}
            push_url = ""
            for setup in args.setups:
                port = free_port() if setup == "webhook" else 0
                if port:
                    push_url = f"http://127.0.0.1:{port}{PUSH_PATH}"
                spec = {
                    "db": str(Path(tmp) / f"{setup}.db"),
                    "feeds": feeds_for(setup, urls, str(key_file)),
                    "phases": "random" if setup == "not_in_step" else "plan",
                    "web_port": port,
                }
                workers[setup] = await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    "--worker",
                    json.dumps(spec),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=None if args.verbose else asyncio.subprocess.DEVNULL,
                    limit=2**26,
                )
            for setup, process in workers.items():
                assert process.stdout is not None
                async for line in process.stdout:
                    if line.startswith(b"READY"):
                        break
                else:
                    raise SystemExit(f"{setup}: the bot did not start")
            # The first polls see the quiet state; every setup has polled once by then.
            await asyncio.sleep(args.warmup)
            start = time.monotonic()
            published: list[float] = []
            pending: set[asyncio.Task[None]] = set()

            async def push(region: str, on: bool) -> None:
                body, headers = signed_push(key, region, on)
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.post(push_url, data=body, headers=headers) as reply:
                        await reply.read()

            moments = sorted(
                (change.at + lag, provider, change)
                for change in changes
                for provider, lag in change.lags.items()
            )
            for moment, provider, change in moments:
                delay = start + moment - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                providers.publish(provider, change.region, change.on)
                if provider == "ukrainealarm" and push_url:
                    task = asyncio.create_task(push(change.region, change.on))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
            published = [start + c.at for c in changes]
            await asyncio.sleep(args.tail)
            results: dict[str, Any] = {}
            for setup, process in workers.items():
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(b"stop\n")
                await process.stdin.drain()
                async for raw in process.stdout:
                    if raw.startswith(b"RESULT "):
                        results[setup] = json.loads(raw[len(b"RESULT ") :])
                        break
                await process.wait()
    report: dict[str, Any] = {
        "changes": len(changes),
        "duration_s": args.duration,
        "max_lag_s": args.max_lag,
    }
    for setup in args.setups:
        report[setup] = measure(changes, published, results.get(setup))
    return report


def measure(
    changes: list[Change], published: list[float], result: dict[str, Any] | None
) -> dict[str, Any]:
    if result is None:
        return {"error": "no result"}
    names = {r.id: r.name_uk for r in oblasts()}
    nexts: dict[int, float] = {}
    last: dict[str, int] = {}
    for i, change in enumerate(changes):
        if change.region in last:
            nexts[last[change.region]] = published[i]
        last[change.region] = i
    # Starts and ends apart: an end waits for every healthy source to agree (a webhook or one
    # source never ends an alert another still reports), so ends are slower by design; the
    # start is what a resident must see at once.
    kinds = ("start", "end")
    detect: dict[str, list[float]] = {k: [] for k in kinds}
    channel: dict[str, list[float]] = {k: [] for k in kinds}
    direct: dict[str, list[float]] = {k: [] for k in kinds}
    # The channel post's row is written with the event; the direct messages' rows after the
    # channel post is out (bot/delivery/fanout.py): channel_to_direct_claimed is that wait,
    # the fan-out's transaction and the dispatcher's claim.
    stage_names = (
        "detect_to_queued",
        "queued_to_claimed",
        "claimed_to_arrival",
        "channel_to_direct_claimed",
        "direct_claimed_to_arrival",
        "detect_to_first_direct",
    )
    stages: dict[str, dict[str, list[float]]] = {
        k: {name: [] for name in (*stage_names, "detect_to_first_send")} for k in kinds
    }
    winners: dict[str, Counter[str]] = {k: Counter() for k in kinds}
    missed = 0
    events = result["events"]
    first_rows: dict[int, dict[str, Any]] = {}
    direct_claimed: dict[int, float] = {}  # event -> its first direct message's claim
    channels = {channel_of(r.id) for r in oblasts()}
    for row in result["outbox"]:
        if row["chat"] in channels:
            first_rows[row["event"]] = row
        elif row["claimed"] is not None:
            seen = direct_claimed.get(row["event"])
            direct_claimed[row["event"]] = min(row["claimed"], seen or row["claimed"])
    for i, change in enumerate(changes):
        t0 = published[i]
        until = nexts.get(i, float("inf"))
        transition = "start" if change.on else "end"
        found = [
            e
            for e in events
            if e["region"] == change.region
            and e["transition"] == transition
            and t0 - 1.0 <= e["detected"] < until
        ]
        name = names[change.region]

        def first(
            chats: Sequence[int], t0: float = t0, until: float = until, name: str = name
        ) -> float | None:
            times = [
                m["at"]
                for m in result["sent"]
                if m["chat"] in chats and name in m["text"] and t0 <= m["at"] < until
            ]
            return min(times) if times else None

        to_channel = first([channel_of(change.region)])
        to_direct = first(subscribers_of(change.region))
        if not found or to_direct is None:
            missed += 1
            continue
        event = min(found, key=lambda e: e["detected"])
        winners[transition][event["source"]] += 1
        detect[transition].append(max(0.0, event["detected"] - t0))
        direct[transition].append(to_direct - t0)
        stage = stages[transition]
        stage["detect_to_first_direct"].append(to_direct - event["detected"])
        if to_channel is not None:
            channel[transition].append(to_channel - t0)
            stage["detect_to_first_send"].append(to_channel - event["detected"])
            row = first_rows.get(event["id"])
            if row is not None and row["created"] is not None and row["claimed"] is not None:
                stage["detect_to_queued"].append(row["created"] - event["detected"])
                stage["queued_to_claimed"].append(row["claimed"] - row["created"])
                stage["claimed_to_arrival"].append(to_channel - row["claimed"])
            claimed = direct_claimed.get(event["id"])
            if claimed is not None:
                stage["channel_to_direct_claimed"].append(claimed - to_channel)
                stage["direct_claimed_to_arrival"].append(to_direct - claimed)
    ends = spread(direct["end"])
    return {
        # The headline figures are the STARTS: the alert a resident must see.
        **spread(direct["start"]),
        **{f"ends_{key}": value for key, value in ends.items() if key != "n"},
        "missed": missed,
        "detection": spread(detect["start"]),
        "first_channel_post": spread(channel["start"]),
        "first_direct_message": spread(direct["start"]),
        "time_to_first_send": {k: spread(v) for k, v in stages["start"].items()},
        "winners": dict(winners["start"].most_common()),
        "ends": {
            "detection": spread(detect["end"]),
            "first_channel_post": spread(channel["end"]),
            "first_direct_message": ends,
            "time_to_first_send": {k: spread(v) for k, v in stages["end"].items()},
            "winners": dict(winners["end"].most_common()),
        },
        # Starts and ends together, as the first runs of this bench reported them.
        "all_direct": spread(direct["start"] + direct["end"]),
    }


def table(report: dict[str, Any], setups: Sequence[str]) -> str:
    def cell(s: dict[str, Any]) -> str:
        return " / ".join(
            "-" if s[k] is None else f"{s[k]:.2f}" for k in ("p50_s", "p90_s", "p99_s")
        )

    def rows(part: str) -> list[str]:
        head = f"{'setup':<16}{'detection':>22}{'channel post':>22}{'direct message':>22}"
        lines = [head + "  won by"]
        for setup in setups:
            r = report[setup]
            if "error" in r:
                lines.append(f"{setup:<16}{r['error']}")
                continue
            r = r if part == "starts" else r["ends"]
            won = ", ".join(f"{k} {v}" for k, v in r["winners"].items())
            missed = report[setup]["missed"]
            lines.append(
                f"{setup:<16}{cell(r['detection']):>22}{cell(r['first_channel_post']):>22}"
                f"{cell(r['first_direct_message']):>22}  {won}"
                + (f" (missed {missed})" if missed and part == "starts" else "")
            )
        return lines

    lines = [
        f"{report['changes']} changes over {report['duration_s']} s, providers up to "
        f"{report['max_lag_s']} s apart; seconds from the earliest publish, p50 / p90 / p99",
        "",
        "STARTS (the alert a resident must see; p50_s/p90_s/p99_s in --json):",
        *rows("starts"),
        "",
        "ends (wait for every healthy source to agree, slower by design; ends_p50_s/...; an end"
        " edits its start's channel post within [delivery] channel_edit_window: no new post):",
        *rows("ends"),
        "",
        "time to first send of the starts (detection -> first sendMessage at the fake), "
        "p50 / p90 / p99",
    ]
    for setup in setups:
        r = report[setup]
        if "error" in r:
            continue
        stages = r["time_to_first_send"]
        lines.append(
            f"{setup:<16}"
            + "  ".join(
                f"{k} {cell(v)}" for k, v in stages.items() if not k.startswith("detect_to_f")
            )
            + f"  total {cell(stages['detect_to_first_send'])}"
            + f"  detection to first direct message {cell(stages['detect_to_first_direct'])}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--duration", type=float, default=150.0, help="seconds of changes")
    parser.add_argument("--max-lag", type=float, default=1.5)
    parser.add_argument("--region-gap", type=float, default=14.0)
    parser.add_argument(
        "--regions", type=int, default=0, help="oblasts that change (default: all 22)"
    )
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--tail", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--setups", nargs="+", default=list(SETUPS), choices=SETUPS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="the bots' logs on stderr")
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker(json.loads(args.worker)))
        return
    report = asyncio.run(run(args))
    print(json.dumps(report) if args.json else table(report, args.setups))


if __name__ == "__main__":
    main()
