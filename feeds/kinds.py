"""Feed kinds: how to authenticate to a source and how to read its answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from feeds import alerts_in_ua, alerts_in_ua_iot, truces_feed, ukrainealarm, ukrainealarm_push
from feeds.model import Observation
from feeds.outages import OUTAGE_KINDS
from feeds.source import Reader, conditional_reader


@dataclass(frozen=True, slots=True)
class FeedKind:
    name: str
    parse: Callable[[bytes], list[Observation]]
    headers: Callable[[str | None], dict[str, str]]
    needs_token: bool = False
    read: Reader = field(default=None)  # type: ignore[assignment]
    # Which (region id, alert kind) pairs the source reports at all; see covers().
    coverage: Callable[[str, str], bool] = field(default=lambda _r, _k: True)
    # The provider's own API host(s) and its request budget there, per minute from one IP
    # (see feeds/budgets.py); a feed pointing elsewhere (a mirror, a test server) is not bound.
    hosts: tuple[str, ...] = ()
    per_minute: float | None = None
    # Requests one poll may make at most (a change index and then the list: 2).
    requests_per_poll: int = 1

    def __post_init__(self) -> None:
        if self.read is None:
            object.__setattr__(self, "read", conditional_reader(self.parse, self.headers))


def _alerts_in_ua_headers(token: str | None) -> dict[str, str]:
    return alerts_in_ua.auth_headers(token) if token else {"Accept": "application/json"}


# alerts.in.ua: "8-10 requests a minute from one IP, 12 hard" (its docs), for all its
# endpoints together. siren.pp.ua: "200 requests in 5 minutes from one IP" (uasiren's README).
# api.ukrainealarm.com publishes no number: 30 a minute is our own courtesy ceiling, what Home
# Assistant's integration makes with its maximum of 5 regions polled every 10 s.
KINDS: dict[str, FeedKind] = {
    "alerts_in_ua": FeedKind(
        "alerts_in_ua",
        alerts_in_ua.parse_active,
        _alerts_in_ua_headers,
        needs_token=True,
        hosts=("api.alerts.in.ua",),
        per_minute=10.0,
    ),
    "alerts_in_ua_iot": FeedKind(
        "alerts_in_ua_iot",
        alerts_in_ua_iot.parse_status,
        _alerts_in_ua_headers,
        needs_token=True,
        coverage=alerts_in_ua_iot.covers,
        hosts=("api.alerts.in.ua",),
        per_minute=10.0,
    ),
    "ukrainealarm": FeedKind(
        "ukrainealarm",
        ukrainealarm.parse_alerts,
        ukrainealarm.auth_headers,
        needs_token=True,
        read=ukrainealarm.status_first_reader(ukrainealarm.auth_headers),
        hosts=("api.ukrainealarm.com",),
        per_minute=30.0,
        requests_per_poll=2,
    ),
    "siren_pp_ua": FeedKind(
        "siren_pp_ua",
        ukrainealarm.parse_alerts,
        ukrainealarm.public_headers,
        read=ukrainealarm.status_first_reader(ukrainealarm.public_headers),
        hosts=("siren.pp.ua",),
        per_minute=40.0,
        requests_per_poll=2,
    ),
}


def covers(kind: str, region_id: str, alert_kind: str) -> bool:
    """Whether a feed of ``kind`` would report this alert if it were on.

    Only a feed that covers a region can end an alert there: an oblast-level feed saying
    nothing about a hromada is not an all clear for that hromada.
    """
    if kind in PUSH_KINDS:  # issue 15: a push source covers what its events named
        return PUSH_KINDS[kind](region_id, alert_kind)
    feed_kind = KINDS.get(kind)
    if feed_kind is None:
        return False
    return feed_kind.coverage(region_id, alert_kind)


def known_kinds() -> tuple[str, ...]:
    """Every kind a feed may name in the config or in /feed_add (alert, outage, truce and push
    kinds)."""
    return tuple(KINDS) + tuple(OUTAGE_KINDS) + (truces_feed.KIND,) + tuple(PUSH_KINDS)


# --- push sources (issue 15) ------------------------------------------------------------------
# Not polled (no interval, no request budget): the provider posts events to the bot's [web]
# server (bot/web/push_ukrainealarm.py). Each maps to its coverage test.
PUSH_KINDS: dict[str, Callable[[str, str], bool]] = {
    ukrainealarm_push.KIND: ukrainealarm_push.covers,
}
