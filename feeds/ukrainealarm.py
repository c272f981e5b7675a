"""api.ukrainealarm.com v3 ("Повітряна тривога") and its keyless mirror siren.pp.ua.

Endpoints used: ``/api/v3/alerts/status`` (``{"lastActionIndex": N}``, a cheap change index),
``/api/v3/alerts`` (a list of AlertRegionModel: every state, district and community that has
an alert now) and ``/api/v3/regions`` (the region tree). The API key goes in the
``Authorization`` header as it is, without ``Bearer``; siren.pp.ua needs none.

Format notes (OpenAPI 3.0.1 of the vendor's server, Home Assistant's integration, and a real
answer of 2026-09-25): ids are strings, Crimea is ``9999`` where alerts.in.ua (our canonical
ids) says ``29``; ``activeAlerts`` may be null; ``activeAlertLevels`` is newer than the
OpenAPI file, carries ``Yellow``/``Red`` (and, in HA's tests, unknown ones such as
``Purple``) with a Ukrainian ``reason``; one alert may carry both levels, so the most severe
wins, not the first. Times have microseconds and ``Z``. Extra keys are ignored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from feeds import jsonbody
from feeds.alerts_in_ua import parse_time
from feeds.fetch import FeedHTTPError, fetch
from feeds.model import AlertKind, FeedFormatError, Observation
from feeds.source import CacheState, Reader, ReadRequest, ReadResult

CRIMEA_SOURCE_ID = "9999"
CRIMEA_ID = "29"
TEST_REGION_ID = "0"  # "Тестовий регіон" in /regions: never a real place

ALERT_KINDS: dict[str, AlertKind] = {
    "AIR": AlertKind.AIR_RAID,
    "ARTILLERY": AlertKind.ARTILLERY,
    "URBAN_FIGHTS": AlertKind.URBAN_FIGHTS,
    "CHEMICAL": AlertKind.CHEMICAL,
    "NUCLEAR": AlertKind.NUCLEAR,
    # INFO, UNKNOWN and any type added later are kept as OTHER.
}
_LEVEL_RANK = {"yellow": 1, "red": 2}
_PLACE_LEVELS = {"State": "oblast", "District": "raion", "Community": "hromada"}
_CITIES = frozenset({"31", "30"})  # Kyiv and Sevastopol are "State"s, as in alerts.in.ua

ALERTS_PATH = "/api/v3/alerts"
STATUS_PATH = "/api/v3/alerts/status"


def auth_headers(token: str | None) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = token  # the raw key: the API refuses "Bearer <key>"
    return headers


def public_headers(_token: str | None) -> dict[str, str]:
    return {"Accept": "application/json"}


def region_id(value: object) -> str | None:
    """The canonical id for a ukrainealarm ``regionId`` (``9999`` -> ``29``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value.isdigit() or not value.isascii():
        return None
    value = str(int(value))  # "027" and "27" are one place
    return CRIMEA_ID if value == CRIMEA_SOURCE_ID else value


def _text(value: object, limit: int = 200) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:limit]
    return None


def place_level(region_type: object, rid: str, name: str | None) -> str | None:
    """alerts.in.ua's words for ukrainealarm's region types.

    Kharkiv and Zaporizhzhia city hromadas (1293, 564) are "State"s in ukrainealarm's tree;
    their names say what they are.
    """
    if rid in _CITIES:
        return "city"
    level = _PLACE_LEVELS.get(region_type) if isinstance(region_type, str) else None
    if level == "oblast" and name and "громада" in name:
        return "hromada"
    return level


def _loads(body: bytes) -> Any:
    return jsonbody.loads(body)


def _level(levels: object) -> tuple[str | None, str | None]:
    """The most severe known level and its reason; unknown levels are ignored."""
    if not isinstance(levels, list):
        return None, None
    best: tuple[int, str | None, str | None] = (0, None, None)
    for entry in levels:
        if not isinstance(entry, dict):
            continue
        raw = entry.get("alertLevel")
        level = raw.strip().casefold() if isinstance(raw, str) else None
        rank = _LEVEL_RANK.get(level or "", 0)
        if rank > best[0]:
            best = (rank, level, _text(entry.get("reason"), 64))
    return best[1], best[2]


def _since(alert: dict[str, Any], record: dict[str, Any]) -> datetime | None:
    # The alert's own lastUpdate is when it was raised; the region's moves with any change.
    return parse_time(alert.get("lastUpdate")) or parse_time(record.get("lastUpdate"))


def _observations(record: object) -> list[Observation]:
    if not isinstance(record, dict):
        return []
    alerts = record.get("activeAlerts")
    if not isinstance(alerts, list):
        return []
    rid = region_id(record.get("regionId"))
    name = _text(record.get("regionName"))
    found: list[Observation] = []
    for alert in alerts:
        if not isinstance(alert, dict):
            continue
        alert_rid = rid or region_id(alert.get("regionId"))
        if alert_rid is None:
            continue
        raw_type = alert.get("type")
        kind = ALERT_KINDS.get(raw_type, AlertKind.OTHER) if isinstance(raw_type, str) else None
        level, threat = _level(alert.get("activeAlertLevels"))
        found.append(
            Observation(
                region_id=alert_rid,
                region_title=name or alert_rid,
                kind=kind or AlertKind.OTHER,
                since=_since(alert, record),
                level=level,
                threat=threat,
                place_level=place_level(
                    record.get("regionType") or alert.get("regionType"), alert_rid, name
                ),
            )
        )
    return found


