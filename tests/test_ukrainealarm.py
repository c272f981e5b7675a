"""api.ukrainealarm.com v3 and siren.pp.ua: the alert list, the region tree, and the reader
that asks the change index before the list.

Real answers: ``ukrainealarm_alerts_kyiv_city_2026-09-25.json`` (one region during a real
alert) and ``ukrainealarm_regions_trimmed.json`` (a real ``/regions`` dump, trimmed). The
other payloads here are built from the provider's documentation (the vendor's OpenAPI file:
types, region types, nullable ``activeAlerts``; Home Assistant's tests: several levels on one
alert, an unknown level) by editing the real record; no real ``/alerts/status`` answer was
ever published, so its ``{"lastActionIndex": N}`` is built from the OpenAPI schema.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.demo.fakes.feed_server import FakeFeedServer, Reply
from feeds.fetch import FeedHTTPError
from feeds.kinds import KINDS
from feeds.model import AlertKind, FeedFormatError, Observation
from feeds.source import CacheState, ReadRequest, ReadResult
from feeds.ukrainealarm import RegionRecord, endpoints, parse_alerts, parse_regions
from tests.conftest import sample

KYIV_SAMPLE = "ukrainealarm_alerts_kyiv_city_2026-09-25.json"
ALERTS = "/api/v3/alerts"
STATUS = "/api/v3/alerts/status"


def real_record() -> dict[str, Any]:
    [record] = json.loads(sample(KYIV_SAMPLE))
    assert isinstance(record, dict)
    return record


def record(**changes: Any) -> dict[str, Any]:
    """The real Kyiv record with fields changed (``alert`` changes its one alert)."""
    built = copy.deepcopy(real_record())
    alert_changes = changes.pop("alert", {})
    built["activeAlerts"][0].update(alert_changes)
    built.update(changes)
    return built


def answer(*records: Any) -> bytes:
    return json.dumps(list(records), ensure_ascii=False).encode()


def level(name: str, reason: str) -> dict[str, str]:
    return {"alertLevel": name, "reason": reason, "createdAt": "2026-09-25T08:57:50.062515Z"}


# --- the alert list --------------------------------------------------------------------------


def test_the_real_kyiv_answer() -> None:
    assert parse_alerts(sample(KYIV_SAMPLE)) == [
        Observation(
            region_id="31",
            region_title="м. Київ",
            kind=AlertKind.AIR_RAID,
            # The alert's own lastUpdate (08:57:49), not the region's (08:58:05).
            since=datetime(2026, 9, 25, 8, 57, 49, 824902, tzinfo=UTC),
            level="yellow",
            threat="Дронова загроза (жовтий рівень)",
            place_level="city",
        )
    ]


@pytest.mark.parametrize(
    ("source_type", "kind"),
    [
        ("AIR", AlertKind.AIR_RAID),
        ("ARTILLERY", AlertKind.ARTILLERY),
        ("URBAN_FIGHTS", AlertKind.URBAN_FIGHTS),
        ("CHEMICAL", AlertKind.CHEMICAL),
        ("NUCLEAR", AlertKind.NUCLEAR),
        ("INFO", AlertKind.OTHER),
        ("UNKNOWN", AlertKind.OTHER),
        ("DRONE_SWARM", AlertKind.OTHER),  # a type added later is kept, not dropped
        (None, AlertKind.OTHER),
    ],
)
def test_alert_types(source_type: str | None, kind: AlertKind) -> None:
    [observation] = parse_alerts(answer(record(alert={"type": source_type})))
    assert (observation.region_id, observation.kind) == ("31", kind)


def test_crimea_is_29_as_in_the_registry() -> None:
    built = record(regionId="9999", regionName="Автономна Республіка Крим", regionEngName="Crimea")
    built["activeAlerts"][0]["regionId"] = "9999"
    [observation] = parse_alerts(answer(built))
    assert (observation.region_id, observation.region_title) == ("29", "Автономна Республіка Крим")
    assert observation.place_level == "oblast"


def test_districts_and_communities() -> None:
    district = record(regionId="90", regionType="District", regionName="Львівський район")
    community = record(
        regionId=845,  # an int id is read too
        regionType="Community",
        regionName="м. Львів та Львівська територіальна громада",
    )
    kharkiv = record(
        regionId="1293", regionName="м. Харків та Харківська територіальна громада"
    )  # a "State" in ukrainealarm's tree, a hromada in fact
    observations = parse_alerts(answer(district, community, kharkiv))
    assert {(o.region_id, o.place_level) for o in observations} == {
        ("90", "raion"),
        ("845", "hromada"),
        ("1293", "hromada"),
    }


def test_the_most_severe_level_wins_whatever_the_order() -> None:
    levels = [
        level("Yellow", "Дронова загроза (жовтий рівень)"),
        level("Red", "Ракетна загроза (червоний рівень)"),
    ]
    for ordered in (levels, levels[::-1]):
        [observation] = parse_alerts(answer(record(alert={"activeAlertLevels": ordered})))
        assert (observation.level, observation.threat) == (
            "red",
            "Ракетна загроза (червоний рівень)",
        )


def test_unknown_or_missing_levels_are_ignored() -> None:
    purple = [level("Purple", "невідомо"), level("Yellow", "Дронова загроза (жовтий рівень)")]
    [observation] = parse_alerts(answer(record(alert={"activeAlertLevels": purple})))
    assert (observation.level, observation.threat) == ("yellow", "Дронова загроза (жовтий рівень)")
    for levels in ([level("Purple", "x")], None, [], "Red", [None, 3]):
        [observation] = parse_alerts(answer(record(alert={"activeAlertLevels": levels})))
        assert (observation.kind, observation.level, observation.threat) == (
            AlertKind.AIR_RAID,
            None,
            None,
        )


def test_several_alerts_in_one_region() -> None:
    built = record()
    built["activeAlerts"].append(
        {"regionId": "31", "regionType": "State", "type": "ARTILLERY", "lastUpdate": None}
    )
    observations = parse_alerts(answer(built))
    by_kind = {o.kind: o for o in observations}
    assert set(by_kind) == {AlertKind.AIR_RAID, AlertKind.ARTILLERY}
    # No time of its own: the region's lastUpdate stands in.
    assert by_kind[AlertKind.ARTILLERY].since == datetime(2026, 9, 25, 8, 58, 5, 829282, tzinfo=UTC)


def test_one_place_twice_keeps_the_earliest_start_and_the_worst_level() -> None:
    early = record(alert={"lastUpdate": "2026-09-25T08:00:00Z", "activeAlertLevels": []})
    late_red = record(
        alert={
            "lastUpdate": "2026-09-25T09:00:00Z",
            "activeAlertLevels": [level("Red", "Ракетна загроза (червоний рівень)")],
        }
    )
    [observation] = parse_alerts(answer(early, late_red))
    assert observation.since == datetime(2026, 9, 25, 8, 0, tzinfo=UTC)
    assert (observation.level, observation.threat) == ("red", "Ракетна загроза (червоний рівень)")


def test_regions_without_alerts_and_odd_records() -> None:
    quiet = record(activeAlerts=None)  # nullable in the OpenAPI schema
    empty = record(activeAlerts=[])
    nameless = record(regionId=None, regionName=None)  # the alert's own regionId stands in
    nameless["activeAlerts"][0]["regionId"] = "27"
    nowhere = record(regionId="abc", alert={"regionId": None})
    observations = parse_alerts(answer(quiet, empty, nameless, nowhere, "junk", 7, None))
    assert [(o.region_id, o.region_title) for o in observations] == [("27", "27")]


def test_extra_keys_are_ignored() -> None:
    plain = parse_alerts(sample(KYIV_SAMPLE))
    built = record(newField={"a": [1]}, alert={"confidence": 0.9})
    assert parse_alerts(answer(built)) == plain


def test_no_alerts_anywhere_is_all_clear() -> None:
    assert parse_alerts(b"[]") == []


@pytest.mark.parametrize(
    "payload",
    [b"", b"<html>502</html>", b"{}", b'{"alerts": []}', b"null", b'"AIR"', b"[" * 100_000],
)
def test_bad_envelopes_raise_feed_format_error(payload: bytes) -> None:
    with pytest.raises(FeedFormatError):
        parse_alerts(payload)


# --- the region tree -------------------------------------------------------------------------


def test_the_real_region_dump() -> None:
    records = parse_regions(sample("ukrainealarm_regions_trimmed.json"))
    by_id = {r.id: r for r in records}
    assert len(by_id) == len(records) == 108  # 109 nodes less the test region "0"
    assert "0" not in by_id and "9999" not in by_id
    assert by_id["29"] == RegionRecord("29", "Автономна Республіка Крим", "State", None)
    assert by_id["27"].parent_id is None and by_id["27"].level == "oblast"
    assert by_id["90"] == RegionRecord("90", "Львівський район", "District", "27")
    assert by_id["845"] == RegionRecord(
        "845", "м. Львів та Львівська територіальна громада", "Community", "90"
    )
    assert by_id["845"].level == "hromada" and by_id["31"].level == "city"
    assert len([r for r in records if r.parent_id is None]) == 28
    assert len([r for r in records if r.parent_id == "27"]) == 7
    assert len([r for r in records if r.type == "Community"]) == 73
    # Parents come before their children.
    position = {r.id: i for i, r in enumerate(records)}
    assert all(position[r.parent_id] < position[r.id] for r in records if r.parent_id)


def test_a_bad_region_dump() -> None:
    for payload in (b"[]", b"{}", b'{"states": {}}', b"nope"):
        with pytest.raises(FeedFormatError):
            parse_regions(payload)
    odd = {"states": [None, {"regionName": "no id"}, {"regionId": "5", "regionChildIds": 7}]}
    assert parse_regions(json.dumps(odd).encode()) == [RegionRecord("5", "5", None, None)]


# --- URLs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://api.ukrainealarm.com",
        "https://api.ukrainealarm.com/",
        "https://api.ukrainealarm.com/api/v3",
        "https://api.ukrainealarm.com/api/v3/alerts",
        "https://api.ukrainealarm.com/api/v3/alerts/",
        "https://api.ukrainealarm.com/api/v3/alerts/status",
    ],
)
def test_the_feed_url_may_be_the_base_or_the_alerts_url(url: str) -> None:
    assert endpoints(url) == (
        "https://api.ukrainealarm.com/api/v3/alerts/status",
        "https://api.ukrainealarm.com/api/v3/alerts",
    )


def test_a_mirror_under_a_prefix_keeps_its_prefix_and_query() -> None:
    assert endpoints("http://127.0.0.1:8080/mirror/api/v3/alerts?k=1") == (
        "http://127.0.0.1:8080/mirror/api/v3/alerts/status?k=1",
        "http://127.0.0.1:8080/mirror/api/v3/alerts?k=1",
    )


# --- the reader: change index first ------------------------------------------------------------


def status_body(index: int) -> bytes:
    return json.dumps({"lastActionIndex": index}).encode()


def paths(server: FakeFeedServer) -> list[str]:
    return [path for path, _ in server.requests]


async def read(
    server: FakeFeedServer, kind: str, cache: CacheState, *, url: str = "", timeout: float = 5.0
) -> ReadResult[list[Observation]]:
    async with httpx.AsyncClient() as client:
        request = ReadRequest(client, url or server.url("/"), "KEY-123", cache, timeout)
        return await KINDS[kind].read(request)


@pytest.mark.parametrize("kind", ["ukrainealarm", "siren_pp_ua"])
async def test_the_list_is_fetched_only_when_the_index_moves(
    feed_server: FakeFeedServer, kind: str
) -> None:
    feed_server.set(STATUS, status_body(1000))
    feed_server.set(ALERTS, sample(KYIV_SAMPLE))

    first = await read(feed_server, kind, CacheState())
    assert first.parsed is not None
    assert [o.region_id for o in first.parsed] == ["31"]
    assert first.cache.marker == "1000"
    assert paths(feed_server) == [STATUS, ALERTS]

    # Index unchanged: one cheap request, "nothing changed", the stored state stands.
    unchanged = await read(feed_server, kind, first.cache)
    assert unchanged.parsed is None
    assert unchanged.cache == first.cache
    assert paths(feed_server) == [STATUS, ALERTS, STATUS]

    # Index moved: the list again, here with every alert over.
    feed_server.set(STATUS, status_body(1001))
    feed_server.set(ALERTS, b"[]")
    moved = await read(feed_server, kind, unchanged.cache)
    assert moved.parsed == []
    assert moved.cache.marker == "1001"
    assert paths(feed_server) == [STATUS, ALERTS, STATUS, STATUS, ALERTS]


async def test_the_api_key_goes_without_bearer_and_siren_gets_none(
    feed_server: FakeFeedServer,
) -> None:
    feed_server.set(STATUS, status_body(7))
    feed_server.set(ALERTS, b"[]")
    await read(feed_server, "ukrainealarm", CacheState(), url=feed_server.url(ALERTS))
    assert [headers["Authorization"] for _, headers in feed_server.requests] == ["KEY-123"] * 2
    feed_server.requests.clear()
    await read(feed_server, "siren_pp_ua", CacheState(), url=feed_server.url(ALERTS))
    assert all("Authorization" not in headers for _, headers in feed_server.requests)
    assert KINDS["ukrainealarm"].needs_token and not KINDS["siren_pp_ua"].needs_token


async def test_a_304_for_the_list_keeps_the_state_and_moves_the_index(
    feed_server: FakeFeedServer,
) -> None:
    modified = "Fri, 25 Sep 2026 08:58:06 GMT"
    feed_server.set(STATUS, status_body(5))
    feed_server.set(ALERTS, sample(KYIV_SAMPLE), last_modified=modified)
    first = await read(feed_server, "ukrainealarm", CacheState())
    assert first.cache == CacheState(None, modified, "5")

    feed_server.set(STATUS, status_body(6))  # the index moved, the list did not
    second = await read(feed_server, "ukrainealarm", first.cache)
    assert second.parsed is None
    assert second.cache == CacheState(None, modified, "6")
    _, headers = feed_server.requests[-1]
    assert headers["If-Modified-Since"] == modified


async def test_a_304_for_the_index_means_unchanged(feed_server: FakeFeedServer) -> None:
    feed_server.script(STATUS, Reply(status=304))
    cache = CacheState(None, None, "5")
    result = await read(feed_server, "siren_pp_ua", cache)
    assert (result.parsed, result.cache) == (None, cache)
    assert paths(feed_server) == [STATUS]


@pytest.mark.parametrize(
    "body",
    [b"<html>oops</html>", b"{}", b'{"lastActionIndex": null}', b'{"lastActionIndex": true}'],
)
async def test_a_bad_index_fails_the_poll_without_fetching_the_list(
    feed_server: FakeFeedServer, body: bytes
) -> None:
    feed_server.set(STATUS, body)
    feed_server.set(ALERTS, sample(KYIV_SAMPLE))
    with pytest.raises(FeedFormatError):
        await read(feed_server, "ukrainealarm", CacheState(None, None, "5"))
    assert paths(feed_server) == [STATUS]


async def test_http_errors_fail_the_poll(feed_server: FakeFeedServer) -> None:
    feed_server.script(STATUS, Reply(status=503))
    with pytest.raises(FeedHTTPError) as caught:
        await read(feed_server, "ukrainealarm", CacheState())
    assert caught.value.status == 503

    feed_server.set(STATUS, status_body(9))
    feed_server.script(ALERTS, Reply(status=429, headers={"Retry-After": "30"}))
    with pytest.raises(FeedHTTPError) as caught:
        await read(feed_server, "ukrainealarm", CacheState(None, None, "8"))
    assert (caught.value.status, caught.value.retry_after) == (429, 30.0)
    assert "KEY-123" not in str(caught.value)


async def test_both_requests_share_the_poll_time_limit(feed_server: FakeFeedServer) -> None:
    feed_server.script(STATUS, Reply(body=status_body(2), delay=0.6))
    feed_server.script(ALERTS, Reply(body=b"[]", delay=0.6))
    with pytest.raises(FeedHTTPError, match="within"):
        await read(feed_server, "ukrainealarm", CacheState(), timeout=1.0)
