"""``GET /metrics``: Prometheus text format through ``prometheus_client``.

Counters and histograms are pushed by the pipeline through :class:`PrometheusMetrics` (the
``bot.metrics.Metrics`` seam). Gauges that live in the database are read when scraped, at most
once per ``refresh_every`` seconds (a scrape storm costs the database nothing more), with the
statements of ``storage.ops``. Each bot has a registry of its own, so several bots in one
process (the tests) never share a figure. Labels are feed names, alert kinds, outcomes and
priorities: never a chat or a message.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.web.activity import UpdateActivity
from bot.web.health import feed_healthy
from bot.web.server import RouteSet
from storage import ops

log = logging.getLogger("alertbot.web")

# From a quiet 304 (a few ms) to a poll at its timeout (10 s).
POLL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Detection to Telegram's acceptance: a channel post within a second or two; a broadcast to
# 100,000 chats at 28 a second takes an hour.
DELIVERY_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200)


class PrometheusMetrics:
    """The pushed figures (implements ``bot.metrics.Metrics``), in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.polls = Counter(
            "alertbot_feed_polls", "Polls of alert feeds.", ["feed", "outcome"], registry=r
        )
        self.poll_seconds = Histogram(
            "alertbot_feed_poll_duration_seconds",
            "Time one poll of an alert feed took (fetch, parse, store).",
            ["feed"],
            buckets=POLL_BUCKETS,
            registry=r,
        )
        self.events = Counter(
            "alertbot_alert_events",
            "Alert events recorded, by alert kind and transition (start/end).",
            ["kind", "transition"],
            registry=r,
        )
        self.sends = Counter(
            "alertbot_sends",
            "Send attempts to Telegram by outcome (sent, retry_after, forbidden, network, "
            "bad_request, ...).",
            ["outcome"],
            registry=r,
        )
        self.delivery_seconds = Histogram(
            "alertbot_alert_delivery_seconds",
            "Seconds from an alert's detection to Telegram's acceptance of its message, "
            "channel posts and direct messages apart.",
            ["target"],
            buckets=DELIVERY_BUCKETS,
            registry=r,
        )

    # -- bot.metrics.Metrics --------------------------------------------------------------

    def poll(self, feed: str, outcome: str, seconds: float) -> None:
        self.polls.labels(feed, outcome).inc()
        self.poll_seconds.labels(feed).observe(seconds)

    def alert_event(self, kind: str, transition: str) -> None:
        self.events.labels(kind, transition).inc()

    def send(self, outcome: str) -> None:
        self.sends.labels(outcome).inc()

    def alert_delivered(self, target: str, seconds: float) -> None:
        self.delivery_seconds.labels(target).observe(max(0.0, seconds))


class ScrapedGauges:
    """Gauges read from the database (and the leader flag) when /metrics is asked."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        is_leader: Callable[[], bool],
        activity: UpdateActivity,
        refresh_every: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._is_leader = is_leader
        self._activity = activity
        self._refresh_every = refresh_every
        self._monotonic = monotonic
        self._refreshed: float | None = None
        self._lock = asyncio.Lock()
        r = registry
        self.feed_age = Gauge(
            "alertbot_feed_last_success_age_seconds",
            "Seconds since the feed's last good poll (+Inf: none yet).",
            ["feed", "kind"],
            registry=r,
        )
        self.feed_healthy = Gauge(
            "alertbot_feed_healthy",
            "1 while the feed's reports count (a good poll within 3 intervals, at least 60 s).",
            ["feed", "kind"],
            registry=r,
        )
        self.depth = Gauge(
            "alertbot_outbox_depth",
            "Messages not yet delivered (waiting or in flight) by priority: 0/1 air raid "
            "(channel/direct), 10/11 other alerts, 20/21 outages, 30/31 information.",
            ["priority"],
            registry=r,
        )
        self.oldest = Gauge(
            "alertbot_oldest_undelivered_air_raid_seconds",
            "Age of the oldest air-raid message not yet delivered (0: none).",
            registry=r,
        )
        self.subscribers = Gauge(
            "alertbot_subscribers", "Active chats with a subscription (not channels).", registry=r
        )
        self.channels = Gauge(
            "alertbot_channels", "Active regional channels linked to a region.", registry=r
        )
        self.switched_off = Gauge(
            "alertbot_chats_switched_off",
            "Chats that blocked the bot, removed it or disappeared.",
            registry=r,
        )
        self.leader = Gauge(
            "alertbot_leader", "1 if this process is the leader (the one that sends).", registry=r
        )
        self.telegram_age = Gauge(
            "alertbot_telegram_last_update_age_seconds",
            "Seconds since Telegram was last heard from (getUpdates or webhook; +Inf: never).",
            registry=r,
        )
        self.scrape_errors = Counter(
            "alertbot_metrics_database_errors",
            "Scrapes whose database figures could not be read (the previous values stay).",
            registry=r,
        )

    async def refresh(self) -> None:
        self.leader.set(1 if self._is_leader() else 0)
        age = self._activity.age()
        self.telegram_age.set(math.inf if age is None else age)
        async with self._lock:
            now = self._monotonic()
            if self._refreshed is not None and now - self._refreshed < self._refresh_every:
                return
            try:
                await self._read_database()
            except Exception as exc:
                self.scrape_errors.inc()
                log.warning("metrics_database_failed", extra={"error": type(exc).__name__})
                return
            self._refreshed = now

    async def _read_database(self) -> None:
        async with self._sessions() as session:
            feeds = await ops.feed_status(session)
            depth = await ops.outbox_depth(session)
            oldest = await ops.oldest_undelivered_air_raid(session)
            counts = await ops.chat_counts(session)
        now = self._clock()
        self.feed_age.clear()
        self.feed_healthy.clear()
        for feed in feeds:
            last = feed.last_success_at
            age = math.inf if last is None else max(0.0, (now - last).total_seconds())
            self.feed_age.labels(feed.name, feed.kind).set(age)
            self.feed_healthy.labels(feed.name, feed.kind).set(1 if feed_healthy(feed, now) else 0)
        self.depth.clear()
        for priority, count in sorted(depth.items()):
            self.depth.labels(str(priority)).set(count)
        self.oldest.set(0 if oldest is None else max(0.0, (now - oldest).total_seconds()))
        self.subscribers.set(counts.subscribers)
        self.channels.set(counts.channels)
        self.switched_off.set(counts.switched_off)


def metrics_routes(metrics: PrometheusMetrics, gauges: ScrapedGauges) -> RouteSet:
    async def handler(_request: web.Request) -> web.Response:
        await gauges.refresh()
        body = generate_latest(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})

    def add(app: web.Application) -> None:
        app.router.add_get("/metrics", handler)

    return add
