"""Outage parsers: tables of real provider answers → the intervals a resident would read.

Real answers come from ``feeds/samples`` (provenance in its README). Where no real answer
exists (LOE emergency outages, RSS/Atom for oblenergos, DST days) the payload is built from
the provider's documented shape or the format's specification, and says so.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.model import FeedFormatError
from feeds.outages import OUTAGE_KINDS, ParseContext
from feeds.outages.model import Basis, DaySchedule, OutageReport, SlotState
from feeds.outages.timeline import hours, intervals, slot_count, wall_label
from tests.conftest import SAMPLES, sample


def parse(kind: str, body: bytes, today: date, **context: Any) -> OutageReport:
    return OUTAGE_KINDS[kind].parse(body, ParseContext(today, **context))


def off_spans(schedule: DaySchedule, state: SlotState = SlotState.OFF) -> list[str]:
    return [
        f"{wall_label(i.start, schedule.day)}-{wall_label(i.end, schedule.day)}"
        for i in intervals(schedule.day, schedule.slots)
        if i.state == state
    ]


def table(report: OutageReport, basis: Basis = Basis.FACT) -> dict[tuple[str, date], list[str]]:
    return {(s.group, s.day): off_spans(s) for s in report.schedules if s.basis == basis}


ALL_GROUPS = {f"{g}.{s}" for g in range(1, 7) for s in (1, 2)}


def test_loe_html_schedule_every_group_and_the_version() -> None:
    report = parse("loe", sample("loe_menus_rawHtml_2026-01-08.html"), date(2026, 1, 8))
    day = date(2026, 1, 8)
    got = table(report)
    assert {g for g, _ in got} == ALL_GROUPS
    assert got[("1.1", day)] == ["15:30-17:00"]
    assert got[("1.2", day)] == ["20:30-24:00"], "24:00 is the end of the day"
    assert got[("3.2", day)] == ["10:30-13:30"]
    assert got[("6.1", day)] == ["12:00-13:30"]
    assert got[("6.2", day)] == [], "Електроенергія є: power all day"
    first = report.schedules[0]
    assert first.region_id == "27", "LOE is Lviv oblast"
    assert first.version == "16:16 08.01.2026"
    assert first.published_at == datetime(2026, 1, 8, 14, 16, tzinfo=UTC), "16:16 Kyiv = 14:16 UTC"
    assert report.events is None, "a schedule says nothing about emergencies"


def test_loe_menus_answer_hydra_and_bare_array() -> None:
    """The menus JSON wraps the real rawHtml block; shape from LOE's documented Hydra keys."""
    raw_html = sample("loe_menus_rawHtml_2026-01-08.html").decode()
    item = {"@id": "/api/menu_items/1", "name": "Today", "rawHtml": raw_html, "children": []}
    menu = {"@id": "/api/menus/9", "@type": "Menu", "type": "photo-grafic", "menuItems": [item]}
    hydra = {"@context": "/api/contexts/Menu", "@id": "/api/menus", "hydra:member": [menu]}
    for document in (hydra, [menu]):
        report = parse("loe", json.dumps(document).encode(), date(2026, 1, 8))
        assert table(report)[("1.1", date(2026, 1, 8))] == ["15:30-17:00"]
        assert len(report.schedules) == 12


def test_loe_mirror_json_in_dtek_shape() -> None:
    report = parse("loe", sample("loe_gpv_oe_outage_data_2025-12-06.json"), date(2025, 12, 6))
    day = date(2025, 12, 6)
    got = table(report)
    assert {g for g, _ in got} == ALL_GROUPS
    assert got[("2.2", day)] == ["11:00-14:30"], "'first' in hour 15 ends the outage at 14:30"
    assert got[("4.1", day)] == ["14:30-17:00"], "'second' in hour 15 starts it at 14:30"
    assert got[("2.1", day)] == []
    assert report.schedules[0].region_id == "27"
    assert report.schedules[0].version == "06.12.2025 08:41"


