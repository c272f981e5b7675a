"""Two-step queueing, on SQLite and PostgreSQL: an alert's channel posts commit with the event,
its direct messages follow in short transactions of their own; a crash in between or midway
loses nothing and repeats nothing, and a start that ended meanwhile is never sent alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from feeds.model import AlertKind, Observation
from feeds.source import CacheState
from storage import alert_fanout as fanout
from storage import channels, chats, migrate
from storage import feeds as feed_store
from storage import merge as alert_store
from storage import outbox as ob
from storage.db import create_engine, session_factory
from storage.models import AlertEvent, Feed, Outbox

NOW = datetime(2025, 3, 18, 10, 0, tzinfo=UTC)
LVIV = "27"
CHANNEL = -1001234
RESIDENTS = list(range(1, 8))

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        for chat_id in RESIDENTS:
            await chats.ensure_chat(session, chat_id, "private", NOW)
            await chats.subscribe(session, chat_id, LVIV, NOW, kinds=None)
        await channels.link(
            session, chat_id=CHANNEL, region_id=LVIV, title="Lviv", username=None, now=NOW
        )
        await feed_store.upsert_config_feed(
            session, name="f", kind="alerts_in_ua", url="https://x", interval=30, token_env=None
        )
    yield factory
    await engine.dispose()


async def poll(sessions: Sessions, at: datetime, *, alert: bool) -> list[AlertEvent]:
    """One poll of the feed reporting Lviv under air-raid alert (or not); its events."""
    observations = (
        [Observation(LVIV, "Львівська область", AlertKind.AIR_RAID, NOW)] if alert else []
    )
    async with sessions() as session, session.begin():
        feed_id = await session.scalar(select(Feed.id))
        assert feed_id is not None
        await alert_store.record_observations(session, feed_id, observations)
        await feed_store.record_success(session, feed_id, at, CacheState())
        return await alert_store.reconcile(session, source="f", now=at)


async def rows(sessions: Sessions, event_id: int) -> dict[int, tuple[str, int | None]]:
    async with sessions() as session:
        result = await session.execute(
            select(Outbox.chat_id, Outbox.status, Outbox.replaces_event_id).where(
                Outbox.event_id == event_id
            )
        )
        return {chat_id: (status, replaces) for chat_id, status, replaces in result}


async def waiting(sessions: Sessions) -> int:
    async with sessions() as session:
        return await session.run_sync(fanout.pending)


async def test_channel_post_commits_with_the_event_and_direct_messages_follow(
    sessions: Sessions,
) -> None:
    [start] = await poll(sessions, NOW, alert=True)
    assert await rows(sessions, start.id) == {CHANNEL: ("pending", None)}, (
        "committed with the event: the channel's post, nothing else yet"
    )
    assert await waiting(sessions) == 1
    async with sessions() as session, session.begin():
        [first] = await ob.claim(session, NOW, 10)
    assert first.chat_id == CHANNEL, "the dispatcher can post to the channel already"

    parts: list[int] = []
    written = await fanout.run(sessions, NOW, chunk=3, on_rows=lambda: parts.append(1))
    assert written == len(RESIDENTS)
    assert len(parts) == 3, "7 rows in parts of 3: three commits, the dispatcher woken each time"
    assert await waiting(sessions) == 0
    queued = await rows(sessions, start.id)
    assert set(queued) == {CHANNEL, *RESIDENTS}
    assert await fanout.run(sessions, NOW) == 0, "nothing left: a second run writes nothing"


async def test_a_small_broadcast_is_queued_at_once_a_big_one_after_the_channel_posts(
    sessions: Sessions,
) -> None:
    """issue 15: waiting for the channel post only pays when the rows are many (writing them
    would hold up the post); a few are written at once, so residents do not wait for it."""
    [start] = await poll(sessions, NOW, alert=True)
    events = [start]
    waits: list[int] = []

    async def channels_out() -> None:
        # The direct messages' rows of the event when the fan-out began to wait: none yet.
        waits.append(len(await rows(sessions, events[-1].id)) - 1)

    small = await fanout.run(sessions, NOW, before=channels_out, head_start_rows=len(RESIDENTS))
    assert small == len(RESIDENTS) and waits == [], "7 rows: written without waiting"

    [end] = await poll(sessions, NOW + timedelta(minutes=30), alert=False)
    events.append(end)
    big = await fanout.run(sessions, NOW, before=channels_out, head_start_rows=3)
    assert big == len(RESIDENTS) and waits == [0], "more than 3: one wait, before any row"
    assert set(await rows(sessions, end.id)) == {CHANNEL, *RESIDENTS}
    assert await waiting(sessions) == 0


async def test_a_stop_midway_is_finished_by_the_next_run_without_duplicates(
    sessions: Sessions,
) -> None:
    [start] = await poll(sessions, NOW, alert=True)
    calls = 0

    def stop_after_first() -> bool:
        return calls >= 1

    def count() -> None:
        nonlocal calls
        calls += 1

    await fanout.run(sessions, NOW, chunk=2, on_rows=count, stopping=stop_after_first)
    assert len(await rows(sessions, start.id)) == 1 + 2, "the channel and the first part"
    assert await waiting(sessions) == 1, "the note stays until the last part is written"
    async with sessions() as session, session.begin():
        claimed = [r.id for r in await ob.claim(session, NOW, 10)]
        await session.run_sync(ob.mark_sent, claimed, NOW)

    # As after a restart: the whole event is planned again; what was sent stays sent.
    await fanout.run(sessions, NOW, chunk=2)
    queued = await rows(sessions, start.id)
    assert set(queued) == {CHANNEL, *RESIDENTS}
    assert sorted(status for status, _ in queued.values()).count("sent") == 3
    assert await waiting(sessions) == 0


async def test_start_that_ended_before_its_fan_out_is_one_message_from_the_end(
    sessions: Sessions,
) -> None:
    [start] = await poll(sessions, NOW, alert=True)
    end_at = NOW + timedelta(minutes=3)
    [end] = await poll(sessions, end_at, alert=False)
    await fanout.run(sessions, end_at)

    started = await rows(sessions, start.id)
    assert {status for status, _ in started.values()} == {"superseded"}, (
        "nobody is told of an alert that is over"
    )
    ended = await rows(sessions, end.id)
    assert set(ended) == {CHANNEL, *RESIDENTS}
    assert {replaces for _, replaces in ended.values()} == {start.id}, (
        "each end says 'the alert lasted from X to Y'"
    )


async def test_start_that_ends_midway_through_its_fan_out_is_not_sent_after_the_end(
    sessions: Sessions,
) -> None:
    [start] = await poll(sessions, NOW, alert=True)
    parts = 0

    def count() -> None:
        nonlocal parts
        parts += 1

    await fanout.run(sessions, NOW, chunk=3, on_rows=count, stopping=lambda: parts >= 1)
    end_at = NOW + timedelta(minutes=1)
    [end] = await poll(sessions, end_at, alert=False)
    await fanout.run(sessions, end_at, chunk=3)

    started = await rows(sessions, start.id)
    assert set(started) == {CHANNEL, *RESIDENTS}
    assert {status for status, _ in started.values()} == {"superseded"}
    async with sessions() as session, session.begin():
        claimed = await ob.claim(session, end_at, 100)
    assert sorted(r.chat_id for r in claimed) == sorted([CHANNEL, *RESIDENTS])
    assert {r.event_id for r in claimed} == {end.id}, "one message each: the end"
    assert {r.replaces_event_id for r in claimed} == {start.id}
