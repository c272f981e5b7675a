"""A truce registry curated by someone else: the JSON of ``/truces.json``.

``{"version": 1, "truces": [{"name", "scope", "regions": "all" | [id, ...], "status",
"claims": [{"party", "starts_at", "ends_at" | null, "source"?}, ...]}, ...]}``: each truce in
the shape of ``python -m bot truce report --json``; the report's other fields (status, window,
baseline, ...) are ignored. A minor version (1.x) may add fields; another major version is
refused, so a bot never misreads a registry it does not know.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feeds.model import FeedFormatError

KIND = "truces"
MAJOR = 1
SCOPES = ("energy", "long-range", "all")
MAX_TEXT = 128


@dataclass(frozen=True, slots=True)
class FeedClaim:
    party: str
    starts_at: datetime
    ends_at: datetime | None
    source: str | None


@dataclass(frozen=True, slots=True)
class FeedTruce:
    name: str
    scope: str
    regions: tuple[str, ...] | None  # None: every region
    claims: tuple[FeedClaim, ...]


def headers(_token: str | None) -> dict[str, str]:
    return {"Accept": "application/json"}


def _moment(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise FeedFormatError(f"{where}: a time must be an ISO 8601 text")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FeedFormatError(f"{where}: {value[:40]!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise FeedFormatError(f"{where}: {value[:40]!r} has no UTC offset")
    return moment.astimezone(UTC)


def _text(value: Any, where: str, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise FeedFormatError(f"{where}: a text of 1 to {limit} characters is needed")
    return value.strip()


def _version(value: Any) -> int:
    major = str(value).split(".", 1)[0]
    if not major.isdigit():
        raise FeedFormatError(f"truce registry version {str(value)[:20]!r} is not a number")
    return int(major)


def parse(body: bytes) -> list[FeedTruce]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FeedFormatError("truce registry: not JSON") from None
    if not isinstance(data, dict) or "version" not in data:
        raise FeedFormatError("truce registry: an object with a 'version' is needed")
    if _version(data["version"]) != MAJOR:
        raise FeedFormatError(
            f"truce registry version {str(data['version'])[:20]} is not supported "
            f"(this bot reads version {MAJOR})"
        )
    items = data.get("truces")
    if not isinstance(items, list):
        raise FeedFormatError("truce registry: 'truces' must be a list")
    truces: list[FeedTruce] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"truces[{i}]"
        if not isinstance(item, dict):
            raise FeedFormatError(f"{where}: an object is needed")
        name = _text(item.get("name"), f"{where}.name")
        if name in seen:
            raise FeedFormatError(f"{where}: the name {name!r} comes twice")
        seen.add(name)
        scope = item.get("scope", "all")
        if scope not in SCOPES:
            raise FeedFormatError(f"{where}.scope: one of {', '.join(SCOPES)}")
        regions = item.get("regions", "all")
        region_ids: tuple[str, ...] | None
        if regions == "all":
            region_ids = None
        elif isinstance(regions, list) and regions and all(isinstance(r, str) for r in regions):
            region_ids = tuple(regions)
        else:
            raise FeedFormatError(f'{where}.regions: "all" or a list of region ids')
        raw_claims = item.get("claims")
        if not isinstance(raw_claims, list) or not raw_claims:
            raise FeedFormatError(f"{where}.claims: a non-empty list is needed")
        claims: list[FeedClaim] = []
        for j, raw in enumerate(raw_claims):
            at = f"{where}.claims[{j}]"
            if not isinstance(raw, dict):
                raise FeedFormatError(f"{at}: an object is needed")
            starts = _moment(raw.get("starts_at"), f"{at}.starts_at")
            ends = None if raw.get("ends_at") is None else _moment(raw["ends_at"], f"{at}.ends_at")
            if ends is not None and ends <= starts:
                raise FeedFormatError(f"{at}: ends_at must come after starts_at")
            source = raw.get("source")
            claims.append(
                FeedClaim(
                    party=_text(raw.get("party"), f"{at}.party"),
                    starts_at=starts,
                    ends_at=ends,
                    source=None if source is None else _text(source, f"{at}.source", limit=2000),
                )
            )
        truces.append(FeedTruce(name, scope, region_ids, tuple(claims)))
    return truces
