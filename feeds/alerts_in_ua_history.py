"""alerts.in.ua's history: ``GET /v1/regions/{uid}/alerts/month_ago.json``.

The answer has the envelope of ``active.json`` with finished alerts too (``finished_at`` set).
No real answer of this endpoint has been published (see feeds/samples/README.md); the parser
reads the fields the recorded ``active.json`` answers carry and skips a record it cannot read.
The endpoint has a budget of its own: 2 requests a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feeds import jsonbody
from feeds.alerts_in_ua import ALERT_KINDS, location_uid, parse_time
from feeds.model import AlertKind, FeedFormatError

PATH = "/v1/regions/{uid}/alerts/{period}.json"
PERIODS = ("month_ago", "week_ago")
PER_MINUTE = 2  # the provider's separate limit for history requests
HOST = "api.alerts.in.ua"


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    region_id: str
    title: str
    level: str
    oblast_id: str | None
    kind: str
    started_at: datetime
    finished_at: datetime | None


def _record(item: object) -> HistoryRecord | None:
    if not isinstance(item, dict) or item.get("deleted_at"):
        return None
    region_id = location_uid(item.get("location_uid"))
    started = parse_time(item.get("started_at"))
    if region_id is None or started is None:
        return None
    finished = parse_time(item.get("finished_at"))
    if finished is not None and finished < started:
        return None
    alert_type = item.get("alert_type")
    kind = ALERT_KINDS.get(alert_type, AlertKind.OTHER) if isinstance(alert_type, str) else None
    title = item.get("location_title")
    level = item.get("location_type")
    oblast = location_uid(item.get("location_oblast_uid"))
    return HistoryRecord(
        region_id=region_id,
        title=title if isinstance(title, str) and title else region_id,
        level=level if isinstance(level, str) and level else "oblast",
        oblast_id=oblast if oblast != region_id else None,
        kind=str(kind or AlertKind.OTHER),
        started_at=started,
        finished_at=finished,
    )


def parse_history(body: bytes) -> list[HistoryRecord]:
    """The alerts of a history answer; a body that is not the envelope raises
    :class:`FeedFormatError`, an odd record inside it is skipped."""
    alerts = jsonbody.items(body, "alerts")
    if alerts is None:
        raise FeedFormatError("missing or malformed 'alerts' list")
    records = []
    for raw in alerts:
        record = _record(jsonbody.loads(bytes(raw)))
        if record is not None:
            records.append(record)
    return records
