"""Helpers every outage parser shares: its context, JSON decoding, Kyiv times, regions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from feeds import jsonbody, regions, timerange
from feeds.model import FeedFormatError
from feeds.outages.timeline import KYIV


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser may need beyond the bytes.

    ``today`` is the Kyiv date of the poll (weekly templates are laid onto the coming dates
    from it); ``region_id`` the feed's configured region, which wins over what the payload
    says; ``url`` the address polled (Yasno names its region in the path).
    """

    today: date
    region_id: str | None = None
    url: str | None = None


def load_json(body: bytes) -> Any:
    """A key repeated in an object is malformed too (a decoder would keep either value)."""
    try:
        return jsonbody.strict_loads(body)
    except (ValueError, RecursionError) as exc:
        raise FeedFormatError(f"not JSON: {str(exc)[:200]}") from None


_DMY_HM = re.compile(r"^\s*(\d{2})\.(\d{2})\.(\d{4})\s+(\d{1,2}):(\d{2})\s*$")


def kyiv_dmy_hm(text: str) -> datetime | None:
    """``"06.12.2025 08:41"`` (Kyiv wall clock) → UTC; None if it does not read so or lies
    outside the accepted range (feeds/timerange.py)."""
    match = _DMY_HM.match(text)
    if match is None:
        return None
    d, m, y, hh, mm = (int(x) for x in match.groups())
    try:
        return timerange.checked(datetime(y, m, d, hh, mm, tzinfo=KYIV).astimezone(UTC))
    except (ValueError, OverflowError):
        return None


def iso_utc(value: object) -> datetime | None:
    """An ISO 8601 time with an offset → UTC; a time without one is taken as Kyiv time.
    None if it does not read so or lies outside the accepted range (feeds/timerange.py)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KYIV)
    if not timerange.in_range(moment):
        return None
    return moment.astimezone(UTC)


def region_or(name: str | None, fallback: str | None) -> str | None:
    """The registry id for a provider's region name, else ``fallback``."""
    if name:
        region = regions.resolve(name)
        if region is not None:
            return region.id
    return fallback


def require_region(region_id: str | None, what: str) -> str:
    if region_id is None:
        raise FeedFormatError(f"cannot tell the region of this {what}; set region in the config")
    return region_id
