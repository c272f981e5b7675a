"""Issue 16, "three messages in one second": raions of one oblast found together reach an oblast
subscriber as one message that names them; a raion subscriber still gets its own, at once.
Real PTB over loopback, the real poller and database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import AlertBot
from bot.delivery.alert_texts import group_message
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from feeds.model import AlertKind, Observation
from feeds.source import CacheState
from storage import alert_fanout as fanout
from storage import chats, migrate
from storage import feeds as feed_store
from storage import merge as alert_store
from storage import outbox as ob
from storage.alert_groups import WINDOW
from storage.db import create_engine, session_factory
from storage.models import AlertEvent, Feed, Outbox
from tests.conftest import ADMIN_ID, BotFactory, Clock
from tests.test_end_to_end import command, serve, settle, settle_held
from tests.test_regions_alerts import raion_alert

OBLAST, ENGLISH, STRYI = 201, 202, 203

LVIV = raion_alert("90", "Львівський район")
STRYI_RAION = raion_alert("89", "Стрийський район")
ZOLOCHIV = raion_alert("94", "Золочівський район")
SAMBIR = raion_alert("88", "Самбірський район")

START_UK = (
    "🔴 Повітряна тривога в 3 районах Львівської області: Золочівському, Львівському, "
    "Стрийському\n"
    "Початок о 11:58\n"
    "Прямуйте в укриття!\n"
    "Львівська область: під тривогою 3 з 7 районів"
)
START_EN = (
    "🔴 Air-raid alert in 3 raions of Lviv oblast: Zolochiv, Lviv, Stryi\n"
    "Started at 11:58\n"
    "Go to a shelter!\n"
    "Lviv oblast: 3 of 7 raions under alert"
)


async def _subscribe(bot_api: FakeBotApi) -> None:
    await command(bot_api, OBLAST, "/subscribe Lviv oblast")
    await command(bot_api, ENGLISH, "/lang en")
    await command(bot_api, ENGLISH, "/subscribe Lviv oblast")
    await command(bot_api, STRYI, "/subscribe Стрийський район")


def _alerts(api: FakeBotApi, chat_id: int) -> list[str]:
    return [m for m in api.messages_to(chat_id) if m.startswith(("🔴", "🟢"))]


async def _unsent(bot: AlertBot) -> int:
    assert bot.sessions is not None
    async with bot.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.status.in_(("pending", "inflight")))
            )
            or 0
        )


async def test_three_raions_in_one_poll_are_one_message_and_their_ends_another(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    database_url: str,
) -> None:
    bot = await start_bot(database_url)
    await _subscribe(bot_api)
    serve(feed_server, clock, LVIV, STRYI_RAION, ZOLOCHIV)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    [own] = _alerts(bot_api, STRYI)
    assert own.startswith("🔴 Повітряна тривога: Стрийський район\n"), "at once, not held"
    assert _alerts(bot_api, OBLAST) == [], "the oblast subscriber's rows wait the window"

    clock.advance(seconds=WINDOW.total_seconds())
    await settle(bot)
    assert _alerts(bot_api, OBLAST) == [START_UK]
    assert _alerts(bot_api, ENGLISH) == [START_EN]
    assert len(_alerts(bot_api, STRYI)) == 1, "the raion subscriber: its raion, once"

    clock.advance(minutes=1)  # a raion a minute later: a message of its own
    serve(feed_server, clock, LVIV, STRYI_RAION, ZOLOCHIV, SAMBIR)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    clock.advance(seconds=WINDOW.total_seconds())
    await settle(bot)
    later = _alerts(bot_api, OBLAST)[1:]
    assert len(later) == 1 and later[0].startswith("🔴 Повітряна тривога: Самбірський район\n")
    assert "Львівська область: під тривогою 4 з 7 районів" in later[0]

    clock.advance(minutes=40)
    serve(feed_server, clock, SAMBIR)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert _alerts(bot_api, STRYI)[-1].startswith("🟢 Відбій повітряної тривоги: Стрийський район")
    clock.advance(seconds=WINDOW.total_seconds())
    await settle(bot)
    ends = _alerts(bot_api, OBLAST)[2:]
    assert ends == [
        "🟢 Відбій повітряної тривоги в 3 районах Львівської області: Золочівському, "
        "Львівському, Стрийському\n"
        "Кінець о 12:41, тривала 43 хв\n"
        "⚠️ Львівська область: ще під тривогою 1 з 7 районів: Самбірський"
    ]
    assert _alerts(bot_api, ENGLISH)[2:] == [
        "🟢 All clear, air-raid alert in 3 raions of Lviv oblast: Zolochiv, Lviv, Stryi\n"
        "Ended at 12:41, lasted 43 min\n"
        "⚠️ Lviv oblast: still 1 of 7 raions under alert: Sambir"
    ]
    assert await _unsent(bot) == 0, "every row of a grouped message is marked sent"

    # A restart neither repeats a grouped message nor sends its parts one by one.
    before = len(bot_api.sent)
    await bot.stop()
    bot = await start_bot(database_url)
    clock.advance(seconds=WINDOW.total_seconds())
    await settle(bot)
    assert len(bot_api.sent) == before


async def test_a_raion_found_a_moment_later_joins_the_message(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    """The next poll (or the other source) finds the third raion a second later: still one."""
    bot = await start_bot()
    await _subscribe(bot_api)
    serve(feed_server, clock, LVIV, ZOLOCHIV)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    clock.advance(seconds=1)
    serve(feed_server, clock, LVIV, ZOLOCHIV, STRYI_RAION)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert _alerts(bot_api, OBLAST) == []
    clock.advance(seconds=WINDOW.total_seconds() - 1)
    await settle(bot)
    assert _alerts(bot_api, OBLAST) == [START_UK]
    assert len(_alerts(bot_api, STRYI)) == 1
    assert await _unsent(bot) == 0


async def test_held_rows_survive_a_restart_and_go_as_one(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    database_url: str,
) -> None:
    """Stopped while the oblast subscriber's rows wait for the window: after the restart they
    go, as one message, once."""
    bot = await start_bot(database_url)
    await _subscribe(bot_api)
    serve(feed_server, clock, LVIV, STRYI_RAION, ZOLOCHIV)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    await bot.stop()
    bot = await start_bot(database_url)
    clock.advance(seconds=WINDOW.total_seconds())
    await settle(bot)
    assert _alerts(bot_api, OBLAST) == [START_UK]
    assert await _unsent(bot) == 0


async def test_a_raion_and_a_hromada_are_named_as_places(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await _subscribe(bot_api)
    city = raion_alert("845", "м. Львів та Львівська територіальна громада")
    serve(feed_server, clock, STRYI_RAION, city)
    await bot.poll_now("alerts-in-ua")
    clock.advance(seconds=WINDOW.total_seconds())
    await settle(bot)
    [message] = _alerts(bot_api, OBLAST)
    assert message.startswith(
        "🔴 Повітряна тривога в 2 місцях Львівської області: "
        "м. Львів та Львівська територіальна громада, Стрийський район\n"
    )
    [english] = _alerts(bot_api, ENGLISH)
    assert english.startswith(
        "🔴 Air-raid alert in 2 places of Lviv oblast: Lviv city hromada, Stryi raion\n"
    )


async def test_a_grouped_message_carries_the_truce_note_once(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await _subscribe(bot_api)
    reply = await command(
        bot_api,
        ADMIN_ID,
        "/truce_set energy-2025 start=2025-03-18T00:00 end=2025-04-17T00:00 scope=energy "
        'regions=Lviv party="US-brokered, Ukraine"',
        user_id=ADMIN_ID,
    )
    assert reply.startswith("✅")
    serve(feed_server, clock, LVIV, STRYI_RAION, ZOLOCHIV)
    await bot.poll_now("alerts-in-ua")
    await settle_held(bot, clock)
    [message] = _alerts(bot_api, OBLAST)
    text, note = message.split("\n\n")
    assert text == START_UK, "the alert stands as it is"
    assert note.count("energy-2025") == 1 and "не гарантія" in note and "\n" not in note


# --- the queue itself (storage): a chat's rows of one wave are written together -----------

NOW = datetime(2025, 3, 18, 10, 0, tzinfo=UTC)
RESIDENTS = list(range(1, 8))
WAVE = [("90", "Львівський район"), ("89", "Стрийський район"), ("94", "Золочівський район")]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        for chat_id in RESIDENTS:
            await chats.ensure_chat(session, chat_id, "private", NOW)
            await chats.subscribe(session, chat_id, "27", NOW, kinds=None)
        await feed_store.upsert_config_feed(
            session, name="f", kind="alerts_in_ua", url="https://x", interval=30, token_env=None
        )
    yield factory
    await engine.dispose()


async def test_a_part_of_the_fan_out_holds_whole_chats_and_the_claim_takes_them_as_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Queued in parts of 3 rows and stopped after the first: that part is one chat's three
    rows (not three chats' first), and the claim takes them as one message, all in flight."""
    async with sessions() as session, session.begin():
        feed_id = await session.scalar(select(Feed.id))
        assert feed_id is not None
        observations = [Observation(r, title, AlertKind.AIR_RAID, NOW) for r, title in WAVE]
        await alert_store.record_observations(session, feed_id, observations)
        await feed_store.record_success(session, feed_id, NOW, CacheState())
        events = await alert_store.reconcile(session, source="f", now=NOW)
    assert len(events) == 3
    parts: list[int] = []
    await fanout.run(
        sessions, NOW, chunk=3, on_rows=lambda: parts.append(1), stopping=lambda: bool(parts)
    )
    async with sessions() as session, session.begin():
        assert await ob.claim(session, NOW, 100) == [], "held for the window"
        [message] = await ob.claim(session, NOW + WINDOW, 100)
    assert message.chat_id == RESIDENTS[0]
    assert sorted([message.event_id or 0, *message.member_events]) == sorted(e.id for e in events)
    async with sessions() as session:
        statuses = await session.scalars(
            select(Outbox.status).where(Outbox.id.in_(message.row_ids))
        )
        assert list(statuses) == ["inflight"] * 3