def test_dtek_dnipro_fact_two_days_every_group_and_the_edge_cases() -> None:
    report = parse(
        "dtek_json", sample("dtek_dnem_outage_data_2025-12-10_fact.json"), date(2025, 12, 10)
    )
    today, tomorrow = date(2025, 12, 10), date(2025, 12, 11)
    got = table(report)
    assert len(got) == 24, "12 groups × 2 days"
    assert {s.region_id for s in report.schedules} == {"9"}, "regionId dnipro → Dnipropetrovsk"
    # An isolated "first" inside an outage run: a 30-minute power window 08:30–09:00.
    assert got[("4.2", today)] == ["00:00-01:30", "05:00-08:30", "09:00-12:00", "15:30-19:00"]
    # "23": "second", "24": "no": off from 22:30 to the end of the day.
    assert got[("1.1", today)][-1] == "22:30-24:00"
    assert all(got[(g, tomorrow)] == [] for g in ALL_GROUPS)
    assert (
        hours(next(s for s in report.schedules if (s.group, s.day) == ("1.1", today)).slots) == 15.5
    )


def test_dtek_krem_fact_matches_the_brief() -> None:
    report = parse(
        "dtek_json",
        sample("dtek_krem_fact_GPV5.1_2026-10-08.json"),
        date(2026, 10, 8),
        region_id="14",
    )
    got = table(report)
    assert got[("5.1", date(2026, 10, 8))] == ["00:00-00:30", "07:00-14:30", "17:30-21:00"]
    assert got[("5.1", date(2026, 10, 9))] == ["14:30-18:30"]
    assert report.schedules[0].published_at == datetime(2026, 10, 8, 17, 42, tzinfo=UTC)


def test_dtek_empty_fact_and_weekly_preset_kept_apart() -> None:
    # 2026-08-24 is a Monday: preset day "1".
    report = parse(
        "dtek_json", sample("dtek_dnem_outage_data_2026-08_preset_trimmed.json"), date(2026, 8, 24)
    )
    assert table(report, Basis.FACT) == {}, "fact.data is [] — nothing in force"
    planned = [s for s in report.schedules if s.basis == Basis.PLANNED]
    assert [(s.group, s.day) for s in planned] == [
        ("1.1", date(2026, 8, 24)),
        ("1.1", date(2026, 8, 25)),
    ]
    monday = planned[0]
    assert off_spans(monday, SlotState.MAYBE) == ["00:00-04:00", "07:30-14:30", "18:00-24:00"]
    assert SlotState.OFF.value not in monday.slots, "a template only says 'possibly'"


def test_dtek_page_with_embedded_discon_schedule() -> None:
    """A shutdowns page as DTEK serves it (script shape from the research notes), around the
    real KREM fact."""
    fact = sample("dtek_krem_fact_GPV5.1_2026-10-08.json").decode()
    page = (
        "<html><body><script>\nDisconSchedule.currentWeekDayIndex = 3\n"
        f"DisconSchedule.fact = {fact}</script>"
        '<script type="text/javascript" src="/_Incapsula_Resource?ABC=123&ns=1&cb=123" async>'
        "</script></body></html>"
    ).encode()
    report = parse("dtek_json", page, date(2026, 10, 8), region_id="14")
    assert table(report)[("5.1", date(2026, 10, 9))] == ["14:30-18:30"]


def test_yasno_v2_planned_today_tomorrow_and_status() -> None:
    report = parse(
        "yasno",
        sample("yasno_v2_planned_outages_2025-11-05_excerpt.json"),
        date(2025, 11, 5),
        url="https://app.yasno.ua/api/blackout-service/public/shutdowns/regions/25/dsos/902/planned-outages",
    )
    got = table(report)
    assert got == {
        ("1.1", date(2025, 11, 5)): ["14:00-18:00"],
        ("1.1", date(2025, 11, 6)): ["17:00-20:00"],
    }
    statuses = {s.day: s.status for s in report.schedules}
    assert statuses[date(2025, 11, 6)] == "WaitingForSchedule"
    assert {s.region_id for s in report.schedules} == {"31"}, "Yasno region 25 is Kyiv city"
    assert report.events == [], "no emergency status: no emergency outage"


