"""Quiet hours: messages in the window come without sound; air-raid alerts in the chat's own
regions stay loud unless the chat confirms otherwise. Nothing is dropped or delayed."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.delivery.quiet_hours import parse_window
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from tests.conftest import BotFactory, Clock
from tests.payloads import lviv_alert
from tests.test_end_to_end import command, serve, settle

RESIDENT = 1301


def silent_flags(api: FakeBotApi, chat_id: int) -> list[tuple[str, bool]]:
    """(first line, sent without sound) of each alert message the chat got."""
    return [
        ((m.text or "").split("\n")[0], m.params.get("disable_notification") in (True, "true"))
        for m in api.sent
        if m.chat_id == chat_id and m.method == "sendMessage" and m.text and m.text[0] in "🔴🟢🔄"
    ]


def artillery(started_at: str = "2025-03-18T09:59:00.000Z") -> dict[str, object]:
    record = lviv_alert(started_at, alert_id=91299)
    record["alert_type"] = "artillery_shelling"
    return record


def test_window_parsing_and_midnight_wrap() -> None:
    night = parse_window("23:00-07:00")
    assert night is not None
    assert night.contains(datetime(2025, 3, 18, 22, 30, tzinfo=UTC))  # 00:30 in Kyiv
    assert not night.contains(datetime(2025, 3, 18, 10, 0, tzinfo=UTC))  # 12:00 in Kyiv
    assert parse_window("7.00–9.30") is not None
    for bad in ("", "25:00-07:00", "23:00", "07:00-07:00", "soon"):
        assert parse_window(bad) is None, bad


async def test_quiet_hours_mute_all_but_own_air_raid_alerts(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    # The test clock is 11:58 in Kyiv: a window around it.
    reply = await command(bot_api, RESIDENT, "/quiet 11:00-13:00")
    assert "з 11:00 до 13:00" in reply and "зі звуком" in reply
    assert "/quiet_alerts" in await command(bot_api, RESIDENT, "/quiet_alerts")

    serve(feed_server, clock, lviv_alert(), artillery())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    flags = dict(silent_flags(bot_api, RESIDENT))
    assert flags == {
        "🔴 Повітряна тривога: Львівська область": False,
        "🔴 Загроза артобстрілу: Львівська область": True,
    }, "the air raid loud, the other alert silent, both sent at once"

    # Silencing air raids takes a second, explicit command.
    warning = await command(bot_api, RESIDENT, "/quiet_alerts silent")
    assert "/quiet_alerts silent confirm" in warning
    clock.advance(minutes=5)
    serve(feed_server, clock, lviv_alert())  # the artillery threat ends
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert silent_flags(bot_api, RESIDENT)[-1] == (
        "🟢 Відбій загрози артобстрілу: Львівська область",
        True,
    )
    assert "без звуку" in await command(bot_api, RESIDENT, "/quiet_alerts silent confirm")
    clock.advance(minutes=5)
    serve(feed_server, clock)  # the air raid ends
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert silent_flags(bot_api, RESIDENT)[-1] == (
        "🟢 Відбій повітряної тривоги: Львівська область",
        True,
    ), "confirmed: air raids silent in the window too"

    # Outside the window everything has sound.
    await command(bot_api, RESIDENT, "/quiet 20:00-07:00")
    clock.advance(minutes=5)
    serve(feed_server, clock, lviv_alert("2025-03-18T10:15:00.000Z", alert_id=91300))
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert silent_flags(bot_api, RESIDENT)[-1] == (
        "🔴 Повітряна тривога: Львівська область",
        False,
    )
    assert "вимкнено" in await command(bot_api, RESIDENT, "/quiet off")
    assert "не задано" in await command(bot_api, RESIDENT, "/quiet")
