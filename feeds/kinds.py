"""Feed kinds: how to authenticate to a source and how to read its answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from feeds import alerts_in_ua
from feeds.model import Observation
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

    def __post_init__(self) -> None:
        if self.read is None:
            object.__setattr__(self, "read", conditional_reader(self.parse, self.headers))


def _alerts_in_ua_headers(token: str | None) -> dict[str, str]:
    return alerts_in_ua.auth_headers(token) if token else {"Accept": "application/json"}


KINDS: dict[str, FeedKind] = {
    "alerts_in_ua": FeedKind(
        "alerts_in_ua", alerts_in_ua.parse_active, _alerts_in_ua_headers, needs_token=True
    ),
}


def covers(kind: str, region_id: str, alert_kind: str) -> bool:
    """Whether a feed of ``kind`` would report this alert if it were on.

    Only a feed that covers a region can end an alert there: an oblast-level feed saying
    nothing about a hromada is not an all clear for that hromada.
    """
    feed_kind = KINDS.get(kind)
    if feed_kind is None:
        return False
    return feed_kind.coverage(region_id, alert_kind)



def known_kinds() -> tuple[str, ...]:
    """Every kind a feed may name in the config or in /feed_add."""
    return tuple(KINDS)
