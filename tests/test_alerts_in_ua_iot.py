"""The alerts.in.ua IoT by-oblast status string.

No captured answer of this endpoint exists (see feeds/samples/README.md): the only real
string is the docs' own example, ``"ANNNNNNNNNNNANNNNNNNNNNNNNN"``. Everything else here is
built from the provider's documentation (the character meanings and the fixed order) and the
official Python client 0.4.0 (the v2 ``R``/``Y`` levels).
"""

from __future__ import annotations

import json

import httpx
import pytest

from bot.demo.fakes.feed_server import FakeFeedServer
from feeds import regions
from feeds.alerts_in_ua_iot import OBLAST_ORDER, parse_status
from feeds.kinds import KINDS, covers
from feeds.model import AlertKind, FeedFormatError, Observation
from feeds.source import CacheState, ReadRequest
from tests.conftest import sample

IOT_PATH = "/v1/iot/active_air_raid_alerts_by_oblast.json"
DOCS_EXAMPLE = "ANNNNNNNNNNNANNNNNNNNNNNNNN"
LVIV_INDEX = 13  # the docs: "Lviv oblast is character 13 in the by-oblast string, UID 27"


def status(chars: dict[int, str]) -> bytes:
    text = ["N"] * 27
    for index, char in chars.items():
        text[index] = char
    return json.dumps("".join(text)).encode()


def summary(observations: list[Observation]) -> set[tuple[str, str | None, bool]]:
    return {(o.region_id, o.level, o.partial) for o in observations}


def test_the_docs_example() -> None:
    observations = parse_status(json.dumps(DOCS_EXAMPLE).encode())
    assert summary(observations) == {("29", None, False), ("16", None, False)}
    titles = {o.region_id: o.region_title for o in observations}
    assert titles == {"29": "Автономна Республіка Крим", "16": "Луганська область"}
    for observation in observations:
        assert observation.kind is AlertKind.AIR_RAID
        assert observation.since is None  # the string carries no times


def test_the_order_is_the_documented_one_not_the_uid_order() -> None:
    documented = json.loads(sample("alerts_in_ua_oblast_uids.json"))["iot_by_oblast_order"]
    assert [(str(row["uid"]), row["title"]) for row in documented] == list(OBLAST_ORDER)
    [lviv] = parse_status(status({LVIV_INDEX: "A"}))
    assert (lviv.region_id, regions.title_for(lviv.region_id, "en")) == ("27", "Lviv oblast")
    # Every position names a region the registry knows, each once.
    assert len({uid for uid, _ in OBLAST_ORDER}) == 27
    assert all(regions.get(uid) is not None for uid, _ in OBLAST_ORDER)


@pytest.mark.parametrize(
    ("char", "level", "partial"),
    [
        ("A", None, False),  # v1: the whole oblast
        ("R", "red", False),  # v2
        ("Y", "yellow", False),  # v2
        ("P", None, True),  # some raions or hromadas of the oblast
    ],
)
def test_status_characters(char: str, level: str | None, partial: bool) -> None:
    [observation] = parse_status(status({LVIV_INDEX: char}))
    assert (observation.region_id, observation.kind) == ("27", AlertKind.AIR_RAID)
    assert (observation.level, observation.partial) == (level, partial)


def test_all_clear() -> None:
    assert parse_status(json.dumps("N" * 27).encode()) == []


def test_kyiv_city_and_sevastopol_are_cities() -> None:
    observations = parse_status(status({9: "A", 18: "A", 10: "P"}))
    assert {(o.region_id, o.place_level) for o in observations} == {
        ("31", "city"),
        ("30", "city"),
        ("14", "oblast"),
    }


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"ANNN",  # not JSON
        json.dumps(DOCS_EXAMPLE[:26]).encode(),  # one short: which oblast is missing?
        json.dumps(DOCS_EXAMPLE + "N").encode(),  # one long: the order may have shifted
        json.dumps("ANNNNNNNNNNNXNNNNNNNNNNNNNN").encode(),  # a status we do not know
        json.dumps(" " * 27).encode(),
        json.dumps(DOCS_EXAMPLE.lower()).encode(),
        json.dumps([DOCS_EXAMPLE]).encode(),
        json.dumps({"status": DOCS_EXAMPLE}).encode(),
        b"null",
    ],
)
def test_anything_else_is_a_format_error(payload: bytes) -> None:
    # Reading an unknown answer as "no alert" would end real alerts: the poll fails instead.
    with pytest.raises(FeedFormatError):
        parse_status(payload)


def test_the_kind_covers_oblast_air_raids_only() -> None:
    assert covers("alerts_in_ua_iot", "27", "air_raid")
    assert not covers("alerts_in_ua_iot", "27", "artillery")
    assert not covers("alerts_in_ua_iot", "845", "air_raid")  # a hromada: the string is silent


async def test_the_kind_reads_with_the_bearer_token_and_if_modified_since(
    feed_server: FakeFeedServer,
) -> None:
    modified = "Thu, 20 Apr 2023 00:10:44 GMT"
    feed_server.set(IOT_PATH, json.dumps(DOCS_EXAMPLE).encode(), last_modified=modified)
    kind = KINDS["alerts_in_ua_iot"]
    assert kind.needs_token
    async with httpx.AsyncClient() as client:
        request = ReadRequest(client, feed_server.url(IOT_PATH), "tok", CacheState(), 5.0)
        first = await kind.read(request)
        assert first.parsed is not None
        assert {o.region_id for o in first.parsed} == {"29", "16"}
        second = await kind.read(
            ReadRequest(client, feed_server.url(IOT_PATH), "tok", first.cache, 5.0)
        )
    assert second.parsed is None  # 304: unchanged, the stored state stands
    _, headers = feed_server.requests[-1]
    assert headers["Authorization"] == "Bearer tok"
    assert headers["If-Modified-Since"] == modified
