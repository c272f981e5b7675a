"""Sends the outbox: priority order, paced under Telegram's limits, with its error policy.

Shape: a *refill* task claims due rows from the database in priority order (marking them in
flight, durably, before anything is sent) and hands them to per-chat queues. A chat whose
own limit allows a message now is listed in its lane's ready heap. One *feeder* per lane
(free budget; paid broadcast for air raids when enabled) takes the best ready chat, waits for
a slot of the lane's :class:`~bot.pacing.Budget` and starts the send as a task, up to the
lane's concurrency. A *writer* task commits the outcomes: sends accepted by Telegram are
marked sent in batches as soon as they come back (the only window for a duplicate after a
crash), failures and chat changes one by one. A *timer* task re-lists chats when their own
limit or a retry delay expires. A claimed row may stand for several (the places of an oblast
found together, storage/alert_groups.py): one item, one send, and all its rows marked sent,
failed or released with it.

Error policy (architecture guide, section 4): ``RetryAfter`` is not a failure: the chat (and,
for a private chat, the whole lane, since that means the bot's overall flood limit) waits the
time given and the message goes again. ``ChatMigrated`` moves the chat and resends at once.
``Forbidden`` and "chat not found" deactivate the chat and drop what was queued for it.
Network errors and timeouts retry with backoff up to ``max_network_attempts``; while many
sends fail in a row (Telegram unreachable) the lane backs off and the failures do not count
against the messages, so an outage delays the broadcast instead of dropping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import sqlite3
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.aio import wait_event
from bot.config import DeliveryConfig
from bot.delivery import channel_edits, quiet_hours
from bot.delivery.outbox_texts import Renderer
from bot.delivery.pacing import Budget, ChatPace, group_size
from bot.delivery.telegram_transport import AiohttpRequest, DeliveryBot
from bot.operations.metrics import CHANNEL, DIRECT, NO_METRICS, Metrics
from storage import channel_posts, delivery_stats
from storage import chats as chat_store
from storage import ops as ops_store
from storage import outbox as outbox_store
from storage.transactions import Hot, Transactions

log = logging.getLogger("alertbot.dispatcher")

# In a row, across chats: this many network failures means Telegram is unreachable, not that
# one message is bad.
SYSTEMIC_FAILURES = 3
MAX_BACKOFF = 30.0
FLUSH_INTERVAL = 0.02  # seconds between two commits of outcomes when busy
BUSY_FLUSH = 8  # sends marked in one commit that make the writer pause FLUSH_INTERVAL
# A commit costs more CPU than a send (a wake-up of the event loop at least): sent
# marks are gathered, up to MARK_BATCH of them or MARK_DELAY seconds after the first, so the
# free rate (28 a second) commits every few sends rather than after every one. A crash
# repeats the sends not yet marked: at most MARK_BATCH more than those in flight.
MARK_BATCH = 6
MARK_DELAY = 0.25
# Sends Telegram accepted whose marks are not committed yet, at most: what a crash may send
# again. A writer that falls behind (a busy disk, a starved CPU) pauses the sends instead of
# letting the window grow; at least MARK_BATCH beside the slots, a tenth of a second's worth
# at high rates (a paid broadcast commits every few milliseconds, it must not wait on this).
UNMARKED_SECONDS = 0.1
SWEEP_INTERVAL = 5.0  # seconds between two sweeps of idle chats
# Seconds SIGTERM waits for sends already in flight: with the rest of the stop, the process
# is gone within 15 s (issue 14), even while Telegram hangs (a send's own limit is 15 s).
STOP_GRACE = 10.0
# Rows per claim: a bigger batch holds the event loop long enough to miss send slots.
CLAIM_BATCH = 500
HARD_CAP = 50_000  # rows held in memory at most (a backlog of slow groups cannot grow past it)

# Telegram's wordings (400) for a chat the bot is still in but may not write to.
NO_RIGHTS = ("need administrator rights", "not enough rights", "chat_write_forbidden")

Op = Callable[[AsyncSession], Awaitable[Any]]


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def delivery_bot(token: str, base_url: str, config: DeliveryConfig) -> DeliveryBot:
    """A Bot of the dispatcher's own: its connection pool is sized for the broadcast, and
    command replies (the application's bot) never queue behind it."""
    pool = config.concurrency + paid_concurrency(config) + 4
    request = AiohttpRequest(connection_pool_size=pool)
    if base_url:
        return DeliveryBot(token, base_url=base_url, request=request)
    return DeliveryBot(token, request=request)


def paid_concurrency(config: DeliveryConfig) -> int:
    """Paid broadcast needs ~rate x latency sends in flight: room for 200 ms per request."""
    if not config.paid_broadcast:
        return 0
    return max(config.concurrency, math.ceil(config.paid_rate_per_second * 0.2))


def _record_outcomes(
    session: Session,
    sent: list[int],
    now: datetime,
    counts: Counter[tuple[datetime, str]],
) -> None:
    if sent:
        outbox_store.mark_sent(session, sent, now)
    if counts:
        delivery_stats.add_counts(session, counts)


def _record_outcomes_sqlite(
    db: sqlite3.Connection,
    sent: list[int],
    now: datetime,
    counts: Counter[tuple[datetime, str]],
) -> None:
    if sent:
        outbox_store.mark_sent_sqlite(db, sent, now)
    if counts:
        delivery_stats.add_counts_sqlite(db, counts)


RECORD_OUTCOMES = Hot(_record_outcomes, _record_outcomes_sqlite)


class _Item:
    __slots__ = (
        "channel",
        "chat_id",
        "detected",
        "edit",
        "failures",
        "members",
        "paid",
        "priority",
        "quiet",
        "row_id",
        "text",
    )

    def __init__(
        self,
        row_id: int,
        chat_id: int,
        priority: int,
        text: str,
        paid: bool,
        detected: datetime | None = None,  # metrics: when its alert was detected
        channel: bool = False,
        quiet: outbox_store.Claimed | None = None,
    ) -> None:
        self.row_id = row_id
        # The row's chat settings for quiet hours, applied when the message is sent.
        self.quiet = quiet
        self.chat_id = chat_id
        self.priority = priority
        self.text = text
        self.paid = paid
        self.failures = 0  # network failures that count against this message
        self.detected = detected
        self.channel = channel
        # issue 16: an alert's end that edits its start's channel post (None: a new message).
        self.edit: channel_edits.Edit | None = None
        # Rows sent as this one message (storage/alert_groups.py): marked with it.
        self.members: tuple[int, ...] = ()

    @property
    def row_ids(self) -> tuple[int, ...]:
        return (self.row_id, *self.members)


class _Chat:
    __slots__ = ("busy", "heap", "listed", "pace", "timer_at")

    def __init__(self, chat_id: int) -> None:
        self.pace = ChatPace(chat_id)
        self.heap: list[tuple[int, int, _Item]] = []
        self.busy = False  # its message is being sent
        self.listed = False  # in a lane's ready heap
        self.timer_at = 0.0  # a timer is set for this moment (0: none)


@dataclass(eq=False)
class _Lane:
    name: str
    budget: Budget
    concurrency: int
    paid: bool
    ready: list[tuple[int, int, int]] = field(default_factory=list)  # (priority, row, chat)
    signal: asyncio.Event = field(default_factory=asyncio.Event)
    slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.slots = asyncio.Semaphore(self.concurrency)


class Dispatcher:
    """Drains the outbox in the background; ``wake()`` makes it look now."""

    def __init__(
        self,
        bot: DeliveryBot,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        default_lang: str,
        config: DeliveryConfig | None = None,
        rate_per_second: float | None = None,
        budget: Budget | None = None,
        idle_interval: float = 1.0,
        metrics: Metrics = NO_METRICS,
        may_send: Callable[[], bool] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        transactions: Transactions | None = None,
    ) -> None:
        """``clock`` is the wall clock (what rows record); ``monotonic`` the clock of holds,
        pacing and batching (a test may replace either). ``transactions`` runs the frequent
        small writes and looks in one hop (storage/transactions.py); by default in a session
        of ``sessions``."""
        config = config or DeliveryConfig()
        self._monotonic = monotonic
        self._metrics = metrics
        if rate_per_second is not None:
            config = config.model_copy(update={"rate_per_second": rate_per_second})
        self.config = config
        self._bot = bot
        self._sessions = sessions
        self._transactions = transactions or Transactions(sessions)
        self._clock = clock
        self._renderer = Renderer(default_lang)
        self._idle_interval = idle_interval
        # Asked before every claim and every send: a process that is not (or no longer) the
        # leader must not send, since the new leader sends whatever this one held.
        self._may_send = may_send or (lambda: True)
        self.budget = budget or Budget(
            config.rate_per_second, group=group_size(config.rate_per_second), monotonic=monotonic
        )
        self._lanes = [_Lane("free", self.budget, config.concurrency, paid=False)]
        if config.paid_broadcast:
            # 1000 a second is 1 ms apart: a claim that holds the loop for a few
            # milliseconds must not cost those slots (Telegram counts per second).
            paid_budget = Budget(config.paid_rate_per_second, catch_up=20, monotonic=monotonic)
            self._lanes.append(_Lane("paid", paid_budget, paid_concurrency(config), paid=True))
        total_rate = sum(lane.budget.rate for lane in self._lanes)
        total_slots = sum(lane.concurrency for lane in self._lanes)
        # About two seconds of sending: enough to never run dry between claims, small enough
        # that an alert's end still finds its start unsent (and supersedes it) in the database.
        self._window = max(32, 2 * total_slots, math.ceil(2 * total_rate))

        self._chats: dict[int, _Chat] = {}
        self._items: dict[int, _Item] = {}
        self._timers: list[tuple[float, int, int]] = []  # (when, seq, chat)
        self._timer_seq = itertools.count()
        self._timer_signal = asyncio.Event()
        self._refill_signal = asyncio.Event()
        self._woken = True
        self._maybe_more = True  # the last claim was full: more rows may be due
        self._sending: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._main: asyncio.Task[None] | None = None
        self._stopping = False
        self._consecutive_network = 0

        self._sent_ids: list[int] = []
        self._first_unmarked = 0.0  # when the oldest send not yet committed was accepted
        self._unmarked = 0  # messages accepted whose marks are waiting or being committed
        self.max_unmarked = max(MARK_BATCH + total_slots, math.ceil(UNMARKED_SECONDS * total_rate))
        self._marks_room = asyncio.Event()
        self._marks_room.set()
        self._ops: list[tuple[Op, asyncio.Future[Any] | None]] = []
        self._write_signal = asyncio.Event()
        self._counts: Counter[tuple[datetime, str]] = Counter()
        self._counts_flushed = 0.0
        # One write transaction at a time, so outcomes are committed in the order they came.
        self._flush_lock = asyncio.Lock()

        self._claims_started = 0
        self._last_partial_claim = -1  # the last claim that took all that was due
        self._changed = asyncio.Event()
        # Alert posts to channels held here and not yet sent: the fan-out waits for them
        # (channel_posts_out). A claim that was not full left nothing due in the database.
        self._channel_posts: set[int] = set()
        self._last_claim_done = 0
        self._last_claim_full = False
        self._next_hold: datetime | None = None  # when the first held row is due
        self._progress = asyncio.Event()  # replaced, never cleared: many may wait on it
        self.sent = 0
        self.counts: Counter[str] = Counter()  # since start, by kind: for tests and the bench

    # -- lifecycle ----------------------------------------------------------------------

    def wake(self) -> None:
        self._woken = True
        self._refill_signal.set()

    def start(self) -> None:
        if self._main is None:
            self._stopping = False
            self._main = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def _run(self) -> None:
        delay = 1.0
        failures = 0
        while not self._stopping:
            try:
                await self._bot.initialize()
                async with self._sessions() as session, session.begin():
                    recovered = await outbox_store.recover(session)
                break
            except Exception as exc:
                # Once, not per retry: Telegram down at start is logged by the app too.
                failures += 1
                level = logging.WARNING if failures == 1 else logging.DEBUG
                log.log(level, "dispatcher_start_failed", extra={"error": str(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
        else:
            return
        if failures:
            log.info("dispatcher_started", extra={"failed_attempts": failures})
        if recovered:
            # Left in flight by a process that was killed: sent again, see storage/outbox.py.
            log.warning("outbox_recovered", extra={"rows": recovered})
        self._tasks = [
            asyncio.create_task(self._writer(), name="outbox-writer"),
            asyncio.create_task(self._timer(), name="outbox-timer"),
            asyncio.create_task(self._refill(), name="outbox-refill"),
            *(
                asyncio.create_task(self._feed(lane), name=f"outbox-feed-{lane.name}")
                for lane in self._lanes
            ),
        ]
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        """Finish the sends in flight (bounded), put the rest back in the queue, stop."""
        if self._main is None:
            return
        self._stopping = True
        self._write_signal.set()  # marks waiting for their batch are committed now
        writer: asyncio.Task[None] | None = self._tasks[0] if self._tasks else None
        others = self._tasks[1:]
        for task in others:
            task.cancel()
        for task in others:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=STOP_GRACE)
            for task in list(self._sending):
                task.cancel()
        # Only a leader gives rows back: after a take-over they belong to the new leader,
        # which may have claimed them again already.
        if self._items and self._may_send():
            held = sorted(i for item in self._items.values() for i in item.row_ids)
            self._submit(lambda s: outbox_store.release(s, held))
        # Nothing held survives a stop: a later start claims the released rows afresh.
        self._items.clear()
        self._channel_posts.clear()
        self._progressed()
        self._chats.clear()
        self._timers.clear()
        for lane in self._lanes:
            lane.ready.clear()
        if writer is not None:
            await self._flush()
            async with self._flush_lock:
                # Never cancelled mid-transaction: a sent mark must not be rolled back.
                writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        if not self._tasks:
            self._main.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._main
        self._main = None
        self._tasks = []
        with contextlib.suppress(TelegramError, RuntimeError):
            await self._bot.shutdown()

    async def channel_posts_out(self, timeout: float) -> bool:
        """Wait until every alert post to a channel that is due now has been sent (or has
        failed for good); False if ``timeout`` seconds passed first (a channel held back by
        its limit). The fan-out waits on it before it queues a broadcast's direct messages
        (bot/delivery/fanout.py), instead of asking the database."""
        wanted = self._claims_started + 1  # a claim that starts after this call
        self.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (
            self._last_claim_done >= wanted
            and not self._last_claim_full
            and not self._channel_posts
        ):
            remaining = deadline - loop.time()
            if remaining <= 0 or self._stopping:
                return False
            await wait_event(self._progress, remaining)
        return True

    def _progressed(self) -> None:
        self._progress.set()
        self._progress = asyncio.Event()

    async def drain_once(self, timeout: float = 30.0) -> bool:
        """Wait until everything due when called has been sent (or failed); True if anything
        was sent meanwhile. Tests and the demo use it to wait for the queue."""
        self.start()
        sent_before = self.sent
        wanted = self._claims_started + 1
        self.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (self._last_partial_claim >= wanted and not self._items and not self._sending):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"outbox not drained in {timeout} s: {len(self._items)} held, "
                    f"{len(self._sending)} sending"
                )
            self._changed.clear()
            await wait_event(self._changed, min(remaining, 0.5))
        await self._flush(all_counts=True)
        return self.sent > sent_before

    # -- claiming -----------------------------------------------------------------------

    async def _refill(self) -> None:
        while not self._stopping:
            ready = sum(len(lane.ready) for lane in self._lanes)
            # Running low asks for more only while the last claim was full: after one that
            # found fewer rows than it asked for, new rows come with a wake-up (or the look).
            low = ready < self._window // 2 and len(self._items) < self._window
            want = self._woken or (self._maybe_more and low)
            got, batch = 0, min(self._window, CLAIM_BATCH)
            if not self._may_send():
                await self._until_may_send()
                continue
            if want and len(self._items) < HARD_CAP:
                self._woken = False
                try:
                    got = await self._claim(batch)
                except Exception:
                    log.exception("outbox_claim_failed")
                    await asyncio.sleep(1.0)
            if got >= batch:
                continue
            if self._woken and len(self._items) < HARD_CAP:
                continue  # woken while it claimed: that wake-up asks for a claim after it
            self._refill_signal.clear()
            if not await wait_event(self._refill_signal, self._idle_wait()):
                # Nobody woke it (rows queued by another process, a held row now due): a
                # one-hop look first, a whole claim (a dozen hops) only when it finds one.
                self._woken = await self._anything_due()

    async def _anything_due(self) -> bool:
        try:
            return await self._transactions.run_hot(outbox_store.ANY_DUE, self._clock())
        except Exception:
            log.exception("outbox_look_failed")
            return True  # the claim that follows logs (and retries) what is wrong

    def _idle_wait(self) -> float:
        """Seconds until the next look: the idle interval, or less when a held row is due
        sooner."""
        if self._next_hold is None:
            return self._idle_interval
        due = (self._next_hold - self._clock()).total_seconds()
        return min(self._idle_interval, max(due, 0.01))

    async def _claim(self, limit: int) -> int:
        self._claims_started += 1
        seq = self._claims_started
        async with self._sessions() as session:
            async with session.begin():
                rows = await outbox_store.claim(session, self._clock(), limit)
            # Rows taken, a grouped message's counted in full: a claim of ``limit`` rows
            # that became fewer messages was still full.
            taken = sum(len(row.row_ids) for row in rows)
            try:
                texts = await self._renderer.render(session, rows) if rows else {}
                # issue 16: channel rows of an alert's end that edit the start's post.
                edits = await channel_edits.plan(
                    session,
                    self._renderer,
                    rows,
                    self._clock(),
                    timedelta(seconds=self.config.channel_edit_window),
                    self._renderer.default_lang,
                )
                # metrics: detection times of the alerts, for the delivery latency
                detected = await ops_store.detected_at(
                    session, {r.event_id for r in rows if r.event_id is not None}
                )
                if taken < limit:
                    # Rows held to be grouped (storage/alert_groups.py): look again when
                    # the first is due, not a whole idle interval later.
                    self._next_hold = await outbox_store.next_hold(session, self._clock())
            except BaseException:  # a render failure, or a stop cancelling the claim
                # Claimed but not held here: give them back, or they would wait for a restart.
                ids = [i for row in rows for i in row.row_ids]
                self._submit(lambda s: outbox_store.release(s, ids))
                raise
        # Rows come in priority order, a channel's alert post (class + 0) before the direct
        # messages of its class: a full claim that ended past the alert classes took them all.
        full = taken >= limit and rows[-1].priority <= outbox_store.PRIORITY_ALERT
        self._last_claim_done, self._last_claim_full = seq, full
        self._maybe_more = taken >= limit
        if not self._maybe_more:
            self._last_partial_claim = seq
        if not rows:
            self._changed.set()
            self._progressed()
            return 0
        paid = self.config.paid_broadcast
        for row in rows:
            text = texts.get(row.id)
            if not isinstance(text, str):
                error = str(text or "not rendered")
                log.error("outbox_render_failed", extra={"row": row.id, "error": error})
                self._count("render_failed")
                self._submit(self._fail_op(row.row_ids, error))
                continue
            on_paid = paid and row.priority < outbox_store.PRIORITY_ALERT
            if row.chat_kind == "channel" and row.event_id is not None:
                self._channel_posts.add(row.id)
            item = _Item(
                row.id,
                row.chat_id,
                row.priority,
                text,
                on_paid,
                detected.get(row.event_id) if row.event_id is not None else None,
                row.chat_kind == "channel",
                row if row.quiet_from is not None else None,
            )
            item.edit = edits.get(row.id)
            item.members = row.members
            self._add(item)
        self._progressed()
        log.debug("outbox_claimed", extra={"rows": taken, "messages": len(rows)})
        return taken

    # -- scheduling ---------------------------------------------------------------------

    def _lane_of(self, item: _Item) -> _Lane:
        return self._lanes[-1] if item.paid else self._lanes[0]

    def _add(self, item: _Item) -> None:
        self._items[item.row_id] = item
        chat = self._chats.get(item.chat_id)
        if chat is None:
            chat = self._chats[item.chat_id] = _Chat(item.chat_id)
        heapq.heappush(chat.heap, (item.priority, item.row_id, item))
        self._schedule(item.chat_id, chat)

    def _schedule(self, chat_id: int, chat: _Chat) -> None:
        """List the chat as ready if its limit allows a message now, else set a timer."""
        if chat.busy or chat.listed:
            return
        now = self._monotonic()
        if not chat.heap:
            if chat.pace.idle(now):
                del self._chats[chat_id]
            # Otherwise it remembers its recent sends; _timer's sweep forgets it later.
            return
        if chat.pace.not_before > now:
            self._set_timer(chat_id, chat, chat.pace.not_before)
            return
        priority, row_id, item = chat.heap[0]
        lane = self._lane_of(item)
        heapq.heappush(lane.ready, (priority, row_id, chat_id))
        chat.listed = True
        lane.signal.set()

    def _set_timer(self, chat_id: int, chat: _Chat, when: float) -> None:
        if chat.timer_at and chat.timer_at <= when:
            return
        chat.timer_at = when
        earliest = self._timers[0][0] if self._timers else math.inf
        heapq.heappush(self._timers, (when, next(self._timer_seq), chat_id))
        if when < earliest:
            self._timer_signal.set()

    async def _timer(self) -> None:
        next_sweep = self._monotonic() + SWEEP_INTERVAL
        while True:
            now = self._monotonic()
            if now >= next_sweep:
                self._sweep(now)
                next_sweep = now + SWEEP_INTERVAL
            while self._timers and self._timers[0][0] <= now:
                when, _, chat_id = heapq.heappop(self._timers)
                chat = self._chats.get(chat_id)
                if chat is None or chat.timer_at != when:
                    continue
                chat.timer_at = 0.0
                self._schedule(chat_id, chat)
            self._timer_signal.clear()
            wait = min(self._timers[0][0] if self._timers else math.inf, next_sweep) - now
            await wait_event(self._timer_signal, wait)

    def _sweep(self, now: float) -> None:
        """Forget chats with nothing queued whose limits no longer matter."""
        idle = [
            chat_id
            for chat_id, chat in self._chats.items()
            if not chat.heap and not chat.busy and not chat.listed and chat.pace.idle(now)
        ]
        for chat_id in idle:
            del self._chats[chat_id]

    async def _next_ready(self, lane: _Lane) -> _Item:
        while True:
            while not lane.ready:
                lane.signal.clear()
                await lane.signal.wait()
            _, _, chat_id = heapq.heappop(lane.ready)
            chat = self._chats.get(chat_id)
            if chat is None or not chat.listed:
                continue
            chat.listed = False
            if chat.busy or not chat.heap:
                self._schedule(chat_id, chat)
                continue
            item = chat.heap[0][2]
            if self._lane_of(item) is not lane:
                # A better message of the other lane arrived for this chat meanwhile.
                self._schedule(chat_id, chat)
                continue
            heapq.heappop(chat.heap)
            chat.busy = True
            ready = sum(len(lane.ready) for lane in self._lanes)
            if ready < self._window // 2:
                self._refill_signal.set()
            return item

    async def _feed(self, lane: _Lane) -> None:
        while True:
            await lane.slots.acquire()
            item: _Item | None = None
            try:
                await self._marks_room.wait()  # what a crash may send again stays bounded
                item = await self._next_ready(lane)
                # Only this one slot is reserved ahead, so a command reply (which takes the
                # next one) never waits behind the broadcast.
                slot = await lane.budget.take()
            except asyncio.CancelledError:
                lane.slots.release()
                if item is not None:
                    self._put_back(item)
                raise
            if not self._may_send():
                lane.slots.release()
                self._put_back(item)
                await self._until_may_send()
                continue
            task = asyncio.create_task(self._send(lane, item, slot))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    @property
    def paused_for_marks(self) -> bool:
        """Sending waits for the writer: max_unmarked sends are not recorded yet."""
        return not self._marks_room.is_set()

    @property
    def sends_in_flight(self) -> int:
        return len(self._sending)

    async def _until_may_send(self) -> None:
        log.warning("dispatcher_paused_not_leader")
        # A lease running out is a matter of the clock: there is no event to wait for.
        while not self._may_send():  # noqa: ASYNC110
            await asyncio.sleep(0.1)

    def _put_back(self, item: _Item, *, hold_until: float = 0.0) -> None:
        chat = self._chats.get(item.chat_id)
        if chat is None:
            chat = self._chats[item.chat_id] = _Chat(item.chat_id)
        chat.busy = False
        if hold_until:
            chat.pace.hold(hold_until)
        heapq.heappush(chat.heap, (item.priority, item.row_id, item))
        self._schedule(item.chat_id, chat)

    # -- sending ------------------------------------------------------------------------

    async def _send(self, lane: _Lane, item: _Item, slot: float) -> None:
        lane.budget.started(slot)
        try:
            await self._attempt(lane, item)
        except Exception:
            log.exception("delivery_crashed", extra={"row": item.row_id})
            self._finish(item, "error", failed="internal error")
        finally:
            lane.slots.release()
            self._changed.set()

    async def _attempt(self, lane: _Lane, item: _Item) -> None:
        try:
            message_id = await self._deliver(lane, item)
        except RetryAfter as exc:
            self._retry_after(lane, item, _seconds(exc.retry_after))
        except ChatMigrated as exc:
            await self._migrated(item, int(exc.new_chat_id))
        except Forbidden as exc:
            self._deactivate(item, "forbidden", str(exc))
        except BadRequest as exc:
            text = str(exc).lower()
            if item.edit is not None and channel_edits.gone(exc):
                # issue 16: the post is gone or too old to edit: the end goes as a new post.
                log.info("channel_edit_refused", extra={"chat_id": item.chat_id, "error": str(exc)})
                item.edit = None
                self._put_back(item)
            elif "chat not found" in text:
                self._deactivate(item, "chat_not_found", str(exc))
            elif any(words in text for words in NO_RIGHTS):
                # A channel or group where the bot may no longer post: as good as gone.
                self._deactivate(item, "no_rights", str(exc))
            else:
                # Formatting and the like: a bug on our side, retrying would not help.
                log.error(
                    "telegram_bad_request", extra={"chat_id": item.chat_id, "error": str(exc)}
                )
                self._finish(item, "bad_request", failed=str(exc))
        except NetworkError as exc:  # TimedOut included
            self._network_error(lane, item, exc)
        except TelegramError as exc:
            log.error("telegram_error", extra={"chat_id": item.chat_id, "error": str(exc)})
            self._finish(item, "error", failed=str(exc))
        else:
            self._consecutive_network = 0
            if item.channel and message_id is not None:
                # issue 16: the post's message id, for its alert's end to edit.
                posted = {item.row_id: message_id}
                self._submit(lambda s: channel_posts.record(s, posted))
            self._finish(item, "sent")

    def _silent(self, item: _Item) -> bool:
        """Quiet hours, at the moment of sending: an air-raid alert row (start, update, end;
        only sent to chats subscribed to the place) keeps its sound unless the chat said
        otherwise."""
        row = item.quiet
        if row is None:
            return False
        return quiet_hours.silent(
            self._clock(),
            row.quiet_from,
            row.quiet_to,
            row.quiet_alerts_silent,
            air_raid_alert=row.event_id is not None and row.priority < outbox_store.PRIORITY_ALERT,
        )

    async def _deliver(self, lane: _Lane, item: _Item) -> int | None:
        """Sends the item (or, issue 16, edits its channel post); the message's id."""
        if item.edit is None:
            return await self._bot.send_text(
                item.chat_id, item.text, paid=lane.paid, silent=self._silent(item)
            )
        try:
            await self._bot.edit_text(item.chat_id, item.edit.message_id, item.edit.text)
        except BadRequest as exc:
            if not channel_edits.unchanged(exc):  # unchanged: edited before a crash
                raise
        return item.edit.message_id

    def _finish(self, item: _Item, kind: str, *, failed: str | None = None) -> None:
        """The message is done with: sent, or failed for good."""
        self._items.pop(item.row_id, None)
        if item.row_id in self._channel_posts:
            self._channel_posts.discard(item.row_id)
            self._progressed()
        self._count(kind)
        if failed is None:
            self.sent += 1
            if not self._sent_ids:
                self._first_unmarked = self._monotonic()
            # Every row of a grouped message in the same commit: none is sent again.
            self._sent_ids.extend(item.row_ids)
            self._unmarked += 1
            if self._unmarked >= self.max_unmarked:
                self._marks_room.clear()
            self._write_signal.set()
            if item.detected is not None:  # metrics: detection to Telegram's acceptance
                seconds = (self._clock() - item.detected).total_seconds()
                self._metrics.alert_delivered(CHANNEL if item.channel else DIRECT, seconds)
        else:
            self._submit(self._fail_op(item.row_ids, failed))
        chat = self._chats.get(item.chat_id)
        if chat is not None:
            chat.busy = False
            chat.pace.sent(self._monotonic())
            self._schedule(item.chat_id, chat)

    def _retry_after(self, lane: _Lane, item: _Item, delay: float) -> None:
        # A private chat's 429 is the bot's overall flood limit: the whole lane waits. A group
        # or channel has its own 20 a minute: only it waits.
        scope = "bot" if item.chat_id > 0 else "chat"
        log.warning(
            "telegram_retry_after",
            extra={
                "chat_id": item.chat_id,
                "retry_after": delay,
                "scope": scope,
                "lane": lane.name,
            },
        )
        self._count("retry_after")
        if scope == "bot":
            lane.budget.pause(delay)
        self._put_back(item, hold_until=self._monotonic() + delay)

    def _network_error(self, lane: _Lane, item: _Item, exc: NetworkError) -> None:
        self._consecutive_network += 1
        systemic = self._consecutive_network >= SYSTEMIC_FAILURES
        if not systemic:
            item.failures += 1
        self._count("network")
        log.warning(
            "telegram_network_error",
            extra={
                "chat_id": item.chat_id,
                "error": str(exc),
                "attempts": item.failures,
                "in_a_row": self._consecutive_network,
            },
        )
        if item.failures >= self.config.max_network_attempts:
            self._finish(item, "network_failed", failed=f"network: {exc}")
            return
        if self._consecutive_network >= 2:
            lane.budget.pause(min(2.0 ** (self._consecutive_network - 2), MAX_BACKOFF))
        backoff = min(2.0 ** max(item.failures - 1, 0), MAX_BACKOFF)
        self._put_back(item, hold_until=self._monotonic() + backoff)

    def _deactivate(self, item: _Item, kind: str, error: str) -> None:
        chat_id = item.chat_id
        log.info("chat_deactivated", extra={"chat_id": chat_id, "reason": error})
        self._finish(item, kind, failed=error)
        dropped = self._forget_chat(chat_id)
        now = self._clock()

        async def op(session: AsyncSession) -> None:
            # chats.deactivate drops every queued row of the chat, the ones held here too.
            await chat_store.deactivate(session, chat_id, error, now)
            for row_id in item.row_ids:
                await outbox_store.mark_failed(session, row_id, error)

        self._submit(op)
        if dropped:
            log.info("outbox_dropped", extra={"chat_id": chat_id, "rows": dropped})

    def _forget_chat(self, chat_id: int) -> int:
        chat = self._chats.pop(chat_id, None)
        if chat is None:
            return 0
        for _, row_id, _ in chat.heap:
            self._items.pop(row_id, None)
            self._channel_posts.discard(row_id)
        self._progressed()
        return len(chat.heap)

    async def _migrated(self, item: _Item, new_id: int) -> None:
        old_id = item.chat_id
        log.info("chat_migrated", extra={"chat_id": old_id, "new_chat_id": new_id})
        self._count("migrated")
        waiting = self._chats.pop(old_id, None)
        try:
            moved: set[int] = await self._call(lambda s: chat_store.migrate(s, old_id, new_id))
        except Exception:
            for entry in waiting.heap if waiting else []:
                self._put_back(entry[2])
            raise
        for queued in [item] + [entry[2] for entry in (waiting.heap if waiting else [])]:
            if queued.row_id in moved:
                queued.chat_id = new_id
                self._put_back(queued)
            else:
                # The new chat had this message queued already: that copy goes instead.
                self._items.pop(queued.row_id, None)
                self._channel_posts.discard(queued.row_id)

    # -- writing ------------------------------------------------------------------------

    @staticmethod
    def _fail_op(row_ids: tuple[int, ...], error: str) -> Op:
        async def op(session: AsyncSession) -> None:
            for row_id in row_ids:
                await outbox_store.mark_failed(session, row_id, error)

        return op

    def _count(self, kind: str) -> None:
        self._metrics.send(kind)  # metrics: every send outcome passes here
        self.counts[kind] += 1
        self._counts[(delivery_stats.minute_of(self._clock()), kind)] += 1

    def _submit(self, op: Op, future: asyncio.Future[Any] | None = None) -> None:
        self._ops.append((op, future))
        self._write_signal.set()

    async def _call(self, op: Op) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._submit(op, future)
        return await future

    async def _writer(self) -> None:
        while True:
            await wait_event(self._write_signal, 1.0)
            self._write_signal.clear()
            await self._gather_marks()
            written = await self._flush()
            if written >= BUSY_FLUSH:
                # At 1000 sends a second, even a transaction per MARK_BATCH sends would cost
                # more CPU than the sends: let outcomes gather a moment and commit them
                # together. At the free rate _gather_marks alone keeps the window in which a
                # crash repeats an accepted send to MARK_BATCH sends or MARK_DELAY seconds.
                await asyncio.sleep(FLUSH_INTERVAL)

    async def _gather_marks(self) -> None:
        """Wait (a little) for more sent marks to commit together; failures, chat changes
        and a stop are written at once."""
        deadline = self._first_unmarked + MARK_DELAY
        while 0 < len(self._sent_ids) < MARK_BATCH and not self._ops and not self._stopping:
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                return
            self._write_signal.clear()
            await wait_event(self._write_signal, remaining)

    async def _flush(self, *, all_counts: bool = False) -> int:
        """Commit what is waiting; returns how many sends it marked."""
        async with self._flush_lock:
            return await self._flush_locked(all_counts or self._stopping)

    async def _flush_locked(self, all_counts: bool) -> int:
        sent, self._sent_ids = self._sent_ids, []
        committing = self._unmarked if sent else 0
        ops, self._ops = self._ops, []
        counts: Counter[tuple[datetime, str]] = Counter()
        # Counters are not urgent: at most one write a second for them during a broadcast.
        if self._counts and (self._monotonic() - self._counts_flushed >= 1.0 or all_counts):
            counts, self._counts = self._counts, Counter()
            self._counts_flushed = self._monotonic()
        if not (sent or ops or counts):
            return 0
        results: list[Any] = []
        try:
            if ops:
                async with self._sessions() as session, session.begin():
                    for op, _ in ops:
                        results.append(await op(session))
                    await session.run_sync(_record_outcomes, sent, self._clock(), counts)
            else:
                # The usual case, several times a second during a broadcast: one hop.
                await self._transactions.run_hot(RECORD_OUTCOMES, sent, self._clock(), counts)
        except Exception as exc:
            log.exception("outbox_write_failed")
            # Keep what must be written; the next pass tries again.
            self._sent_ids[:0] = sent
            self._ops[:0] = [(op, fut) for op, fut in ops if fut is None]
            for _, fut in ops:
                if fut is not None and not fut.done():
                    fut.set_exception(exc)
            self._counts.update(counts)
            await asyncio.sleep(0.5)
            self._write_signal.set()
            return 0
        if committing:
            self._unmarked -= committing
            if self._unmarked < self.max_unmarked:
                self._marks_room.set()
        for (_, fut), result in zip(ops, results, strict=True):
            if fut is not None and not fut.done():
                fut.set_result(result)
        self._changed.set()
        return len(sent)
