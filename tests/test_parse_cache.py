"""alerts.in.ua records are remembered between polls (bench/parse_diff.py): a repeated record
must parse exactly as a new one would, and any change to it must be seen."""

from __future__ import annotations

import json
from typing import Any

from feeds import alerts_in_ua
from feeds.model import AlertKind


class Recording(dict[str, Any]):
    """A record that notes which of its fields were read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)


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


def test_the_cache_key_holds_every_field_the_parser_reads() -> None:
    for record in (RECORD, {**RECORD, "alert_level": "red", "location_oblast_uid": 27}):
        recording = Recording(record)
        alerts_in_ua._observation(recording)
        assert recording.read <= set(alerts_in_ua.FIELDS), recording.read - set(alerts_in_ua.FIELDS)


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
