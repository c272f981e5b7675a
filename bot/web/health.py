"""``GET /healthz`` (is the process alive) and ``GET /readyz`` (should it get traffic and
count as the one doing the work).

/healthz is 200 while the event loop answers and the process is not stopping; an orchestrator
restarts the process when it fails. /readyz is 200 only when every condition below holds, else
503 with a JSON body naming each failed condition (what an operator reads first):

- ``stopping``: the process has not begun to stop (SIGTERM turns this off at once);
- ``leader``: this process is the one that sends (always true without leader election);
- ``database``: the database answers (within a couple of seconds);
- ``telegram``: Telegram was heard from recently (getUpdates, or the webhook);
- ``alert_feeds``: at least one alert feed is healthy (last good poll at most three
  intervals, and at least a minute, ago: the rule the merge uses);
- ``undelivered``: the oldest undelivered air-raid message is younger than
  ``[web] max_undelivered_age``.

Nothing here names a chat, a message or a token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.web.activity import UpdateActivity
from bot.web.server import RouteSet
from storage import ops

log = logging.getLogger("alertbot.web")

DATABASE_TIMEOUT = 2.0  # seconds: a probe must answer before the orchestrator's own timeout
# Long polling asks every 10 s and the webhook check runs every 30 s: a minute without word
# from Telegram means something is wrong.
TELEGRAM_MAX_SILENCE = 60.0


def feed_healthy(status: ops.FeedStatus, now: datetime) -> bool:
    if status.last_success_at is None:
        return False
    return now - status.last_success_at <= timedelta(seconds=max(3 * status.interval, 60.0))


@dataclass
class Readiness:
    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]
    stopping: Callable[[], bool]
    is_leader: Callable[[], bool]
    activity: UpdateActivity
    max_undelivered_age: float
    telegram_max_silence: float = TELEGRAM_MAX_SILENCE

    async def failures(self) -> dict[str, str]:
        """Condition -> why it fails; empty when ready."""
        failed: dict[str, str] = {}
        if self.stopping():
            failed["stopping"] = "the process is stopping"
        if not self.is_leader():
            failed["leader"] = "this process is not the leader"
        age = self.activity.age()
        if age is None:
            failed["telegram"] = "no answer from Telegram yet"
        elif age > self.telegram_max_silence:
            failed["telegram"] = f"nothing from Telegram for {age:.0f} s"
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                failed.update(await self._database_checks())
        except Exception as exc:  # any driver error, or the timeout
            reason = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
            failed["database"] = f"the database does not answer ({reason})"
            failed["alert_feeds"] = failed["undelivered"] = "unknown: no database"
        return failed

    async def _database_checks(self) -> dict[str, str]:
        failed: dict[str, str] = {}
        now = self.clock()
        async with self.sessions() as session:
            await ops.ping(session)
            feeds = [f for f in await ops.feed_status(session) if f.alerts]
            oldest = await ops.oldest_undelivered_air_raid(session)
        if not feeds:
            failed["alert_feeds"] = "no alert feed is enabled"
        elif not any(feed_healthy(f, now) for f in feeds):
            failed["alert_feeds"] = f"none of {len(feeds)} alert feeds polled well lately"
        if oldest is not None:
            waited = (now - oldest).total_seconds()
            if waited >= self.max_undelivered_age:
                failed["undelivered"] = (
                    f"an air-raid message has waited {waited:.0f} s "
                    f"(limit {self.max_undelivered_age:g} s)"
                )
        return failed


def health_routes(readiness: Readiness) -> RouteSet:
    async def healthz(_request: web.Request) -> web.Response:
        if readiness.stopping():
            return web.json_response({"status": "stopping"}, status=503)
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        failed = await readiness.failures()
        body: dict[str, Any] = {"ready": not failed, "failed": failed}
        return web.json_response(body, status=503 if failed else 200)

    def add(app: web.Application) -> None:
        app.router.add_get("/healthz", healthz)
        app.router.add_get("/readyz", readyz)

    return add
