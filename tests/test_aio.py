"""bot/aio.py: a stop by cancel() is never lost, even when the awaited event is set in the
same instant (the dispatcher's writer hung a SIGTERM that way on Python 3.11)."""

from __future__ import annotations

import asyncio

import pytest

from bot.aio import wait_event


async def test_a_cancel_in_the_instant_the_event_is_set_still_cancels() -> None:
    event = asyncio.Event()
    waiting = asyncio.Event()

    async def waiter() -> bool:
        waiting.set()
        return await wait_event(event, 60.0)

    task = asyncio.create_task(waiter())
    await waiting.wait()
    # Set and cancelled in the same instant, as a stop that follows a send's last mark:
    # asyncio.wait_for(event.wait(), 60) returns True here and drops the cancellation.
    event.set()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_set_and_timeout() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.0) is False
    event.set()
    assert await wait_event(event, 0.0) is True
    event.clear()
    asyncio.get_running_loop().call_soon(event.set)
    assert await wait_event(event, 60.0) is True
