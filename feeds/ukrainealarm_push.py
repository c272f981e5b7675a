"""ukrainealarm's webhook: how a pushed event is verified and what it says.

api.ukrainealarm.com posts an event to a URL registered through ``/api/v3/webhook`` when a
region's alert starts, ends or changes level. Every request carries ``X-Webhook-Timestamp``
and ``X-Webhook-Signature``: base64 of an RSA-SHA256 (PKCS#1 v1.5) signature over
``"{timestamp}.{raw body}"`` made with the provider's private key. The public key is the
operator's PEM file: a key fetched unauthenticated at run time would let whoever answers that
fetch sign alerts.

The body: ``regionId``, ``status``, ``alarmType``, ``createdAt``, ``alertLevel``, ``reason``
and ``activeAlertLevels``, the region's whole state of that alarm type after the change (no
real body has been published; the field names are the provider's, the parser is lenient about
values and strict about what it needs: a region, a type, and whether the alert is on).
"""

from __future__ import annotations

import base64
import binascii
import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from feeds import jsonbody, regions
from feeds.alerts_in_ua import parse_time
from feeds.model import AlertKind, FeedFormatError, Observation
from feeds.ukrainealarm import ALERT_KINDS, TEST_REGION_ID, _level, region_id

KIND = "ukrainealarm_webhook"

TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SIGNATURE_HEADER = "X-Webhook-Signature"
# Older than this (or this far ahead of our clock) is refused: a captured request cannot be
# played back later, and the replay memory only has to span this window.
MAX_AGE_SECONDS = 300.0

# Words ``status`` may use; whatever the provider's exact spelling, unknown words are refused
# rather than guessed at (a guess could end an alert).
_ON = frozenset({"activate", "activated", "active", "alert", "on", "start", "started", "true"})
_OFF = frozenset(
    {"deactivate", "deactivated", "inactive", "off", "end", "ended", "finish", "finished", "false"}
)


class PushRefused(Exception):
    """A request that is not a genuine, fresh event; ``reason`` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def load_public_key(path: str | Path) -> rsa.RSAPublicKey:
    """The provider's RSA public key from a PEM file; ValueError with a one-line reason."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise ValueError(f"{path} is not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"{path} is not an RSA public key")
    return key


def timestamp_seconds(value: str) -> float:
    """``X-Webhook-Timestamp`` as Unix seconds: digits (seconds, or milliseconds when they
    are that many) or an ISO 8601 time."""
    text = value.strip()
    if text.isdigit() and text.isascii():
        number = float(int(text))
        return number / 1000.0 if number > 1e11 else number
    parsed = parse_time(text)
    if parsed is None:
        raise PushRefused("malformed timestamp")
    return parsed.timestamp()


def verify(
    key: rsa.RSAPublicKey,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
) -> bytes:
    """Check one request; returns the signature's bytes (the replay memory's key).

    Raises :class:`PushRefused` for a missing header, a stale or future timestamp, or a
    signature the key does not verify.
    """
    if not timestamp or not signature:
        raise PushRefused("missing signature headers")
    sent = timestamp_seconds(timestamp)
    if not math.isfinite(sent) or abs(now - sent) > MAX_AGE_SECONDS:
        raise PushRefused("stale or future timestamp")
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise PushRefused("malformed signature") from None
    try:
        key.verify(raw, timestamp.encode() + b"." + body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise PushRefused("bad signature") from None
    return raw


class ReplayGuard:
    """Signatures seen in the last ``MAX_AGE_SECONDS`` (and at most ``limit`` of them).

    A signature older than the window need not be remembered: its timestamp is refused. The
    limit bounds memory under a flood; past it the oldest are forgotten, and those are the
    ones closest to being refused as stale anyway.
    """

    def __init__(self, limit: int = 10_000, window: float = MAX_AGE_SECONDS) -> None:
        self._seen: OrderedDict[bytes, float] = OrderedDict()
        self._limit = limit
        self._window = window

    def first_time(self, signature: bytes, now: float) -> bool:
        """True (and remembered) if not seen before; False for a replay."""
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at <= self._window and len(self._seen) < self._limit:
                break
            del self._seen[oldest]
        if signature in self._seen:
            return False
        self._seen[signature] = now
        return True

    def __len__(self) -> int:
        return len(self._seen)


@dataclass(frozen=True, slots=True)
class PushEvent:
    """One region's state of one alarm type, as the event says it is after the change."""

    region_id: str
    kind: AlertKind
    active: Observation | None  # None: no alert of this kind in the region now


def parse_event(body: bytes) -> PushEvent | None:
    """The event in a webhook body; None for the provider's test region.

    :class:`FeedFormatError` for a body without a usable region, type or status.
    """
    data = jsonbody.loads(body)
    if not isinstance(data, dict):
        raise FeedFormatError("expected a JSON object")
    raw_region = data.get("regionId")
    if region_id(raw_region) is None:
        raise FeedFormatError("missing or malformed 'regionId'")
    rid = region_id(raw_region)
    assert rid is not None
    if rid == TEST_REGION_ID:
        return None
    raw_type = data.get("alarmType")
    if not isinstance(raw_type, str) or not raw_type.strip():
        raise FeedFormatError("missing or malformed 'alarmType'")
    kind = ALERT_KINDS.get(raw_type.strip().upper(), AlertKind.OTHER)
    raw_status = data.get("status")
    status = str(raw_status).strip().casefold() if isinstance(raw_status, str | bool) else ""
    levels = data.get("activeAlertLevels")
    if levels is not None and not isinstance(levels, list):
        raise FeedFormatError("malformed 'activeAlertLevels'")
    if status in _ON:
        on = True
    elif status in _OFF:
        # A level ended, another is still on: the region's state is what is left.
        on = bool(levels)
    else:
        raise FeedFormatError("missing or unknown 'status'")
    if not on:
        return PushEvent(rid, kind, None)
    level, threat = _level(levels)
    if level is None:
        level, threat = _level(
            [{"alertLevel": data.get("alertLevel"), "reason": data.get("reason")}]
        )
    since = _since(data, levels)
    known = regions.get(rid)
    observation = Observation(
        region_id=rid,
        region_title=known.name_uk if known is not None else rid,
        kind=kind,
        since=since,
        level=level,
        threat=threat,
    )
    return PushEvent(rid, kind, observation)


def _since(data: dict[str, object], levels: list[object] | None) -> datetime | None:
    """When the alert began: the earliest level still on, else the event's own time."""
    times = [
        parse_time(entry.get("createdAt")) for entry in levels or [] if isinstance(entry, dict)
    ]
    known = [t for t in times if t is not None]
    return min(known) if known else parse_time(data.get("createdAt"))


class HeardKeys:
    """The (region, alert kind) pairs a push source has reported on since this process began.

    A push source speaks only of the regions its events name: it covers those (an event for
    one region is no all clear for another), so only there can it end an alert, and only when
    no healthy polled source still reports it (storage/merge.py's merge rule).
    """

    def __init__(self) -> None:
        self._keys: set[tuple[str, str]] = set()

    def add(self, region: str, kind: str) -> None:
        self._keys.add((region, kind))

    def forget(self) -> None:
        """After a silence longer than a report counts: nothing heard is current now."""
        self._keys.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._keys


HEARD = HeardKeys()


def covers(region: str, alert_kind: str) -> bool:
    return (region, alert_kind) in HEARD
