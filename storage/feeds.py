"""Feed rows: configured sources with their health and HTTP cache validators."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from feeds.source import CacheState
from storage.models import Feed


async def upsert_config_feed(
    session: AsyncSession,
    *,
    name: str,
    kind: str,
    url: str,
    interval: float,
    token_env: str | None,
) -> Feed:
    """Create or update a feed named in the config file; its health history is kept."""
    feed = await session.scalar(select(Feed).where(Feed.name == name))
    if feed is None:
        feed = Feed(name=name, origin="config", enabled=True, failures=0)
        session.add(feed)
    if feed.kind != kind or feed.url != url:
        # Cache validators belong to the old URL; a stale one could hide the first answer.
        feed.etag = None
        feed.last_modified = None
        feed.cache_marker = None
    feed.kind = kind
    feed.url = url
    feed.interval = interval
    feed.token_env = token_env
    await session.flush()
    return feed


async def get_feed(session: AsyncSession, feed_id: int) -> Feed | None:
    return await session.get(Feed, feed_id)


def cache_state(feed: Feed | None) -> CacheState:
    if feed is None:
        return CacheState()
    return CacheState(feed.etag, feed.last_modified, feed.cache_marker)


async def cache_of(session: AsyncSession, feed_id: int) -> CacheState:
    """The feed's HTTP cache validators (empty for a feed that is gone); one light query,
    since every poll asks."""
    row = (await session.execute(_VALIDATORS, {"feed_id": feed_id})).first()
    return CacheState() if row is None else CacheState(*row)


async def record_success(
    session: AsyncSession, feed_id: int, now: datetime, cache: CacheState
) -> None:
    """A poll succeeded (one statement: every poll runs it; a removed feed is left alone)."""
    await session.execute(
        _SUCCESS,
        {
            "feed_id": feed_id,
            "now": now,
            "etag": cache.etag,
            "last_modified": cache.last_modified,
            "marker": cache.marker,
        },
    )


_FEEDS = cast(Table, Feed.__table__)
_VALIDATORS = select(_FEEDS.c.etag, _FEEDS.c.last_modified, _FEEDS.c.cache_marker).where(
    _FEEDS.c.id == bindparam("feed_id")
)
_SUCCESS = (
    update(_FEEDS)
    .where(_FEEDS.c.id == bindparam("feed_id"))
    .values(
        last_success_at=bindparam("now"),
        failures=0,
        etag=bindparam("etag"),
        last_modified=bindparam("last_modified"),
        cache_marker=bindparam("marker"),
    )
)


async def record_failure(session: AsyncSession, feed_id: int, now: datetime, error: str) -> int:
    """Count a failed poll; returns the number of consecutive failures."""
    feed = await session.get(Feed, feed_id)
    if feed is None:
        return 0
    feed.failures += 1
    feed.last_error = error[:500]
    feed.last_error_at = now
    return feed.failures
