"""The truce ledger: imported history and the bot's own events, counted per party's claimed
window against the time before it, on SQLite and PostgreSQL.

Expected figures for the January 2023 Christmas pause were counted straight from the CSV
files (Python's csv module, no project code): official 56 alerts in the window (4,506.7
alert-minutes), 40 in the baseline, the first 1 h 45 min 15 s after the claimed start;
volunteer 60 and 44.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import history, ledger, migrate
from storage import truces as truce_store
from storage.db import create_engine, session_factory
from storage.models import AlertEvent, AlertState, Outbox
from storage.outage_models import OutageEventRow

HISTORY = Path(__file__).resolve().parent.parent / "feeds" / "samples" / "history"
OFFICIAL = HISTORY / "official_2022-12-30_2023-01-14.csv"
VOLUNTEER = HISTORY / "volunteer_2022-12-30_2023-01-14.csv"
XMAS_START = datetime(2023, 1, 6, 9, 0, tzinfo=UTC)  # 12:00 Moscow time
XMAS_END = datetime(2023, 1, 7, 21, 0, tzinfo=UTC)  # 24:00 Moscow time
LATER = datetime(2023, 2, 1, tzinfo=UTC)


async def _database(url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    return engine, session_factory(engine)


async def _claim(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    party: str,
    start: datetime,
    end: datetime | None,
    *,
    scope: str = "all",
    regions: tuple[str, ...] | None = None,
    now: datetime = LATER,
) -> None:
    async with sessions() as session, session.begin():
        await truce_store.set_claim(
            session,
            name=name,
            party=party,
            starts_at=start,
            ends_at=end,
            scope=scope,
            region_ids=regions,
            source=None,
            actor=1,
            now=now,
        )


async def test_christmas_2023_pause_from_both_published_files(database_url: str) -> None:
    engine, sessions = await _database(database_url)
    try:
        async with sessions() as session, session.begin():
            official = await history.import_text(session, OFFICIAL.read_text())
            volunteer = await history.import_text(session, VOLUNTEER.read_text())
        assert (official.source, official.rows, official.added) == ("official", 434, 434)
        assert (volunteer.source, volunteer.rows, volunteer.added) == ("volunteer", 497, 497)
        # Hromadas and raions the built-in registry does not know: kept, counted, not dropped.
        assert sum(official.unmatched.values()) == 36
        assert (
            "Dnipropetrovska oblast/Nikopolskyi raion/m. Nikopol ta Nikopolska "
            "terytorialna hromada" in official.unmatched
        )
        async with sessions() as session, session.begin():
            again = await history.import_text(session, OFFICIAL.read_text())
        assert (again.added, again.already_present) == (0, 434), "a second import adds nothing"

        # Recorded long after the fact, like an admin entering it later: evidence all the same.
        await _claim(sessions, "xmas-2023", "Russia", XMAS_START, XMAS_END)
        async with sessions() as session:
            report = await ledger.truce_report(session, "xmas-2023", LATER, "official")
            by_volunteers = await ledger.truce_report(session, "xmas-2023", LATER, "volunteer")
            default = await ledger.truce_report(session, "xmas-2023", LATER)
        assert report is not None and by_volunteers is not None and default is not None
    finally:
        await engine.dispose()

    data = report.as_json()
    assert data["source"] == "official"
    assert data["sources"] == {"official": 128, "volunteer": 142}, "both kept, never summed"
    assert default.source == "official", "no live events then: the official file is counted"
    assert data["status"] == "expired" and data["regions"] == "all"
    [claim] = data["claims"]
    assert claim["window"] == {
        "starts_at": "2023-01-06T09:00:00+00:00",
        "ends_at": "2023-01-07T21:00:00+00:00",
        "alerts": 56,
        "alert_minutes": 4506.7,
    }, "no outage records then: no outage figure (rather than a made-up 0)"
    assert claim["baseline"]["starts_at"] == "2023-01-04T21:00:00+00:00"
    assert claim["baseline"]["alerts"] == 40
    assert claim["ratio"] == 1.4
    assert claim["first_alert_after_minutes"] == pytest.approx(105.2)
    dnipro = next(line for line in claim["by_oblast"] if line["region_id"] == "9")
    assert dnipro["name_uk"] == "Дніпропетровська область"
    assert (dnipro["alerts"], dnipro["baseline_alerts"]) == (7, 7)
    assert set(dnipro) == {
        "region_id",
        "name_uk",
        "name_en",
        "alerts",
        "alert_minutes",
        "baseline_alerts",
        "baseline_alert_minutes",
    }
    assert by_volunteers.claims[0].window.alerts == 60
    assert by_volunteers.claims[0].baseline.alerts == 44


async def test_import_quirks_bad_rows_and_no_side_effects(sqlite_url: str) -> None:
    text = (
        "oblast,raion,hromada,level,started_at,finished_at,source\r\n"
        # The file's own quirk: oblast and raion swapped.
        "Lubenskyi raion,Poltavska oblast,,raion,2023-01-06 10:00:00+00:00,"
        "2023-01-06 10:30:00+00:00,official\r\n"
        "Lvivska oblast,Lvivskyi raion,,raion,2023-01-06 11:00:00+00:00,"
        "2023-01-06 11:20:00+00:00,official\r\n"
        "Lvivska oblast,,,oblast,not a time,2023-01-06 11:20:00+00:00,official\r\n"
        "Atlantis oblast,,,oblast,2023-01-06 12:00:00+00:00,,official\r\n"
    )
    engine, sessions = await _database(sqlite_url)
    try:
        async with sessions() as session, session.begin():
            summary = await history.import_text(session, text)
        async with sessions() as session:
            states = await session.scalar(select(func.count()).select_from(AlertState))
            events = await session.scalar(select(func.count()).select_from(AlertEvent))
            queued = await session.scalar(select(func.count()).select_from(Outbox))
    finally:
        await engine.dispose()
    assert summary.rows == 4 and summary.added == 3
    assert summary.bad_rows == ["line 4: Invalid isoformat string: 'not a time'"]
    poltava, lviv_raion, atlantis = history.read_rows(text)[1]
    assert (poltava.oblast_id, poltava.region_id, poltava.matched) == ("19", "19", False)
    assert (lviv_raion.region_id, lviv_raion.oblast_id, lviv_raion.matched) == ("90", "27", True)
    assert (atlantis.region_id, atlantis.matched) == ("unknown", False)
    assert atlantis.finished_at is None
    assert (states, events, queued) == (0, 0, 0), "import never touches alert state or sends"


def test_a_file_of_another_shape_is_refused() -> None:
    with pytest.raises(history.HistoryFormatError, match="not an air-raid history file"):
        history.read_rows("id,name\n1,x\n")


def _event(region: str, transition: str, at: datetime) -> AlertEvent:
    return AlertEvent(
        region_id=region,
        region_title=region,
        kind="air_raid",
        transition=transition,
        occurred_at=at,
        detected_at=at,
        source="alerts-in-ua",
    )


async def test_live_events_count_for_a_truce_recorded_late(database_url: str) -> None:
    """The bot's own events: the truce is entered after the alerts happened; a raion's alert
    counts under its oblast too; an alert still active counts up to now; regions outside the
    truce do not count; an energy pause counts emergency outages that began in its window."""
    start = datetime(2025, 3, 18, 10, 0, tzinfo=UTC)
    end = start + timedelta(hours=10)
    now = start + timedelta(hours=6)
    engine, sessions = await _database(database_url)
    try:
        async with sessions() as session, session.begin():
            session.add_all(
                [
                    # baseline: one Lviv oblast alert of 30 min
                    _event("27", "start", start - timedelta(hours=3)),
                    _event("27", "end", start - timedelta(hours=2, minutes=30)),
                    # window: a Lviv raion alert of 40 min, 2 h after the claimed start
                    _event("90", "start", start + timedelta(hours=2)),
                    _event("90", "end", start + timedelta(hours=2, minutes=40)),
                    # window: an oblast-wide alert still going at "now" (1 h so far)
                    _event("27", "start", start + timedelta(hours=5)),
                    # outside the truce's regions
                    _event("28", "start", start + timedelta(hours=1)),
                ]
            )
            session.add(
                OutageEventRow(
                    source="loe",
                    key="a",
                    region_id="27",
                    starts_at=start + timedelta(hours=1),
                    first_seen_at=start + timedelta(hours=1),
                    last_seen_at=start + timedelta(hours=1),
                )
            )
        await _claim(
            sessions, "energy", "Ukraine", start, end, scope="energy", regions=("27",), now=now
        )
        async with sessions() as session:
            report = await ledger.truce_report(session, "energy", now)
            # One alert a row, for an evidence list: each start paired with its end.
            evidence = await ledger.alerts_between(session, "live", start, now)
    finally:
        await engine.dispose()
    assert [(a.region_id, a.oblast_id, a.finished_at) for a in evidence] == [
        ("28", "28", None),
        ("90", "27", start + timedelta(hours=2, minutes=40)),
        ("27", "27", None),
    ]
    assert report is not None and report.source == "live"
    assert report.status == "in_force"
    [claim] = report.claims
    assert claim.window.ends_at == now, "the window so far"
    assert claim.window.alerts == 2
    assert claim.window.alert_minutes == pytest.approx(40 + 60)
    assert claim.window.emergency_outages == 1
    assert claim.baseline.starts_at == start - timedelta(hours=6)
    assert claim.baseline.alerts == 1
    assert claim.baseline.alert_minutes == pytest.approx(30)
    assert claim.first_alert_after_minutes == pytest.approx(120)
    lines = {line.region_id: line for line in claim.by_oblast}
    assert set(lines) == {"27", "90"}, "Donetsk (28) is outside the truce"
    assert (lines["27"].alerts, lines["27"].baseline_alerts) == (2, 1)
    assert (lines["90"].alerts, lines["90"].baseline_alerts) == (1, 0)


def test_a_truces_life() -> None:
    t0 = datetime(2025, 3, 18, tzinfo=UTC)
    one = truce_store.Claim("Ukraine", t0, t0 + timedelta(days=30), None)
    other = truce_store.Claim("Russia", t0 + timedelta(days=1), t0 + timedelta(days=30), None)

    def view(*claims: truce_store.Claim, ended: datetime | None = None) -> truce_store.TruceView:
        return truce_store.TruceView(1, "x", "energy", None, ended, claims, "talks")

    assert view(one).status(t0 - timedelta(days=1)) == "announced"
    assert view(one).status(t0 + timedelta(days=1)) == "in_force"
    assert view(one).status(t0 + timedelta(days=31)) == "expired"
    ended = view(one, ended=t0 + timedelta(days=3))
    assert ended.status(t0 + timedelta(days=4)) == "ended_early"
    assert view(one, ended=t0 + timedelta(days=40)).status(t0 + timedelta(days=41)) == "expired"
    assert not view(one).disputed
    assert view(one, other).disputed, "different start days (March 2025)"


@pytest.mark.parametrize(
    ("count", "uk", "en"),
    [
        (1, "1 тривога", "1 alert"),
        (2, "2 тривоги", "2 alerts"),
        (5, "5 тривог", "5 alerts"),
        (11, "11 тривог", "11 alerts"),
        (21, "21 тривога", "21 alerts"),
        (24, "24 тривоги", "24 alerts"),
        (0, "0 тривог", "0 alerts"),
    ],
)
def test_counts_read_right_in_both_languages(count: int, uk: str, en: str) -> None:
    from bot.i18n import tn

    assert tn("uk", "count.alerts", count) == uk
    assert tn("en", "count.alerts", count) == en
