"""ukrainealarm's webhook on the [web] listener (issue 15): verify, answer, queue.

Every request is checked before anything is kept: both headers present, the timestamp within
five minutes of our clock, the RSA signature over ``"{timestamp}.{raw body}"`` good for the
configured key (401 otherwise), and the signature never seen before (403 for a replay). Only
a verified signature is remembered, so forged requests cannot fill the replay memory. The
answer (200) goes out before the event is stored: the event waits on the push source's queue
(bot/ingest/push_source.py). A standby, or a process that is stopping, answers 503: the event
belongs to the leader, and the provider may try again.

Nothing of a request's body or headers is logged but the refusal's reason and the region.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.ingest.push_source import PushSource
from bot.web.server import RouteSet
from feeds.model import FeedError
from feeds.ukrainealarm_push import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    PushRefused,
    ReplayGuard,
    parse_event,
    verify,
)

log = logging.getLogger("alertbot.push")

MAX_PUSH_BODY = 64 * 1024  # an event is a few hundred bytes


def ukrainealarm_push_routes(
    path: str,
    key: rsa.RSAPublicKey,
    source: PushSource,
    *,
    clock: Callable[[], datetime],
    may_take: Callable[[], bool],
    guard: ReplayGuard | None = None,
) -> RouteSet:
    """``may_take``: False on a standby or while stopping."""
    replays = guard if guard is not None else ReplayGuard()

    async def handler(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_PUSH_BODY:
            return _refused(source.name, "body too large", 413)
        body = await request.read()
        if len(body) > MAX_PUSH_BODY:
            return _refused(source.name, "body too large", 413)
        now = clock().timestamp()
        try:
            signature = verify(
                key,
                timestamp=request.headers.get(TIMESTAMP_HEADER),
                signature=request.headers.get(SIGNATURE_HEADER),
                body=body,
                now=now,
            )
        except PushRefused as exc:
            return _refused(source.name, exc.reason, 401)
        if not may_take():
            # Before the replay memory: the provider's retry must find the leader willing.
            return web.json_response({"ok": False, "reason": "not the leader"}, status=503)
        if not replays.first_time(signature, now):
            return _refused(source.name, "replayed", 403)
        try:
            event = parse_event(body)
        except FeedError as exc:
            # Signed by the provider yet unreadable: its format changed. Polling covers it.
            log.warning("push_unreadable", extra={"feed": source.name, "error": str(exc)})
            return web.json_response({"ok": False, "reason": "unreadable event"}, status=400)
        if event is not None and not source.submit(event):
            return web.json_response({"ok": False, "reason": "busy"}, status=503)
        return web.json_response({"ok": True})

    def add(app: web.Application) -> None:
        app.router.add_post(path, handler)

    return add


def _refused(feed: str, reason: str, status: int) -> web.Response:
    log.warning("push_refused", extra={"feed": feed, "reason": reason, "status": status})
    return web.json_response({"ok": False}, status=status)
