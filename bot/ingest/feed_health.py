"""One feed's health between polls, shared by the alert and outage pollers: back-off after
failures and a log line once per outage and once on recovery (not on every tick)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import feeds as feed_store


class FeedHealth:
    def __init__(
        self,
        *,
        name: str,
        feed_id: int,
        interval: float,
        max_backoff: float,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        monotonic: Callable[[], float],
        log: logging.Logger,
    ) -> None:
        self._name = name
        self._feed_id = feed_id
        self._interval = interval
        self._max_backoff = max_backoff
        self._sessions = sessions
        self._clock = clock
        self._monotonic = monotonic
        self._log = log
        self._failing = False
        self._failures = 0
        self._resume_at = 0.0

    def due(self) -> bool:
        """False while backing off: the tick is skipped."""
        return self._monotonic() >= self._resume_at

    def _backoff(self, retry_after: float | None) -> float:
        # Never more than 5 intervals or the cap, so recovery is seen quickly; a server's
        # explicit Retry-After is honoured even when longer.
        cap = min(5 * self._interval, self._max_backoff)
        delay = min(self._interval * 2.0 ** (self._failures - 1), cap)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def recovered(self) -> None:
        if self._failing:
            self._log.info(
                "feed_recovered", extra={"feed": self._name, "failed_polls": self._failures}
            )
        self._failing = False
        self._failures = 0
        self._resume_at = 0.0

    async def failed(self, error: str, retry_after: float | None) -> None:
        """Count the failure, back off, and log it if it starts an outage. What the feed
        reported before stays as it was: a failed poll is never an all clear."""
        self._failures += 1
        delay = self._backoff(retry_after)
        self._resume_at = self._monotonic() + delay
        async with self._sessions() as session, session.begin():
            await feed_store.record_failure(session, self._feed_id, self._clock(), error)
        if not self._failing:
            self._log.warning(
                "feed_failed",
                extra={"feed": self._name, "error": error, "retry_in_s": round(delay, 1)},
            )
        self._failing = True
