"""alerts.in.ua answers for tests.

The recorded real answers (``feeds/samples``) hold no alert in Lviv oblast. For the Lviv story
the tests add an alert record to a real answer: the same fields, types and formats as the real
records beside it, with Lviv oblast's UID (27) and title from the official UID table.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from tests.conftest import sample

BASE = json.loads(sample("alerts_in_ua_active_2025-03-11.json"))


def lviv_alert(
    started_at: str = "2025-03-18T09:58:12.000Z", alert_id: int = 91234
) -> dict[str, Any]:
    return {
        "id": alert_id,
        "location_title": "Львівська область",
        "location_type": "oblast",
        "started_at": started_at,
        "finished_at": None,
        "updated_at": started_at,
        "alert_type": "air_raid",
        "location_oblast": "Львівська область",
        "location_uid": "27",
        "notes": None,
        "country": None,
        "deleted_at": None,
        "calculated": None,
        "location_oblast_uid": 27,
    }


def answer(*extra: dict[str, Any], updated: datetime) -> tuple[bytes, str]:
    """A full active.json answer (the real 2025 one plus ``extra``) and its Last-Modified."""
    body = dict(BASE)
    body["alerts"] = [*BASE["alerts"], *extra]
    body["meta"] = {"last_updated_at": updated.strftime("%Y/%m/%d %H:%M:%S +0000"), "type": "full"}
    return json.dumps(body, ensure_ascii=False).encode(), format_datetime(updated, usegmt=True)
