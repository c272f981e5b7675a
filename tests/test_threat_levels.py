"""Threat level and type carried from alerts.in.ua's ``threats`` list.

No real answer with ``threats`` has been published; these records are built from the official
Python client 0.4.0's model (each threat: ``threat_type``, ``level`` red/yellow,
``started_at``, ``source_message``) on top of the recorded 2025 record shape.
"""

from __future__ import annotations

import json
from typing import Any

from feeds.alerts_in_ua import parse_active
from tests.conftest import sample


def with_threats(*threats: dict[str, Any], **fields: Any) -> bytes:
    data = json.loads(sample("alerts_in_ua_active_2025-03-11.json"))
    record = data["alerts"][0] | fields | {"threats": list(threats)}
    data["alerts"] = [record]
    return json.dumps(data).encode()


def threat(kind: str, level: str | None = None) -> dict[str, Any]:
    built: dict[str, Any] = {"threat_type": kind, "started_at": "2025-03-11T19:20:00.000Z"}
    if level is not None:
        built["level"] = level
        built["source_message"] = f"{kind} ({level})"
    return built


def test_the_most_severe_threat_is_named_whatever_the_order() -> None:
    threats = [threat("drones", "yellow"), threat("ballistic_missiles", "red")]
    for ordered in (threats, threats[::-1]):
        [observation] = parse_active(with_threats(*ordered))
        assert (observation.level, observation.threat) == ("red", "ballistic_missiles")


def test_the_alert_level_wins_over_its_threats() -> None:
    body = with_threats(threat("drones", "red"), alert_level="yellow")
    [observation] = parse_active(body)
    assert (observation.level, observation.threat) == ("yellow", "drones")


def test_unknown_threats_and_levels_name_nothing() -> None:
    [observation] = parse_active(with_threats(threat("unknown", "red"), threat("drones", "pink")))
    assert (observation.level, observation.threat) == ("red", "drones")
    [observation] = parse_active(with_threats(threat("unknown")))
    assert (observation.level, observation.threat) == (None, None)