def test_yasno_v2_emergency_status_is_an_emergency_event() -> None:
    document = json.loads(sample("yasno_v2_planned_outages_2025-11-05_excerpt.json"))
    document["1.1"]["today"]["status"] = "EmergencyShutdowns"  # a documented status value
    report = parse("yasno", json.dumps(document).encode(), date(2025, 11, 5))
    assert report.events is not None and len(report.events) == 1
    assert report.events[0].region_id == "31" and report.events[0].note == "EmergencyShutdowns"


def test_yasno_v2_no_outages_status_keeps_an_explicit_outage_and_logs_it_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Real fixture: today says NoOutages and yet carries a Definite slot 16:00-20:00. Home
    # Assistant's integration shows that slot on purpose; a resident must see it too.
    caplog.set_level(logging.INFO, logger="alertbot")
    body = sample("yasno_v2_planned_nooutages_with_definite_ha_conftest.json")
    url = "https://app.yasno.ua/api/blackout-service/public/shutdowns/regions/3/dsos/301/planned-outages"
    for _poll in range(3):
        report = parse("yasno", body, date(2025, 11, 5), url=url)
        assert table(report) == {
            ("3.1", date(2025, 11, 5)): ["16:00-20:00"],
            ("3.1", date(2025, 11, 6)): ["15:00-18:00"],
        }
    notes = [r for r in caplog.records if r.getMessage() == "yasno_status_contradicts_slots"]
    assert len(notes) == 1, "the contradiction is logged once, not on every poll"
    assert vars(notes[0])["group"] == "3.1" and vars(notes[0])["day"] == "2025-11-05"
    assert vars(notes[0])["windows"] == "16:00-20:00"
    # Another feed with the same payload is another contradiction to report.
    parse("yasno", body, date(2025, 11, 5), url=url.replace("/dsos/301/", "/dsos/302/"))
    notes = [r for r in caplog.records if r.getMessage() == "yasno_status_contradicts_slots"]
    assert len(notes) == 2


def test_yasno_v2_probable_is_a_planned_template() -> None:
    # 2025-11-03 is a Monday: weekday "0".
    report = parse(
        "yasno", sample("yasno_v2_probable_outages_region25_dso902_excerpt.json"), date(2025, 11, 3)
    )
    [monday] = report.schedules
    assert monday.basis == Basis.PLANNED and monday.day == date(2025, 11, 3)
    assert off_spans(monday, SlotState.MAYBE) == ["00:00-05:00", "08:30-15:30", "19:00-24:00"]


def test_yasno_legacy_v1_daily_and_weekly_for_both_cities() -> None:
    report = parse(
        "yasno", sample("yasno_legacy_v1_schedule_2024-12-26_trimmed.json"), date(2024, 12, 26)
    )
    facts = {
        (s.region_id, s.group, s.day): off_spans(s)
        for s in report.schedules
        if s.basis == Basis.FACT
    }
    assert facts[("9", "1.1", date(2024, 12, 26))] == ["11:30-16:00"]
    assert facts[("31", "2.1", date(2024, 12, 26))] == ["10:00-13:30"]
    assert facts[("31", "1.1", date(2024, 12, 26))] == []
    assert facts[("9", "2.1", date(2024, 12, 27))] == ["08:00-09:30"]
    kyiv_only = parse(
        "yasno",
        sample("yasno_legacy_v1_schedule_2024-12-26_trimmed.json"),
        date(2024, 12, 26),
        region_id="31",
    )
    assert {s.region_id for s in kyiv_only.schedules} == {"31"}


# --- DST days -------------------------------------------------------------------------------

SPRING = date(2026, 3, 29)  # 03:00 → 04:00: a 23-hour day
AUTUMN = date(2025, 10, 26)  # 04:00 → 03:00: a 25-hour day


