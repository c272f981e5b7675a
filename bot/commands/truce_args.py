"""Parse ``/truce_set`` arguments: a name, then key=value pairs, quotes allowed."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from feeds import regions, timerange
from storage.truces import SCOPES, UNSPECIFIED_PARTY

KYIV = ZoneInfo("Europe/Kyiv")
KEYS = ("start", "end", "regions", "scope", "party", "source")
MAX_VALUE = 300
MAX_NAME = 128  # truces.name and truce_claims.party are VARCHAR(128) on PostgreSQL
_IN_WORD_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_APOSTROPHE_STAND_IN = "\ue000"  # a private-use character, restored after splitting


class ArgumentError(Exception):
    """A malformed argument; ``key`` and ``values`` pick the catalog message."""

    def __init__(self, key: str, /, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class TruceArgs:
    name: str
    starts_at: datetime
    ends_at: datetime | None
    region_ids: tuple[str, ...] | Literal["keep"] | None
    scope: str | None
    party: str
    source: str | None


def parse_time(key: str, value: str, now: datetime) -> datetime:
    """ISO 8601; no offset means Kyiv time; ``now`` is accepted too; only 2000..2100."""
    if value.lower() == "now":
        return now
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ArgumentError("err.bad_time", key=key, value=value) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=KYIV)
    if not timerange.in_range(parsed):
        raise ArgumentError("err.time_range", key=key, value=value)
    return parsed


def split_arguments(text: str) -> list[str]:
    """The words after the command; quotes group words, typographic quotes included."""
    for fancy in ("“", "”", "«", "»", "„"):
        text = text.replace(fancy, '"')
    # An apostrophe inside a word (Прем'єр, п'ятниця, President's) is a letter, not a quote.
    text = _IN_WORD_APOSTROPHE.sub(_APOSTROPHE_STAND_IN, text)
    try:
        words = [w.replace(_APOSTROPHE_STAND_IN, "'") for w in shlex.split(text)]
    except ValueError:
        raise ArgumentError("err.quotes") from None
    return words[1:] if words and words[0].startswith("/") else words


def _regions(value: str) -> tuple[str, ...] | None:
    if value.strip().lower() in ("all", "усі", "всі"):
        return None
    ids: list[str] = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        region = regions.resolve(part)
        if region is None:
            raise ArgumentError("err.bad_region", value=part)
        if region.id not in ids:
            ids.append(region.id)
    if not ids:
        raise ArgumentError("err.bad_region", value=value)
    return tuple(ids)


def parse_truce_set(text: str, now: datetime) -> TruceArgs:
    words = split_arguments(text)
    if not words or "=" in words[0]:
        raise ArgumentError("err.missing_name")
    name, pairs = words[0], words[1:]
    if len(name) > MAX_NAME:
        raise ArgumentError("err.too_long", key="name", limit=str(MAX_NAME))
    values: dict[str, str] = {}
    for token in pairs:
        key, sep, value = token.partition("=")
        key = key.strip().lower()
        if not sep:
            raise ArgumentError("err.not_key_value", token=token)
        if key not in KEYS:
            raise ArgumentError("err.unknown_key", key=key)
        if key in values:
            raise ArgumentError("err.duplicate_key", key=key)
        limit = MAX_NAME if key == "party" else MAX_VALUE
        if len(value) > limit:
            raise ArgumentError("err.too_long", key=key, limit=str(limit))
        values[key] = value.strip()
    if not values.get("start"):
        raise ArgumentError("err.missing_start")
    starts_at = parse_time("start", values["start"], now)
    ends_at = parse_time("end", values["end"], now) if values.get("end") else None
    if ends_at is not None and ends_at <= starts_at:
        raise ArgumentError("err.end_before_start")
    scope = values.get("scope")
    if scope is not None:
        scope = scope.lower()
        if scope not in SCOPES:
            raise ArgumentError("err.bad_scope")
    region_ids: tuple[str, ...] | Literal["keep"] | None = "keep"
    if "regions" in values:
        region_ids = _regions(values["regions"])
    return TruceArgs(
        name=name,
        starts_at=starts_at,
        ends_at=ends_at,
        region_ids=region_ids,
        scope=scope,
        party=values.get("party") or UNSPECIFIED_PARTY,
        source=values.get("source") or None,
    )


@dataclass(frozen=True, slots=True)
class TruceEndArgs:
    name: str
    reason: str | None


def parse_truce_end(text: str) -> TruceEndArgs:
    """``<name> [reason=<why>]``; the reason may be quoted or run to the end of the line."""
    words = split_arguments(text)
    if not words or "=" in words[0]:
        raise ArgumentError("err.missing_name")
    name, rest = words[0], words[1:]
    if len(name) > MAX_NAME:
        raise ArgumentError("err.too_long", key="name", limit=str(MAX_NAME))
    reason: str | None = None
    if rest:
        key, sep, value = rest[0].partition("=")
        if not sep:
            raise ArgumentError("err.not_key_value", token=rest[0])
        if key.strip().lower() != "reason":
            raise ArgumentError("err.unknown_key", key=key.strip().lower())
        # Unquoted words after reason= belong to it: "reason=talks broke down".
        reason = " ".join([value, *rest[1:]]).strip() or None
        if reason is not None and len(reason) > MAX_VALUE:
            raise ArgumentError("err.too_long", key="reason", limit=str(MAX_VALUE))
    return TruceEndArgs(name=name, reason=reason)
