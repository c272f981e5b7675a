"""Times outside 2000..2100 UTC never reach the database, and one that did never stops delivery."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from feeds import alerts_in_ua, ukrainealarm
from feeds.model import FeedFormatError
from feeds.outages import OUTAGE_KINDS
from feeds.outages.common import ParseContext
from feeds.outages.model import OutageReport
from storage import truces as truce_store
from tests.conftest import ADMIN_ID, BotFactory, Clock, sample
from tests.payloads import answer, lviv_alert
from tests.test_end_to_end import RESIDENT, command, serve, settle

KYIV_RESIDENT = 1002
NOW = datetime(2025, 3, 18, 10, 0, tzinfo=UTC)


async def test_a_truce_ending_in_year_9999_does_not_stop_delivery(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    reply = await command(
        bot_api, ADMIN_ID, "/truce_set forever start=now end=9999-12-31T23:00Z regions=Lviv"
    )
    assert "2000" in reply and "2100" in reply, reply
    assert "помилка" not in reply.lower()
    assert "не записано" in await command(bot_api, RESIDENT, "/truces"), "nothing was stored"
    serve(feed_server, clock, lviv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert bot_api.messages_to(RESIDENT)[-1].startswith("🔴 Повітряна тривога: Львівська")


async def test_a_start_in_year_1_gets_a_one_line_refusal(
    start_bot: BotFactory, bot_api: FakeBotApi
) -> None:
    await start_bot()
    reply = await command(bot_api, ADMIN_ID, "/truce_set old start=0001-01-01T00:00")
    first = reply.splitlines()[0]
    assert "2000" in first and "2100" in first, reply
    assert "Вибачте" not in reply


def kyiv_alert() -> dict[str, object]:
    alert = lviv_alert(alert_id=91235)
    alert.update(
        location_title="м. Київ",
        location_oblast="м. Київ",
        location_uid="31",
        location_oblast_uid=31,
    )
    return alert


async def test_truces_stored_before_the_range_check_do_not_stop_delivery(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    """A database written by an older version may hold such a truce: alerts still go out."""
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    await command(bot_api, KYIV_RESIDENT, "/subscribe Kyiv")
    assert bot.sessions is not None
    async with bot.sessions() as session, session.begin():
        for name, region, start, end in (
            ("forever", "27", clock.now, datetime(9999, 12, 31, 23, 0, tzinfo=UTC)),
            ("ancient", "31", datetime(1, 1, 1, 0, 0, tzinfo=UTC), None),
        ):
            await truce_store.set_claim(
                session,
                name=name,
                party="unspecified",
                starts_at=start,
                ends_at=end,
                scope="all",
                region_ids=(region,),
                source=None,
                actor=ADMIN_ID,
                now=clock.now,
            )
    serve(feed_server, clock, lviv_alert(), kyiv_alert())
    await bot.poll_now("alerts-in-ua")
    await settle(bot)
    assert bot_api.messages_to(RESIDENT)[-1].startswith("🔴 Повітряна тривога: Львівська")
    assert bot_api.messages_to(KYIV_RESIDENT)[-1].startswith("🔴 Повітряна тривога: м. Київ")
    listing = await command(bot_api, RESIDENT, "/truces")
    assert "«forever»" in listing and "«ancient»" in listing
    assert "завершеною" in await command(bot_api, ADMIN_ID, "/truce_end forever")


# --- feeds: a time outside the range reads as an unreadable time -----------------------------

FAR_OFF = ("9999-12-31T23:00:00.000Z", "0001-01-01T00:00:00+05:00", "2100-01-01T00:00:00Z")


@pytest.mark.parametrize("value", FAR_OFF)
def test_alerts_in_ua_start_out_of_range_is_unknown(value: str) -> None:
    [observation] = [
        o
        for o in alerts_in_ua.parse_active(answer(lviv_alert(value), updated=NOW)[0])
        if o.region_id == "27"
    ]
    assert observation.since is None, "the alert is kept, its start time unknown"


@pytest.mark.parametrize("value", FAR_OFF)
def test_ukrainealarm_time_out_of_range_is_unknown(value: str) -> None:
    record = json.loads(sample("ukrainealarm_alerts_kyiv_city_2026-09-25.json"))[0]
    record["lastUpdate"] = value
    record["activeAlerts"][0]["lastUpdate"] = value
    [observation] = ukrainealarm.parse_alerts(json.dumps([record]).encode())
    assert observation.since is None


def outage(kind: str, body: bytes, **context: Any) -> OutageReport:
    return OUTAGE_KINDS[kind].parse(body, ParseContext(date(2026, 1, 8), **context))


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+02:00", "9999-12-31T23:59:00"])
def test_loe_accident_start_out_of_range_is_malformed(value: str) -> None:
    document = {"@id": "/api/pw_accidents", "hydra:member": [{"id": "1", "dateEvent": value}]}
    with pytest.raises(FeedFormatError, match="dateEvent"):
        outage("loe", json.dumps(document).encode())


def test_loe_accident_end_out_of_range_is_unknown() -> None:
    item = {"id": "1", "dateEvent": "2026-01-08T12:05:00+02:00", "datePlanIn": "9999-12-31T23:59"}
    document = {"@id": "/api/pw_accidents", "hydra:member": [item]}
    [event] = outage("loe", json.dumps(document).encode()).events or []
    assert event.ends_at is None


def test_loe_schedule_date_out_of_range_is_malformed() -> None:
    html = sample("loe_menus_rawHtml_2026-01-08.html").decode()
    html = re.sub(r"(відключень\s+на\s+)\d{2}\.\d{2}\.\d{4}", r"\g<1>31.12.9999", html)
    with pytest.raises(FeedFormatError, match="out of range"):
        outage("loe", html.encode())


def test_dtek_day_key_out_of_range_is_malformed() -> None:
    year_2200 = int(datetime(2200, 1, 1, tzinfo=UTC).timestamp())
    body = json.dumps({"data": {str(year_2200): {"GPV1.1": {"1": "no"}}}, "update": "x"})
    with pytest.raises(FeedFormatError, match="out of range"):
        outage("dtek_json", body.encode(), region_id="27")


def test_yasno_day_out_of_range_is_malformed() -> None:
    document = json.loads(sample("yasno_v2_planned_outages_2025-11-05_excerpt.json"))
    document["1.1"]["today"]["date"] = "0001-01-01T00:00:00+02:00"
    with pytest.raises(FeedFormatError, match="no date"):
        outage("yasno", json.dumps(document).encode())


def test_cap_sent_out_of_range_is_malformed() -> None:
    body = sample("cap_1.2_oasis_example_thunderstorm.xml")
    body = re.sub(rb"<sent>[^<]*</sent>", b"<sent>0001-01-01T00:00:00+05:00</sent>", body)
    with pytest.raises(FeedFormatError, match="sent"):
        outage("cap", body)


def test_rss_published_out_of_range_is_unknown() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>x</title><guid>g1</guid><pubDate>Fri, 31 Dec 1999 23:00:00 GMT</pubDate>"
        b"</item></channel></rss>"
    )
    [item] = outage("rss", body).announcements
    assert item.published_at is None