def dtek_fact_for(day: date, off_hours: set[str]) -> bytes:
    """A DTEK fact for one day, built from the documented shape (not a recorded answer)."""
    midnight = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) - 2 * 3600
    cells = {str(h): ("no" if str(h) in off_hours else "yes") for h in range(1, 25)}
    return json.dumps(
        {"data": {str(midnight): {"GPV1.1": cells}}, "update": "01.01.2026 00:00"}
    ).encode()


def test_day_lengths() -> None:
    assert slot_count(SPRING) == 46
    assert slot_count(AUTUMN) == 50
    assert slot_count(date(2026, 1, 8)) == 48


def test_spring_day_drops_the_missing_hour() -> None:
    # Hour "4" is 03:00–04:00, which does not happen on that day; "5" is 04:00–05:00.
    report = parse("dtek_json", dtek_fact_for(SPRING, {"4", "5"}), SPRING, region_id="27")
    [schedule] = report.schedules
    assert schedule.day == SPRING and len(schedule.slots) == 46
    [run] = [i for i in intervals(SPRING, schedule.slots) if i.state == SlotState.OFF]
    # 03:00 EET jumps to 04:00 EEST at 01:00 UTC; 05:00 EEST is 02:00 UTC.
    assert (run.start, run.end) == (
        datetime(2026, 3, 29, 1, tzinfo=UTC),
        datetime(2026, 3, 29, 2, tzinfo=UTC),
    )
    assert hours(schedule.slots) == 1


def test_autumn_day_repeats_the_doubled_hour() -> None:
    report = parse("dtek_json", dtek_fact_for(AUTUMN, {"4"}), AUTUMN, region_id="27")
    [schedule] = report.schedules
    assert len(schedule.slots) == 50
    [run] = [i for i in intervals(AUTUMN, schedule.slots) if i.state == SlotState.OFF]
    # 03:00 EEST = 00:00 UTC, and the second 03:00–04:00 (EET) ends at 02:00 UTC: two real hours.
    assert (run.start, run.end) == (
        datetime(2025, 10, 26, 0, tzinfo=UTC),
        datetime(2025, 10, 26, 2, tzinfo=UTC),
    )
    assert off_spans(schedule) == ["03:00-04:00"]
    assert hours(schedule.slots) == 2


def test_loe_html_on_both_dst_days() -> None:
    """LOE's grammar (from the real block) with DST dates: built, not recorded."""
    for day, expected_hours, first_utc in ((SPRING, 2, 0), (AUTUMN, 4, 23)):
        html = (
            f"<div><p><b>Графік погодинних відключень на {day:%d.%m.%Y}</b></p>"
            f"<p><b>Інформація станом на 10:00 {day:%d.%m.%Y}</b></p>"
            "<p>Група 1.1. Електроенергії немає з 02:00 до 05:00.</p></div>"
        )
        [schedule] = parse("loe", html.encode(), day).schedules
        [run] = [i for i in intervals(day, schedule.slots) if i.state == SlotState.OFF]
        assert hours(schedule.slots) == expected_hours, day
        assert run.start.hour == first_utc, day


# --- emergency outages (LOE pw_accidents) ---------------------------------------------------


def test_loe_accidents_from_the_documented_fields() -> None:
    """Built from the field list every public client documents (no real body exists)."""
    document = {
        "@id": "/api/pw_accidents",
        "hydra:member": [
            {
                "id": "1234.0",
                "dateEvent": "2026-01-08T12:05:00+02:00",
                "datePlanIn": "2026-01-08T18:00:00+02:00",
                "koment": "Пошкодження кабелю\r\nлінії 10 кВ",
                "buildingNames": ["10", "12", "14"],
                "city": {"name": "Львів"},
                "street": {"id": 13961, "name": "вул. Стрийська"},
            }
        ],
    }
    report = parse("loe", json.dumps(document).encode(), date(2026, 1, 8))
    assert report.schedules == []
    [event] = report.events or []
    assert event.key == "loe-accident:1234"
    assert event.region_id == "27"
    assert event.starts_at == datetime(2026, 1, 8, 10, 5, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 1, 8, 16, 0, tzinfo=UTC)
    assert event.place == "Львів, вул. Стрийська, 10, 12, 14"
    assert event.note == "Пошкодження кабелю лінії 10 кВ"
    empty = parse("loe", b'{"@id": "/api/pw_accidents", "hydra:member": []}', date(2026, 1, 8))
    assert empty.events == [], "an empty list is 'no emergency now', not 'nothing said'"


