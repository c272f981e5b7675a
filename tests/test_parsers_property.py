"""Whatever a feed sends, every parser either reads it or raises FeedFormatError.

Three kinds of input for every alert parser in ``KINDS``: any JSON value (recursive), any
bytes, and JSON shaped like that kind's real answers with random values in every field. The
region-tree and change-index parsers of ukrainealarm get the same treatment. A kind added to
``KINDS`` without a shaped strategy here fails :func:`test_every_kind_has_a_shaped_strategy`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds import alerts_in_ua, alerts_in_ua_iot, ukrainealarm
from feeds.kinds import KINDS
from feeds.model import AlertKind, FeedFormatError, Observation

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.integers(min_value=-(2**70), max_value=2**70).map(str)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
offsets = st.sampled_from([UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-12))])
timestamps = st.datetimes(timezones=offsets).flatmap(
    lambda moment: st.sampled_from(
        [
            moment.isoformat(),
            moment.isoformat().replace("+00:00", "Z"),
            moment.strftime("%Y/%m/%d %H:%M:%S %z"),
        ]
    )
)
ids = (
    st.sampled_from(["27", "31", "29", "9999", "0", "845", "027", " 14 ", "٣"])
    | st.integers(min_value=-5, max_value=10**20)
    | json_values
)


def field(*real: object) -> st.SearchStrategy[Any]:
    """Values like the real ones, or anything at all."""
    return st.sampled_from(real) | json_values if real else json_values


def record(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(required, optional=optional) | json_values


# --- shaped like each real format ---------------------------------------------------------------

alerts_in_ua_alert = record(
    {},
    {
        "id": field(8757, 73992),
        "location_title": field("Луганська область", "м. Київ"),
        "location_type": field("oblast", "raion", "hromada", "city", "unknown"),
        "started_at": timestamps | json_values,
        "finished_at": st.none() | timestamps | json_values,
        "deleted_at": st.none() | json_values,
        "updated_at": timestamps | json_values,
        "alert_type": field("air_raid", "artillery_shelling", "urban_fights", "drones"),
        "location_uid": ids,
        "location_oblast": json_values,
        "location_oblast_uid": ids,
        "location_raion": json_values,
        "alert_level": field("red", "yellow", "unknown"),
        "threats": st.lists(
            record(
                {},
                {
                    "threat_type": field("drones", "ballistic_missiles", "unknown"),
                    "level": field("red", "yellow", "unknown"),
                    "started_at": timestamps | json_values,
                    "source_message": json_values,
                },
            ),
            max_size=4,
        )
        | json_values,
    },
)
alerts_in_ua_answers = record(
    {"alerts": st.lists(alerts_in_ua_alert, max_size=8) | json_values},
    {"meta": json_values, "disclaimer": json_values},
)

iot_answers = (
    st.text(alphabet="APNRY", min_size=27, max_size=27)
    | st.text(alphabet="APNRY XaЖ", min_size=24, max_size=30)
    | json_values
)

levels = record(
    {},
    {
        "alertLevel": field("Yellow", "Red", "Purple", "red"),
        "reason": field("Дронова загроза (жовтий рівень)", "x" * 500),
        "createdAt": timestamps | json_values,
    },
)
ukrainealarm_alert = record(
    {},
    {
        "regionId": ids,
        "regionType": field("State", "District", "Community", "Null"),
        "type": field("AIR", "ARTILLERY", "URBAN_FIGHTS", "CHEMICAL", "NUCLEAR", "INFO", "NEW"),
        "lastUpdate": timestamps | json_values,
        "activeAlertLevels": st.lists(levels, max_size=3) | json_values,
    },
)
ukrainealarm_region = record(
    {},
    {
        "regionId": ids,
        "regionType": field("State", "District", "Community", "Null"),
        "regionName": field("м. Київ", "м. Харків та Харківська територіальна громада"),
        "regionEngName": json_values,
        "lastUpdate": timestamps | json_values,
        "activeAlerts": st.none() | st.lists(ukrainealarm_alert, max_size=4) | json_values,
    },
)
ukrainealarm_answers = st.lists(ukrainealarm_region, max_size=8) | json_values

region_nodes = st.recursive(
    record({"regionId": ids}, {"regionName": json_values, "regionType": json_values}),
    lambda children: st.fixed_dictionaries(
        {"regionId": ids, "regionChildIds": st.lists(children, max_size=4) | json_values},
        optional={"regionName": json_values, "regionType": field("State", "District")},
    ),
    max_leaves=25,
)
region_answers = record({"states": st.lists(region_nodes, max_size=5) | json_values}, {})
status_answers = record({"lastActionIndex": ids}, {})

Parser = Callable[[bytes], object]
SHAPED: dict[Parser, st.SearchStrategy[Any]] = {
    alerts_in_ua.parse_active: alerts_in_ua_answers,
    alerts_in_ua_iot.parse_status: iot_answers,
    ukrainealarm.parse_alerts: ukrainealarm_answers,
}
ALERT_PARSERS = sorted(KINDS)


def check_observations(kind: str, payload: bytes) -> None:
    try:
        observations = KINDS[kind].parse(payload)
    except FeedFormatError:
        return
    assert isinstance(observations, list)
    keys: set[tuple[str, AlertKind]] = set()
    for observation in observations:
        assert isinstance(observation, Observation)
        assert isinstance(observation.region_id, str) and observation.region_id
        assert isinstance(observation.region_title, str) and observation.region_title
        assert isinstance(observation.kind, AlertKind)
        assert observation.since is None or observation.since.utcoffset() == timedelta(0)
        assert observation.level in (None, "red", "yellow")
        assert observation.threat is None or (
            isinstance(observation.threat, str) and len(observation.threat) <= 64
        )
        assert isinstance(observation.partial, bool)
        keys.add((observation.region_id, observation.kind))
    assert len(keys) == len(observations), "one observation per place and kind"


def encode(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def test_every_kind_has_a_shaped_strategy() -> None:
    missing = [name for name, kind in KINDS.items() if kind.parse not in SHAPED]
    assert not missing, f"add a strategy shaped like the real answers of {missing} to SHAPED"


@pytest.mark.parametrize("kind", ALERT_PARSERS)
@PROPERTY
@given(value=json_values)
def test_any_json_value(kind: str, value: object) -> None:
    check_observations(kind, encode(value))


@pytest.mark.parametrize("kind", ALERT_PARSERS)
@PROPERTY
@given(payload=st.binary(max_size=300))
def test_any_bytes(kind: str, payload: bytes) -> None:
    check_observations(kind, payload)


@pytest.mark.parametrize("kind", ALERT_PARSERS)
@PROPERTY
@given(data=st.data())
def test_json_shaped_like_the_real_answers(kind: str, data: st.DataObject) -> None:
    strategy = SHAPED.get(KINDS[kind].parse)
    if strategy is None:
        pytest.skip("no shaped strategy (see test_every_kind_has_a_shaped_strategy)")
    check_observations(kind, encode(data.draw(strategy)))


@PROPERTY
@given(value=region_answers | json_values)
def test_the_region_tree(value: object) -> None:
    try:
        records = ukrainealarm.parse_regions(encode(value))
    except FeedFormatError:
        return
    ids_seen = [r.id for r in records]
    assert len(set(ids_seen)) == len(ids_seen)
    assert "0" not in ids_seen and "9999" not in ids_seen
    for region in records:
        assert isinstance(region, ukrainealarm.RegionRecord)
        assert region.id.isdigit() and isinstance(region.name, str) and region.name
        assert region.parent_id is None or region.parent_id in ids_seen


@PROPERTY
@given(value=status_answers | json_values)
def test_the_change_index(value: object) -> None:
    try:
        index = ukrainealarm.parse_status(encode(value))
    except FeedFormatError:
        return
    assert isinstance(index, str) and 0 < len(index) <= 40


DEEP = [b"[" * 100_000, b'{"a":' * 100_000, b'"' + b"\\" * 99_999]


@pytest.mark.parametrize("kind", ALERT_PARSERS)
@pytest.mark.parametrize("payload", DEEP, ids=["list", "object", "escapes"])
def test_nesting_past_the_decoder_limit(kind: str, payload: bytes) -> None:
    with pytest.raises(FeedFormatError):
        KINDS[kind].parse(payload)


def test_a_region_tree_deeper_than_the_stack() -> None:
    depth = 200_000
    body = b'{"states":[' + b'{"regionId":"1","regionChildIds":[' * depth + b"]}" * depth + b"]}"
    with pytest.raises(FeedFormatError):  # the JSON decoder gives up first
        ukrainealarm.parse_regions(body)
