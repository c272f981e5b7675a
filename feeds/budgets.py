"""Request budgets: refuse poll intervals that would break a provider's published limit.

A budget binds requests to the provider's own host (``api.alerts.in.ua``, ``siren.pp.ua``,
``api.ukrainealarm.com``), counted per minute from this machine's IP, so every feed pointing
at that host counts, whatever its kind: an ``alerts_in_ua`` and an ``alerts_in_ua_iot`` feed
share alerts.in.ua's budget. A feed pointing elsewhere (a mirror, a test server) is not bound.
A poll that may make two requests (a change index, then the list) counts as two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from feeds.kinds import KINDS

MIN_INTERVAL = 2.0  # the config's floor for any feed


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".").casefold()
    except ValueError:  # e.g. a malformed IPv6 literal: no known host
        return ""


def host_budgets() -> dict[str, float]:
    """Requests a minute allowed on each provider host (the tightest if kinds disagree)."""
    budgets: dict[str, float] = {}
    for kind in KINDS.values():
        if kind.per_minute is None:
            continue
        for host in kind.hosts:
            budgets[host] = min(budgets.get(host, math.inf), kind.per_minute)
    return budgets


def requests_per_poll(kind: str) -> int:
    feed_kind = KINDS.get(kind)
    return feed_kind.requests_per_poll if feed_kind is not None else 1


def requests_per_minute(kind: str, interval: float) -> float:
    return requests_per_poll(kind) * 60.0 / interval


def _number(value: float) -> str:
    rounded = round(value, 1)
    return f"{rounded:g}"


@dataclass(frozen=True, slots=True)
class BudgetExcess:
    """The first feed (in the order given) that takes its host over the budget."""

    index: int
    name: str
    kind: str
    host: str
    interval: float
    per_minute: float  # this feed's requests a minute
    total: float  # with the feeds before it on the same host
    limit: float
    others: tuple[str, ...]  # names of those earlier feeds
    min_interval: float | None  # what would fit; None when the others use it all already

    def message(self) -> str:
        """E.g. ``3 s would make 20 requests a minute to api.alerts.in.ua; its limit is about
        10 (use 6 or more)``."""
        text = (
            f"{_number(self.interval)} s would make {_number(self.per_minute)} requests a "
            f"minute to {self.host}"
        )
        if self.others:
            names = ", ".join(repr(name) for name in self.others)
            text += f", {_number(self.total)} with the other feeds there ({names})"
        text += f"; its limit is about {_number(self.limit)}"
        if self.min_interval is None:
            return text + " and the other feeds already use all of it"
        return text + f" (use {_number(self.min_interval)} or more)"


def _min_interval(kind: str, room: float) -> float | None:
    if room <= 0:
        return None
    # Rounded up to a tenth of a second, so the suggestion itself fits.
    exact = requests_per_poll(kind) * 60.0 / room
    return max(MIN_INTERVAL, math.ceil(exact * 10 - 1e-9) / 10)


def over_budget(feeds: Sequence[tuple[str, str, str, float]]) -> BudgetExcess | None:
    """``feeds``: (name, kind, url, interval). The first that breaks its host's budget."""
    budgets = host_budgets()
    used: dict[str, float] = {}
    names: dict[str, list[str]] = {}
    for index, (name, kind, url, interval) in enumerate(feeds):
        host = host_of(url)
        limit = budgets.get(host)
        if limit is None or not interval > 0:
            continue
        rate = requests_per_minute(kind, interval)
        before = used.get(host, 0.0)
        total = before + rate
        if total > limit + 1e-9:
            return BudgetExcess(
                index=index,
                name=name,
                kind=kind,
                host=host,
                interval=interval,
                per_minute=rate,
                total=total,
                limit=limit,
                others=tuple(names.get(host, ())),
                min_interval=_min_interval(kind, limit - before),
            )
        used[host] = total
        names.setdefault(host, []).append(name)
    return None


def check_budgets(feeds: Sequence[tuple[str, str, str, float]]) -> str | None:
    """A message naming the feed that takes a provider over its budget, or None."""
    excess = over_budget(feeds)
    if excess is None:
        return None
    return f"feed {excess.name!r}: {excess.message()}"


def check_budget(kind: str, url: str, interval: float) -> str | None:
    """A message if one feed alone would exceed its provider's budget, or None."""
    excess = over_budget([("", kind, url, interval)])
    return None if excess is None else excess.message()
