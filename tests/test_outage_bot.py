"""Power outages end to end: the real bot, real PTB over loopback, the real database, the LOE
schedule as LOE published it, and the clock driving reminders.

LOE's real block (``loe_menus_rawHtml_2026-01-08.html``) is served as is; a re-publication
and a changed schedule are that block with its "станом на" time or one group's hours edited.
The emergency-outage answers are built from LOE's documented ``pw_accidents`` fields (no real
body has been recorded anywhere).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import AlertBot
from bot.config import FeedConfig, OutagesConfig
from bot.demo.fakes.bot_api import FakeBotApi, UploadedFile
from bot.demo.fakes.feed_server import FakeFeedServer, Reply
from tests.conftest import ADMIN_ID, FEED_PATH, BotFactory, Clock, sample
from tests.test_end_to_end import command, settle

RESIDENT = 2001
NEIGHBOUR = 2002
SCHEDULE_PATH = "/api/menus"
ACCIDENTS_PATH = "/api/pw_accidents"
LOE_HTML = sample("loe_menus_rawHtml_2026-01-08.html").decode()

OutageBotFactory = Callable[..., Awaitable[AlertBot]]


@pytest.fixture
def start_outage_bot(
    start_bot: BotFactory, feed_server: FakeFeedServer, clock: Clock
) -> OutageBotFactory:
    return outage_bot_factory(start_bot, feed_server, clock)


def outage_bot_factory(
    start_bot: BotFactory, feed_server: FakeFeedServer, clock: Clock
) -> OutageBotFactory:
    """The bot with an alert feed and two LOE feeds (schedule, emergencies), on 08.01.2026."""
    clock.now = datetime(2026, 1, 8, 10, 0, tzinfo=UTC)  # 12:00 in Kyiv

    async def _start(
        database_url: str | None = None,
        *,
        outages: OutagesConfig | None = None,
        extra_feeds: list[FeedConfig] | None = None,
    ) -> AlertBot:
        feeds = [
            FeedConfig(
                name="alerts-in-ua",
                kind="alerts_in_ua",
                url=feed_server.url(FEED_PATH),
                token=SecretStr("feed-secret-token"),
            ),
            FeedConfig(name="loe", kind="loe", url=feed_server.url(SCHEDULE_PATH), interval=300),
            FeedConfig(
                name="loe-accidents",
                kind="loe",
                url=feed_server.url(ACCIDENTS_PATH),
                interval=60,
                region="Lviv",
            ),
            *(extra_feeds or []),
        ]
        updates: dict[str, object] = {"feeds": feeds, "outages": outages or OutagesConfig()}
        bot = await start_bot(database_url, config_updates=updates)
        assert bot.application is not None
        return bot

    return _start


def publish(server: FakeFeedServer, html: str = LOE_HTML, *, as_of: str | None = None) -> None:
    if as_of is not None:
        html = html.replace("станом на 16:16", f"станом на {as_of}")
    menus = {
        "@id": "/api/menus",
        "hydra:member": [
            {"@id": "/api/menus/9", "type": "photo-grafic", "menuItems": [{"rawHtml": html}]}
        ],
    }
    server.set(SCHEDULE_PATH, json.dumps(menus, ensure_ascii=False).encode())


def accident(**fields: Any) -> dict[str, Any]:
    item = {
        "id": 501,
        "dateEvent": "2026-01-08T11:40:00+02:00",
        "datePlanIn": "2026-01-08T15:00:00+02:00",
        "koment": "Аварійні ремонтні роботи",
        "buildingNames": "10, 12",
        "city": {"name": "Львів"},
        "street": {"id": 13961, "name": "вул. Стрийська"},
    }
    item.update(fields)
    return item


def accidents(server: FakeFeedServer, *items: dict[str, Any]) -> None:
    body = {"@id": "/api/pw_accidents", "hydra:member": list(items)}
    server.set(ACCIDENTS_PATH, json.dumps(body, ensure_ascii=False).encode())


async def poll(bot: AlertBot, name: str = "loe") -> bool:
    """Poll, then let the outbox deliver what the poll queued."""
    assert bot.outages is not None
    ok = (await bot.outages.poll_now(name)).ok
    await settle(bot)
    return ok


async def tick(bot: AlertBot) -> None:
    assert bot.outages is not None
    await bot.outages.tick()
    await settle(bot)


def after(api: FakeBotApi, chat_id: int, count: int) -> list[str]:
    return api.messages_to(chat_id)[count:]


async def test_publication_then_republication_then_one_change(
    start_outage_bot: OutageBotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    database_url: str,
) -> None:
    bot = await start_outage_bot(database_url)
    reply = await command(bot_api, RESIDENT, "/outage_group Львів 1.1")
    assert reply.startswith("✅ Ви стежите за групою 1.1 (Львівська область)")
    assert "Сьогодні, 08.01: графіка ще немає" in reply
    await command(bot_api, NEIGHBOUR, "/outage_group Lviv 2.1")
    seen, seen_neighbour = len(bot_api.messages_to(RESIDENT)), len(bot_api.messages_to(NEIGHBOUR))

    publish(feed_server)
    assert await poll(bot)
    [published] = after(bot_api, RESIDENT, seen)
    assert published == (
        "🗓 Опубліковано графік відключень: Львівська область, група 1.1\n"
        "Сьогодні, 08.01: без світла 15:30–17:00"
    )
    [neighbour] = after(bot_api, NEIGHBOUR, seen_neighbour)
    assert "група 2.1" in neighbour and "13:30–17:00" in neighbour

    # The provider publishes the same schedule again under a new time stamp: no message.
    publish(feed_server, as_of="16:45")
    assert await poll(bot)
    publish(feed_server, as_of="16:50")
    assert await poll(bot)
    assert len(after(bot_api, RESIDENT, seen)) == 1
    assert len(after(bot_api, NEIGHBOUR, seen_neighbour)) == 1

    # Group 1.1 gets an extra hour: exactly one message, naming the change; 2.1 hears nothing.
    changed = LOE_HTML.replace(
        "Група 1.1. Електроенергії немає з 15:30 до 17:00.",
        "Група 1.1. Електроенергії немає з 15:30 до 18:00.",
    )
    publish(feed_server, changed, as_of="17:05")
    assert await poll(bot)
    [_, change] = after(bot_api, RESIDENT, seen)
    assert change.startswith("🔄 Змінено графік відключень: Львівська область, група 1.1")
    assert "Сьогодні, 08.01: без світла 15:30–18:00" in change
    assert "Було: без світла 15:30–17:00" in change
    assert "Що змінилося: 17:00–18:00 тепер без світла" in change
    assert len(after(bot_api, NEIGHBOUR, seen_neighbour)) == 1

    # The same changed schedule again: still nothing.
    assert await poll(bot)
    assert len(after(bot_api, RESIDENT, seen)) == 2


async def test_follow_validates_region_and_group(
    start_outage_bot: OutageBotFactory, bot_api: FakeBotApi
) -> None:
    await start_outage_bot()
    assert "Формат: /outage_group" in await command(bot_api, RESIDENT, "/outage_group Львів")
    reply = await command(bot_api, RESIDENT, "/outage_group Львів 7.1")
    assert "немає групи «7.1»" in reply and "1.1, 1.2, 2.1" in reply and "6.2" in reply
    reply = await command(bot_api, RESIDENT, "/outage_group Одеса 1.1")
    assert "немає джерела графіків" in reply and "Львівська область" in reply
    assert "Не знаю регіону" in await command(bot_api, RESIDENT, "/outage_group Атлантида 1.1")
    # A city inside the oblast follows the oblast's schedule; several groups at once.
    assert "(Львівська область)" in await command(bot_api, RESIDENT, "/outage_group м. Львів 1.1")
    assert "вже стежите" in await command(bot_api, RESIDENT, "/outage_group Lviv 1.1")
    assert "стежите" in await command(bot_api, RESIDENT, "/outage_group Lviv 4.2")
    assert "Більше не стежу" in await command(bot_api, RESIDENT, "/outage_group Lviv 4.2 off")
    assert "не стежили" in await command(bot_api, RESIDENT, "/outage_ungroup Lviv 4.2")
    assert "(1)" in await command(bot_api, RESIDENT, "/outage_ungroup all")
    assert "не стежите за жодною" in await command(bot_api, RESIDENT, "/outage")


async def test_reminder_and_power_back_follow_the_clock_and_survive_a_restart(
    start_outage_bot: OutageBotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    database_url: str,
) -> None:
    bot = await start_outage_bot(database_url)
    await command(bot_api, RESIDENT, "/outage_group Lviv 1.1")
    await command(bot_api, RESIDENT, "/outage_group Lviv 1.2")
    publish(feed_server)
    await poll(bot)
    seen = len(bot_api.messages_to(RESIDENT))

    clock.now = datetime(2026, 1, 8, 12, 59, tzinfo=UTC)  # 14:59 Kyiv: 31 min before 15:30
    await tick(bot)
    assert after(bot_api, RESIDENT, seen) == []
    clock.now = datetime(2026, 1, 8, 13, 0, tzinfo=UTC)  # 15:00 Kyiv
    await tick(bot)
    [reminder] = after(bot_api, RESIDENT, seen)
    assert reminder == (
        "⏰ Через 30 хв за графіком вимкнуть світло: Львівська область, група 1.1 — "
        "з 15:30 до 17:00."
    )
    clock.advance(minutes=1)
    await tick(bot)
    assert len(after(bot_api, RESIDENT, seen)) == 1, "one reminder per outage"

    await bot.stop()
    bot = await start_outage_bot(database_url)
    clock.advance(minutes=1)
    await tick(bot)
    assert len(after(bot_api, RESIDENT, seen)) == 1, "a restart repeats nothing"

    clock.now = datetime(2026, 1, 8, 15, 0, tzinfo=UTC)  # 17:00 Kyiv: 1.1 is due back
    await tick(bot)
    back = after(bot_api, RESIDENT, seen)[-1]
    assert back == "💡 За графіком світло має повернутися о 17:00: Львівська область, група 1.1."
    clock.now = datetime(2026, 1, 8, 18, 0, tzinfo=UTC)  # 20:00: 1.2 goes off at 20:30
    await tick(bot)
    assert "група 1.2 — з 20:30 до 24:00" in after(bot_api, RESIDENT, seen)[-1]
    count = len(after(bot_api, RESIDENT, seen))
    clock.now = datetime(2026, 1, 8, 22, 0, tzinfo=UTC)  # 24:00: the edge of what is published
    await tick(bot)
    assert len(after(bot_api, RESIDENT, seen)) == count, "the day's end is not 'power back'"


async def test_reminder_lead_time_is_configurable(
    start_outage_bot: OutageBotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
) -> None:
    bot = await start_outage_bot(outages=OutagesConfig(reminder_minutes=60))
    await command(bot_api, RESIDENT, "/outage_group Lviv 1.1")
    assert "30 хв" in await command(bot_api, NEIGHBOUR, "/outage_remind 30")
    await command(bot_api, NEIGHBOUR, "/outage_group Lviv 1.1")
    publish(feed_server)
    await poll(bot)
    seen, seen_neighbour = len(bot_api.messages_to(RESIDENT)), len(bot_api.messages_to(NEIGHBOUR))
    clock.now = datetime(2026, 1, 8, 12, 30, tzinfo=UTC)  # 14:30 Kyiv: an hour before
    await tick(bot)
    assert after(bot_api, RESIDENT, seen)[0].startswith("⏰ Через 60 хв")
    assert after(bot_api, NEIGHBOUR, seen_neighbour) == []
    clock.now = datetime(2026, 1, 8, 13, 0, tzinfo=UTC)
    await tick(bot)
    assert after(bot_api, NEIGHBOUR, seen_neighbour)[0].startswith("⏰ Через 30 хв")


async def test_mute_scheduled_and_emergency_separately(
    start_outage_bot: OutageBotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
) -> None:
    bot = await start_outage_bot()
    await command(bot_api, RESIDENT, "/outage_group Lviv 1.1")
    # The emergencies below are on a street: they reach the chats on it (/outage_address).
    await command(bot_api, RESIDENT, "/outage_address Львів, вул. Стрийська, 12")
    reply = await command(bot_api, RESIDENT, "/outage_mute scheduled")
    assert reply == "Сповіщення про відключення: за графіком — вимкнено; аварійні — увімкнено."
    seen = len(bot_api.messages_to(RESIDENT))
    publish(feed_server)
    await poll(bot)
    clock.now = datetime(2026, 1, 8, 13, 0, tzinfo=UTC)
    await tick(bot)
    assert after(bot_api, RESIDENT, seen) == [], "scheduled outages are muted"

    accidents(feed_server, accident())
    await poll(bot, "loe-accidents")
    [emergency] = after(bot_api, RESIDENT, seen)
    assert emergency.startswith("🚨 Аварійне відключення: Львівська область")

    await command(bot_api, RESIDENT, "/outage_mute emergency")
    seen = len(bot_api.messages_to(RESIDENT))
    accidents(feed_server, accident(), accident(id=502))
    await poll(bot, "loe-accidents")
    assert after(bot_api, RESIDENT, seen) == [], "emergency outages are muted too now"
    reply = await command(bot_api, RESIDENT, "/outage_mute none")
    assert reply == "Сповіщення про відключення: за графіком — увімкнено; аварійні — увімкнено."


async def test_emergency_outage_carries_the_truce_note_and_its_end_is_told(
    start_outage_bot: OutageBotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
) -> None:
    bot = await start_outage_bot()
    await command(bot_api, RESIDENT, "/outage_group Lviv 3.2")
    await command(bot_api, RESIDENT, "/outage_address Львів, вул. Стрийська, 12")
    reply = await command(
        bot_api,
        ADMIN_ID,
        "/truce_set energy-pause start=2026-01-01T00:00 end=2026-01-31T00:00 scope=energy "
        'regions=Lviv party="Both sides"',
        user_id=ADMIN_ID,
    )
    assert reply.startswith("✅")
    seen = len(bot_api.messages_to(RESIDENT))
    accidents(feed_server, accident())
    assert await poll(bot, "loe-accidents")
    [message] = after(bot_api, RESIDENT, seen)
    assert message.startswith(
        "🚨 Аварійне відключення: Львівська область\nЛьвів, вул. Стрийська, 10, 12"
    )
    assert "Початок о 11:40" in message
    assert "Орієнтовне відновлення о 15:00" in message
    assert "«energy-pause» (удари по енергетиці; Both sides, до 00:00, 31.01)" in message
    assert "не гарантія" in message
    assert "укритті" not in message, "the alert wording is not the outage wording"

    assert await poll(bot, "loe-accidents")
    assert len(after(bot_api, RESIDENT, seen)) == 1, "the same emergency is told once"

    accidents(feed_server)
    assert await poll(bot, "loe-accidents")
    ended = after(bot_api, RESIDENT, seen)[-1]
    assert ended.startswith("✅ Аварійне відключення закінчилося: Львівська область")
    assert "паузу" not in ended


async def test_no_truce_note_without_an_energy_pause_in_force(
    start_outage_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    bot = await start_outage_bot()
    await command(bot_api, RESIDENT, "/lang en")
    await command(bot_api, RESIDENT, "/outage_group Lviv 3.2")
    await command(bot_api, RESIDENT, "/outage_address Lviv, vul. Stryiska, 12")
    await command(bot_api, ADMIN_ID, "/truce_set far start=2026-01-01 scope=all regions=Odesa")
    await command(bot_api, ADMIN_ID, "/truce_set later start=2026-02-01 scope=energy regions=all")
    seen = len(bot_api.messages_to(RESIDENT))
    accidents(feed_server, accident())
    await poll(bot, "loe-accidents")
    [message] = after(bot_api, RESIDENT, seen)
    assert message.startswith("🚨 Emergency outage: Lviv oblast")
    assert "Expected restoration at 15:00" in message
    assert "⚠️" not in message


async def test_outage_shows_text_and_picture_and_turns_stale_after_a_broken_answer(
    start_outage_bot: OutageBotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_outage_bot(outages=OutagesConfig(stale_after_minutes=60))
    await command(bot_api, RESIDENT, "/outage_group Lviv 1.1")
    await command(bot_api, RESIDENT, "/outage_group Lviv 6.2")
    publish(feed_server)
    await poll(bot)

    text, photo = await outage(bot_api)
    assert text.text == (
        "🗓 Львівська область, група 1.1\n"
        "Сьогодні, 08.01: без світла 15:30–17:00\n"
        "Завтра, 09.01: графіка ще немає\n\n"
        "🗓 Львівська область, група 6.2\n"
        "Сьогодні, 08.01: світло є весь день\n"
        "Завтра, 09.01: графіка ще немає"
    )
    assert photo.method == "sendPhoto"
    assert photo.text == "🗓 Графік відключень на сьогодні й завтра"
    upload = photo.params["photo"]
    assert isinstance(upload, UploadedFile) and upload.data.startswith(b"\x89PNG")
    assert len(upload.data) > 5_000, "a real picture, not a placeholder"

    caplog.set_level(logging.INFO, logger="alertbot")
    feed_server.script(
        SCHEDULE_PATH,
        Reply(status=200, body=b'{"hydra:member": [{"menuItems": [{"rawHtml": "<p>Sorry</p>"}]}]}'),
        Reply(status=200, body=b"<html>Incapsula</html>"),
        Reply(status=503, body=b"busy"),
    )
    for _ in range(3):
        assert not await poll(bot)
    failures = [r for r in caplog.records if r.getMessage() == "feed_failed"]
    assert len(failures) == 1, "logged once per outage"

    clock.advance(minutes=59)
    text, _ = await outage(bot_api)
    assert "застаріти" not in (text.text or "")
    clock.advance(minutes=2)
    text, _ = await outage(bot_api)
    assert "без світла 15:30–17:00" in (text.text or ""), "the last good schedule is kept"
    assert "⚠️ Дані могли застаріти: останнє вдале оновлення о 12:00." in (text.text or "")

    assert await poll(bot), "the provider is back"
    assert [r.getMessage() for r in caplog.records].count("feed_recovered") == 1
    text, _ = await outage(bot_api)
    assert "застаріти" not in (text.text or "")


async def outage(api: FakeBotApi) -> tuple[Any, Any]:
    before = len([m for m in api.sent if m.chat_id == RESIDENT])
    api.send_command(RESIDENT, "/outage")
    sent = await api.wait_for_sent(before + 2, chat_id=RESIDENT, timeout=15)
    return sent[-2], sent[-1]


async def test_tomorrows_schedule_is_announced_and_a_later_day_is_not(
    start_outage_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    """Tomorrow's block is LOE's real block with its dates moved a day (and two days) on."""
    bot = await start_outage_bot()
    await command(bot_api, RESIDENT, "/outage_group Lviv 2.2")
    publish(feed_server)
    await poll(bot)
    seen = len(bot_api.messages_to(RESIDENT))
    tomorrow = LOE_HTML.replace("08.01.2026", "09.01.2026")
    later = LOE_HTML.replace("08.01.2026", "10.01.2026")
    menus = {
        "hydra:member": [
            {"menuItems": [{"rawHtml": LOE_HTML}, {"rawHtml": tomorrow}, {"rawHtml": later}]}
        ]
    }
    feed_server.set(SCHEDULE_PATH, json.dumps(menus, ensure_ascii=False).encode())
    await poll(bot)
    [message] = after(bot_api, RESIDENT, seen)
    assert message == (
        "🗓 Опубліковано графік відключень: Львівська область, група 2.2\n"
        "Завтра, 09.01: без світла 13:30–16:30"
    )


async def test_news_feed_announces_new_items_only(
    start_outage_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    """An Atom feed built from RFC 4287's example, with 2026 dates and a second entry."""
    news = FeedConfig(name="news", kind="rss", url=feed_server.url("/news.atom"), region="Lviv")
    bot = await start_outage_bot(extra_feeds=[news])
    await command(bot_api, RESIDENT, "/outage_group Lviv 1.1")
    entry = (
        "<entry><title>{title}</title><link href='http://example.org/{id}'/>"
        "<id>urn:uuid:{id}</id><updated>2026-01-08T09:{minute}:00Z</updated>"
        "<summary>{summary}</summary></entry>"
    )
    first = entry.format(
        title="Atom-Powered Robots Run Amok", id="1", minute="10", summary="Some text."
    )
    second = entry.format(
        title="Графік на 09.01 опубліковано", id="2", minute="40", summary="Деталі на сайті."
    )

    def atom(*entries: str) -> bytes:
        return (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            "<title>Example Feed</title><id>urn:uuid:feed</id>"
            f"<updated>2026-01-08T09:40:00Z</updated>{''.join(entries)}</feed>"
        ).encode()

    feed_server.set("/news.atom", atom(first), content_type="application/atom+xml")
    seen = len(bot_api.messages_to(RESIDENT))
    assert bot.outages is not None
    assert await poll(bot, "news")
    assert after(bot_api, RESIDENT, seen) == [], "a new feed's backlog is not replayed"
    feed_server.set("/news.atom", atom(second, first), content_type="application/atom+xml")
    assert await poll(bot, "news")
    assert after(bot_api, RESIDENT, seen) == [
        "📰 Графік на 09.01 опубліковано\nДеталі на сайті.\nhttp://example.org/2"
    ]
    assert await poll(bot, "news")
    assert len(after(bot_api, RESIDENT, seen)) == 1


