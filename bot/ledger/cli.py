"""``python -m bot history ...`` and ``python -m bot truce ...``: the truce ledger from the
command line, for operators and scripts.

``truce set|end`` take the chat's grammar (bot/commands/truce_args.py) and print the chat's
answers; ``truce report`` prints the report as text or ``--json`` and draws ``--chart``.
``history import`` reads the public dataset's files; ``history fetch`` backfills a month of one
region from alerts.in.ua. Exit 0 on success, 1 for bad input (an unknown truce, a file that is
not a history file, a refused request), 2 for a bad config (bot/cli.py).
"""

from __future__ import annotations

import asyncio
import json
import shlex
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO, TypeVar

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands.truce_args import ArgumentError, parse_truce_end, parse_truce_set
from bot.config import Config
from bot.delivery.alert_texts import window
from bot.i18n import t
from bot.ledger.render import chart_png, report_text, truces_text
from feeds import alerts_in_ua, alerts_in_ua_history, regions
from feeds.budgets import host_of
from feeds.fetch import fetch
from feeds.model import FeedError
from storage import history, ledger, migrate, places
from storage import truces as truce_store
from storage.db import create_engine, session_factory
from storage.models import BotState

EXIT_OK = 0
EXIT_BAD_INPUT = 1
CLI_ACTOR = 0  # who recorded a claim from the command line (Telegram ids are positive)
HISTORY_MAX_BYTES = 50 * 1024 * 1024
T = TypeVar("T")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Io:
    out: TextIO
    err: TextIO
    lang: str
    clock: Clock = utc_now


async def with_database(
    config: Config, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]
) -> T:
    """Run ``work`` on the configured database, migrated, with the places it learned known."""
    engine = create_engine(config.database.url)
    try:
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        async with sessions() as session:
            regions.register(await places.load(session))
        return await work(sessions)
    finally:
        await engine.dispose()


def run(config: Config, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[int]]) -> int:
    return asyncio.run(with_database(config, work))


# --- history ---------------------------------------------------------------------------


