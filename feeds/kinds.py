"""Feed kinds: how to authenticate to a source and how to read its answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from feeds import alerts_in_ua
from feeds.model import Observation


@dataclass(frozen=True, slots=True)
class FeedKind:
    name: str
    parse: Callable[[bytes], list[Observation]]
    headers: Callable[[str | None], dict[str, str]]


def _alerts_in_ua_headers(token: str | None) -> dict[str, str]:
    return alerts_in_ua.auth_headers(token) if token else {"Accept": "application/json"}


KINDS: dict[str, FeedKind] = {
    "alerts_in_ua": FeedKind("alerts_in_ua", alerts_in_ua.parse_active, _alerts_in_ua_headers),
}