# --- the texts alone -------------------------------------------------------------------


def _event(region_id: str, transition: str, kind: str = "air_raid", **extra: Any) -> AlertEvent:
    return AlertEvent(
        id=int(region_id),
        region_id=region_id,
        region_title=region_id,
        kind=kind,
        transition=transition,
        occurred_at=NOW,
        detected_at=NOW,
        source="test",
        **extra,
    )


def test_plurals_prepositions_and_the_all_clear_of_the_whole_oblast() -> None:
    five = ["88", "89", "90", "91", "94"]
    nearby = ",".join(five)
    start = group_message([_event(r, "start", active_nearby=nearby) for r in five], [], "uk")
    assert start.startswith(
        "🔴 Повітряна тривога в 5 районах Львівської області: Дрогобицькому, Золочівському, "
        "Львівському, Самбірському, Стрийському\n"
    )
    fights = group_message(
        [_event(r, "start", kind="urban_fights", active_nearby="89,94") for r in ("89", "94")],
        [],
        "uk",
    )
    assert fights.startswith("🔴 Загроза вуличних боїв у 2 районах Львівської області: ")
    assert "Залишайтеся в укритті, не виходьте на вулицю!" in fights
    started = NOW - timedelta(minutes=47)
    ends = [_event(r, "end", active_nearby="", started_at=started) for r in ("89", "94")]
    assert group_message(ends, [], "uk") == (
        "🟢 Відбій повітряної тривоги в 2 районах Львівської області: Золочівському, "
        "Стрийському\n"
        "Кінець о 12:00, тривала 47 хв\n"
        "🟢 Львівська область: тривог більше немає"
    )
    assert group_message(ends, [], "en") == (
        "🟢 All clear, air-raid alert in 2 raions of Lviv oblast: Zolochiv, Stryi\n"
        "Ended at 12:00, lasted 47 min\n"
        "🟢 Lviv oblast: no alerts any more"
    )
