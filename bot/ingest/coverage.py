"""A relay that has gone blind must say so.

When every feed that covers a subscribed region has been failing (no good poll) for longer
than ``bot.coverage_alarm_minutes`` (default 5), the region's subscribers get one notice that
alerts may be missed; when a covering feed answers again they get one notice that coverage is
back. The state is kept in the database, so a restart repeats neither notice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ContextTypes

from bot.delivery.outbox_texts import register_notice_kind
from bot.i18n import t
from feeds import regions
from feeds.kinds import KINDS, covers
from storage.db import id_chunks
from storage.models import BotState, Chat, Feed, Subscription
from storage.outbox import PRIORITY_INFO, enqueue_notice

log = logging.getLogger("alertbot.coverage")

STATE_KEY = "coverage:blind"  # value: comma-separated region ids announced as blind


def _seeing(feed: Feed, now: datetime, alarm_after: timedelta) -> bool:
    """A feed sees while it has answered within the alarm window (or is too new to judge)."""
    if not feed.enabled or feed.kind not in KINDS:
        return False
    if feed.last_success_at is not None and now - feed.last_success_at <= alarm_after:
        return True
    # Never answered yet: blind only once it has had the whole window to try.
    return feed.last_success_at is None and feed.last_error_at is None


async def check_coverage(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    alarm_after: timedelta,
    started_at: datetime,
) -> tuple[set[str], set[str]]:
    """Announce regions that went blind or got coverage back; returns (blind, restored)."""
    async with sessions() as session, session.begin():
        feeds = [f for f in (await session.scalars(select(Feed))).all() if f.kind in KINDS]
        # The places someone follows, not every subscription: this runs every 30 s, and with
        # 100,000 subscribers reading them all held the database for a quarter of a second.
        # (A place only an inactive chat follows may be judged too; nobody is told of it.)
        places = set((await session.scalars(select(Subscription.region_id).distinct())).all())
        state = await session.get(BotState, STATE_KEY)
        announced = set(state.value.split(",")) - {""} if state else set()
        if now - started_at < alarm_after:
            # Just started: feeds have not had the time to answer; judge nothing yet.
            return set(), set()
        blind_now: set[str] = set()
        for region_id in places | announced:
            covering = [f for f in feeds if f.enabled and covers(f.kind, region_id, "air_raid")]
            if covering and not any(_seeing(f, now, alarm_after) for f in covering):
                blind_now.add(region_id)
        went_blind = blind_now - announced
        restored = announced - blind_now
        if not went_blind and not restored:
            return set(), set()
        rows: list[tuple[int, str]] = []
        for part in id_chunks(went_blind | restored):
            rows.extend(
                (chat_id, region_id)
                for chat_id, region_id in await session.execute(
                    select(Subscription.chat_id, Subscription.region_id)
                    .join(Chat, Chat.chat_id == Subscription.chat_id)
                    .where(Chat.active, Subscription.region_id.in_(part))
                )
            )
        await _notify(session, rows, went_blind, "coverage.lost", now)
        await _notify(session, rows, restored, "coverage.back", now)
        if state is None:
            state = BotState(key=STATE_KEY)
            session.add(state)
        state.value = ",".join(sorted(blind_now))
        state.updated_at = now
    if went_blind:
        log.warning("coverage_lost", extra={"regions": len(went_blind)})
    if restored:
        log.info("coverage_back", extra={"regions": len(restored)})
    return went_blind, restored


async def _notify(
    session: AsyncSession,
    rows: Sequence[tuple[int, str]],
    changed: set[str],
    key: str,
    now: datetime,
) -> None:
    if not changed:
        return
    by_chat: dict[int, list[str]] = {}
    for chat_id, region_id in rows:
        if region_id in changed:
            by_chat.setdefault(chat_id, []).append(region_id)
    # One notice per chat, naming its regions; chats with the same set share a notice.
    groups: dict[tuple[str, ...], list[int]] = {}
    for chat_id, chat_regions in by_chat.items():
        groups.setdefault(tuple(sorted(chat_regions)), []).append(chat_id)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    for region_ids, chat_ids in groups.items():
        await enqueue_notice(
            session,
            key=f"{key}:{stamp}:{','.join(region_ids)}",
            kind="coverage",
            chat_ids=chat_ids,
            now=now,
            payload={"key": key, "regions": list(region_ids)},
            priority=PRIORITY_INFO,
        )


def render_coverage_notice(payload: Mapping[str, Any], lang: str) -> str:
    """Region names in the reader's language (registered with the outbox renderer)."""
    names = ", ".join(regions.title_for(r, lang) for r in payload.get("regions", []))
    return t(lang, str(payload.get("key", "coverage.lost")), regions=names)


def coverage_job(
    sessions: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    alarm_after: timedelta,
    on_notices: Callable[[], None],
) -> Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    started_at = clock()

    async def _job(_context: ContextTypes.DEFAULT_TYPE) -> None:
        blind, restored = await check_coverage(
            sessions, now=clock(), alarm_after=alarm_after, started_at=started_at
        )
        if blind or restored:
            on_notices()

    return _job


register_notice_kind("coverage", render_coverage_notice)
