"""Outages by address: ``/outage_address``, street-level emergency outages sent only to the
street, and DTEK's house lookup (``getHomeNum``).

The emergency outages are LOE ``pw_accidents`` items built from the fields every public client
documents (no real body has been recorded anywhere; see tests/test_outage_bot.py). The DTEK
answer is the one quoted from dtek-krem on 08.10.2026 (feeds/samples/README.md); the page it
comes from is the real ``DisconSchedule.fact`` of that day in a script block, as the research
notes quote the page, with a hand-made ``csrf-token`` meta tag (the notes name the tag, not a
value).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot.config import FeedConfig
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer, Reply
from bot.outages.lookup import DtekLookup, LookupFailed, read_home_num
from feeds.outages import address as addresses
from feeds.outages.address import Address, AddressError
from storage import chats as chat_store
from storage import migrate
from storage import outages as outage_store
from storage.db import create_engine, session_factory
from storage.outage_fanout import read_event
from tests.conftest import ADMIN_ID, BotFactory, Clock, sample
from tests.test_end_to_end import command
from tests.test_outage_bot import (
    NEIGHBOUR,
    RESIDENT,
    OutageBotFactory,
    accident,
    accidents,
    after,
    outage_bot_factory,
    poll,
)

NO_ADDRESS = 2003
WRONG_HOUSE = 2004
WHOLE_STREET = 2005
HOME_NUM = sample("dtek_krem_getHomeNum_2026-10-08_quoted.json")
FACT = sample("dtek_krem_fact_GPV5.1_2026-10-08.json").decode()
CSRF = "hand-made-csrf-token"
PAGE = (
    f'<html><head><meta name="csrf-token" content="{CSRF}"></head><body>'
    f"<script>\nDisconSchedule.fact = {FACT}</script></body></html>"
).encode()
SHUTDOWNS = "/ua/shutdowns"
AJAX = "/ua/ajax"


@pytest.fixture
def address_bot(
    start_bot: BotFactory, feed_server: FakeFeedServer, clock: Clock
) -> OutageBotFactory:
    return outage_bot_factory(start_bot, feed_server, clock)


# --- the address as typed ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "city", "kind", "street", "house"),
    [
        ("Львів, вул. Стрийська, 12", "lviv", "вулиця", "stryiska", "12"),
        ("м. Львів,   вулиця   СТРИЙСЬКА 12-А", "lviv", "вулиця", "stryiska", "12a"),
        ("Lviv, Stryiska street, 12a", "lviv", "вулиця", "stryiska", "12a"),
        ("Львів, Стрийська вул., 12а", "lviv", "вулиця", "stryiska", "12a"),
        ("Київ, просп.Перемоги, 67/69", "kyiv", "проспект", "peremohy", "67/69"),
        ("Дніпро, вул. Обʼєднана, 72/Б", "dnipro", "вулиця", "obiednana", "72b"),
        ("Дніпро, вул. Об’єднана, 72 б", "dnipro", "вулиця", "obiednana", "72b"),
        ("Львів, пл. Ринок", "lviv", "площа", "rynok", None),
        ("Київ, Набережна, 3", "kyiv", None, "naberezhna", "3"),
    ],
)
def test_an_address_is_understood_whatever_the_spelling(
    typed: str, city: str, kind: str | None, street: str, house: str | None
) -> None:
    address = addresses.parse(typed)
    assert (address.city_key, address.street_kind, address.street_key, address.house_key) == (
        city,
        kind,
        street,
        house,
    )


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Львів", "usage"),
        (",,,,", "usage"),
        ("Львів, 12", "no_street"),
        ("Львів, вул., 12", "no_street"),
        ("Львів, вулиця, 12", "no_street"),
        ("Lviv, street, 12", "no_street"),
        ("Львів, Стрийська, будинок", "bad_house"),
        ("Львів, " + "Стрийська" * 120, "too_long"),
        ("a, b, c, d", "usage"),
    ],
)
def test_a_bad_address_names_what_is_wrong(typed: str, code: str) -> None:
    with pytest.raises(AddressError) as caught:
        addresses.parse(typed)
    assert caught.value.code == code


def test_provider_house_lists_compare_with_the_residents_spelling() -> None:
    assert addresses.houses_of("10, 12, 14") == ("10", "12", "14")
    assert addresses.houses_of(["72/Б", "67/69", ""]) == ("72b", "67/69")
    assert addresses.houses_of(None) is None


def test_a_stretch_of_houses_takes_in_every_house_in_it() -> None:
    listed = "2, 10-20, 31 – 35"
    for house in ("2", "10", "14a", "20", "33"):
        assert addresses.house_listed(listed, addresses.house_key(house)), house
    for house in ("1", "9", "21", "30", "36"):
        assert not addresses.house_listed(listed, addresses.house_key(house)), house
    assert addresses.house_listed(None, "12") and addresses.house_listed("10, 12", None)
    assert addresses.house_listed("усі", "12"), "an unreadable list: the whole street"
    assert addresses.street_key("Стрийська вул.") == ("вулиця", "stryiska")
    assert addresses.street_key("vul. Horodotska") == addresses.street_key("вул. Городоцька")


# --- DTEK getHomeNum, the recorded answer --------------------------------------------------


def test_the_recorded_dtek_answer_gives_the_houses_queue() -> None:
    document = json.loads(HOME_NUM)
    found = read_home_num(document, "43")
    assert found.groups == ("5.1",)
    assert found.outage is None and not found.served_by_hoa
    with pytest.raises(LookupFailed) as caught:
        read_home_num(document, "45")
    assert caught.value.reason == "not_found"


def test_a_current_outage_at_the_house_is_read() -> None:
    # The recorded answer with house 43's outage fields filled as the notes document them
    # (type "2", a sub_type observed on 9 Oct 2026, times in DTEK's "HH:mm dd.MM.yyyy").
    document = json.loads(HOME_NUM)
    document["data"]["43"].update(
        type="2",
        sub_type="Аварійні ремонтні роботи",
        start_date="00:40 13.12.2025",
        end_date="23:00 17.12.2025",
        sub_type_reason=["GPV5.1", "GPV1001.2"],
    )
    found = read_home_num(document, "43")
    assert found.groups == ("5.1", "1001.2")
    assert found.outage is not None and not found.outage.planned
    assert (found.outage.start, found.outage.end) == ("00:40 13.12.2025", "23:00 17.12.2025")


@pytest.mark.parametrize(
    ("page", "answer", "reason"),
    [
        (httpx.Response(503), None, "unreachable"),
        (httpx.Response(200, text="<html>Incapsula incident</html>"), None, "blocked"),
        (httpx.Response(200, content=PAGE), httpx.Response(200, text="<html>"), "malformed"),
        (httpx.Response(200, content=PAGE), httpx.Response(200, json=[1]), "malformed"),
        (httpx.Response(200, content=PAGE), httpx.Response(500), "unreachable"),
    ],
)
async def test_dtek_lookup_failures_are_one_reason(
    page: httpx.Response, answer: httpx.Response | None, reason: str, clock: Clock
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return page if request.method == "GET" else (answer or httpx.Response(404))

    lookup = DtekLookup(
        "https://dtek.test/ua/shutdowns", clock=clock, transport=httpx.MockTransport(handler)
    )
    with pytest.raises(LookupFailed) as caught:
        await lookup.find(Address("Київ", "вул. Хрещатик", "43"))
    assert caught.value.reason == reason


async def test_dtek_lookup_asks_as_the_page_does(clock: Clock) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "GET":
            return httpx.Response(200, content=PAGE, headers={"Set-Cookie": "incap=1; Path=/"})
        return httpx.Response(200, content=HOME_NUM)

    lookup = DtekLookup(
        "https://dtek.test/ua/shutdowns", clock=clock, transport=httpx.MockTransport(handler)
    )
    found = await lookup.find(Address("Київ", "вул. Хрещатик", "43"))
    assert found.groups == ("5.1",)
    post = seen[1]
    assert post.url == "https://dtek.test/ua/ajax"
    assert post.headers["x-csrf-token"] == CSRF
    assert post.headers["x-requested-with"] == "XMLHttpRequest"
    assert post.headers["cookie"] == "incap=1"
    form = dict(httpx.QueryParams(post.content.decode()))
    assert form["method"] == "getHomeNum"
    assert (form["data[0][name]"], form["data[0][value]"]) == ("city", "Київ")
    assert (form["data[1][name]"], form["data[1][value]"]) == ("street", "вул. Хрещатик")
    assert form["data[2][name]"] == "updateFact"


# --- end to end: real PTB over loopback, the real database -------------------------------


async def test_a_street_outage_reaches_that_street_only(
    address_bot: OutageBotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    database_url: str,
) -> None:
    bot = await address_bot(database_url)
    reply = await command(bot_api, RESIDENT, "/outage_address Львів, вул. Стрийська, 12")
    assert reply.startswith(
        "🏠 Адресу збережено. Місто: Львів; вулиця: вул. Стрийська; будинок: 12."
    )
    assert "лише для цієї адреси" in reply
    assert "Черги за адресою тут не визначаю" in reply, "LOE has no lookup the bot can read"
    await command(bot_api, NEIGHBOUR, "/outage_address Львів, вул. Городоцька, 12")
    await command(bot_api, WRONG_HOUSE, "/outage_address м. Львів, Стрийська вулиця, 14")
    await command(bot_api, WHOLE_STREET, "/outage_address Львів, Стрийська")
    await command(bot_api, NO_ADDRESS, "/outage_group Lviv 1.1")
    chats = (RESIDENT, NEIGHBOUR, WRONG_HOUSE, WHOLE_STREET, NO_ADDRESS)
    seen = {chat: len(bot_api.messages_to(chat)) for chat in chats}

    accidents(feed_server, accident())  # Львів, вул. Стрийська, houses 10 and 12
    assert await poll(bot, "loe-accidents")
    [message] = after(bot_api, RESIDENT, seen[RESIDENT])
    assert message.startswith(
        "🚨 Аварійне відключення: Львівська область\nЛьвів, вул. Стрийська, 10, 12"
    )
    assert after(bot_api, WHOLE_STREET, seen[WHOLE_STREET]) == [message]
    # poll() returns once the outbox is empty: what was not sent by then was never queued.
    assert after(bot_api, NEIGHBOUR, seen[NEIGHBOUR]) == []
    assert after(bot_api, WRONG_HOUSE, seen[WRONG_HOUSE]) == []
    assert after(bot_api, NO_ADDRESS, seen[NO_ADDRESS]) == []

    shown = await command(bot_api, NO_ADDRESS, "/outage")
    assert "🚨 Зараз аварійні відключення: 1" in shown
    assert "лише тим, хто вказав адресу: /outage_address" in shown

    accidents(feed_server)
    assert await poll(bot, "loe-accidents")
    ended = after(bot_api, RESIDENT, seen[RESIDENT])[-1]
    assert ended.startswith("✅ Аварійне відключення закінчилося: Львівська область")
    assert after(bot_api, NEIGHBOUR, seen[NEIGHBOUR]) == []


async def test_an_outage_without_a_street_still_goes_to_the_region(
    address_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    bot = await address_bot()
    await command(bot_api, NO_ADDRESS, "/outage_group Lviv 1.1")
    seen = len(bot_api.messages_to(NO_ADDRESS))
    item: dict[str, Any] = accident()
    del item["street"]
    accidents(feed_server, item)
    assert await poll(bot, "loe-accidents")
    [message] = after(bot_api, NO_ADDRESS, seen)
    assert message.startswith("🚨 Аварійне відключення: Львівська область\nЛьвів, 10, 12")


async def test_the_address_is_shown_changed_and_removed_in_english(
    address_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    bot = await address_bot()
    await command(bot_api, RESIDENT, "/lang en")
    reply = await command(bot_api, RESIDENT, "/outage_address Lviv, vul. Stryiska, 12")
    assert reply.startswith("🏠 Address saved. City: Lviv; street: vul. Stryiska; house: 12.")
    assert "only DTEK's sites have a lookup" in reply
    await command(bot_api, RESIDENT, "/outage_address Lviv, Stryiska street")
    assert await command(bot_api, RESIDENT, "/outage_address") == (
        "🏠 Your address: Lviv, Stryiska street."
    )
    seen = len(bot_api.messages_to(RESIDENT))
    accidents(feed_server, accident(buildingNames=["3", "5"]))
    assert await poll(bot, "loe-accidents")
    [message] = after(bot_api, RESIDENT, seen)
    assert message.startswith("🚨 Emergency outage: Lviv oblast\nЛьвів, вул. Стрийська, 3, 5")

    removed = await command(bot_api, RESIDENT, "/outage_address off")
    assert removed == "Address removed: no more emergency outages by street."
    seen = len(bot_api.messages_to(RESIDENT))
    accidents(feed_server, accident(), accident(id=777))
    assert await poll(bot, "loe-accidents")
    assert after(bot_api, RESIDENT, seen) == []


@pytest.mark.parametrize(
    ("typed", "uk", "en"),
    [
        ("Львів", "Формат: /outage_address", "Form: /outage_address"),
        (",,,,,,", "Формат: /outage_address", "Form: /outage_address"),
        ("Львів, 12", "Не бачу назви вулиці", "I see no street name"),
        ("Львів, " + "д" * 1000, "Адреса задовга (до 200 символів)", "too long (at most 200"),
        ("Львів, Стрийська, будинок", "Номер будинку має починатися", "A house number starts"),
    ],
)
async def test_a_bad_address_gets_one_line_and_changes_nothing(
    address_bot: OutageBotFactory, bot_api: FakeBotApi, typed: str, uk: str, en: str
) -> None:
    await address_bot()
    reply = await command(bot_api, RESIDENT, f"/outage_address {typed}")
    assert reply.startswith(uk) and "\n" not in reply, reply
    await command(bot_api, RESIDENT, "/lang en")
    reply = await command(bot_api, RESIDENT, f"/outage_address {typed}")
    assert en in reply and "\n" not in reply, reply
    assert (await command(bot_api, RESIDENT, "/outage_address")).startswith("No address given")


def _dtek_feed(feed_server: FakeFeedServer) -> FeedConfig:
    return FeedConfig(
        name="dtek-kem",
        kind="dtek_json",
        url=feed_server.url(SHUTDOWNS),
        interval=3600,
        region="Kyiv",
    )


async def test_dtek_tells_the_queue_and_the_chat_follows_it(
    address_bot: OutageBotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    database_url: str,
) -> None:
    feed_server.set(SHUTDOWNS, PAGE, content_type="text/html")
    feed_server.set(AJAX, HOME_NUM)
    await address_bot(database_url, extra_feeds=[_dtek_feed(feed_server)])
    reply = await command(bot_api, RESIDENT, "/outage_address Київ, вул. Хрещатик, 43")
    assert reply.splitlines()[-1] == "💡 Черга за даними DTEK: 5.1. Стежу за нею (м. Київ)."
    assert "5.1 (DTEK)" not in reply
    shown = await command(bot_api, RESIDENT, "/outage_address")
    assert shown == "🏠 Ваша адреса: Київ, вул. Хрещатик, 43.\nЧерга за даними DTEK: 5.1."
    assert "не стежите" not in await command(bot_api, RESIDENT, "/outage_ungroup Kyiv 5.1")

    # Another house of the street, one the answer does not list: the address stays.
    reply = await command(bot_api, NEIGHBOUR, "/outage_address Київ, вул. Хрещатик, 45")
    assert reply.splitlines()[-1] == (
        "DTEK не знає такого будинку на цій вулиці (пишіть назви, як на сайті DTEK, напр. "
        "«вул. Хрещатик»), черги не знаю. Адресу збережено."
    )


async def test_dtek_unreachable_is_one_line_and_the_address_is_kept(
    address_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    # No page at all (404 to the feed's polls too), then the bot filter's page instead.
    await address_bot(extra_feeds=[_dtek_feed(feed_server)])
    reply = await command(bot_api, RESIDENT, "/outage_address Київ, вул. Хрещатик, 43")
    assert reply.splitlines()[-1] == (
        "Не вдалося запитати DTEK про чергу (сайт не відповів). Адресу збережено."
    )
    assert await command(bot_api, RESIDENT, "/outage_address") == (
        "🏠 Ваша адреса: Київ, вул. Хрещатик, 43."
    )
    feed_server.set(SHUTDOWNS, b"<html>Incapsula incident</html>", content_type="text/html")
    reply = await command(bot_api, NEIGHBOUR, "/outage_address Київ, вул. Хрещатик, 43")
    assert reply.splitlines()[-1].startswith("Сайт DTEK не пустив бота")


async def test_the_longest_address_is_stored_and_compares(
    address_bot: OutageBotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    database_url: str,
) -> None:
    # Case folding and transliteration make keys longer than the text: "ß" folds to "ss",
    # "щ" is "shch". The keys are cut to their columns on both sides, on PostgreSQL too.
    city, street = "ß" * 60, "щ" * 100
    bot = await address_bot(database_url)
    reply = await command(bot_api, RESIDENT, f"/outage_address {city}, {street}, 1")
    assert reply.startswith("🏠 Адресу збережено.")
    seen = len(bot_api.messages_to(RESIDENT))
    accidents(
        feed_server, accident(city={"name": city}, street={"name": street}, buildingNames="1")
    )
    assert await poll(bot, "loe-accidents")
    assert len(after(bot_api, RESIDENT, seen)) == 1


async def test_the_address_follows_a_group_that_becomes_a_supergroup(
    address_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    bot = await address_bot()
    reply = await command(
        bot_api, -5, "/outage_address Львів, вул. Стрийська, 12", user_id=ADMIN_ID
    )
    assert reply.startswith("🏠")
    assert bot.sessions is not None
    async with bot.sessions() as session, session.begin():
        await chat_store.migrate(session, -5, -1005)
    assert await command(bot_api, -1005, "/outage_address") == (
        "🏠 Ваша адреса: Львів, вул. Стрийська, 12."
    )
    assert (await command(bot_api, -5, "/outage_address")).startswith("Адресу не вказано")


def test_a_notice_queued_before_the_upgrade_still_reads() -> None:
    # A marker written before migration 0014 has no street in its events: it goes to the
    # region, as it would have.
    old = {
        "transition": "start",
        "region_id": "27",
        "group": None,
        "starts_at": "2026-01-08T09:40:00+00:00",
        "ends_at": None,
        "place": "Львів, вул. Стрийська, 10, 12",
        "note": None,
    }
    change = read_event(old)
    assert (change.city, change.street, change.houses) == (None, None, None)
    assert change.place == "Львів, вул. Стрийська, 10, 12"


async def test_dtek_in_english_with_an_outage_at_the_house_now(
    address_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    # The recorded answer with house 43's outage fields filled as the notes document them.
    document = json.loads(HOME_NUM)
    document["data"]["43"].update(
        type="2",
        sub_type="Аварійні ремонтні роботи",
        start_date="00:40 13.12.2025",
        end_date="23:00 17.12.2025",
    )
    feed_server.set(SHUTDOWNS, PAGE, content_type="text/html")
    feed_server.set(AJAX, json.dumps(document, ensure_ascii=False).encode())
    await address_bot(extra_feeds=[_dtek_feed(feed_server)])
    await command(bot_api, RESIDENT, "/lang en")
    # DTEK is asked with the names as typed: its site spells them in Ukrainian.
    reply = await command(bot_api, RESIDENT, "/outage_address Київ, вул. Хрещатик, 43")
    assert reply.splitlines()[-2:] == [
        "💡 Queue according to DTEK: 5.1. Following it (Kyiv city).",
        "Outage at this address now: Аварійні ремонтні роботи; since 00:40 13.12.2025, "
        "expected until 23:00 17.12.2025.",
    ]
    reply = await command(bot_api, RESIDENT, "/outage_address Київ, вул. Хрещатик")
    assert reply.splitlines()[-1] == "Add the house number to learn the queue from DTEK."


async def test_the_chats_of_a_street_are_found_by_key(sqlite_url: str) -> None:
    # Every street-level outage asks for the chats on its street: the addresses grow with the
    # residents, and must not be read from end to end (EXPLAIN QUERY PLAN of the statement).
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    captured: list[tuple[str, Any]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    sessions = session_factory(engine)
    now = datetime(2026, 1, 8, 10, 0, tzinfo=UTC)
    async with sessions() as session, session.begin():
        for chat_id, street in ((1, "вул. Стрийська"), (2, "вул. Городоцька")):
            await chat_store.ensure_chat(session, chat_id, "private", now)
            address = Address("Львів", street, "12")
            await outage_store.set_address(session, chat_id, address, "27", now)
    del captured[:]
    async with sessions() as session:
        found = await outage_store.residents_of(session, ["stryiska"])
    assert [r.chat_id for r in found] == [1]
    await engine.dispose()
    [(statement, parameters)] = [(s, p) for s, p in captured if "outage_addresses" in s]
    with sqlite3.connect(str(make_url(sqlite_url).database)) as connection:
        plan = [
            row[-1] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        ]
    assert not any("SCAN outage_addresses" in line for line in plan), plan
    assert any("ix_outage_addresses_street_key" in line for line in plan), plan


async def test_the_address_may_come_as_the_answer_to_the_prompt(
    address_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    bot = await address_bot()
    prompt = await command(bot_api, RESIDENT, "/outage_address")
    assert prompt == (
        "Адресу не вказано. Напишіть її у відповідь на це повідомлення: місто, вулиця, "
        "будинок, напр. Львів, вул. Стрийська, 12."
    )
    asked = [m for m in bot_api.sent if m.chat_id == RESIDENT][-1]
    assert asked.params["reply_markup"]["force_reply"] is True
    assert asked.message_id is not None
    before = len(bot_api.messages_to(RESIDENT))
    bot_api.send_command(RESIDENT, "Львів, вул. Стрийська, 12", reply_to=asked.message_id)
    [reply] = [m.text for m in await bot_api.wait_for_sent(before + 1, chat_id=RESIDENT)][-1:]
    assert reply is not None and reply.startswith("🏠 Адресу збережено. Місто: Львів;")

    # A bad answer gets its one line; a message that answers nothing is a place name, as before.
    await command(bot_api, NEIGHBOUR, "/lang en")
    await command(bot_api, NEIGHBOUR, "/outage_address")
    asked = [m for m in bot_api.sent if m.chat_id == NEIGHBOUR][-1]
    before = len(bot_api.messages_to(NEIGHBOUR))
    bot_api.send_command(NEIGHBOUR, ",,,", reply_to=asked.message_id)
    sent = await bot_api.wait_for_sent(before + 1, chat_id=NEIGHBOUR)
    assert (sent[-1].text or "").startswith("Form: /outage_address")
    assert (await command(bot_api, NEIGHBOUR, "Львів, вул. Стрийська, 12")) != sent[-1].text
    seen = len(bot_api.messages_to(RESIDENT))
    accidents(feed_server, accident())
    assert await poll(bot, "loe-accidents")
    assert len(after(bot_api, RESIDENT, seen)) == 1


async def test_a_slow_provider_holds_only_the_resident_who_asked(
    address_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    """PTB handles updates one at a time: a lookup waiting on DTEK's site must not hold
    everyone else's commands (bot/app.SLOW_COMMANDS)."""
    feed_server.set(SHUTDOWNS, PAGE, content_type="text/html")
    feed_server.script(AJAX, Reply(body=HOME_NUM, delay=3))
    await address_bot(extra_feeds=[_dtek_feed(feed_server)])
    bot_api.send_command(RESIDENT, "/outage_address Київ, вул. Хрещатик, 43", user_id=RESIDENT)
    status = await command(bot_api, NEIGHBOUR, "/status")
    assert "підписок" in status
    assert bot_api.messages_to(RESIDENT) == [], "answered while DTEK still thinks"
    (reply,) = await bot_api.wait_for_sent(1, chat_id=RESIDENT, timeout=30)
    assert "Черга за даними DTEK: 5.1" in (reply.text or "")
