"""Queues the direct messages of new alert events (storage/alert_fanout.py) and the notices of
outage changes (storage/outage_fanout.py) in the background.

Woken after every poll that found changes; it also looks once a second, which is how changes
left behind by a crash or a failed run are finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from storage import alert_fanout as fanout
from storage import outage_fanout
from storage.transactions import Hot, Transactions

log = logging.getLogger("alertbot.fanout")

LOOK_INTERVAL = 1.0  # seconds between two looks when nobody woke it
# Channels are served first: a broadcast of more than storage.alert_fanout.HEAD_START_ROWS
# direct messages is queued once the dispatcher says the channel posts are out (queueing
# 100,000 rows keeps the database and the event loop busy for a second or two), or after this
# long whatever happened (a channel may be held back by its own limit). A smaller one is
# queued at once: its rows are written faster than the channel post's round trip, and the
# dispatcher still sends the channel post first (priority order).
CHANNELS_HEAD_START = 1.0


def _anything_pending(session: Session) -> bool:
    return bool(fanout.pending(session) or outage_fanout.pending(session))


def _anything_pending_sqlite(db: sqlite3.Connection) -> bool:
    return fanout.pending_sqlite(db) or outage_fanout.pending_sqlite(db)


ANYTHING_PENDING = Hot(_anything_pending, _anything_pending_sqlite)


class FanOut:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        on_rows: Callable[[], None],
        chunk: int = fanout.CHUNK,
        head_start: float = CHANNELS_HEAD_START,
        channels_out: Callable[[float], Awaitable[bool]] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        transactions: Transactions | None = None,
    ) -> None:
        """``channels_out(timeout)`` returns once the channel posts due now are sent (the
        dispatcher's ``channel_posts_out``); without it the direct messages do not wait."""
        self._sessions = sessions
        # The look each second, one hop (storage/transactions.py).
        self._transactions = transactions or Transactions(sessions)
        self._clock = clock
        self._monotonic = monotonic  # times a run, for the log
        self._on_rows = on_rows
        self._chunk = chunk
        self._head_start = head_start
        self._channels_out = channels_out
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self._running = asyncio.Lock()  # one run at a time (the loop, or a caller's run_once)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="outbox-fanout")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Finish the part being written (a short transaction) and stop; the rest is queued
        on the next start."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self) -> int:
        """Queue everything pending now; returns the rows written."""
        async with self._running:
            # The look once a second finds nothing almost always: one transaction in one
            # hop asks for both kinds of notes (issue 15).
            if not await self._transactions.run_hot(ANYTHING_PENDING):
                return 0
            started = self._monotonic()
            rows = await fanout.run(
                self._sessions,
                self._clock(),
                chunk=self._chunk,
                on_rows=self._on_rows,
                stopping=lambda: self._stopping,
                before=self._let_channels_go_first,
            )
            # The notices of outage changes (storage/outage_fanout.py): a few rows each.
            notices = await outage_fanout.run(self._sessions)
            if notices:
                self._on_rows()
            rows += notices
        if rows:
            log.info(
                "fanout_queued",
                extra={"rows": rows, "seconds": round(self._monotonic() - started, 3)},
            )
        return rows

    async def _let_channels_go_first(self) -> None:
        if self._channels_out is not None and not self._stopping:
            await self._channels_out(self._head_start)

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                await self.run_once()
                if self._failing:
                    self._failing = False
                    log.info("fanout_recovered")
            except Exception as exc:
                if not self._failing:
                    self._failing = True
                    log.error("fanout_failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), LOOK_INTERVAL)
            self._wake.clear()