async def test_outage_queues_follow_a_group_that_becomes_a_supergroup(
    start_outage_bot: OutageBotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    bot = await start_outage_bot()
    publish(feed_server)
    assert await poll(bot)
    await command(bot_api, -5, "/outage_group Lviv 1.1")
    await command(bot_api, -5, "/outage_mute emergency")
    assert bot.sessions is not None
    from storage import chats as chat_store

    async with bot.sessions() as session, session.begin():
        await chat_store.migrate(session, -5, -1005)
    reply = await command(bot_api, -1005, "/outage")
    assert "не стежите" not in reply and "1.1" in reply, reply
    assert "не стежите" in await command(bot_api, -5, "/outage"), "the old id follows nothing"


async def test_pausing_an_outage_feed_stops_its_polls_and_resuming_brings_them_back(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer
) -> None:
    """As for alert feeds: a paused feed has no poll job at all (not one that skips)."""
    loe = FeedConfig(name="loe", kind="loe", url=feed_server.url(SCHEDULE_PATH), interval=300)
    bot = await start_bot(schedule_polls=True, config_updates={"feeds": [loe]})
    assert bot.application is not None and bot.application.job_queue is not None
    jobs = bot.application.job_queue

    def polled() -> bool:
        return bool(jobs.get_jobs_by_name("outage_poll:loe"))

    assert polled()
    assert "призупинено" in await command(bot_api, ADMIN_ID, "/feed_pause loe", user_id=ADMIN_ID)
    assert not polled()
    assert "знову працює" in await command(bot_api, ADMIN_ID, "/feed_resume loe", user_id=ADMIN_ID)
    assert polled()
    publish(feed_server)
    assert await poll(bot), "a resumed feed is read again"
