"""Buttons instead of syntax (issue 16): the region picker, the "Львів" question, /mysubs with
buttons, /start and /settings, the command menus. Real PTB over loopback against FakeBotApi,
callback queries included."""

from __future__ import annotations

from typing import Any

from bot.demo.fakes.bot_api import FakeBotApi, SentMessage
from tests.conftest import ADMIN_ID, BotFactory
from tests.test_end_to_end import RESIDENT, command

GROUP = -4242
GROUP_ADMIN = 5001
GROUP_MEMBER = 5002


def buttons(markup: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(text, callback data) of every button of an inline keyboard, row by row."""
    if not markup:
        return []
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


def button(markup: dict[str, Any] | None, text: str) -> str:
    """The callback data of the one button whose text contains ``text``."""
    found = [data for label, data in buttons(markup) if text in label]
    assert len(found) == 1, (text, buttons(markup))
    return found[0]


async def ask(
    api: FakeBotApi, chat_id: int, text: str, *, user_id: int | None = None
) -> SentMessage:
    before = len([m for m in api.sent if m.chat_id == chat_id])
    api.send_command(chat_id, text, user_id=user_id)
    return (await api.wait_for_sent(before + 1, chat_id=chat_id))[-1]


def message_id(api: FakeBotApi, chat_id: int, sent: SentMessage) -> int:
    assert sent.message_id is not None
    return sent.message_id


async def press(
    api: FakeBotApi, chat_id: int, msg_id: int, data: str, *, user_id: int | None = None
) -> dict[str, Any]:
    query = api.press_button(chat_id, msg_id, data, user_id=user_id)
    return await api.wait_for_answer(query)


def markup_of(api: FakeBotApi, chat_id: int, msg_id: int) -> dict[str, Any] | None:
    message = api.message(chat_id, msg_id)
    assert message is not None
    markup: dict[str, Any] | None = message.get("reply_markup")
    return markup


def text_of(api: FakeBotApi, chat_id: int, msg_id: int) -> str:
    message = api.message(chat_id, msg_id)
    assert message is not None
    return str(message["text"])


async def subscriptions(api: FakeBotApi, chat_id: int, *, user_id: int | None = None) -> str:
    return (await ask(api, chat_id, "/mysubs", user_id=user_id)).text or ""


async def test_picker_first_two_screens_and_a_subscription(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    first = await ask(bot_api, RESIDENT, "/subscribe")
    assert "Оберіть область" in (first.text or "")
    labels = [label for label, _ in buttons(first.params["reply_markup"])]
    assert "Вінницька область" in labels and "▶️" in labels  # 27 places: paged
    msg = message_id(bot_api, RESIDENT, first)
    # The oblast list is paged: ▶️ shows the rest.
    answer = await press(bot_api, RESIDENT, msg, button(first.params["reply_markup"], "▶️"))
    assert not answer.get("show_alert")
    later = [label for label, _ in buttons(markup_of(bot_api, RESIDENT, msg))]
    assert "Сумська область" in later and "Вінницька область" not in later
    # A button of the first page still works: its data says everything.
    lviv = button(first.params["reply_markup"], "Львівська область")
    await press(bot_api, RESIDENT, msg, lviv)
    second = markup_of(bot_api, RESIDENT, msg)
    assert "Львівська область" in text_of(bot_api, RESIDENT, msg)
    labels = [label for label, _ in buttons(second)]
    assert "✅ Уся область" in labels
    assert "Самбірський" in labels and "Яворівський" in labels
    for _, data in buttons(second):
        assert len(data.encode()) <= 64
    # A raion with hromadas known opens a third screen; the whole raion is a button there.
    await press(bot_api, RESIDENT, msg, button(second, "Львівський"))
    third = markup_of(bot_api, RESIDENT, msg)
    assert "м. Львів та Львівська територіальна громада" in [label for label, _ in buttons(third)]
    answer = await press(bot_api, RESIDENT, msg, button(third, "Увесь район"))
    assert answer.get("text")  # a toast says it was saved
    assert "Підписано: Львівський район" in text_of(bot_api, RESIDENT, msg)
    # A raion with nothing known inside is subscribed to at its button.
    await press(bot_api, RESIDENT, msg, "v1:pr:27:0")
    await press(bot_api, RESIDENT, msg, button(markup_of(bot_api, RESIDENT, msg), "Самбірський"))
    mine = await subscriptions(bot_api, RESIDENT)
    assert "Львівський район" in mine and "Самбірський район" in mine


async def test_lviv_asks_city_or_oblast_and_each_button_means_what_it_says(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    question = await ask(bot_api, RESIDENT, "/subscribe Львів")
    text = question.text or ""
    assert "і місто, і область" in text
    assert "м. Львів (громада) — лише тривоги" in text
    assert "Львівська область — тривоги в усій області" in text
    assert "Немає підписок" not in await subscriptions(bot_api, RESIDENT)
    assert "немає підписок" in await subscriptions(bot_api, RESIDENT), "asking changes nothing"
    markup = question.params["reply_markup"]
    assert [label for label, _ in buttons(markup)] == ["м. Львів (громада)", "Львівська область"]
    msg = message_id(bot_api, RESIDENT, question)
    await press(bot_api, RESIDENT, msg, button(markup, "м. Львів"))
    mine = await subscriptions(bot_api, RESIDENT)
    assert "м. Львів та Львівська територіальна громада" in mine
    assert "Львівська область" not in mine
    # "м. Львів" and "Львівська область" say which: no question.
    assert "Підписано" in (
        (await ask(bot_api, RESIDENT, "/subscribe Львівська область")).text or ""
    )


async def test_lviv_with_kinds_asks_too_and_the_button_keeps_the_kinds(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    question = await ask(bot_api, RESIDENT, "/subscribe Львів kinds=air_raid,artillery")
    assert "і місто, і область" in (question.text or "")
    assert "немає підписок" in await subscriptions(bot_api, RESIDENT), "asking changes nothing"
    markup = question.params["reply_markup"]
    msg = message_id(bot_api, RESIDENT, question)
    await press(bot_api, RESIDENT, msg, button(markup, "м. Львів"))
    mine = await subscriptions(bot_api, RESIDENT)
    assert (
        "м. Львів та Львівська територіальна громада (Повітряна тривога, Загроза артобстрілу)"
        in (mine)
    )
    # A wrong kind word is still named, with nothing asked or changed.
    wrong = await ask(bot_api, RESIDENT, "/subscribe Львів kinds=rockets")
    assert "rockets" in (wrong.text or "") and not wrong.params.get("reply_markup")


async def test_unsubscribe_lviv_drops_what_the_chat_follows_and_asks_when_both(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    neither = await ask(bot_api, RESIDENT, "/unsubscribe Львів")
    assert "Ви не підписані ні на м. Львів, ні на Львівську область" in (neither.text or "")

    await ask(bot_api, RESIDENT, "/subscribe м. Львів")
    only_city = await ask(bot_api, RESIDENT, "/unsubscribe Львів")
    assert "Відписано: м. Львів" in (only_city.text or "")
    assert "немає підписок" in await subscriptions(bot_api, RESIDENT)

    await ask(bot_api, RESIDENT, "/subscribe Львівська область")
    only_oblast = await ask(bot_api, RESIDENT, "/unsubscribe Львів")
    assert "Відписано: Львівська область" in (only_oblast.text or "")

    await ask(bot_api, RESIDENT, "/subscribe м. Львів")
    await ask(bot_api, RESIDENT, "/subscribe Львівська область")
    which = await ask(bot_api, RESIDENT, "/unsubscribe Львів")
    assert "Від чого відписатися?" in (which.text or "")
    assert "Львівська область" in await subscriptions(bot_api, RESIDENT), "asking changes nothing"
    msg = message_id(bot_api, RESIDENT, which)
    await press(bot_api, RESIDENT, msg, button(which.params["reply_markup"], "область"))
    mine = await subscriptions(bot_api, RESIDENT)
    assert "Львівська область" not in mine and "м. Львів" in mine


async def test_plain_text_offers_a_subscription_or_a_hint(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    offer = await ask(bot_api, RESIDENT, "Самбірський район")
    assert "Знайшов: Самбірський район" in (offer.text or "")
    data = button(offer.params["reply_markup"], "Підписатися")
    await press(bot_api, RESIDENT, message_id(bot_api, RESIDENT, offer), data)
    assert "Самбірський район" in await subscriptions(bot_api, RESIDENT)

    both = await ask(bot_api, RESIDENT, "Львів")
    assert "і місто, і область" in (both.text or "")

    hello = await ask(bot_api, RESIDENT, "привіт")
    assert "Напишіть назву області" in (hello.text or "")
    assert button(hello.params["reply_markup"], "Обрати регіон") == "v1:po:0"

    typo = await ask(bot_api, RESIDENT, "/subscribe Lviw")
    assert "Не знаю регіону «Lviw»" in (typo.text or "")
    data = button(typo.params["reply_markup"], "Львівська область")
    await press(bot_api, RESIDENT, message_id(bot_api, RESIDENT, typo), data)
    assert "Львівська область" in await subscriptions(bot_api, RESIDENT)


async def test_forged_and_stale_buttons_get_a_polite_answer_and_change_nothing(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    first = await ask(bot_api, RESIDENT, "/subscribe")
    msg = message_id(bot_api, RESIDENT, first)
    forged = [
        "v1:s:99999",  # no such region
        "v1:s:27:extra",
        "v1:s:27:aa",  # a kind twice
        "v1:s:27:",
        "v0:s:27",  # another version
        "hello",
        "v1:zz:27",
        "v1:k:27:x",
        "v1:l:ru",
        "v1:r:999",
        "v1:pr:27:abc",
        "v1:u:27",  # not subscribed: nothing to remove
        "v1:k:27:a",
    ]
    for data in forged:
        answer = await press(bot_api, RESIDENT, msg, data)
        assert answer.get("text"), data
        assert answer.get("show_alert") is True, data
    assert "немає підписок" in await subscriptions(bot_api, RESIDENT)
    assert "не діє" in (await press(bot_api, RESIDENT, msg, "hello"))["text"]


async def test_a_button_pressed_after_a_restart_still_works(
    start_bot: BotFactory, bot_api: FakeBotApi, sqlite_url: str
) -> None:
    bot = await start_bot()
    question = await ask(bot_api, RESIDENT, "/subscribe Львів")
    await bot.stop()
    await start_bot(sqlite_url)
    msg = message_id(bot_api, RESIDENT, question)
    await press(bot_api, RESIDENT, msg, button(question.params["reply_markup"], "область"))
    assert "Львівська область" in await subscriptions(bot_api, RESIDENT)


async def test_in_a_group_only_admins_may_press_buttons_that_change_settings(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    bot_api.set_member(GROUP, "administrator", user_id=GROUP_ADMIN)
    bot_api.set_member(GROUP, "member", user_id=GROUP_MEMBER)
    question = await ask(bot_api, GROUP, "/subscribe Львів", user_id=GROUP_ADMIN)
    msg = message_id(bot_api, GROUP, question)
    oblast = button(question.params["reply_markup"], "область")
    answer = await press(bot_api, GROUP, msg, oblast, user_id=GROUP_MEMBER)
    assert "лише її адміністратори" in answer["text"] and answer["show_alert"] is True
    assert "немає підписок" in await subscriptions(bot_api, GROUP, user_id=GROUP_MEMBER)
    # Moving between screens changes nothing: anyone may.
    assert not (await press(bot_api, GROUP, msg, "v1:po:1", user_id=GROUP_MEMBER)).get("show_alert")
    await press(bot_api, GROUP, msg, oblast, user_id=GROUP_ADMIN)
    assert "Львівська область" in await subscriptions(bot_api, GROUP, user_id=GROUP_MEMBER)


async def test_mysubs_buttons_remove_and_toggle_kinds(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Київ")
    await command(bot_api, RESIDENT, "/subscribe Одеса")
    listing = await ask(bot_api, RESIDENT, "/mysubs")
    msg = message_id(bot_api, RESIDENT, listing)
    markup = listing.params["reply_markup"]
    assert "❌ м. Київ" in [label for label, _ in buttons(markup)]

    await press(bot_api, RESIDENT, msg, button(markup, "❌ м. Київ"))
    assert "м. Київ" not in text_of(bot_api, RESIDENT, msg), "the list is redrawn"
    assert "м. Київ" not in await subscriptions(bot_api, RESIDENT)
    # The same button again: the subscription is gone; said politely.
    again = await press(bot_api, RESIDENT, msg, button(markup, "❌ м. Київ"))
    assert "вже немає" in again["text"]

    await press(bot_api, RESIDENT, msg, button(markup_of(bot_api, RESIDENT, msg), "⚙️"))
    kinds = markup_of(bot_api, RESIDENT, msg)
    assert "✓ Повітряна тривога" in [label for label, _ in buttons(kinds)]
    await press(bot_api, RESIDENT, msg, button(kinds, "Загроза артобстрілу"))
    kinds = markup_of(bot_api, RESIDENT, msg)
    labels = [label for label, _ in buttons(kinds)]
    assert "Загроза артобстрілу" in labels and "✓ Повітряна тривога" in labels
    assert "Усі види" in labels and "✓ Усі види" not in labels
    listed = await subscriptions(bot_api, RESIDENT)
    assert "Загроза артобстрілу" not in listed and "Повітряна тривога" in listed
    await press(bot_api, RESIDENT, msg, button(kinds, "Усі види"))
    assert "✓ Усі види" in [label for label, _ in buttons(markup_of(bot_api, RESIDENT, msg))]
    assert "(" not in (await subscriptions(bot_api, RESIDENT)).split("\n", 1)[1]


async def test_start_greets_in_two_lines_with_buttons(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    greeting = await ask(bot_api, RESIDENT, "/start")
    assert len((greeting.text or "").splitlines()) == 2
    assert "/truce_set" not in (greeting.text or "")
    markup = greeting.params["reply_markup"]
    labels = [label for label, _ in buttons(markup)]
    assert labels == [
        "📍 Обрати регіон",
        "🗺 Мапа",
        "💡 Група відключень",
        "🌐 Мова / Language",
        "⚙️ Налаштування",
    ]
    msg = message_id(bot_api, RESIDENT, greeting)
    await press(bot_api, RESIDENT, msg, button(markup, "Обрати регіон"))
    assert "Оберіть область" in text_of(bot_api, RESIDENT, msg)

    await press(bot_api, RESIDENT, msg, button(markup, "Мова"))
    answer = await press(bot_api, RESIDENT, msg, "v1:l:en")
    assert answer["text"] == "Language set: English."
    assert "Settings" in text_of(bot_api, RESIDENT, msg)
    assert "I don't know that command" in await command(bot_api, RESIDENT, "/nonsense")

    settings = await ask(bot_api, RESIDENT, "/settings")
    msg = message_id(bot_api, RESIDENT, settings)
    await press(bot_api, RESIDENT, msg, button(settings.params["reply_markup"], "No reminders"))
    assert "Reminder before an outage: off" in text_of(bot_api, RESIDENT, msg)
    quiet = await press(bot_api, RESIDENT, msg, button(settings.params["reply_markup"], "Quiet"))
    assert "/quiet" in quiet["text"] and len(quiet["text"]) <= 200


async def test_command_menus_per_language_and_audience(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()

    def names(scope: dict[str, Any] | None, lang: str = "") -> list[str]:
        return [c["command"] for c in bot_api.commands(scope, lang)]

    default = bot_api.commands(None)
    assert {"command": "subscribe", "description": "Підписатися на регіон"} in default
    english = bot_api.commands(None, "en")
    assert {"command": "subscribe", "description": "Subscribe to a region"} in english
    assert "truce_set" not in names(None)
    groups = {"type": "all_group_chats"}
    assert "subscribe" in names(groups) and "outage_group" not in names(groups)
    assert names(groups, "en") == names(groups)
    admin = {"type": "chat", "chat_id": ADMIN_ID}
    assert "truce_set" in names(admin) and "subscribe" in names(admin)
    assert "truce_set" in names(admin, "en")


def test_which_names_mean_both_a_city_and_an_oblast() -> None:
    from feeds import regions

    both = regions.city_and_oblast("Львів")
    assert both is not None and (both[0].id, both[1].id) == ("845", "27")
    assert regions.city_and_oblast("Lviv") is not None
    for settled in ("м. Львів", "Львівська область", "Львівська", "Lvivska", "27", "Київ"):
        assert regions.city_and_oblast(settled) is None, settled
