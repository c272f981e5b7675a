"""Power-outage feed kinds: schedules by queue, emergency outages, news and CAP alerts.

``OUTAGE_KINDS`` is the registry the config validator and the outage poller use; the alert
kinds live in :mod:`feeds.kinds`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from feeds.outages import cap, dtek, loe, rss, yasno
from feeds.outages.common import ParseContext
from feeds.outages.model import STANDARD_GROUPS, OutageReport


@dataclass(frozen=True, slots=True)
class OutageKind:
    name: str
    parse: Callable[[bytes, ParseContext], OutageReport]
    # The region a feed of this kind covers unless the config says otherwise.
    default_region: str | None
    # The queues the provider publishes; a chat may follow only these (or ones seen since).
    groups: tuple[str, ...]
    accept: str = "application/json"

    def headers(self, token: str | None) -> dict[str, str]:
        headers = {"Accept": self.accept}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers


def _dtek(body: bytes, ctx: ParseContext) -> OutageReport:
    return dtek.parse(body, ctx)


_FEEDS = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"

OUTAGE_KINDS: dict[str, OutageKind] = {
    "loe": OutageKind("loe", loe.parse, loe.LVIV_OBLAST, STANDARD_GROUPS),
    "dtek_json": OutageKind("dtek_json", _dtek, None, STANDARD_GROUPS),
    "yasno": OutageKind("yasno", yasno.parse, yasno.KYIV_CITY, STANDARD_GROUPS),
    "rss": OutageKind("rss", rss.parse, None, (), accept=_FEEDS),
    "cap": OutageKind("cap", cap.parse, None, (), accept="application/cap+xml, " + _FEEDS),
}

__all__ = ["OUTAGE_KINDS", "OutageKind", "ParseContext"]
