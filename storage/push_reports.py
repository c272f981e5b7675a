"""A push source's report, changed one region and alert kind at a time (issue 15).

A poll states a feed's whole report (storage/merge.py ``record_observations`` replaces it);
a pushed event states one region's state of one alert kind, so only that part of the push
feed's report changes and every other region it reported on is kept.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from feeds.model import PARTIAL_SUFFIX, Observation
from storage.audience import Key
from storage.merge import Reported, ReportedAlert, _write, reported
from storage.models import FeedObservation


async def record_region(
    session: AsyncSession,
    feed_id: int,
    region_id: str,
    kind: str,
    observation: Observation | None,
) -> set[Key]:
    """Make feed ``feed_id``'s report for (``region_id``, ``kind``) say ``observation`` (None:
    no alert); returns the keys ``reconcile(only=...)`` must look at."""
    keys = [(region_id, kind), (region_id, kind + PARTIAL_SUFFIX)]
    rows = await session.execute(
        select(
            FeedObservation.region_id,
            FeedObservation.kind,
            FeedObservation.region_title,
            FeedObservation.since,
            FeedObservation.level,
            FeedObservation.threat,
        ).where(
            FeedObservation.feed_id == feed_id,
            FeedObservation.region_id == region_id,
            FeedObservation.kind.in_([k for _r, k in keys]),
        )
    )
    stored: Reported = {
        (r, k): ReportedAlert(title, since, level, threat)
        for r, k, title, since, level, threat in rows
    }
    wanted = reported([observation] if observation is not None else [])
    gone = [key for key in stored if key not in wanted]
    fresh = [key for key in wanted if key not in stored]
    changed = [key for key in wanted if key in stored and stored[key] != wanted[key]]
    await _write(session, feed_id, wanted, gone, changed, fresh)
    # Always the event's own key: its state may differ from the announced one even when this
    # feed's report did not (an end after a silence, whose old report was already dropped).
    return {(region_id, kind)} | set(gone) | set(fresh) | set(changed)
