"""Truces from a curated registry (feeds/truces_feed.py): stored as claims marked with their
feed, kept in step with the registry on every poll, and not changed from the chat. A local
admin's claim for the same truce (another party) stays beside them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from feeds.truces_feed import FeedTruce
from storage import truces as truce_store
from storage.models import Feed, Truce, TruceClaim

log = logging.getLogger("alertbot.truces")

FEED_ACTOR = 0  # recorded_by of a feed's claims: no Telegram user


@dataclass(frozen=True, slots=True)
class Applied:
    changed: int  # claims added or changed
    removed: int  # claims the registry no longer lists


async def apply(
    session: AsyncSession, feed_id: int, truces: Sequence[FeedTruce], now: datetime
) -> Applied:
    """Make this feed's claims what the registry says."""
    ours = {
        (truce.name, claim.party): claim
        for truce, claim in (
            await session.execute(
                select(Truce, TruceClaim)
                .join(TruceClaim, TruceClaim.truce_id == Truce.id)
                .where(TruceClaim.feed_id == feed_id)
            )
        ).all()
    }
    listed: set[tuple[str, str]] = set()
    changed = 0
    for item in truces:
        for fc in item.claims:
            key = (item.name, fc.party)
            listed.add(key)
            mine = ours.get(key)
            truce = await session.scalar(select(Truce).where(Truce.name == item.name))
            if mine is None and truce is not None:
                other = await session.scalar(
                    select(TruceClaim).where(
                        TruceClaim.truce_id == truce.id, TruceClaim.party == fc.party
                    )
                )
                if other is not None:
                    # A local admin's (or another feed's) claim of this party: left as it is.
                    log.info(
                        "truce_feed_claim_kept_local",
                        extra={"truce": item.name, "party": fc.party, "feed_id": feed_id},
                    )
                    continue
            same = (
                mine is not None
                and truce is not None
                and mine.starts_at == fc.starts_at
                and mine.ends_at == fc.ends_at
                and mine.source == fc.source
                and truce.scope == item.scope
                and truce.regions == ("all" if item.regions is None else ",".join(item.regions))
            )
            if same:
                continue
            await truce_store.set_claim(
                session,
                name=item.name,
                party=fc.party,
                starts_at=fc.starts_at,
                ends_at=fc.ends_at,
                scope=item.scope,
                region_ids=item.regions,
                source=fc.source,
                actor=FEED_ACTOR,
                now=now,
            )
            claim = await session.scalar(
                select(TruceClaim)
                .join(Truce, Truce.id == TruceClaim.truce_id)
                .where(Truce.name == item.name, TruceClaim.party == fc.party)
            )
            assert claim is not None
            claim.feed_id = feed_id
            changed += 1
    gone = [claim.id for key, claim in ours.items() if key not in listed]
    if gone:
        await session.execute(delete(TruceClaim).where(TruceClaim.id.in_(gone)))
        # A truce left with no claim at all was the registry's alone: it goes with them.
        empty = select(TruceClaim.truce_id).distinct()
        await session.execute(delete(Truce).where(Truce.id.not_in(empty)))
    await session.flush()
    return Applied(changed, len(gone))


async def feed_of(session: AsyncSession, name: str, party: str | None = None) -> str | None:
    """The feed a truce's claims (of ``party``, or any) came from, by name; None if local."""
    query = (
        select(Feed.name)
        .join(TruceClaim, TruceClaim.feed_id == Feed.id)
        .join(Truce, Truce.id == TruceClaim.truce_id)
        .where(Truce.name == name)
    )
    if party is not None:
        query = query.where(TruceClaim.party == party)
    return await session.scalar(query.limit(1))
