"""alerts.in.ua: ``GET /v1/alerts/active.json``, every active alert in Ukraine.

Format notes (from recorded real answers): ``location_uid`` is a string, ``location_oblast_uid``
is optional and int-or-string, ``started_at`` is ISO 8601 UTC with milliseconds and ``Z``,
``meta.last_updated_at`` uses slashes (``2023/04/02 08:32:55 +0000``). Extra keys are ignored.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from feeds import jsonbody, timerange
from feeds.model import AlertKind, FeedFormatError, Observation

ALERT_KINDS: dict[str, AlertKind] = {
    "air_raid": AlertKind.AIR_RAID,
    "artillery_shelling": AlertKind.ARTILLERY,
    "urban_fights": AlertKind.URBAN_FIGHTS,
    "chemical": AlertKind.CHEMICAL,
    "nuclear": AlertKind.NUCLEAR,
}


def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def parse_time(value: object) -> datetime | None:
    """Parse the timestamps alerts.in.ua uses; ``None`` for anything unreadable or outside
    the accepted range (feeds/timerange.py)."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) <= _CACHED_LENGTH:
        return _parse_cached(value)
    return _parse_text(value)


# Every poll re-reads the start times of the same ongoing alerts (1,600 at a national peak):
# remembering them makes a repeated answer cheap. Timestamps are short; longer text is junk
# that must not pin memory.
_CACHED_LENGTH = 40


@functools.lru_cache(maxsize=8192)
def _parse_cached(value: str) -> datetime | None:
    return _parse_text(value)


def _parse_text(value: str) -> datetime | None:
    # ISO first: it is what alert records carry, and a failed strptime is slow.
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            return timerange.checked(
                datetime.strptime(value, "%Y/%m/%d %H:%M:%S %z").astimezone(UTC)
            )
        except (ValueError, OverflowError):  # OverflowError: e.g. year 1 with a +01:00 offset
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return timerange.checked(parsed.astimezone(UTC))
    except OverflowError:
        return None


def location_uid(value: object) -> str | None:
    """A ``location_uid`` as the feed gives it (a number or its digits); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip().isdigit():
        return value.strip()
    return None


def _observation(item: Any) -> Observation | None:
    if not isinstance(item, dict):
        return None
    if item.get("finished_at") or item.get("deleted_at"):
        return None
    region_id = location_uid(item.get("location_uid"))
    if region_id is None:
        return None
    title = item.get("location_title")
    alert_type = item.get("alert_type")
    kind = ALERT_KINDS.get(alert_type, AlertKind.OTHER) if isinstance(alert_type, str) else None
    if kind is None:
        kind = AlertKind.OTHER
    level = item.get("alert_level")
    threat, threat_level = _threat(item.get("threats"))
    if not (isinstance(level, str) and level in _LEVELS):
        level = threat_level  # older answers carry the level only on their threats
    return Observation(
        region_id=region_id,
        region_title=title if isinstance(title, str) and title else region_id,
        kind=kind,
        since=parse_time(item.get("started_at")),
        level=level,
        threat=threat,
        place_level=_place_level(item.get("location_type")),
        parent_id=_parent(region_id, item.get("location_oblast_uid")),
    )


# A national answer repeats the same 1,600 records poll after poll (see feeds/jsonbody.py).
_SEEN = jsonbody.RecordCache(_observation)


def _place_level(value: object) -> str | None:
    return (
        value
        if isinstance(value, str) and value in ("oblast", "raion", "hromada", "city")
        else None
    )


def _parent(region_id: str, oblast_uid: object) -> str | None:
    parent = location_uid(oblast_uid)
    # A real record (2024) names the hromada's own uid as its oblast uid; that is no parent.
    return parent if parent and parent != region_id else None


_LEVELS = {"yellow": 1, "red": 2}


def _threat(value: object) -> tuple[str | None, str | None]:
    """The most severe named threat and the most severe level among ``threats``.

    Each threat may carry ``level`` red/yellow (official client 0.4.0); among equals the
    first listed wins. ``unknown`` names no threat.
    """
    if not isinstance(value, list):
        return None, None
    threat: tuple[int, str | None] = (-1, None)
    level: tuple[int, str | None] = (0, None)
    for entry in value:
        if not isinstance(entry, dict):
            continue
        raw_level = entry.get("level")
        rank = _LEVELS.get(raw_level, 0) if isinstance(raw_level, str) else 0
        if rank > level[0]:
            level = (rank, str(raw_level))
        name = entry.get("threat_type")
        if isinstance(name, str) and name and name != "unknown" and rank > threat[0]:
            threat = (rank, name[:64])
    return threat[1], level[1]


def parse_active(body: bytes) -> list[Observation]:
    """Observations from an ``active.json`` answer.

    A payload that is not the expected envelope raises :class:`FeedFormatError`; a single odd
    alert inside a good envelope is skipped rather than failing the whole poll.
    """
    alerts = jsonbody.items(body, "alerts")
    if alerts is None:
        data = jsonbody.loads(body)
        if not isinstance(data, dict):
            raise FeedFormatError(f"expected a JSON object, got {type(data).__name__}")
        raise FeedFormatError("missing or malformed 'alerts' list")
    seen: dict[tuple[str, AlertKind], Observation] = {}
    for observation in _SEEN.all(alerts):
        if observation is None:
            continue
        key = (observation.region_id, observation.kind)
        earlier = seen.get(key)
        # Two records for one place and kind: keep the earliest start, it is when it began.
        if earlier is None or (
            observation.since is not None
            and (earlier.since is None or observation.since < earlier.since)
        ):
            seen[key] = observation
    return list(seen.values())
