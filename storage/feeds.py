"""Feed rows: configured sources with their health and HTTP cache validators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
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


async def record_success(
    session: AsyncSession, feed_id: int, now: datetime, cache: CacheState
) -> None:
    feed = await session.get(Feed, feed_id)
    if feed is None:
        return
    feed.last_success_at = now
    feed.failures = 0
    feed.etag = cache.etag
    feed.last_modified = cache.last_modified
    feed.cache_marker = cache.marker


async def record_failure(session: AsyncSession, feed_id: int, now: datetime, error: str) -> int:
    """Count a failed poll; returns the number of consecutive failures."""
    feed = await session.get(Feed, feed_id)
    if feed is None:
        return 0
    feed.failures += 1
    feed.last_error = error[:500]
    feed.last_error_at = now
    return feed.failures
