"""Learn every oblast, raion and hromada from ukrainealarm's region list.

The built-in registry knows the oblasts and Lviv's raions; the rest of Ukraine's ~1,600 places
come from ``/api/v3/regions`` of any ukrainealarm or siren.pp.ua feed, fetched at start and
once a day, stored in the database, so residents can subscribe to their own hromada.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from feeds import regions
from feeds.fetch import fetch
from feeds.kinds import KINDS
from feeds.model import FeedError
from feeds.ukrainealarm import endpoints, parse_regions
from storage import places

log = logging.getLogger("alertbot.regions")

REGION_KINDS = ("ukrainealarm", "siren_pp_ua")
REGIONS_PATH = "/api/v3/regions"
SYNC_INTERVAL = 24 * 3600.0


def regions_url(feed_url: str) -> str:
    """The region list beside a feed's alerts URL."""
    _status, alerts = endpoints(feed_url)
    parts = urlsplit(alerts)
    path = parts.path.removesuffix("/alerts").removesuffix("/api/v3")
    return urlunsplit((parts.scheme, parts.netloc, path + REGIONS_PATH, parts.query, ""))


async def sync_regions(
    client: httpx.AsyncClient,
    *,
    feed_name: str,
    kind: str,
    url: str,
    token: str | None,
    sessions: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    timeout: float = 30.0,
) -> int:
    """Fetch and store the region tree; returns how many places were new or renamed.

    A failure is logged and leaves the registry as it was.
    """
    headers = KINDS[kind].headers(token) if kind in KINDS else {}
    try:
        result = await fetch(client, regions_url(url), headers=headers, timeout=timeout)
        records = parse_regions(result.body or b"")
    except FeedError as exc:
        log.warning("regions_sync_failed", extra={"feed": feed_name, "error": str(exc)})
        return 0
    learned = [
        regions.learned_from(r.id, r.name, r.level, r.parent_id)
        for r in records
        if r.id not in regions.built_in_ids()
    ]
    async with sessions() as session, session.begin():
        changed = await places.remember(session, learned, source=feed_name, now=clock())
    log.info(
        "regions_synced", extra={"feed": feed_name, "places": len(records), "changed": changed}
    )
    return changed
