"""The outage part of a poll (bot/ingest/poller.py): schedules stored with change detection,
emergency outages and news, with the marker of their notices (storage/outage_fanout.py)
in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.ingest.poller import PollTarget
from feeds.model import FeedError, FeedFormatError
from feeds.outages import OUTAGE_KINDS, ParseContext
from feeds.outages.model import OutageReport
from feeds.outages.timeline import kyiv_date
from feeds.source import SourceReader, conditional_reader
from storage import outage_fanout
from storage import outages as outage_store
from storage.outage_fanout import PollChanges

log = logging.getLogger("alertbot.outages")


def _guarded(
    parse: Callable[[bytes, ParseContext], OutageReport], context: ParseContext
) -> Callable[[bytes], OutageReport]:
    """A parser meets shapes nobody has seen; whatever it trips on fails the poll cleanly."""

    def _parse(body: bytes) -> OutageReport:
        try:
            return parse(body, context)
        except FeedError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise FeedFormatError(f"unreadable answer: {type(exc).__name__}: {exc}") from None

    return _parse


class OutageIntake:
    label = "outage"
    log = log
    max_backoff = 300.0

    def reader(self, target: PollTarget, now: datetime) -> SourceReader[OutageReport]:
        kind = OUTAGE_KINDS[target.kind]
        context = ParseContext(kyiv_date(now), target.region_id, target.url)
        return conditional_reader(_guarded(kind.parse, context), kind.headers)

    async def store(
        self,
        session: AsyncSession,
        target: PollTarget,
        parsed: OutageReport | None,
        now: datetime,
    ) -> PollChanges:
        if parsed is None:
            return PollChanges(target.name, target.kind, target.region_id)
        name = target.name
        changes = PollChanges(
            name,
            target.kind,
            target.region_id,
            schedules=await outage_store.apply_schedules(session, name, parsed.schedules, now),
            events=await outage_store.apply_events(session, name, parsed.events, now),
            news=await outage_store.apply_news(session, name, parsed.announcements, now),
        )
        await outage_store.forget_old(session, kyiv_date(now))
        # With the changes, the note that their notices are due: a crash before they are
        # queued leaves it for the next run.
        await outage_fanout.mark(session, changes, now)
        return changes

    def committed(self, target: PollTarget, changes: PollChanges) -> bool:
        if changes.schedules or changes.events:
            log.info(
                "outage_changes",
                extra={
                    "feed": target.name,
                    "schedules": len(changes.schedules),
                    "events": len(changes.events),
                },
            )
        return bool(changes)
