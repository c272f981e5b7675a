"""A day of real alert history replayed through the real bot: what an oblast subscriber and a
hromada subscriber read when a hromada's alert and the oblast-wide one overlap.

The history is 30 December 2022 in Dnipropetrovsk oblast from the public air-raid dataset
(tests/history, provenance in its README). Each start and end is served, at its own time,
by the fake alerts.in.ua feed as a record in the real answer's shape; the bot polls, fans out
and sends to the fake Telegram after each one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer
from tests.conftest import BotFactory, Clock
from tests.test_end_to_end import command, serve, settle_held

HISTORY = Path(__file__).resolve().parent / "history"
OBLAST_CHAT, NIKOPOL_CHAT = 301, 302

# The dataset's transliterated names -> the alerts.in.ua record for that place. Dnipropetrovsk
# oblast is UID 9 (the official table); the Nikopol hromada's UID and title are those of the
# real 2024 record in feeds/samples/alerts_in_ua_active_2024-05-06_with_hromada.json.
PLACES: dict[str, dict[str, Any]] = {
    "Dnipropetrovska oblast": {
        "location_title": "Дніпропетровська область",
        "location_type": "oblast",
        "location_uid": "9",
    },
    "m. Nikopol ta Nikopolska terytorialna hromada": {
        "location_title": "Нікопольська територіальна громада",
        "location_type": "hromada",
        "location_uid": "351",
        "location_raion": "Нікопольський район",
    },
}


@dataclass(frozen=True)
class Alert:
    place: str
    started: datetime
    finished: datetime


def history(name: str) -> list[Alert]:
    text = (HISTORY / name).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return [
        Alert(
            row["hromada"] or row["raion"] or row["oblast"],
            datetime.fromisoformat(row["started_at"]),
            datetime.fromisoformat(row["finished_at"]),
        )
        for row in rows
    ]


def record(alert: Alert, number: int) -> dict[str, Any]:
    started = alert.started.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "id": 50_000 + number,
        **PLACES[alert.place],
        "started_at": started,
        "finished_at": None,
        "updated_at": started,
        "alert_type": "air_raid",
        "location_oblast": "Дніпропетровська область",
        "notes": None,
        "country": None,
        "deleted_at": None,
        "calculated": None,
        "location_oblast_uid": 9,
    }


async def test_replay_30_december_2022_dnipropetrovsk_and_nikopol(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    alerts = history("official_dnipropetrovska_2022-12-30.csv")
    assert len(alerts) == 8
    clock.now = datetime(2022, 12, 30, 0, 0, tzinfo=UTC)
    bot = await start_bot()
    await command(bot_api, OBLAST_CHAT, "/subscribe Дніпропетровська область")

    moments = sorted({a.started for a in alerts} | {a.finished for a in alerts})
    heard: dict[int, list[tuple[str, str]]] = {OBLAST_CHAT: [], NIKOPOL_CHAT: []}
    for moment in moments:
        clock.now = moment
        on = [record(a, i) for i, a in enumerate(alerts) if a.started <= moment < a.finished]
        seen = {chat: len(bot_api.messages_to(chat)) for chat in heard}
        serve(feed_server, clock, *on)
        assert (await bot.poll_now("alerts-in-ua")).ok
        # An oblast subscriber's message of a hromada waits a moment for others to join it.
        await settle_held(bot, clock)
        at = moment.strftime("%H:%M:%S")
        for chat in heard:
            heard[chat] += [(at, m) for m in bot_api.messages_to(chat)[seen[chat] :]]
        if moment == alerts[2].started:
            # The hromada is known once a source named it: its resident subscribes then.
            reply = await command(bot_api, NIKOPOL_CHAT, "/subscribe 351")
            assert "Нікопольська територіальна громада" in reply and "Зараз там діє" in reply

    oblast = heard[OBLAST_CHAT]
    ends = [(at, m) for at, m in oblast if m.startswith("🟢")]
    assert [at for at, _ in ends] == [
        "06:51:04",
        "07:40:38",
        "10:10:29",
        "10:21:04",
        "11:30:57",
        "13:26:33",
        "18:08:25",
        "04:48:50",
    ]
    by_time = dict(ends)
    # 10:10:29 (12:10 in Kyiv): Nikopol's alert ended, the oblast-wide one went on 10 more
    # minutes. The oblast's subscribers used to read a bare "🟢 Відбій" here.
    assert by_time["10:10:29"] == (
        "🟢 Відбій повітряної тривоги: Нікопольська територіальна громада\n"
        "Кінець о 12:10, тривала 45 хв\n"
        "⚠️ Тривога триває: Дніпропетровська область"
    )
    assert by_time["10:21:04"] == (
        "🟢 Відбій повітряної тривоги: Дніпропетровська область\nКінець о 12:21, тривала 32 хв"
    ), "the oblast's all clear comes when nothing in or over it is under alert"
    # 18:08:25: the oblast-wide alert ended while Nikopol's went on until morning.
    assert by_time["18:08:25"] == (
        "🟢 Відбій повітряної тривоги: Дніпропетровська область\n"
        "Кінець о 20:08, тривала 42 хв\n"
        "⚠️ Дніпропетровська область: ще під тривогою: Нікопольська територіальна громада"
    )
    assert by_time["04:48:50"] == (
        "🟢 Відбій повітряної тривоги: Нікопольська територіальна громада\n"
        "Кінець о 06:48, тривала 12 год 35 хв\n"
        "🟢 Дніпропетровська область: тривог більше немає"
    )
    # The rule for every end an oblast subscriber read: while anything in or over the oblast
    # was under alert, the message says so.
    for at, message in ends:
        moment = next(m for m in moments if m.strftime("%H:%M:%S") == at)
        still_on = [a for a in alerts if a.started <= moment < a.finished]
        assert ("⚠️" in message) == bool(still_on), (at, message)

    # The Nikopol resident is told of no end while an alert still covers the hromada: not
    # at 10:10:29 (its own alert ended, the oblast-wide one went on) nor at 18:08:25.
    nikopol_ends = [(at, m) for at, m in heard[NIKOPOL_CHAT] if m.startswith("🟢")]
    assert [at for at, _ in nikopol_ends] == ["10:21:04", "11:30:57", "13:26:33", "04:48:50"]