# --- RSS/Atom and CAP -----------------------------------------------------------------------

RSS_SPEC_SAMPLE = b"""<?xml version="1.0"?>
<rss version="2.0">
  <channel>
    <title>Liftoff News</title>
    <link>http://liftoff.msfc.nasa.gov/</link>
    <description>Liftoff to Space Exploration.</description>
    <item>
      <title>Star City</title>
      <link>http://liftoff.msfc.nasa.gov/news/2003/news-starcity.asp</link>
      <description>How do Americans get ready to work with Russians aboard the International
      Space Station? They take a crash course in culture, language and protocol at Russia's
      &lt;a href="http://howe.iki.rssi.ru/GCTC/gctc_e.htm"&gt;Star City&lt;/a&gt;.</description>
      <pubDate>Tue, 03 Jun 2003 09:39:21 GMT</pubDate>
      <guid>http://liftoff.msfc.nasa.gov/2003/06/03.html#item573</guid>
    </item>
  </channel>
</rss>"""  # the RSS 2.0 specification's sample feed, trimmed to one item

ATOM_RFC_4287_EXAMPLE = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Feed</title>
  <link href="http://example.org/"/>
  <updated>2003-12-13T18:30:02Z</updated>
  <author>
    <name>John Doe</name>
  </author>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <entry>
    <title>Atom-Powered Robots Run Amok</title>
    <link href="http://example.org/2003/12/13/atom03"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2003-12-13T18:30:02Z</updated>
    <summary>Some text.</summary>
  </entry>
</feed>"""  # RFC 4287, section 1.1

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"""


def test_rss_spec_sample() -> None:
    [item] = parse("rss", RSS_SPEC_SAMPLE, date(2026, 1, 8)).announcements
    assert item.title == "Star City"
    assert item.key == "http://liftoff.msfc.nasa.gov/2003/06/03.html#item573"
    assert item.published_at == datetime(2003, 6, 3, 9, 39, 21, tzinfo=UTC)
    assert item.summary is not None and "Star City" in item.summary and "<a" not in item.summary


def test_atom_rfc_example() -> None:
    [item] = parse("rss", ATOM_RFC_4287_EXAMPLE, date(2026, 1, 8)).announcements
    assert item.title == "Atom-Powered Robots Run Amok"
    assert item.link == "http://example.org/2003/12/13/atom03"
    assert item.key == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert item.published_at == datetime(2003, 12, 13, 18, 30, 2, tzinfo=UTC)


@pytest.mark.parametrize("kind", ["rss", "cap"])
def test_hostile_xml_is_refused(kind: str) -> None:
    with pytest.raises(FeedFormatError, match="unsafe"):
        parse(kind, BILLION_LAUGHS, date(2026, 1, 8))
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(FeedFormatError):
        parse(kind, xxe, date(2026, 1, 8))


def test_cap_oasis_example() -> None:
    """The OASIS CAP 1.2 specification's example (Appendix A), bundled as a sample."""
    [alert] = parse(
        "cap", sample("cap_1.2_oasis_example_thunderstorm.xml"), date(2026, 1, 8)
    ).announcements
    assert alert.title == "SEVERE THUNDERSTORM WARNING"
    assert alert.msg_type == "Alert"
    assert alert.severity == "Severe"
    assert alert.published_at == datetime(2003, 6, 17, 21, 57, tzinfo=UTC)
    assert alert.expires_at == datetime(2003, 6, 17, 23, 0, tzinfo=UTC)
    assert alert.area is not None and "TUOLUMNE" in alert.area
    assert alert.key == "KSTO@NWS.NOAA.GOV,KSTO1055887203,2003-06-17T21:57:00+00:00"


