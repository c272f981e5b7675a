"""Waiting on an asyncio.Event with a time limit, without losing a cancellation.

``asyncio.wait_for(event.wait(), t)`` on Python 3.11 returns normally when the task is
cancelled in the instant the event is set (the inner wait finished first, so the
cancellation is dropped: bpo-42130). A loop that waits that way and is stopped by cancel()
then runs on: a SIGTERM that cancels the dispatcher's writer right after a send set its
signal left the process waiting for that writer forever (issue 15).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; True if it is set. A
    cancellation always raises CancelledError, even if the event was set meanwhile."""
    if event.is_set():
        return True
    try:
        async with asyncio.timeout(max(timeout, 0.0)):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` (if any) and wait until it has ended; its cancellation is not raised."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
