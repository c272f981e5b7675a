"""The outage side of the running bot: which feeds serve a region, and the minute job that
queues reminders and power-back notices. (The feeds are polled as every feed is,
bot/ingest/poller.py; the notices of their changes are queued by the fan-out,
storage/outage_fanout.py.)"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, ContextTypes, JobQueue

import bot.outages.texts  # noqa: F401  (registers the renderer of outage notices)
from bot.config import Config
from bot.ingest.feed_manager import FeedManager
from bot.ingest.poller import PollOutcome
from bot.outages.lookup import DtekLookup
from feeds.outages import OUTAGE_KINDS
from feeds.outages.model import Basis, SlotState
from feeds.outages.timeline import kyiv_date, merged
from storage import outage_fanout
from storage import outages as outage_store
from storage.outage_models import OutageSchedule
from storage.outages import Follower

log = logging.getLogger("alertbot.outages")

TICK_SECONDS = 60.0
# A reminder or power-back notice later than this after its moment is no longer useful.
GRACE = timedelta(minutes=15)
MAX_LEAD = timedelta(minutes=720)

App = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class _Source:
    name: str
    kind: str
    region_id: str | None


class OutageService:
    """The outage feeds are polled by the feed manager like every feed (bot/ingest/poller.py with
    bot/ingest/outage_intake.py); this is what is particular to outages around them."""

    def __init__(
        self,
        config: Config,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        feeds: FeedManager,
        on_notices: Callable[[], None] = lambda: None,
        lookup_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self._lookup_transport = lookup_transport
        self._on_notices = on_notices
        self._sessions = sessions
        self._clock = clock
        self._feeds = feeds
        # Every configured outage feed, paused or not: what a region is served by.
        self._sources = {
            f.name: _Source(f.name, f.kind, f.region)
            for f in config.feeds
            if f.kind in OUTAGE_KINDS
        }
        self.default_lang = config.bot.default_language

    # --- lifecycle -------------------------------------------------------------------

    def schedule(self, job_queue: JobQueue[Any]) -> None:
        async def _tick(_context: ContextTypes.DEFAULT_TYPE) -> None:
            await self.tick()

        job_queue.run_repeating(
            _tick,
            interval=TICK_SECONDS,
            first=5.0,
            name="outage_tick",
            job_kwargs={
                "id": "outage_tick",
                "replace_existing": True,
                "max_instances": 1,
                "coalesce": True,
                "misfire_grace_time": int(TICK_SECONDS),
            },
        )

    async def poll_now(self, name: str) -> PollOutcome[Any]:
        return await self._feeds.poll_now(name)

    # --- what the feeds serve --------------------------------------------------------

    async def sources_by_region(self) -> dict[str, list[str]]:
        """Region id → names of the schedule feeds serving it (configured or seen)."""
        result: dict[str, list[str]] = {}
        unplaced = []
        for source in self._sources.values():
            kind = OUTAGE_KINDS[source.kind]
            if not kind.groups:
                continue
            region = source.region_id or kind.default_region
            if region is None:
                unplaced.append(source.name)
            else:
                result.setdefault(region, []).append(source.name)
        if unplaced:
            async with self._sessions() as session:
                rows = await session.execute(
                    select(OutageSchedule.region_id, OutageSchedule.source)
                    .where(OutageSchedule.source.in_(unplaced))
                    .distinct()
                )
                for region, name in rows.all():
                    names = result.setdefault(region, [])
                    if name not in names:
                        names.append(name)
        return result

    def lookup_for(self, region_id: str) -> DtekLookup | None:
        """The provider lookup that tells a house's queue in the region, if there is one: a
        DTEK site the config polls as a ``dtek_json`` feed of that region (its shutdowns page
        carries the address form). LOE and Yasno have none the bot can read (lookup.py)."""
        for feed in self.config.feeds:
            if feed.kind != "dtek_json" or feed.region != region_id:
                continue
            if urlsplit(feed.url).path.rstrip("/").endswith("/shutdowns"):
                return DtekLookup(feed.url, clock=self._clock, transport=self._lookup_transport)
        return None

    def groups_of_kinds(self, sources: Sequence[str]) -> set[str]:
        groups: set[str] = set()
        for name in sources:
            source = self._sources.get(name)
            if source is not None:
                groups.update(OUTAGE_KINDS[source.kind].groups)
        return groups

    # --- reminders and power-back notices ------------------------------------------

    async def tick(self) -> int:
        """Queue the reminders and power-back notices due now; returns how many messages.

        A notice is marked sent and queued in one transaction: a crash loses neither."""
        now = self._clock()
        today = kyiv_date(now)
        days = [today + timedelta(days=d) for d in (-1, 0, 1, 2)]
        parts: dict[int, list[outage_fanout.Part]] = {}
        async with self._sessions() as session, session.begin():
            due = await outage_store.groups_due(session, now - GRACE, now + MAX_LEAD)
            for region_id, group in sorted(due):
                followers = [
                    f
                    for f in await outage_store.followers(session, region_id, [group])
                    if not f.prefs.mute_scheduled
                ]
                if not followers:
                    continue
                stored = await outage_store.schedules_for(session, region_id, group, days)
                known = sorted(
                    (day, row.slots) for (day, basis), row in stored.items() if basis == Basis.FACT
                )
                for follower in followers:
                    for part in await self._due(session, follower, region_id, known, now):
                        parts.setdefault(follower.chat_id, []).append(part)
            await outage_fanout.queue_parts(session, parts, key=f"{now:%Y%m%d%H%M}", now=now)
            await outage_store.forget_notices(session, now - timedelta(days=3))
        if parts:
            self._on_notices()
        return len(parts)

    async def _due(
        self,
        session: AsyncSession,
        follower: Follower,
        region_id: str,
        known: Sequence[tuple[date, str]],
        now: datetime,
    ) -> list[outage_fanout.Part]:
        """This follower's due notices; each is marked sent as it is queued."""
        timeline = merged(known)
        if not timeline:
            return []
        # The end of the last published day is the edge of what is known, not power back.
        horizon = timeline[-1].end
        runs = [r for r in timeline if r.state == SlotState.OFF]
        lead_minutes = follower.prefs.reminder_minutes
        if lead_minutes is None:
            lead_minutes = self.config.outages.reminder_minutes
        lead = timedelta(minutes=lead_minutes)
        group = follower.group
        texts: list[outage_fanout.Part] = []
        for index, run in enumerate(runs):
            remind = lead_minutes > 0 and run.start - lead <= now < run.start
            if remind and await outage_store.mark_notice(
                session, follower.chat_id, region_id, group, "remind", run.start, now
            ):
                minutes = max(1, round((run.start - now).total_seconds() / 60))
                texts.append(
                    outage_fanout.reminder_part(region_id, group, run.start, run.end, minutes)
                )
            back = run.end != horizon and run.end <= now < run.end + GRACE
            if back and await outage_store.mark_notice(
                session, follower.chat_id, region_id, group, "back", run.end, now
            ):
                upcoming = runs[index + 1] if index + 1 < len(runs) else None
                following = (upcoming.start, upcoming.end) if upcoming else None
                texts.append(outage_fanout.back_part(region_id, group, run.end, following))
        return texts
