"""Times outside 2000..2100 UTC never reach the database, and one that did never stops delivery."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.fakes.bot_api import FakeBotApi
from bot.fakes.feed_server import FakeFeedServer
from storage import truces as truce_store
from tests.conftest import ADMIN_ID, BotFactory, Clock
from tests.payloads import lviv_alert
from tests.test_end_to_end import RESIDENT, command, serve, settle

KYIV_RESIDENT = 1002


async def test_a_truce_ending_in_year_9999_does_not_stop_delivery(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv")
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
    await command(bot_api, RESIDENT, "/subscribe Lviv")
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
