"""The truce part of a poll (bot/ingest/poller.py): a curated registry (feeds/truces_feed.py) made
the feed's claims in the poll's transaction (storage/truce_feed.py). Window notices follow
from the claims themselves (storage/truce_notices.py), so nothing is marked here."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.ingest.poller import PollTarget
from feeds import truces_feed
from feeds.source import SourceReader, conditional_reader
from feeds.truces_feed import FeedTruce
from storage import truce_feed
from storage.truce_feed import Applied

log = logging.getLogger("alertbot.truces")


class TruceIntake:
    label = "truce"
    log = log
    max_backoff = 600.0

    def reader(self, target: PollTarget, now: datetime) -> SourceReader[list[FeedTruce]]:
        return conditional_reader(truces_feed.parse, truces_feed.headers)

    async def store(
        self,
        session: AsyncSession,
        target: PollTarget,
        parsed: list[FeedTruce] | None,
        now: datetime,
    ) -> Applied:
        if parsed is None:
            return Applied(0, 0)
        return await truce_feed.apply(session, target.feed_id, parsed, now)

    def committed(self, target: PollTarget, changes: Applied) -> bool:
        if changes.changed or changes.removed:
            log.info(
                "truce_feed_applied",
                extra={"feed": target.name, "changed": changes.changed, "removed": changes.removed},
            )
        return False  # no messages of its own: the notice job sees the claims
