"""alerts.in.ua: ``GET /v1/alerts/active.json``, every active alert in Ukraine.

Format notes (from recorded real answers): ``location_uid`` is a string, ``location_oblast_uid``
is optional and int-or-string, ``started_at`` is ISO 8601 UTC with milliseconds and ``Z``,
``meta.last_updated_at`` uses slashes (``2023/04/02 08:32:55 +0000``). Extra keys are ignored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

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
    """Parse the timestamps alerts.in.ua uses; ``None`` for anything unreadable."""
    if not isinstance(value, str) or not value:
        return None
    for fmt in ("%Y/%m/%d %H:%M:%S %z",):
        try:
            return datetime.strptime(value, fmt).astimezone(UTC)
        except (ValueError, OverflowError):  # OverflowError: e.g. year 1 with a +01:00 offset
            pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def _uid(value: object) -> str | None:
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
    region_id = _uid(item.get("location_uid"))
    if region_id is None:
        return None
    title = item.get("location_title")
    alert_type = item.get("alert_type")
    kind = ALERT_KINDS.get(alert_type, AlertKind.OTHER) if isinstance(alert_type, str) else None
    if kind is None:
        kind = AlertKind.OTHER
    level = item.get("alert_level")
    threat = _threat(item.get("threats"))
    return Observation(
        region_id=region_id,
        region_title=title if isinstance(title, str) and title else region_id,
        kind=kind,
        since=parse_time(item.get("started_at")),
        level=level if isinstance(level, str) and level in ("red", "yellow") else None,
        threat=threat,
    )


def _threat(value: object) -> str | None:
    if not isinstance(value, list):
        return None
    for entry in value:
        if isinstance(entry, dict) and isinstance(entry.get("threat_type"), str):
            return str(entry["threat_type"])[:64]
    return None


def parse_active(body: bytes) -> list[Observation]:
    """Observations from an ``active.json`` answer.

    A payload that is not the expected envelope raises :class:`FeedFormatError`; a single odd
    alert inside a good envelope is skipped rather than failing the whole poll.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedFormatError(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise FeedFormatError("invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise FeedFormatError(f"expected a JSON object, got {type(data).__name__}")
    alerts = data.get("alerts")
    if not isinstance(alerts, list):
        raise FeedFormatError("missing or malformed 'alerts' list")
    seen: dict[tuple[str, AlertKind], Observation] = {}
    for item in alerts:
        observation = _observation(item)
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