def test_cap_exercise_is_not_for_residents_and_wrong_version_fails() -> None:
    body = sample("cap_1.2_oasis_example_thunderstorm.xml")
    exercise = body.replace(b"<status>Actual</status>", b"<status>Exercise</status>")
    assert parse("cap", exercise, date(2026, 1, 8)).announcements == []
    cap11 = body.replace(b"emergency:cap:1.2", b"emergency:cap:1.1")
    with pytest.raises(FeedFormatError, match=r"not a CAP 1\.2"):
        parse("cap", cap11, date(2026, 1, 8))


# --- broken and changed formats ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("loe", b"<html>Incapsula incident</html>"),
        (
            "loe",
            json.dumps(
                {"hydra:member": [{"menuItems": [{"rawHtml": "<p>Оновлення</p>"}]}]}
            ).encode(),
        ),
        (
            "loe",
            (
                "<p>Графік погодинних відключень на 08.01.2026</p>"
                "<p>Група 1.1. Світло за новим порядком</p>"
            ).encode(),
        ),
        ("dtek_json", b'{"fact": {"data": {"1765317600": {"GPV1.1": {"1": "yes"}}}}}'),
        ("dtek_json", b'{"fact": {"data": {"1765317600": {"Q1": {}}}}, "regionId": "dnipro"}'),
        ("dtek_json", b'{"something": "else"}'),
        ("yasno", b"[]"),
        ("yasno", b'{"1.1": {"today": {"slots": "soon", "date": "2025-11-05T00:00:00+02:00"}}}'),
        ("rss", b"not xml at all"),
        ("rss", b"<html><body>maintenance</body></html>"),
        ("cap", b"<alert/>"),
    ],
)
def test_broken_or_changed_answers_fail_cleanly(kind: str, body: bytes) -> None:
    with pytest.raises(FeedFormatError):
        parse(kind, body, date(2026, 1, 8))


PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "fact",
                    "data",
                    "update",
                    "today",
                    "1.1",
                    "GPV1.1",
                    "slots",
                    "1",
                    "start",
                    "end",
                    "type",
                    "date",
                    "status",
                    "hydra:member",
                    "rawHtml",
                    "dateEvent",
                    "components",
                    "dailySchedule",
                    "kiev",
                    "preset",
                    "dsos",
                    "groups",
                    "0",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@pytest.mark.parametrize("kind", sorted(OUTAGE_KINDS))
@PROPERTY
@given(value=json_values)
def test_any_json_is_read_or_refused_cleanly(kind: str, value: object) -> None:
    with contextlib.suppress(FeedFormatError):
        parse(kind, json.dumps(value).encode(), date(2026, 1, 8))


@pytest.mark.parametrize("kind", sorted(OUTAGE_KINDS))
@PROPERTY
@given(body=st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_cleanly(kind: str, body: bytes) -> None:
    with contextlib.suppress(FeedFormatError):
        parse(kind, body, date(2026, 1, 8))


def test_parse_command_prints_schedules_and_events_as_json_lines() -> None:
    from bot.parse_cli import run_parse

    out, err = io.StringIO(), io.StringIO()
    path = SAMPLES / "loe_menus_rawHtml_2026-01-08.html"
    assert run_parse("loe", str(path), out, err) == 0, err.getvalue()
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(records) == 12
    first = records[0]
    assert (first["type"], first["group"], first["day"], first["hours_off"]) == (
        "schedule",
        "1.1",
        "2026-01-08",
        1.5,
    )
    assert first["intervals"] == [
        {
            "state": "off",
            "start": "2026-01-08T13:30:00+00:00",
            "end": "2026-01-08T15:00:00+00:00",
            "from": "15:30",
            "to": "17:00",
        }
    ]
    out, err = io.StringIO(), io.StringIO()
    assert run_parse("dtek_json", str(path), out, err) == 1
    assert "cannot read it as dtek_json" in err.getvalue() and out.getvalue() == ""
