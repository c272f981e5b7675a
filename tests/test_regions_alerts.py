"""Granularity people live in: oblast, raion and hromada subscribers, alert kinds, places the
sources teach the registry, and threat details in the message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.delivery.alert_texts import still_lines
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from storage.models import AlertEvent
from tests.conftest import FEED_PATH, BotFactory, Clock, sample
from tests.payloads import lviv_alert
from tests.test_end_to_end import command, serve, settle, settle_held

OBLAST, CITY = 101, 102


def raion_alert(uid: str = "90", title: str = "Львівський район", **extra: Any) -> dict[str, Any]:
    """A raion-level record in the shape of the real 2024 hromada record (test-built)."""
    record = lviv_alert(alert_id=int(uid) * 1000)
    record.update(
        location_title=title,
        location_type="raion",
        location_uid=uid,
        location_raion=title,
        **extra,
    )
    return record


async def test_oblast_subscriber_hears_raion_alert_with_count_and_hromada_hears_oblast(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, OBLAST, "/subscribe Lviv oblast")
    await command(bot_api, CITY, "/subscribe м. Львів")
    serve(feed_server, clock, raion_alert("90"), raion_alert("93", "Яворівський район"))
    await bot.poll_now("alerts-in-ua")
    await settle_held(bot, clock)
    oblast_msgs = bot_api.messages_to(OBLAST)[1:]
    assert len(oblast_msgs) == 1, "one message for the raions found together (issue 16)"
    assert oblast_msgs[0].startswith(
        "🔴 Повітряна тривога в 2 районах Львівської області: Львівському, Яворівському\n"
    )
    assert "Львівська область: під тривогою 2 з 7 районів" in oblast_msgs[0]
    city_msgs = bot_api.messages_to(CITY)[1:]
    assert len(city_msgs) == 1, "the city hears its own raion, not the neighbour's"
    assert city_msgs[0].startswith("🔴 Повітряна тривога: Львівський район")

    clock.advance(minutes=5)
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert bot_api.messages_to(CITY)[-1].startswith("🔴 Повітряна тривога: Львівська область"), (
        "an oblast-wide alert reaches a hromada subscriber"
    )


async def test_alert_kinds_choice(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    reply = await command(bot_api, OBLAST, "/subscribe Львівська область kinds=artillery")
    assert "Лише ці тривоги: Загроза артобстрілу" in reply
    reply = await command(bot_api, OBLAST, "/subscribe Lviv oblast kinds=rain")
    assert "kinds=air,artillery" in reply
    assert "Загроза артобстрілу" in await command(bot_api, OBLAST, "/mysubs")
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert len(bot_api.messages_to(OBLAST)) == 3, "no air-raid message for an artillery-only chat"
    clock.advance(minutes=1)
    artillery = lviv_alert(alert_id=5)
    artillery["alert_type"] = "artillery_shelling"
    serve(feed_server, clock, lviv_alert(), artillery)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert bot_api.messages_to(OBLAST)[-1].startswith("🔴 Загроза артобстрілу: Львівська область")
    assert "Усі види" in await command(bot_api, OBLAST, "/subscribe Lviv oblast kinds=all")


async def test_unknown_hromada_is_learned_and_survives_restart(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, database_url: str
) -> None:
    bot = await start_bot(database_url)
    assert "Не знаю регіону" in await command(bot_api, OBLAST, "/subscribe Нікопольська громада")
    feed_server.set(FEED_PATH, sample("alerts_in_ua_active_2024-05-06_with_hromada.json"))
    await bot.poll_now("alerts-in-ua")
    await bot.stop()
    await start_bot(database_url)
    reply = await command(bot_api, OBLAST, "/regions Нікопольська")
    assert "351 — Нікопольська територіальна громада" in reply
    reply = await command(bot_api, OBLAST, "/subscribe 351")
    assert "Підписано: Нікопольська територіальна громада" in reply


async def test_regions_command(start_bot: BotFactory, bot_api: FakeBotApi) -> None:
    await start_bot()
    top = await command(bot_api, OBLAST, "/regions")
    assert "27 — Львівська область" in top and top.count("\n") >= 27
    lviv = await command(bot_api, OBLAST, "/regions Lviv")
    assert "90 — Львівський район" in lviv and "845 — м. Львів" in lviv
    assert "/subscribe 27" in lviv
    assert "27 — Львівська область" in await command(bot_api, OBLAST, "/regions Lviw")


async def test_threat_level_and_type_in_the_message(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    """Fields as the official client models them (alert_level, threats); test-built record."""
    bot = await start_bot()
    await command(bot_api, OBLAST, "/lang en")
    await command(bot_api, OBLAST, "/subscribe Lviv oblast")
    record = lviv_alert()
    record["alert_level"] = "red"
    record["threats"] = [
        {
            "threat_type": "ballistic_missiles",
            "level": "red",
            "started_at": "2025-03-18T09:58:12.000Z",
            "source_message": "Загроза балістики",
        }
    ]
    serve(feed_server, clock, record)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    message = bot_api.messages_to(OBLAST)[-1]
    assert "Ballistic threat: take shelter now!" in message, "the call to action by threat"
    assert "Threat: ballistic missiles · level 🔴 red" in message
    assert message.count("red") == 1, "the level is said once"


RAION = 103


async def test_status_shows_an_oblast_under_alert_in_parts(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    """Since November 2025 there are no oblast-wide alarms: 3 of Lviv oblast's 7 raions under
    alert must not read "тривоги немає" for the oblast."""
    bot = await start_bot()
    await command(bot_api, OBLAST, "/subscribe Lviv oblast")
    await command(bot_api, RAION, "/subscribe Львівський район")
    await command(bot_api, CITY, "/subscribe м. Львів")
    serve(
        feed_server,
        clock,
        raion_alert("88", "Самбірський район"),
        raion_alert("89", "Стрийський район"),
        raion_alert("93", "Яворівський район"),
        raion_alert("845", "м. Львів та Львівська територіальна громада"),
    )
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    status = await command(bot_api, OBLAST, "/status")
    assert "тривоги немає" not in status
    assert (
        "🟠 Львівська область: повітряна тривога у частині регіону, під тривогою 4 з 7 районів: "
        "Львівський (м. Львів та Львівська територіальна громада), Самбірський, Стрийський, "
        "Яворівський"
    ) in status
    raion = await command(bot_api, RAION, "/status")
    assert "тривоги немає" not in raion
    assert (
        "🟠 Львівський район: повітряна тривога у частині регіону, під тривогою: "
        "м. Львів та Львівська територіальна громада"
    ) in raion
    assert "🔴 м. Львів та Львівська територіальна громада: Повітряна тривога з" in (
        await command(bot_api, CITY, "/status")
    )
    reply = await command(bot_api, 104, "/subscribe Lviv oblast")
    assert "під тривогою 4 з 7 районів" in reply, "subscribing says so too"
    english = 105
    await command(bot_api, english, "/lang en")
    await command(bot_api, english, "/subscribe Lviv oblast")
    assert "🟠 Lviv oblast: air-raid alert in part of the region, 4 of 7 raions under alert: " in (
        await command(bot_api, english, "/status")
    )

    clock.advance(minutes=5)
    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert "🟢 Львівська область: тривоги немає" in await command(bot_api, OBLAST, "/status")


async def test_oblast_subscriber_reads_what_still_goes_on_when_a_raion_ends(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, OBLAST, "/subscribe Lviv oblast")
    await command(bot_api, RAION, "/subscribe Львівський район")
    sambir = raion_alert("88", "Самбірський район")
    stryi = raion_alert("89", "Стрийський район")
    city = raion_alert("845", "м. Львів та Львівська територіальна громада")
    serve(feed_server, clock, sambir, stryi, city)
    await bot.poll_now("alerts-in-ua")
    await settle_held(bot, clock)
    assert bot_api.messages_to(OBLAST)[-1].startswith(
        "🔴 Повітряна тривога в 3 місцях Львівської області: м. Львів та Львівська "
        "територіальна громада, Самбірський район, Стрийський район\n"
    ), "one message for the places found together (issue 16)"
    assert (
        "під тривогою 3 з 7 районів: Львівський (м. Львів та Львівська територіальна "
        in (bot_api.messages_to(OBLAST)[-1])
    ), "a start names the raions under alert"

    clock.advance(minutes=10)
    serve(feed_server, clock, stryi, city)
    await bot.poll_now("alerts-in-ua")
    await settle_held(bot, clock)
    end = bot_api.messages_to(OBLAST)[-1]
    assert end.startswith("🟢 Відбій повітряної тривоги: Самбірський район")
    assert end.endswith(
        "⚠️ Львівська область: ще під тривогою 2 з 7 районів: "
        "Львівський (м. Львів та Львівська територіальна громада), Стрийський"
    )

    clock.advance(minutes=10)
    serve(feed_server, clock, stryi)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    # The raion's subscriber hears the end of the city hromada's alert inside the raion.
    end = bot_api.messages_to(RAION)[-1]
    assert end.startswith("🟢 Відбій повітряної тривоги: м. Львів та Львівська територіальна")
    assert end.endswith("⚠️ Львівська область: ще під тривогою 1 з 7 районів: Стрийський")

    clock.advance(minutes=10)
    serve(feed_server, clock)
    await bot.poll_now("alerts-in-ua")
    await settle_held(bot, clock)
    last = bot_api.messages_to(OBLAST)[-1]
    assert last.startswith("🟢 Відбій повітряної тривоги: Стрийський район")
    assert last.endswith("🟢 Львівська область: тривог більше немає")
    assert "⚠️" not in last


async def test_a_raion_subscriber_is_told_of_hromadas_still_under_alert(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    """The raion's own alert ends while the city hromada inside it goes on."""
    bot = await start_bot()
    await command(bot_api, RAION, "/subscribe Львівський район")
    lviv_raion = raion_alert("90")
    city = raion_alert("845", "м. Львів та Львівська територіальна громада")
    serve(feed_server, clock, lviv_raion, city)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    clock.advance(minutes=10)
    serve(feed_server, clock, city)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    end = bot_api.messages_to(RAION)[-1]
    assert end.startswith("🟢 Відбій повітряної тривоги: Львівський район")
    assert end.endswith(
        "⚠️ Львівська область: ще під тривогою 1 з 7 районів: "
        "Львівський (м. Львів та Львівська територіальна громада)"
    )


