"""Reading alerts.in.ua answers (recorded real ones and hostile ones) and fetching them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.demo.fakes.feed_server import FakeFeedServer, Reply
from feeds.alerts_in_ua import parse_active
from feeds.fetch import FeedHTTPError, FetchResult, fetch
from feeds.model import AlertKind, FeedFormatError, Observation
from tests.conftest import FEED_PATH, sample


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


LUHANSK = ("16", AlertKind.AIR_RAID, utc(2022, 4, 4, 16, 45, 39))
CRIMEA = ("29", AlertKind.AIR_RAID, utc(2022, 12, 10, 22, 22, 0))

RECORDED: dict[str, set[tuple[str, AlertKind, datetime]]] = {
    "alerts_in_ua_active_2023-04-02.json": {
        LUHANSK,
        CRIMEA,
        ("28", AlertKind.AIR_RAID, utc(2023, 4, 2, 8, 32, 53)),
    },
    "alerts_in_ua_active_2023-04-20_vcr.json": {LUHANSK},
    "alerts_in_ua_active_2024-05-06_with_hromada.json": {
        LUHANSK,
        ("351", AlertKind.ARTILLERY, utc(2024, 5, 5, 15, 48, 31)),
    },
    "alerts_in_ua_active_2025-03-11.json": {LUHANSK, CRIMEA},
}


def body(*alerts: object, **envelope: Any) -> bytes:
    return json.dumps(
        {"alerts": list(alerts), "meta": {"last_updated_at": "2025/03/11 19:23:10 +0000"}}
        | envelope
    ).encode()


def alert(**fields: Any) -> dict[str, Any]:
    """An alert record shaped like the recorded ones (Lviv oblast, UID 27)."""
    record: dict[str, Any] = {
        "id": 90001,
        "location_title": "Львівська область",
        "location_type": "oblast",
        "started_at": "2025-03-11T19:20:00.000Z",
        "finished_at": None,
        "updated_at": "2025-03-11T19:20:00.500Z",
        "alert_type": "air_raid",
        "location_oblast": "Львівська область",
        "location_uid": "27",
        "notes": None,
        "calculated": None,
    }
    return record | fields


def observed(observations: list[Observation]) -> set[tuple[str, AlertKind, datetime | None]]:
    return {(o.region_id, o.kind, o.since) for o in observations}


# --- recorded answers ------------------------------------------------------------------------


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_answers(name: str) -> None:
    observations = parse_active(sample(name))
    assert observed(observations) == RECORDED[name]
    assert len(observations) == len(RECORDED[name])
    for observation in observations:
        assert observation.since is not None and observation.since.utcoffset() == timedelta(0)
        assert observation.level is None and observation.threat is None


def test_the_hromada_alert() -> None:
    observations = parse_active(sample("alerts_in_ua_active_2024-05-06_with_hromada.json"))
    [hromada] = [o for o in observations if o.region_id == "351"]
    assert hromada.kind is AlertKind.ARTILLERY
    assert hromada.region_title == "Нікопольська територіальна громада"
    assert hromada.since == utc(2024, 5, 5, 15, 48, 31)


def test_an_unknown_alert_type_is_kept_as_other() -> None:
    [observation] = parse_active(body(alert(alert_type="drone_swarm")))
    assert (observation.region_id, observation.kind) == ("27", AlertKind.OTHER)
    [observation] = parse_active(body(alert(alert_type=None)))
    assert observation.kind is AlertKind.OTHER


def test_every_known_alert_type() -> None:
    types = {
        "air_raid": AlertKind.AIR_RAID,
        "artillery_shelling": AlertKind.ARTILLERY,
        "urban_fights": AlertKind.URBAN_FIGHTS,
        "chemical": AlertKind.CHEMICAL,
        "nuclear": AlertKind.NUCLEAR,
    }
    observations = parse_active(body(*(alert(alert_type=name) for name in types)))
    assert {o.kind for o in observations} == set(types.values())


def test_an_int_location_uid_is_accepted() -> None:
    [observation] = parse_active(body(alert(location_uid=27)))
    assert observation.region_id == "27"


def test_records_without_a_usable_location_are_skipped_not_fatal() -> None:
    records = [alert(location_uid=uid) for uid in (None, True, "", "abc", 2.5, [27], {"a": 1})]
    [observation] = parse_active(body(*records, alert(location_uid="14"), "junk", 7))
    assert observation.region_id == "14"


def test_finished_alerts_are_ignored() -> None:
    observations = parse_active(
        body(
            alert(location_uid="27", finished_at="2025-03-11T19:30:00.000Z"),
            alert(location_uid="14"),
        )
    )
    assert [o.region_id for o in observations] == ["14"]


def test_extra_keys_are_ignored() -> None:
    plain = parse_active(body(alert()))
    extra = parse_active(
        body(
            alert(future_field={"nested": [1, 2]}, location_raion="Львівський район"),
            disclaimer="new text",
            pagination={"next": None},
        )
    )
    assert extra == plain


def test_level_and_threat_are_carried() -> None:
    threats = [{"threat_type": "ballistic_missile", "source": "x"}, {"threat_type": "drone"}]
    [red] = parse_active(body(alert(alert_level="red", threats=threats)))
    assert (red.level, red.threat) == ("red", "ballistic_missile")
    [yellow] = parse_active(body(alert(alert_level="yellow")))
    assert (yellow.level, yellow.threat) == ("yellow", None)
    [odd] = parse_active(body(alert(alert_level="purple", threats="ballistic_missile")))
    assert (odd.level, odd.threat) == (None, None)


def test_iso_last_updated_at_does_not_matter() -> None:
    recorded = sample("alerts_in_ua_active_2025-03-11.json")
    data = json.loads(recorded)
    data["meta"]["last_updated_at"] = "2025-03-11T19:23:10.000Z"
    assert parse_active(json.dumps(data).encode()) == parse_active(recorded)
    data["meta"] = "not even a dict"
    assert parse_active(json.dumps(data).encode()) == parse_active(recorded)


def test_two_records_for_one_place_and_kind_keep_the_earliest_start() -> None:
    observations = parse_active(
        body(
            alert(started_at="2025-03-11T19:20:00.000Z"),
            alert(started_at="2025-03-11T18:00:00.000Z"),
            alert(started_at=None),
            alert(alert_type="artillery_shelling", started_at="2025-03-11T19:25:00.000Z"),
        )
    )
    assert observed(observations) == {
        ("27", AlertKind.AIR_RAID, utc(2025, 3, 11, 18, 0, 0)),
        ("27", AlertKind.ARTILLERY, utc(2025, 3, 11, 19, 25, 0)),
    }


@pytest.mark.parametrize(
    ("started_at", "since"),
    [
        ("2025-03-11T19:20:00.000Z", utc(2025, 3, 11, 19, 20)),
        ("2025-03-11T21:20:00+02:00", utc(2025, 3, 11, 19, 20)),
        ("2025/03/11 21:20:00 +0200", utc(2025, 3, 11, 19, 20)),
        ("2025-03-11T19:20:00", utc(2025, 3, 11, 19, 20)),  # no offset: UTC, like the API
        ("yesterday", None),
        (1741720800, None),
        # Out of range once turned into UTC: the alert stays, its start is unknown.
        ("0001-01-01T00:00:00+01:00", None),
        ("9999-12-31T23:59:59-05:00", None),
        ("0001/01/01 00:00:00 +0100", None),
    ],
)
def test_start_times(started_at: object, since: datetime | None) -> None:
    [observation] = parse_active(body(alert(started_at=started_at)))
    assert observation.since == since
    assert observation.region_id == "27"


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"<html>502 Bad Gateway</html>",
        b'{"alerts": [',
        b"[]",
        b'[{"alerts": []}]',
        b"null",
        b'"alerts"',
        b"{}",
        b'{"alerts": "x"}',
        b'{"alerts": null}',
        b'{"alerts": {"0": {}}}',
        b'{"alerts": ["\xff\xfe\xfa"]}',
        b"\xff\xfe\x00\x00garbage",
        b"[" * 100_000,  # nesting deeper than the JSON decoder's recursion limit
    ],
)
def test_bad_envelopes_raise_feed_format_error(payload: bytes) -> None:
    with pytest.raises(FeedFormatError):
        parse_active(payload)


def test_an_empty_alert_list_is_all_clear() -> None:
    assert parse_active(b'{"alerts": []}') == []


# --- property: nothing but FeedFormatError escapes -------------------------------------------

# JSON has no NaN or Infinity (Python's encoder writes them, the decoder rejects them: such a
# body is not JSON and fails the poll, see test_non_standard_numbers_fail_cleanly).
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
# Values for the known keys: shallow, so that many records fit in the example budget.
field_values = (
    scalars
    | st.lists(scalars, max_size=3)
    | st.dictionaries(st.text(max_size=10), scalars, max_size=3)
)
offsets = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=2)),
        timezone(timedelta(hours=14)),
        timezone(-timedelta(hours=12)),
    ]
)
# Any moment, and moments at the ends of the calendar, where converting to UTC overflows.
moments = (
    st.datetimes(timezones=offsets)
    | st.datetimes(max_value=datetime(1, 1, 2), timezones=offsets)
    | st.datetimes(min_value=datetime(9999, 12, 30), timezones=offsets)
)
timestamps = moments.flatmap(
    lambda moment: st.sampled_from(
        [
            moment.isoformat(),
            moment.isoformat().replace("+00:00", "Z"),
            moment.strftime("%Y/%m/%d %H:%M:%S %z"),
        ]
    )
)
alert_fields = {
    "id": field_values,
    "alert_type": st.sampled_from(
        ["air_raid", "artillery_shelling", "urban_fights", "chemical", "nuclear", "drones"]
    )
    | field_values,
    "location_uid": st.integers() | st.from_regex(r"\A\s*[0-9]{1,4}\s*\Z") | field_values,
    "location_title": field_values,
    "location_type": st.sampled_from(["oblast", "raion", "hromada", "city"]) | field_values,
    "location_oblast": field_values,
    "location_oblast_uid": st.integers() | field_values,
    "started_at": timestamps | field_values,
    "finished_at": st.none() | timestamps | field_values,
    "deleted_at": st.none() | field_values,
    "updated_at": timestamps | field_values,
    "alert_level": st.sampled_from(["red", "yellow"]) | field_values,
    "threats": st.lists(st.fixed_dictionaries({"threat_type": field_values})) | field_values,
    "notes": field_values,
    "calculated": field_values,
}
alert_records = st.fixed_dictionaries({}, optional=alert_fields) | field_values
envelopes = st.fixed_dictionaries(
    {"alerts": st.lists(alert_records, max_size=6)},
    optional={"meta": field_values, "disclaimer": field_values},
)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_parse(payload: bytes) -> None:
    try:
        observations = parse_active(payload)
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
        keys.add((observation.region_id, observation.kind))
    assert len(keys) == len(observations), "one observation per place and kind"


@PROPERTY
@given(json_values)
def test_any_json_value_parses_or_raises_feed_format_error(value: object) -> None:
    check_parse(json.dumps(value).encode())


@PROPERTY
@given(envelopes)
def test_alert_shaped_garbage_parses_or_raises_feed_format_error(envelope: object) -> None:
    check_parse(json.dumps(envelope).encode())


@PROPERTY
@given(timestamps | field_values)
def test_any_start_time_keeps_the_alert(started_at: object) -> None:
    [observation] = parse_active(body(alert(started_at=started_at)))
    assert observation.region_id == "27"
    assert observation.since is None or observation.since.utcoffset() == timedelta(0)


def test_non_standard_numbers_fail_cleanly() -> None:
    for token in (b"NaN", b"Infinity", b"-Infinity"):
        with pytest.raises(FeedFormatError):
            parse_active(b'{"alerts": [{"location_uid": "27", "started_at": ' + token + b"}]}")


@PROPERTY
@given(st.binary(max_size=200))
def test_any_bytes_parse_or_raise_feed_format_error(payload: bytes) -> None:
    check_parse(payload)


# --- fetch -----------------------------------------------------------------------------------

SECRET_HEADERS = {"Authorization": "Bearer SECRET123", "Accept": "application/json"}
LAST_MODIFIED = "Thu, 20 Apr 2023 00:10:44 GMT"
Fetch = Callable[..., Awaitable[FetchResult]]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as real_client:
        yield real_client


async def failure(call: Awaitable[FetchResult]) -> FeedHTTPError:
    with pytest.raises(FeedHTTPError) as caught:
        await call
    assert "SECRET123" not in str(caught.value)
    assert "SECRET123" not in repr(caught.value.args)
    return caught.value


async def test_fetch_returns_body_and_validator_then_304(
    feed_server: FakeFeedServer, client: httpx.AsyncClient
) -> None:
    payload = sample("alerts_in_ua_active_2023-04-20_vcr.json")
    feed_server.set(FEED_PATH, payload, last_modified=LAST_MODIFIED)
    url = feed_server.url(FEED_PATH)

    first = await fetch(client, url, headers=SECRET_HEADERS)
    assert first.body == payload
    assert first.last_modified == LAST_MODIFIED
    assert parse_active(first.body) != []

    second = await fetch(client, url, headers=SECRET_HEADERS, last_modified=first.last_modified)
    assert second.body is None
    assert second.last_modified == LAST_MODIFIED
    _, headers = feed_server.requests[-1]
    assert headers["If-Modified-Since"] == LAST_MODIFIED
    assert headers["Authorization"] == "Bearer SECRET123"

    feed_server.set(FEED_PATH, b'{"alerts": []}', last_modified="Thu, 20 Apr 2023 01:00:00 GMT")
    third = await fetch(client, url, headers=SECRET_HEADERS, last_modified=first.last_modified)
    assert third.body == b'{"alerts": []}'
    assert third.last_modified == "Thu, 20 Apr 2023 01:00:00 GMT"


async def test_fetch_server_error(feed_server: FakeFeedServer, client: httpx.AsyncClient) -> None:
    feed_server.script(FEED_PATH, Reply(status=500, body=b"oops"))
    error = await failure(fetch(client, feed_server.url(FEED_PATH), headers=SECRET_HEADERS))
    assert (error.status, error.retry_after) == (500, None)


async def test_fetch_rate_limited(feed_server: FakeFeedServer, client: httpx.AsyncClient) -> None:
    feed_server.script(FEED_PATH, Reply(status=429, headers={"Retry-After": "7"}))
    error = await failure(fetch(client, feed_server.url(FEED_PATH), headers=SECRET_HEADERS))
    assert (error.status, error.retry_after) == (429, 7.0)


async def test_fetch_refuses_an_answer_over_the_cap(
    feed_server: FakeFeedServer, client: httpx.AsyncClient
) -> None:
    feed_server.set(FEED_PATH, b'{"alerts": []}' + b" " * 5000)
    url = feed_server.url(FEED_PATH)
    await failure(fetch(client, url, headers=SECRET_HEADERS, max_bytes=1000))
    assert (await fetch(client, url, headers=SECRET_HEADERS, max_bytes=6000)).body is not None


async def test_fetch_refuses_a_chunked_answer_over_the_cap(client: httpx.AsyncClient) -> None:
    """alerts.in.ua answers chunked, without Content-Length: the cap must hold while reading."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):  # the client may hang up mid-answer
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            )
            chunk = b"x" * 1000
            for _ in range(50):
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        url = f"http://127.0.0.1:{port}/v1/alerts/active.json"
        error = await failure(fetch(client, url, headers=SECRET_HEADERS, max_bytes=10_000))
        assert "10000" in str(error)
        whole = await fetch(client, url, headers=SECRET_HEADERS, max_bytes=100_000)
        assert whole.body == b"x" * 50_000


async def test_fetch_gives_up_on_a_slow_answer(
    feed_server: FakeFeedServer, client: httpx.AsyncClient
) -> None:
    feed_server.script(FEED_PATH, Reply(status=200, body=b'{"alerts": []}', delay=10))
    began = time.monotonic()
    await failure(fetch(client, feed_server.url(FEED_PATH), headers=SECRET_HEADERS, timeout=0.3))
    assert time.monotonic() - began < 2


async def test_fetch_connection_refused(client: httpx.AsyncClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more.
    error = await failure(
        fetch(client, f"http://127.0.0.1:{port}/v1/alerts/active.json", headers=SECRET_HEADERS)
    )
    assert error.status is None
    assert str(error)
