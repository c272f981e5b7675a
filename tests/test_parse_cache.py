"""Feed records are remembered between polls by their JSON text (feeds/jsonbody.py,
bench/parse_diff.py): a repeated record must parse exactly as a new one would, any change to
it must be seen, and the memory stays bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from feeds import alerts_in_ua, jsonbody, ukrainealarm
from feeds.model import AlertKind, FeedFormatError

RECORD = {
    "id": 1,
    "location_uid": "27",
    "location_title": "Львівська область",
    "location_type": "oblast",
    "alert_type": "air_raid",
    "started_at": "2025-03-18T09:58:00.000Z",
    "finished_at": None,
    "threats": [{"threat_type": "drones", "level": "yellow"}],
}


def answer(*records: dict[str, Any]) -> bytes:
    return json.dumps({"alerts": list(records)}).encode()


def test_a_repeated_record_parses_the_same_and_a_changed_one_is_seen() -> None:
    [first] = alerts_in_ua.parse_active(answer(RECORD))
    [again] = alerts_in_ua.parse_active(answer(RECORD))
    assert again == first and first.threat == "drones" and first.level == "yellow"

    red = {**RECORD, "threats": [{"threat_type": "ballistics", "level": "red"}]}
    [changed] = alerts_in_ua.parse_active(answer(red))
    assert (changed.threat, changed.level) == ("ballistics", "red")
    [moved] = alerts_in_ua.parse_active(answer({**RECORD, "started_at": "2025-03-18T10:30:00Z"}))
    assert moved.since is not None and moved.since.minute == 30
    assert (
        alerts_in_ua.parse_active(answer({**RECORD, "finished_at": "2025-03-18T11:00:00Z"})) == []
    )
    [artillery] = alerts_in_ua.parse_active(answer({**RECORD, "alert_type": "artillery_shelling"}))
    assert artillery.kind == AlertKind.ARTILLERY


def test_equal_but_differently_typed_values_are_different_records() -> None:
    [number] = alerts_in_ua.parse_active(answer({**RECORD, "location_uid": 1}))
    assert number.region_id == "1"
    # true == 1 in Python, but a boolean is no location id.
    assert alerts_in_ua.parse_active(answer({**RECORD, "location_uid": True})) == []


def test_a_record_that_is_not_valid_json_fails_the_answer_as_before() -> None:
    # The split checks the syntax only; the record's own decoding finds the bad byte.
    with pytest.raises(FeedFormatError, match="invalid JSON"):
        alerts_in_ua.parse_active(b'{"alerts": ["\xff"]}')
    with pytest.raises(FeedFormatError, match="invalid JSON"):
        alerts_in_ua.parse_active(b'{"alerts": [' + b"[" * 5000 + b"]" * 5000 + b"]}")
    with pytest.raises(FeedFormatError, match="expected a JSON object, got list"):
        alerts_in_ua.parse_active(b"[]")
    with pytest.raises(FeedFormatError, match="missing or malformed 'alerts' list"):
        alerts_in_ua.parse_active(b'{"alerts": {"a": 1}}')


def test_ukrainealarm_records_are_remembered_and_changes_seen() -> None:
    record: dict[str, Any] = {
        "regionId": "31",
        "regionName": "м. Київ",
        "regionType": "State",
        "lastUpdate": "2026-09-25T07:38:36.123456Z",
        "activeAlerts": [
            {"regionId": "31", "type": "AIR", "lastUpdate": "2026-09-25T07:38:36.123456Z"}
        ],
    }
    body = json.dumps([record]).encode()
    [first] = ukrainealarm.parse_alerts(body)
    assert ukrainealarm.parse_alerts(body) == [first]
    assert first.kind == AlertKind.AIR_RAID and first.level is None
    levels = [{"alertLevel": "Red", "reason": "балістика"}]
    changed = {
        **record,
        "activeAlerts": [{**record["activeAlerts"][0], "activeAlertLevels": levels}],
    }
    [red] = ukrainealarm.parse_alerts(json.dumps([changed]).encode())
    assert (red.level, red.threat) == ("red", "балістика")
    with pytest.raises(FeedFormatError, match="expected a JSON list of regions, got dict"):
        ukrainealarm.parse_alerts(b'{"regionId": "31"}')


def test_the_cache_is_bounded_by_records_and_by_bytes() -> None:
    parsed: list[Any] = []

    def remember(item: Any) -> Any:
        parsed.append(item)
        return item

    cache = jsonbody.RecordCache(remember, limit=3, max_bytes=64)

    def read(answer: bytes) -> list[Any]:
        return cache.all(jsonbody.items(answer) or [])

    assert read(b'[{"a": 1}, {"a": 2}, {"a": 1}]') == [{"a": 1}, {"a": 2}, {"a": 1}]
    assert parsed == [{"a": 1}, {"a": 2}] and len(cache) == 2  # a repeat is parsed once
    assert read(b'[{"a": 2}, {"a": 1}]') == [{"a": 2}, {"a": 1}]
    assert len(parsed) == 2  # nothing new
    assert read(b'[{"a": 1}, {"a": 3}, {"a": 4}]') == [{"a": 1}, {"a": 3}, {"a": 4}]
    assert len(cache) <= 3  # over the count: emptied, then the new ones kept
    huge = b'["' + b"x" * 60 + b'"]'
    assert read(huge) == ["x" * 60]
    assert len(cache) == 1  # the huge record pushed everything else out
    assert read(b'[{"a": 1}]') == [{"a": 1}]
    assert parsed[-1] == {"a": 1} and len(cache) == 1  # over the bytes: emptied again
    assert read(b'["' + b"y" * 100 + b'"]') == ["y" * 100]
    assert len(cache) == 0  # a record over the whole budget is parsed, never kept
