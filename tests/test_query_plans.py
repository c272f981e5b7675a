"""The statements every poll and fan-out runs find their rows by key on SQLite: none reads a
table that grows with time or with subscribers (the event history, the outbox, the chats)
from end to end.

Found the hard way: a list of (region, kind) pairs made SQLite scan every event ever recorded
(100 ms at 200,000 events), and a status test made it walk every pending row of a broadcast.
Plans are asked of SQLite itself (EXPLAIN QUERY PLAN) for the statements the code really runs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from feeds.model import AlertKind, Observation
from storage import alert_fanout as fanout
from storage import channels, chats, migrate
from storage import feeds as feed_store
from storage import merge as alert_store
from storage import outbox as ob
from storage.alert_groups import WINDOW
from storage.db import create_engine, session_factory
from storage.models import AlertEvent

NOW = datetime(2026, 9, 25, 9, 0, tzinfo=UTC)
GROWING = (
    "alert_events",
    "outbox",
    "feed_observations",
    "truce_evidence",
    "chats",
    "subscriptions",
)

Captured = list[tuple[str, Any]]


@pytest.fixture
async def database(
    sqlite_url: str,
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], Captured, str]]:
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    captured: Captured = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    yield session_factory(engine), captured, str(make_url(sqlite_url).database)
    await engine.dispose()


def full_scans(path: str, captured: Captured) -> list[str]:
    """Each statement that reads a growing table from end to end, with the plan's line."""
    found = []
    with sqlite3.connect(path) as connection:
        for statement, parameters in captured:
            if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            many = isinstance(parameters, list)
            values = parameters[0] if many and parameters else parameters
            for *_ids, detail in connection.execute(f"EXPLAIN QUERY PLAN {statement}", values):
                scans = any(f"SCAN {table}" in detail for table in GROWING)
                # Pairs looked up among a feed's rows, found by the feed alone: every row of it.
                by_feed = "kind) IN (" in statement and detail.endswith("(feed_id=?)")
                # The status index is the dispatcher's queue order; with events named, a walk.
                by_status = "ix_outbox_status_priority_id" in detail and "event_id IN" in statement
                if scans or by_feed or by_status:
                    found.append(f"{detail}: {statement}")
    return found


async def test_a_changed_poll_and_its_fan_out_read_by_key(
    database: tuple[async_sessionmaker[AsyncSession], Captured, str],
) -> None:
    sessions, captured, path = database
    places = ["27", "31", "14", "46"]
    raions = ["90", "89"]  # Lviv oblast's: its subscriber gets them as one message

    def report(active: list[str]) -> list[Observation]:
        return [Observation(p, p, AlertKind.AIR_RAID, NOW) for p in active]

    async with sessions() as session, session.begin():
        feed_id = await _feed(session)
        for chat_id in (1, 2, 3):
            await chats.ensure_chat(session, chat_id, "private", NOW)
            await chats.subscribe(session, chat_id, places[chat_id], NOW, kinds=None)
        await chats.ensure_chat(session, 4, "private", NOW)
        await chats.subscribe(session, 4, "27", NOW, kinds=None)
        await channels.link(
            session, chat_id=-100, region_id="27", title="Lviv", username=None, now=NOW
        )
    previous = None
    # Starts, then ends, then starts again.
    for active in (places + raions, places[:2], places + raions):
        async with sessions() as session, session.begin():
            recorded = await alert_store.record_observations(
                session, feed_id, report(active), previous=previous
            )
            previous = recorded.report
            await alert_store.reconcile(
                session,
                source="f",
                now=NOW,
                only=recorded.touched,
                healthy={feed_id: "alerts_in_ua"},
            )
        await fanout.run(sessions, NOW)
    async with sessions() as session, session.begin():
        mark = len(captured)  # the test's own look at the events is not under test
        ends = [e for e in (await session.scalars(_events())).all() if e.transition == "end"]
        del captured[mark:]
        await ob.enqueue_alerts(
            session, [ob.AlertDelivery(e, [1, 2], ob.PRIORITY_AIR_RAID) for e in ends], NOW
        )
        # What the dispatcher does for every batch it sends.
        claimed = await ob.claim(session, NOW, 10)
        assert claimed, "nothing to send"
        events = {c.event_id for c in claimed if c.event_id is not None}
        await ob.load_events(session, events)
        await ob.evidence(session, events)
        await session.run_sync(ob.mark_sent, [c.id for c in claimed], NOW)
        # The oblast subscriber's rows of the raions, held until the window is over.
        assert await ob.next_hold(session, NOW) == NOW + WINDOW
        grouped = await ob.claim(session, NOW + WINDOW, 10)
        assert any(c.members for c in grouped), "the raions' starts as one message"
    assert any("DELETE FROM feed_observations" in s for s, _ in captured), "nothing ended"
    assert any("UPDATE outbox" in s for s, _ in captured), "nothing superseded"
    assert full_scans(path, captured) == []


async def _feed(session: AsyncSession) -> int:
    feed = await feed_store.upsert_config_feed(
        session, name="f", kind="alerts_in_ua", url="https://x", interval=30, token_env=None
    )
    return feed.id


def _events() -> Any:
    return select(AlertEvent).order_by(AlertEvent.id)
