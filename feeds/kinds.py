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


def known_kinds() -> tuple[str, ...]:
    """Every kind a feed may name in the config or in /feed_add."""
    return tuple(KINDS)
