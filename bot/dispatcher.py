"""Sends the outbox: priority order, paced under Telegram's limits, with its error policy."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.render import alert_message
from storage import chats as chat_store
from storage import outbox as outbox_store
from storage.truces import TruceView, list_truces

log = logging.getLogger("alertbot.dispatcher")

MAX_NETWORK_ATTEMPTS = 3


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Dispatcher:
    """One task drains the outbox; ``wake()`` makes it look now instead of at the next tick."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        default_lang: str,
        rate_per_second: float = 28.0,
        idle_interval: float = 1.0,
    ) -> None:
        self._bot = bot
        self._sessions = sessions
        self._clock = clock
        self._default_lang = default_lang
        self._min_gap = 1.0 / rate_per_second
        self._idle_interval = idle_interval
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._next_send = 0.0
        self._chat_next: dict[int, float] = {}
        # One drain at a time: two would read the same pending rows and send them twice.
        self._drain_lock = asyncio.Lock()
        self.sent = 0

    def wake(self) -> None:
        self._wakeup.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        """Finish the message in flight, then stop."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            try:
                sent_any = await self.drain_once()
            except Exception:
                log.exception("dispatcher_error")
                sent_any = False
            if sent_any:
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._idle_interval)

    async def drain_once(self, limit: int = 100) -> bool:
        """Send one batch of due messages; True if anything was attempted."""
        async with self._drain_lock:
            return await self._drain(limit)

    async def _drain(self, limit: int) -> bool:
        async with self._sessions() as session:
            batch = await outbox_store.pending(session, self._clock(), limit)
            truces = {t.id: t for t in await list_truces(session)} if batch else {}
        for delivery in batch:
            if self._stopping:
                break
            lang = delivery.lang or self._default_lang
            notes: list[TruceView] = [truces[i] for i in delivery.truce_ids if i in truces]
            text = alert_message(delivery.event, notes, lang)
            await self._deliver(delivery.outbox_id, delivery.chat_id, text)
        return bool(batch)

    async def _pace(self, chat_id: int) -> None:
        now = time.monotonic()
        wait_until = max(self._next_send, self._chat_next.get(chat_id, 0.0))
        if wait_until > now:
            await asyncio.sleep(wait_until - now)
            now = time.monotonic()
        self._next_send = now + self._min_gap
        # Telegram allows about one message a second to one chat, 20 a minute to a group.
        self._chat_next[chat_id] = now + (1.0 if chat_id > 0 else 3.0)

    async def _deliver(self, outbox_id: int, chat_id: int, text: str) -> None:
        await self._pace(chat_id)
        try:
            await self._bot.send_message(chat_id=chat_id, text=text)
        except RetryAfter as exc:
            delay = _seconds(exc.retry_after)
            log.warning("telegram_retry_after", extra={"chat_id": chat_id, "retry_after": delay})
            self._next_send = time.monotonic() + delay
            async with self._sessions() as session, session.begin():
                await outbox_store.retry_later(
                    session,
                    outbox_id,
                    self._clock() + timedelta(seconds=delay),
                    "retry_after",
                    count=False,
                )
            return
        except ChatMigrated as exc:
            await self._migrate(outbox_id, chat_id, int(exc.new_chat_id))
            return
        except Forbidden as exc:
            await self._deactivate(outbox_id, chat_id, str(exc))
            return
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                await self._deactivate(outbox_id, chat_id, str(exc))
            else:
                log.error("telegram_bad_request", extra={"chat_id": chat_id, "error": str(exc)})
                async with self._sessions() as session, session.begin():
                    await outbox_store.mark_failed(session, outbox_id, str(exc))
            return
        except NetworkError as exc:
            # A timed-out send may have arrived: retry a bounded number of times, accepting a
            # rare duplicate over a missed alert.
            async with self._sessions() as session, session.begin():
                attempts = await outbox_store.retry_later(
                    session, outbox_id, self._clock() + timedelta(seconds=2), str(exc)
                )
                if attempts >= MAX_NETWORK_ATTEMPTS:
                    await outbox_store.mark_failed(session, outbox_id, str(exc))
            log.warning(
                "telegram_network_error",
                extra={"chat_id": chat_id, "error": str(exc), "attempts": attempts},
            )
            return
        async with self._sessions() as session, session.begin():
            await outbox_store.mark_sent(session, outbox_id, self._clock())
        self.sent += 1

    async def _deactivate(self, outbox_id: int, chat_id: int, error: str) -> None:
        log.info("chat_deactivated", extra={"chat_id": chat_id, "reason": error})
        async with self._sessions() as session, session.begin():
            await chat_store.deactivate(session, chat_id)
            await outbox_store.mark_failed(session, outbox_id, error)

    async def _migrate(self, outbox_id: int, old_id: int, new_id: int) -> None:
        # The pending message moves with the chat and goes out on the next pass.
        log.info("chat_migrated", extra={"chat_id": old_id, "new_chat_id": new_id})
        async with self._sessions() as session, session.begin():
            await chat_store.migrate(session, old_id, new_id)