def ended(region_id: str, kind: str, active_nearby: str) -> AlertEvent:
    return AlertEvent(
        region_id=region_id,
        region_title=region_id,
        kind=kind,
        transition="end",
        occurred_at=datetime(2025, 12, 1, 10, 0, tzinfo=UTC),
        detected_at=datetime(2025, 12, 1, 10, 0, tzinfo=UTC),
        source="test",
        active_nearby=active_nearby,
    )


def test_an_end_says_what_still_goes_on_for_part_of_oblast_reports() -> None:
    """alerts.in.ua IoT's "part of the oblast" ("P") is kept as its own kind (test-built)."""
    # "Part of the oblast" ended while the oblast-wide alert from another source goes on.
    assert still_lines(ended("27", "air_raid_partial", "27"), "uk") == [
        "⚠️ Тривога триває: Львівська область"
    ]
    # A raion's alert ended; the IoT feed still says part of the oblast is under alert.
    assert still_lines(ended("88", "air_raid", "27~"), "uk") == [
        "⚠️ Триває: повітряна тривога в частині області, Львівська область"
    ]
    assert still_lines(ended("88", "air_raid", ""), "en") == ["🟢 Lviv oblast: no alerts any more"]
    assert still_lines(ended("27", "air_raid", ""), "uk") == [], "the oblast's own all clear"
