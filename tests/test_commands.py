"""Residents' and admins' commands over real PTB: every command answers in its chat."""

from __future__ import annotations

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from tests.conftest import ADMIN_ID, BotFactory, Clock
from tests.payloads import lviv_alert
from tests.test_end_to_end import RESIDENT, command, serve, settle


async def test_help_lists_commands_and_admin_help_only_for_admins(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    text = await command(bot_api, RESIDENT, "/help")
    for name in ("/subscribe", "/unsubscribe", "/mysubs", "/status", "/truces", "/lang"):
        assert name in text
    assert "/truce_set" not in text
    assert "/truce_set" in await command(bot_api, ADMIN_ID, "/help")


async def test_subscribe_spellings_and_unknown_region(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    assert "Підписано: Львівська область" in await command(
        bot_api, RESIDENT, "/subscribe Львівська"
    )
    for spelling in ("Lviv oblast", "Львівська область", "lvivska", "27"):
        reply = await command(bot_api, RESIDENT, f"/subscribe {spelling}")
        assert "Ви вже підписані на Львівську область." in reply, spelling
    reply = await command(bot_api, RESIDENT, "/subscribe Lviw")
    assert "Не знаю регіону «Lviw»" in reply
    suggestions = str(bot_api.sent[-1].params.get("reply_markup"))
    assert "Львівська область" in suggestions, "suggestions are buttons naming the likely region"
    usage = await command(bot_api, RESIDENT, "/subscribe")  # the picker, with the typed form
    assert "/subscribe <регіон>" in usage
    mysubs = await command(bot_api, RESIDENT, "/mysubs")
    assert mysubs.count("•") == 1


async def test_unsubscribe_one_and_all(start_bot: BotFactory, bot_api: FakeBotApi) -> None:
    await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    await command(bot_api, RESIDENT, "/subscribe Kyiv")
    assert "Відписано: Львівська область" in await command(bot_api, RESIDENT, "/unsubscribe Lviv")
    assert "ні на м. Львів, ні на Львівську область" in await command(
        bot_api, RESIDENT, "/unsubscribe Lviv"
    )
    assert "м. Київ" in await command(bot_api, RESIDENT, "/mysubs")
    assert "(1)" in await command(bot_api, RESIDENT, "/unsubscribe all")
    assert "немає підписок" in await command(bot_api, RESIDENT, "/mysubs")
    assert "/unsubscribe <регіон|all>" in await command(bot_api, RESIDENT, "/unsubscribe")


async def test_unsubscribed_chat_gets_no_alert(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    await command(bot_api, RESIDENT, "/unsubscribe all")
    before = len(bot_api.messages_to(RESIDENT))
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == before


async def test_status_shows_alerts_and_truce_in_force(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    assert "немає підписок" in await command(bot_api, RESIDENT, "/status")
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    await command(bot_api, RESIDENT, "/subscribe Odesa")
    await command(bot_api, ADMIN_ID, "/truce_set energy start=2025-03-18 scope=energy regions=27")
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    status = await command(bot_api, RESIDENT, "/status")
    assert "🔴 Львівська область: Повітряна тривога з 11:58" in status
    assert "🟢 Одеська область: тривоги немає" in status
    assert "«energy»" in status


async def test_subscribing_during_an_alert_says_so(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    reply = await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    assert "Зараз там діє: Повітряна тривога" in reply


async def test_language_switch_and_bad_argument(start_bot: BotFactory, bot_api: FakeBotApi) -> None:
    await start_bot()
    assert "/lang uk" in await command(bot_api, RESIDENT, "/lang fr")
    assert "English" in await command(bot_api, RESIDENT, "/lang en")
    assert "Subscribed: Lviv oblast" in await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    assert "українська" in await command(bot_api, RESIDENT, "/lang uk")


async def test_unknown_command_gets_a_reply(start_bot: BotFactory, bot_api: FakeBotApi) -> None:
    await start_bot()
    assert "/help" in await command(bot_api, RESIDENT, "/frobnicate")


async def test_truce_claims_per_party_and_statuses(
    start_bot: BotFactory, bot_api: FakeBotApi, clock: Clock
) -> None:
    await start_bot()
    created = await command(
        bot_api,
        ADMIN_ID,
        "/truce_set energy-march start=2025-03-18T00:00 end=2025-04-17T00:00 scope=energy "
        "party=Ukraine",
    )
    assert created.startswith("✅ Записано паузу «energy-march»: Ukraine")
    added = await command(
        bot_api,
        ADMIN_ID,
        '/truce_set energy-march start=2025-03-19T00:00 party="Russia"',
    )
    assert "додано заяву: Russia" in added
    replaced = await command(
        bot_api, ADMIN_ID, "/truce_set energy-march start=2025-03-18T12:00 party=Ukraine"
    )
    assert "Заяву щодо паузи «energy-march» оновлено (Ukraine)" in replaced
    await command(bot_api, ADMIN_ID, "/truce_set future start=2025-06-01T00:00")

    listing = await command(bot_api, RESIDENT, "/truces")
    assert "«energy-march» — діє за оголошенням" in listing
    assert "Ukraine: з 12:00, 18.03.2025, без оголошеного кінця" in listing
    assert "Russia: з 00:00, 19.03.2025" in listing
    assert listing.count("Ukraine:") == 1, "the same party replaces its own claim"
    assert "«future» — оголошено, ще не почалося" in listing

    assert "завершеною" in await command(bot_api, ADMIN_ID, "/truce_end energy-march")
    assert "«energy-march» — завершено" in await command(bot_api, RESIDENT, "/truces")
    assert "немає в реєстрі" in await command(bot_api, ADMIN_ID, "/truce_end nope")


async def test_malformed_truce_arguments_explain_the_form(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    cases = {
        "/truce_set": "немає назви",
        "/truce_set x": "потрібен start=",
        "/truce_set x start=tomorrow": "не розумію час «tomorrow»",
        "/truce_set x start=2025-03-18 end=2025-03-01": "end має бути пізніше",
        "/truce_set x start=2025-03-18 scope=water": "scope: має бути",
        "/truce_set x start=2025-03-18 regions=Atlantis": "не знаю регіону «Atlantis»",
        "/truce_set x start=2025-03-18 colour=red": "невідомий параметр «colour»",
        '/truce_set x start=2025-03-18 party="open': "незакрита лапка",
    }
    for text, expected in cases.items():
        reply = await command(bot_api, ADMIN_ID, text)
        assert expected in reply, (text, reply)
        assert "Формат: /truce_set <назва> start=<час>" in reply, "shows the right form"
    assert "не записано" in await command(bot_api, RESIDENT, "/truces"), "nothing was recorded"
    assert "Формат: /truce_end <назва>" in await command(bot_api, ADMIN_ID, "/truce_end")


async def test_in_a_group_only_its_admins_change_subscriptions(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    group = -4242

    async def in_group(text: str, user_id: int) -> str:
        before = len(bot_api.messages_to(group))
        bot_api.send_command(group, text, chat_type="group", user_id=user_id)
        return (await bot_api.wait_for_sent(before + 1, chat_id=group))[-1].text or ""

    assert "лише її адміністратори" in await in_group("/subscribe Lviv oblast", 31)
    assert "лише її адміністратори" in await in_group("/lang en", 31)
    assert "немає підписок" in await in_group("/mysubs", 31), "refused, nothing changed"
    bot_api.set_member(group, "administrator", user_id=32)
    assert "Підписано: Львівська область" in await in_group("/subscribe Lviv oblast", 32)
    bot_api.set_member(group, "creator", user_id=33)
    assert "Відписано" in await in_group("/unsubscribe Lviv", 33)
    assert "Підписано" in await in_group("/subscribe Lviv oblast", ADMIN_ID), "the bot's admins may"
