"""The outage side of the running bot: pollers for the outage feeds, the notifications their
changes cause, and the minute job that sends reminders and power-back notices."""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, ContextTypes, JobQueue

from bot import outage_render as render
from bot.config import Config
from bot.outage_poller import OutagePoller, OutagePollOutcome, OutageTarget
from feeds.outages import OUTAGE_KINDS
from feeds.outages.model import Basis, SlotState
from feeds.outages.timeline import kyiv_date, merged
from storage import outages as outage_store
from storage import outbox
from storage.models import Feed
from storage.outage_models import OutageFollow, OutageSchedule
from storage.outages import EventChange, Follower, ScheduleChange
from storage.truces import in_force_for

log = logging.getLogger("alertbot.outages")

OUTAGES_KEY = "alertbot.outages"
TICK_SECONDS = 60.0
# A reminder or power-back notice later than this after its moment is no longer useful.
GRACE = timedelta(minutes=15)
MAX_LEAD = timedelta(minutes=720)
TRUCE_SCOPES = ("energy", "all")

App = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class _Send:
    chat_id: int
    lang: str
    text: str


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
        after_commit: Callable[[str], None] = lambda _kind: None,
    ) -> None:
        self.config = config
        self._after_commit = after_commit
        self._on_notices = on_notices
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

    async def _announce(self, target: OutageTarget, outcome: OutagePollOutcome) -> None:
        now = self._clock()
        today = kyiv_date(now)
        sends: list[_Send] = []
        async with self._sessions() as session:
            sends += await self._schedule_sends(session, outcome.schedules, today)
            sends += await self._event_sends(session, outcome.events, now)
            sends += await self._news_sends(session, target, outcome, now)
        await self._send(sends)

    async def _schedule_sends(
        self, session: AsyncSession, changes: Sequence[ScheduleChange], today: date
    ) -> list[_Send]:
        # Only the schedules in force for today and tomorrow are news to a resident.
        horizon = {today, today + timedelta(days=1)}
        relevant = [c for c in changes if c.basis == Basis.FACT and c.day in horizon]
        by_region: dict[str, list[ScheduleChange]] = {}
        for change in relevant:
            by_region.setdefault(change.region_id, []).append(change)
        per_chat: dict[int, tuple[str, list[ScheduleChange]]] = {}
        for region_id, items in by_region.items():
            groups = {c.group for c in items}
            for follower in await outage_store.followers(session, region_id, groups):
                if follower.prefs.mute_scheduled:
                    continue
                lang = follower.lang or self.default_lang
                mine = [c for c in items if c.group == follower.group]
                per_chat.setdefault(follower.chat_id, (lang, []))[1].extend(mine)
        return [
            _Send(chat_id, lang, render.schedule_message(items, today, lang))
            for chat_id, (lang, items) in per_chat.items()
            if items
        ]

    async def _event_sends(
        self, session: AsyncSession, changes: Sequence[EventChange], now: datetime
    ) -> list[_Send]:
        by_region: dict[str, list[EventChange]] = {}
        for change in changes:
            by_region.setdefault(change.region_id, []).append(change)
        sends = []
        for region_id, items in by_region.items():
            truces = []
            if any(c.transition != "end" for c in items):
                truces = [
                    truce
                    for truce in await in_force_for(session, region_id, now)
                    if truce.scope in TRUCE_SCOPES
                ]
            for chat_id, (follower, groups) in _by_chat(
                await outage_store.followers(session, region_id)
            ).items():
                if follower.prefs.mute_emergency:
                    continue
                lang = follower.lang or self.default_lang
                mine = [c for c in items if c.group is None or c.group in groups]
                if mine:
                    sends.append(
                        _Send(chat_id, lang, render.event_message(mine, truces, now, lang))
                    )
        return sends

    async def _news_sends(
        self, session: AsyncSession, target: OutageTarget, outcome: OutagePollOutcome, now: datetime
    ) -> list[_Send]:
        if not outcome.news:
            return []
        is_cap = target.kind == "cap"
        if target.region_id is not None:
            followers = await outage_store.followers(session, target.region_id)
        else:
            followers = []
            for region_id in await self._followed_regions(session):
                followers += await outage_store.followers(session, region_id)
        sends = []
        for chat_id, (follower, _groups) in _by_chat(followers).items():
            muted = follower.prefs.mute_emergency if is_cap else follower.prefs.mute_scheduled
            if muted:
                continue
            lang = follower.lang or self.default_lang
            text = "\n\n".join(
                render.news_message(
                    item.title,
                    item.summary,
                    item.link,
                    lang,
                    cap=is_cap,
                    msg_type=item.msg_type,
                    severity=item.severity,
                    area=item.area,
                )
                for item in outcome.news
            )
            sends.append(_Send(chat_id, lang, text[:4000]))
        return sends

    async def _followed_regions(self, session: AsyncSession) -> list[str]:
        return list((await session.scalars(select(OutageFollow.region_id).distinct())).all())

    async def _send(self, sends: Sequence[_Send]) -> None:
        """Queue the messages in the outbox: durable, paced with everything else, retried, and
        sent after air-raid messages (PRIORITY_OUTAGE)."""
        if not sends:
            return
        now = self._clock()
        async with self._sessions() as session, session.begin():
            for send in sends:
                digest = hashlib.sha256(send.text.encode()).hexdigest()[:16]
                await outbox.enqueue_notice(
                    session,
                    # The same text to the same chat in the same minute is one notice.
                    key=f"outage:{send.chat_id}:{now:%Y%m%d%H%M}:{digest}",
                    kind="outage",
                    chat_ids=[send.chat_id],
                    now=now,
                    text=send.text,
                    priority=outbox.PRIORITY_OUTAGE,
                )
        self._on_notices()

    # --- reminders and power-back notices ------------------------------------------

    async def tick(self) -> int:
        """Send the reminders and power-back notices due now; returns how many messages."""
        now = self._clock()
        today = kyiv_date(now)
        days = [today + timedelta(days=d) for d in (-1, 0, 1, 2)]
        texts: dict[int, tuple[str, list[str]]] = {}
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
                    lang = follower.lang or self.default_lang
                    for text in await self._due(session, follower, region_id, known, now, lang):
                        texts.setdefault(follower.chat_id, (lang, []))[1].append(text)
            await outage_store.forget_notices(session, now - timedelta(days=3))
        sends = [_Send(chat, lang, "\n\n".join(items)) for chat, (lang, items) in texts.items()]
        await self._send(sends)
        return len(sends)

    async def _due(
        self,
        session: AsyncSession,
        follower: Follower,
        region_id: str,
        known: Sequence[tuple[date, str]],
        now: datetime,
        lang: str,
    ) -> list[str]:
        """This follower's due notices; each is marked sent before it goes out."""
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
        texts = []
        for index, run in enumerate(runs):
            remind = lead_minutes > 0 and run.start - lead <= now < run.start
            if remind and await outage_store.mark_notice(
                session, follower.chat_id, region_id, group, "remind", run.start, now
            ):
                minutes = max(1, round((run.start - now).total_seconds() / 60))
                texts.append(
                    render.reminder_message(region_id, group, run.start, run.end, minutes, lang)
                )
            back = run.end != horizon and run.end <= now < run.end + GRACE
            if back and await outage_store.mark_notice(
                session, follower.chat_id, region_id, group, "back", run.end, now
            ):
                upcoming = runs[index + 1] if index + 1 < len(runs) else None
                following = (upcoming.start, upcoming.end) if upcoming else None
                texts.append(render.back_message(region_id, group, run.end, following, lang))
        return texts


def _by_chat(followers: Sequence[Follower]) -> dict[int, tuple[Follower, set[str]]]:
    """Each chat once, with every group it follows."""
    chats: dict[int, tuple[Follower, set[str]]] = {}
    for follower in followers:
        chats.setdefault(follower.chat_id, (follower, set()))[1].add(follower.group)
    return chats