def _merge(earlier: Observation, later: Observation) -> Observation:
    """One place and kind reported twice: the earliest start, the most severe level."""
    first = earlier
    if later.since is not None and (earlier.since is None or later.since < earlier.since):
        first = later
    severe = max(earlier, later, key=lambda o: _LEVEL_RANK.get(o.level or "", 0))
    if severe.level == first.level:
        return first
    return Observation(
        region_id=first.region_id,
        region_title=first.region_title,
        kind=first.kind,
        since=first.since,
        level=severe.level,
        threat=severe.threat,
        place_level=first.place_level,
    )


def parse_alerts(body: bytes) -> list[Observation]:
    """Observations from an ``/api/v3/alerts`` answer (also ``/alerts/{regionId}``).

    Not a JSON list: :class:`FeedFormatError`. An odd record inside the list is skipped.
    """
    records = jsonbody.items(body)
    if records is None:
        data = _loads(body)
        raise FeedFormatError(f"expected a JSON list of regions, got {type(data).__name__}")
    seen: dict[tuple[str, AlertKind], Observation] = {}
    for observations in _SEEN.all(records):
        for observation in observations:
            key = (observation.region_id, observation.kind)
            earlier = seen.get(key)
            seen[key] = observation if earlier is None else _merge(earlier, observation)
    return list(seen.values())


# A full answer repeats the same region records poll after poll (see feeds/jsonbody.py).
_SEEN = jsonbody.RecordCache(lambda record: tuple(_observations(record)))


# --- the region list -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegionRecord:
    """One node of ``/api/v3/regions``, with canonical ids (Crimea ``29``)."""

    id: str
    name: str
    type: str | None  # "State" | "District" | "Community" as the source says
    parent_id: str | None

    @property
    def level(self) -> str | None:
        return place_level(self.type, self.id, self.name)


def parse_regions(body: bytes) -> list[RegionRecord]:
    """Every region of a ``/api/v3/regions`` answer, parents before their children.

    ``regionChildIds`` holds nested region objects, not ids, despite its name; communities
    omit it. The test region ``0`` is left out; so is a node without a usable id (with its
    subtree: its children's parent would be unknown). An id seen twice keeps its first place.
    """
    data = _loads(body)
    states = data.get("states") if isinstance(data, dict) else None
    if not isinstance(states, list):
        raise FeedFormatError("missing or malformed 'states' list")
    result: list[RegionRecord] = []
    seen: set[str] = set()
    # Depth-first without recursion: a hostile tree cannot exhaust the stack.
    stack: list[tuple[object, str | None]] = [(node, None) for node in reversed(states)]
    while stack:
        node, parent = stack.pop()
        if not isinstance(node, dict):
            continue
        rid = region_id(node.get("regionId"))
        if rid is None or rid == TEST_REGION_ID:
            continue
        if rid not in seen:
            seen.add(rid)
            raw_type = node.get("regionType")
            result.append(
                RegionRecord(
                    id=rid,
                    name=_text(node.get("regionName")) or rid,
                    type=raw_type if isinstance(raw_type, str) else None,
                    parent_id=parent,
                )
            )
        children = node.get("regionChildIds")
        if isinstance(children, list):
            stack.extend((child, rid) for child in reversed(children))
    return result


# --- reading: the change index first ---------------------------------------------------------


def endpoints(url: str) -> tuple[str, str]:
    """(status URL, alerts URL) for a feed URL.

    The config may name the service's base (``https://api.ukrainealarm.com``), the v3 API
    root, the ``/api/v3/alerts`` list or its ``/status``; the other paths are derived.
    """
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    for suffix in (STATUS_PATH, ALERTS_PATH, "/api/v3"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    base = (parts.scheme, parts.netloc)
    return (
        urlunsplit((*base, path + STATUS_PATH, parts.query, "")),
        urlunsplit((*base, path + ALERTS_PATH, parts.query, "")),
    )


def parse_status(body: bytes) -> str:
    """The ``lastActionIndex`` of an ``/alerts/status`` answer, as text."""
    data = _loads(body)
    index = data.get("lastActionIndex") if isinstance(data, dict) else None
    if isinstance(index, bool) or not isinstance(index, int | str):
        raise FeedFormatError("missing or malformed 'lastActionIndex'")
    text = str(index).strip()
    if not text or len(text) > 40:
        raise FeedFormatError("missing or malformed 'lastActionIndex'")
    return text


def status_first_reader(headers: Callable[[str | None], dict[str, str]]) -> Reader:
    """A reader that asks ``/alerts/status`` and fetches ``/alerts`` only when the index moved.

    Each quiet poll costs one small request. The index is read *before* the list, so a
    change that lands between the two requests moves the index again and is fetched next
    time. Both requests share the poll's time limit.
    """

    async def read(request: ReadRequest) -> ReadResult[list[Observation]]:
        status_url, alerts_url = endpoints(request.url)
        request_headers = headers(request.token)
        deadline = asyncio.get_running_loop().time() + request.timeout
        status = await fetch(
            request.client,
            status_url,
            headers=request_headers,
            timeout=request.timeout,
            max_bytes=request.max_bytes,
        )
        if status.body is None:  # a 304 for the index: nothing moved
            return ReadResult(None, request.cache)
        index = parse_status(status.body)
        if request.cache.marker is not None and index == request.cache.marker:
            return ReadResult(None, request.cache)
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise FeedHTTPError(f"no complete answer within {request.timeout:g} s")
        # Ask for the list with its own validators: if the list itself says 304, what we
        # stored is still right and only the index moves on.
        answer = await fetch(
            request.client,
            alerts_url,
            headers=request_headers,
            etag=request.cache.etag,
            last_modified=request.cache.last_modified,
            timeout=left,
            max_bytes=request.max_bytes,
        )
        cache = CacheState(answer.etag, answer.last_modified, index)
        if answer.body is None:
            return ReadResult(None, cache)
        return ReadResult(parse_alerts(answer.body), cache)

    return read
