"""The outage side of the running bot: pollers for the outage feeds, the notifications their
changes cause, and the minute job that sends reminders and power-back notices."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, ContextTypes, JobQueue

from bot import outage_render  # noqa: F401  (registers the renderer of outage notices)
from bot.config import Config
from bot.outage_poller import OutagePoller, OutagePollOutcome, OutageTarget
from feeds.outages import OUTAGE_KINDS
from feeds.outages.model import Basis, SlotState
from feeds.outages.timeline import kyiv_date, merged
from storage import outage_fanout
from storage import outages as outage_store
from storage.models import Feed
from storage.outage_models import OutageSchedule
from storage.outages import Follower

log = logging.getLogger("alertbot.outages")

OUTAGES_KEY = "alertbot.outages"
TICK_SECONDS = 60.0
# A reminder or power-back notice later than this after its moment is no longer useful.
GRACE = timedelta(minutes=15)
MAX_LEAD = timedelta(minutes=720)

App = Application[Any, Any, Any, Any, Any, Any]


class OutageService:
    def __init__(
        self,
        config: Config,
        *,
        sessions: async_sessionmaker[AsyncSession],
        client: httpx.AsyncClient,
        clock: Callable[[], datetime],
        application: App,
        on_notices: Callable[[], None] = lambda: None,
        on_changes: Callable[[], None] = lambda: None,
        after_commit: Callable[[str], None] = lambda _kind: None,
    ) -> None:
        self.config = config
        self._after_commit = after_commit
        self._on_notices = on_notices
        self._on_changes = on_changes
        self._sessions = sessions
        self._client = client
        self._clock = clock
        self.application = application
        self.pollers: dict[str, OutagePoller] = {}
        self.default_lang = config.bot.default_language

    # --- lifecycle -------------------------------------------------------------------

    async def load(self) -> None:
        feeds = [f for f in self.config.feeds if f.kind in OUTAGE_KINDS]
        if not feeds:
            return
        async with self._sessions() as session:
            ids = {
                name: feed_id
                for feed_id, name in (
                    await session.execute(
                        select(Feed.id, Feed.name).where(Feed.name.in_([f.name for f in feeds]))
                    )
                ).all()
            }
        for feed in feeds:
            target = OutageTarget(
                feed_id=ids[feed.name],
                name=feed.name,
                kind=feed.kind,
                url=feed.url,
                interval=feed.interval,
                timeout=feed.poll_timeout,
                region_id=feed.region,
                token=feed.token.get_secret_value() if feed.token else None,
            )
            self.pollers[feed.name] = OutagePoller(
                target,
                client=self._client,
                sessions=self._sessions,
                clock=self._clock,
                on_changes=self._announce,
                after_commit=self._after_commit,
            )

    def schedule(self, job_queue: JobQueue[Any]) -> None:
        for poller in self.pollers.values():
            interval = poller.target.interval

            async def _poll(
                _context: ContextTypes.DEFAULT_TYPE, poller: OutagePoller = poller
            ) -> None:
                await poller.poll()

            job_id = f"outage_poll:{poller.target.name}"
            job_queue.run_repeating(
                _poll,
                interval=interval,
                first=random.uniform(0.5, min(5.0, interval)),
                name=job_id,
                job_kwargs={
                    "id": job_id,
                    "replace_existing": True,
                    "max_instances": 1,
                    "coalesce": True,
                    "misfire_grace_time": max(1, int(interval)),
                },
            )

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

    async def poll_now(self, name: str) -> OutagePollOutcome:
        return await self.pollers[name].poll(force=True)

    # --- what the feeds serve --------------------------------------------------------

    async def sources_by_region(self) -> dict[str, list[str]]:
        """Region id → names of the schedule feeds serving it (configured or seen)."""
        result: dict[str, list[str]] = {}
        unplaced = []
        for poller in self.pollers.values():
            kind = OUTAGE_KINDS[poller.target.kind]
            if not kind.groups:
                continue
            region = poller.target.region_id or kind.default_region
            if region is None:
                unplaced.append(poller.target.name)
            else:
                result.setdefault(region, []).append(poller.target.name)
        if unplaced:
            async with self._sessions() as session:
                rows = await session.execute(
                    select(OutageSchedule.region_id, OutageSchedule.source)
                    .where(OutageSchedule.source.in_(unplaced))
                    .distinct()
                )
                for region, source in rows.all():
                    names = result.setdefault(region, [])
                    if source not in names:
                        names.append(source)
        return result

    def groups_of_kinds(self, sources: Sequence[str]) -> set[str]:
        groups: set[str] = set()
        for name in sources:
            poller = self.pollers.get(name)
            if poller is not None:
                groups.update(OUTAGE_KINDS[poller.target.kind].groups)
        return groups

    # --- notifications after a poll -------------------------------------------------

    async def _announce(self, _target: OutageTarget, _outcome: OutagePollOutcome) -> None:
        # The poll committed its changes with a marker; the fan-out queues their notices.
        self._on_changes()

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
