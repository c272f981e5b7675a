"""What a resident reads (issue 16): a call to action, how long an alert lasted, the time
first with no year, the level once, one line per truce, Ukrainian cases and plurals; and one
short update when the threat of an alert changes while it goes on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.delivery.alert_texts import alert_message, kyiv_time, truce_note
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from bot.i18n import CATALOG
from bot.outages.texts import summary
from storage.models import AlertEvent
from storage.truces import UNSPECIFIED_PARTY, Claim, TruceView
from tests.conftest import BotFactory, Clock
from tests.payloads import lviv_alert
from tests.test_end_to_end import command, serve, settle

NOON = datetime(2025, 12, 1, 10, 0, tzinfo=UTC)  # 12:00 in Kyiv


def event(transition: str, **fields: Any) -> AlertEvent:
    values: dict[str, Any] = {
        "region_id": "27",
        "region_title": "Львівська область",
        "kind": "air_raid",
        "transition": transition,
        "occurred_at": NOON,
        "detected_at": NOON,
        "source": "test",
        "active_nearby": "27",
    }
    values.update(fields)
    return AlertEvent(**values)


def test_start_has_a_call_to_action_by_threat_and_the_level_once() -> None:
    plain = alert_message(event("start"), [], "uk")
    assert plain == "🔴 Повітряна тривога: Львівська область\nПочаток о 12:00\nПрямуйте в укриття!"
    drones = alert_message(
        event("start", level="yellow", threat="Дронова загроза (жовтий рівень)"), [], "uk"
    )
    assert "правило двох стін" in drones, "the source's reason names drones"
    assert drones.count("жовтий") == 1, drones
    assert "Загроза: Дронова загроза · рівень 🟡 жовтий" in drones
    ballistic = alert_message(event("start", threat="ballistic_missiles"), [], "uk")
    assert "Загроза балістики: негайно в укриття!" in ballistic
    artillery = alert_message(event("start", kind="artillery"), [], "uk")
    assert "подалі від вікон" in artillery


def test_end_says_how_long_it_lasted_in_the_genitive() -> None:
    end = event("end", occurred_at=NOON + timedelta(minutes=47), started_at=NOON, active_nearby="")
    assert alert_message(end, [], "uk") == (
        "🟢 Відбій повітряної тривоги: Львівська область\nКінець о 12:47, тривала 47 хв"
    )
    long = event("end", occurred_at=NOON + timedelta(hours=2), started_at=NOON, active_nearby="")
    assert "тривала 2 год" in alert_message(long, [], "uk")
    assert "lasted 2 h" in alert_message(long, [], "en")


def test_time_first_date_only_when_not_today_and_no_year() -> None:
    assert kyiv_time(NOON, NOON) == "12:00"
    assert kyiv_time(NOON - timedelta(days=1), NOON) == "12:00, 30.11"
    assert kyiv_time(NOON - timedelta(days=400), NOON) == "12:00, 27.10.2024"
    # Started before midnight, detected after: the date says which day.
    late = event("start", occurred_at=datetime(2025, 11, 30, 21, 55, tzinfo=UTC))
    text = alert_message(late, [], "uk")
    assert "Початок о 23:55, 30.11" in text and "2025" not in text and "Києвом" not in text


def truce(name: str, party: str) -> TruceView:
    claim = Claim(party, NOON - timedelta(days=1), NOON + timedelta(days=3), None)
    return TruceView(1, name, "energy", None, None, (claim,))


def test_one_short_line_per_truce_and_no_party_said_plainly() -> None:
    text = alert_message(
        event("start"), [truce("a", "Україна"), truce("b", UNSPECIFIED_PARTY)], "uk"
    )
    _alert, notes = text.split("\n\n")
    lines = notes.split("\n")
    assert len(lines) == 2, "one line per truce"
    assert "паузу в ударах «a» (удари по енергетиці; Україна, до 12:00, 04.12)" in lines[0]
    assert "сторону не вказано" in lines[1] and "unspecified" not in text
    assert "оголосив(ла)" not in text
    assert "party not given" in truce_note(truce("b", UNSPECIFIED_PARTY), NOON, "en")


def test_outage_hours_not_repeated() -> None:
    day = NOON.date()
    slots = "+" * 31 + "---" + "+" * 14  # 15:30-17:00 off, in half hours
    assert summary(day, slots, "uk") == "без світла 15:30–17:00"
    assert summary(day, "+" * 48, "uk") == "світло є весь день"
    two = "+" * 16 + "----" + "+" * 11 + "---" + "+" * 14
    assert summary(day, two, "uk").endswith("(разом 3,5 год без світла)")


def test_catalog_wording() -> None:
    uk = "\n".join(CATALOG["uk"].values())
    for wrong in ("пауза ударів", "паузу ударів", "паузи ударів", "як чинн", "оголосив(ла)"):
        assert wrong not in uk, wrong
    # Messages show Kyiv time without saying so on every line; the public web page, read from
    # anywhere, says once which time zone its times are in.
    messages = "\n".join(v for k, v in CATALOG["uk"].items() if not k.startswith("web."))
    assert "(за Києвом)" not in messages


async def test_grammar_in_replies(start_bot: BotFactory, bot_api: FakeBotApi) -> None:
    await start_bot()
    await command(bot_api, 1401, "/subscribe Lviv oblast")
    assert "Ви вже підписані на Львівську область." in await command(
        bot_api, 1401, "/subscribe Львівська область"
    )
    assert "Ви не були підписані на м. Київ." in await command(bot_api, 1401, "/unsubscribe Kyiv")
    assert "Автономну Республіку Крим" in await command(bot_api, 1401, "/unsubscribe Крим")
    await command(bot_api, 1401, "/subscribe Самбірський")
    assert "на Самбірський район" in await command(bot_api, 1401, "/subscribe Самбірський")


def record(level: str, threat: str) -> dict[str, Any]:
    item = lviv_alert()
    item["alert_level"] = level
    item["threats"] = [{"threat_type": threat, "level": level}]
    return item


async def test_threat_change_gives_one_short_update_at_most_once_a_minute(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    resident = 1402
    bot = await start_bot()
    await command(bot_api, resident, "/subscribe Lviv oblast")
    serve(feed_server, clock, record("yellow", "drones"))
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    start = bot_api.messages_to(resident)[-1]
    assert start.startswith("🔴 Повітряна тривога") and "ударні дрони" in start

    clock.advance(seconds=20)
    serve(feed_server, clock, record("red", "ballistic_missiles"))
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert bot_api.messages_to(resident)[-1] == start, "no update within a minute of the start"

    clock.advance(seconds=45)
    await bot.poll_now("alerts-in-ua")  # the same answer: the held change goes out now
    await settle(bot)
    update = bot_api.messages_to(resident)[-1]
    assert update == (
        "🔄 Повітряна тривога: Львівська область\n"
        "Загроза змінилася о 12:01\n"
        "Загроза: балістичні ракети · рівень 🔴 червоний\n"
        "Загроза балістики: негайно в укриття!"
    )
    count = len(bot_api.messages_to(resident))
    clock.advance(minutes=2)
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert len(bot_api.messages_to(resident)) == count, "one update per change"