async def import_files(
    sessions: async_sessionmaker[AsyncSession], files: Sequence[str], io: Io
) -> int:
    code = EXIT_OK
    for name in files:
        try:
            text = await asyncio.to_thread(Path(name).read_text, encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            io.err.write(f"{name}: cannot read: {getattr(exc, 'strerror', None) or exc}\n")
            code = EXIT_BAD_INPUT
            continue
        try:
            async with sessions() as session, session.begin():
                summary = await history.import_text(session, text)
        except history.HistoryFormatError as exc:
            io.err.write(f"{name}: {exc}\n")
            code = EXIT_BAD_INPUT
            continue
        io.out.write(summary_line(name, summary) + "\n")
        for problem in summary.bad_rows[:10]:
            io.err.write(f"{name}: {problem} (skipped)\n")
    return code


def summary_line(name: str, summary: history.ImportSummary) -> str:
    line = (
        f"{name}: {summary.source} file, {summary.rows} rows: {summary.added} added, "
        f"{summary.already_present} already present"
    )
    if summary.bad_rows:
        line += f", {len(summary.bad_rows)} unreadable (skipped)"
    if summary.unmatched:
        rows = sum(summary.unmatched.values())
        names = "; ".join(sorted(summary.unmatched))
        line += (
            f"; {len(summary.unmatched)} places not in the region registry ({rows} rows), "
            f"kept under their oblast: {names}"
        )
    return line


def _history_feed(config: Config) -> tuple[str, str | None] | None:
    """The alerts.in.ua API base URL and token, from the first alerts.in.ua feed."""
    for feed in config.feeds:
        if feed.kind in ("alerts_in_ua", "alerts_in_ua_iot") and "/v1/" in feed.url:
            base = feed.url.split("/v1/", 1)[0]
            return base, feed.token.get_secret_value() if feed.token else None
    return None


_BUDGET_KEY = "history_requests:{host}"


async def _take_budget(
    sessions: async_sessionmaker[AsyncSession], host: str, now: datetime
) -> float | None:
    """Record a history request to ``host`` now; None if it fits the budget of
    :data:`feeds.alerts_in_ua_history.PER_MINUTE`, else the seconds to wait. Kept in the
    database, so separate runs of the command share it."""
    key = _BUDGET_KEY.format(host=host)
    async with sessions() as session, session.begin():
        row = await session.scalar(select(BotState).where(BotState.key == key))
        recent = []
        if row is not None:
            for text in row.value.split(","):
                try:
                    moment = datetime.fromisoformat(text)
                except ValueError:
                    continue
                if now - moment < timedelta(minutes=1):
                    recent.append(moment)
        if len(recent) >= alerts_in_ua_history.PER_MINUTE:
            return (min(recent) + timedelta(minutes=1) - now).total_seconds()
        value = ",".join(m.isoformat() for m in [*recent, now])
        if row is None:
            session.add(BotState(key=key, value=value, updated_at=now))
        else:
            row.value, row.updated_at = value, now
    return None


async def fetch_region(
    sessions: async_sessionmaker[AsyncSession],
    config: Config,
    query: str,
    io: Io,
    *,
    period: str = "month_ago",
) -> int:
    region = regions.resolve(query)
    if region is None:
        io.err.write(f"unknown region {query!r}\n")
        return EXIT_BAD_INPUT
    feed = _history_feed(config)
    if feed is None:
        io.err.write("no alerts.in.ua feed in the config: history fetch uses its URL and token\n")
        return EXIT_BAD_INPUT
    base, token = feed
    url = base + alerts_in_ua_history.PATH.format(uid=region.id, period=period)
    wait = await _take_budget(sessions, host_of(url), io.clock())
    if wait is not None:
        io.err.write(
            f"alerts.in.ua allows {alerts_in_ua_history.PER_MINUTE} history requests a minute; "
            f"try again in {max(1, round(wait))} s\n"
        )
        return EXIT_BAD_INPUT
    headers = alerts_in_ua.auth_headers(token) if token else {"Accept": "application/json"}
    try:
        async with httpx.AsyncClient(follow_redirects=False) as client:
            result = await fetch(
                client, url, headers=headers, timeout=30.0, max_bytes=HISTORY_MAX_BYTES
            )
        records = alerts_in_ua_history.parse_history(result.body or b"")
    except FeedError as exc:
        io.err.write(f"{region.name_en}: history fetch failed: {exc}\n")
        return EXIT_BAD_INPUT
    rows = history.rows_from_provider(records, "alerts_in_ua")
    async with sessions() as session, session.begin():
        added = await history.store(session, rows)
    io.out.write(
        f"{region.name_en} ({region.id}): {len(rows)} alerts in alerts.in.ua's {period} "
        f"history, {added} added, {len(rows) - added} already present\n"
    )
    return EXIT_OK


# --- truces ----------------------------------------------------------------------------


async def truce_set(
    sessions: async_sessionmaker[AsyncSession], words: Sequence[str], io: Io
) -> int:
    now = io.clock()
    try:
        args = parse_truce_set(shlex.join(words), now)
    except ArgumentError as exc:
        error = t(io.lang, "truce_set.error", error=t(io.lang, exc.key, **exc.values))
        io.err.write(f"{error}\n")
        return EXIT_BAD_INPUT
    async with sessions() as session, session.begin():
        result = await truce_store.set_claim(
            session,
            name=args.name,
            party=args.party,
            starts_at=args.starts_at,
            ends_at=args.ends_at,
            scope=args.scope,
            region_ids=args.region_ids,
            source=args.source,
            actor=CLI_ACTOR,
            now=now,
        )
    key = (
        "truce_set.created"
        if result.created
        else ("truce_set.replaced" if result.replaced else "truce_set.added")
    )
    text = t(
        io.lang,
        key,
        name=args.name,
        party=args.party,
        window=window(args.starts_at, args.ends_at, io.lang),
    )
    if result.reopened:
        text += t(io.lang, "truce_set.reopened")
    io.out.write(text + "\n")
    return EXIT_OK


async def truce_end(
    sessions: async_sessionmaker[AsyncSession], words: Sequence[str], io: Io
) -> int:
    try:
        args = parse_truce_end(shlex.join(words))
    except ArgumentError:
        io.err.write(t(io.lang, "truce_end.usage") + "\n")
        return EXIT_BAD_INPUT
    async with sessions() as session, session.begin():
        ended = await truce_store.end_truce(session, args.name, io.clock(), args.reason)
    if ended is None:
        io.err.write(t(io.lang, "truce_end.unknown", name=args.name) + "\n")
        return EXIT_BAD_INPUT
    io.out.write(t(io.lang, "truce_end.done", name=args.name) + "\n")
    return EXIT_OK


async def truce_list(sessions: async_sessionmaker[AsyncSession], io: Io) -> int:
    async with sessions() as session:
        views = await truce_store.list_truces(session)
    io.out.write(truces_text(views, io.clock(), io.lang) + "\n")
    return EXIT_OK


async def truce_report(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    io: Io,
    *,
    as_json: bool = False,
    chart: str | None = None,
    source: str | None = None,
) -> int:
    try:
        async with sessions() as session:
            report = await ledger.truce_report(session, name, io.clock(), source)
    except ledger.UnknownSource:
        io.err.write(
            t(io.lang, "report.bad_source", source=source, sources=", ".join(ledger.SOURCES)) + "\n"
        )
        return EXIT_BAD_INPUT
    if report is None:
        io.err.write(t(io.lang, "truce_end.unknown", name=name) + "\n")
        return EXIT_BAD_INPUT
    if chart:
        png = await asyncio.to_thread(chart_png, report, io.lang)
        try:
            await asyncio.to_thread(Path(chart).write_bytes, png)
        except OSError as exc:
            io.err.write(f"{chart}: cannot write the chart: {exc.strerror or exc}\n")
            return EXIT_BAD_INPUT
    if as_json:
        io.out.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")
    else:
        io.out.write(report_text(report, io.lang) + "\n")
        if chart:
            io.out.write(f"chart: {chart}\n")
    return EXIT_OK
