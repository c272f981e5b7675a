"""A light fake Bot API for the fan-out benchmark, run in a process of its own, that enforces
Telegram's published limits the strict way:

- at most 30 messages in any one second for the bot as a whole (``allow_paid_broadcast``
  messages: at most 1000, counted apart);
- at most one message a second to one chat;
- at most 20 messages in any 60 seconds to one group or channel (negative chat id).

A message over a limit is refused with 429 and ``retry_after`` (whole seconds, at least 1),
as Telegram does, and not delivered. ``--no-limits`` accepts everything. ``--latency`` delays
every answer but getUpdates (a round trip to Telegram).

    python bench/fake_telegram.py --port 18081 [--no-limits] [--latency 0.08]

Control endpoints (not Bot API): ``POST /_control/update`` queues an update for getUpdates,
``GET /_control/stats`` gives the counters and every delivered message as
``[[chat_id, monotonic time, paid], ...]`` (time.monotonic() is system-wide on Linux, so the
benchmark compares it with its own), ``GET /_control/progress?chat=ID`` the count so far and
the times of one chat's messages, ``POST /_control/reset`` clears them, ``POST
/_control/limits?on=0|1`` switches the limits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import resource
import time
from collections import deque
from typing import Any

from aiohttp import web

GLOBAL_LIMIT = 30
PAID_LIMIT = 1000
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0
CHAT_INTERVAL = 1.0
TOKEN_ID = 123456


class Fake:
    def __init__(self, *, limits: bool, latency: float) -> None:
        self.limits = limits
        self.latency = latency
        self.reset()
        self.updates: list[dict[str, Any]] = []
        self.next_update = 1
        self.update_signal = asyncio.Event()

    def reset(self) -> None:
        self.free: deque[float] = deque()
        self.paid: deque[float] = deque()
        self.chat_last: dict[int, float] = {}
        self.groups: dict[int, deque[float]] = {}
        self.delivered: list[tuple[int, float, bool]] = []
        self.count_429 = {"global": 0, "paid": 0, "chat": 0, "group": 0}
        self.message_ids = 0

    def _over(self, chat_id: int, paid: bool, now: float) -> tuple[str, float] | None:
        window, limit = (self.paid, PAID_LIMIT) if paid else (self.free, GLOBAL_LIMIT)
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= limit:
            return ("paid" if paid else "global"), window[0] + 1.0 - now
        last = self.chat_last.get(chat_id)
        if last is not None and now - last < CHAT_INTERVAL:
            return "chat", last + CHAT_INTERVAL - now
        if chat_id < 0:
            recent = self.groups.setdefault(chat_id, deque())
            while recent and now - recent[0] >= GROUP_WINDOW:
                recent.popleft()
            if len(recent) >= GROUP_LIMIT:
                return "group", recent[0] + GROUP_WINDOW - now
        return None

    def send(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(params["chat_id"])
        paid = str(params.get("allow_paid_broadcast", "")).lower() == "true"
        now = time.monotonic()
        if self.limits:
            over = self._over(chat_id, paid, now)
            if over is not None:
                kind, wait = over
                self.count_429[kind] += 1
                retry = max(1, math.ceil(wait))
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry}",
                    "parameters": {"retry_after": retry},
                }
            (self.paid if paid else self.free).append(now)
            self.chat_last[chat_id] = now
            if chat_id < 0:
                self.groups.setdefault(chat_id, deque()).append(now)
        self.delivered.append((chat_id, now, paid))
        self.message_ids += 1
        chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": "Bench"}
        if chat_id < 0:
            chat = {"id": chat_id, "type": "channel", "title": f"Channel {chat_id}"}
        return 200, {
            "ok": True,
            "result": {
                "message_id": self.message_ids,
                "date": int(time.time()),
                "chat": chat,
                "text": params.get("text", ""),
            },
        }


def _params(raw: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("text",):
            out[key] = value
            continue
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def build_app(fake: Fake) -> web.Application:
    bot_user = {"id": TOKEN_ID, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if request.content_type == "application/json" and request.body_exists:
            params = await request.json()
        else:
            params = _params({k: str(v) for k, v in (await request.post()).items()})
        if method == "getupdates":
            offset = int(params.get("offset") or 0)
            timeout = float(params.get("timeout") or 0)
            fake.updates = [u for u in fake.updates if u["update_id"] >= offset]
            if not fake.updates and timeout > 0:
                fake.update_signal.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(fake.update_signal.wait(), timeout)
            return web.json_response({"ok": True, "result": fake.updates[:100]})
        if fake.latency:
            await asyncio.sleep(fake.latency)
        if method == "sendmessage":
            status, body = fake.send(params)
            return web.json_response(body, status=status)
        if method == "getme":
            result: Any = {
                **bot_user,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        elif method in ("deletewebhook", "setmycommands", "close", "logout"):
            result = True
        else:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.json_response({"ok": True, "result": result})

    async def push_update(request: web.Request) -> web.Response:
        update = await request.json()
        update["update_id"] = fake.next_update
        fake.next_update += 1
        fake.updates.append(update)
        fake.update_signal.set()
        return web.json_response({"update_id": update["update_id"]})

    async def stats(request: web.Request) -> web.Response:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return web.json_response(
            {
                "count_429": fake.count_429,
                "delivered": fake.delivered,
                "limits": fake.limits,
                "cpu_s": usage.ru_utime + usage.ru_stime,
            }
        )

    async def progress(request: web.Request) -> web.Response:
        chat = request.query.get("chat")
        times = [t for c, t, _ in fake.delivered if chat is not None and c == int(chat)]
        return web.json_response(
            {"delivered": len(fake.delivered), "count_429": fake.count_429, "chat_times": times}
        )

    async def reset(request: web.Request) -> web.Response:
        fake.reset()
        return web.json_response({"ok": True})

    async def limits(request: web.Request) -> web.Response:
        fake.limits = request.query.get("on", "1") == "1"
        return web.json_response({"limits": fake.limits})

    app = web.Application()
    app.router.add_post("/_control/update", push_update)
    app.router.add_get("/_control/stats", stats)
    app.router.add_get("/_control/progress", progress)
    app.router.add_post("/_control/reset", reset)
    app.router.add_post("/_control/limits", limits)
    app.router.add_route("*", "/bot{token}/{method}", api)
    return app


async def serve(port: int, *, limits: bool, latency: float) -> None:
    runner = web.AppRunner(build_app(Fake(limits=limits, latency=latency)), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"fake telegram on 127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--no-limits", action="store_true")
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(serve(args.port, limits=not args.no_limits, latency=args.latency))


if __name__ == "__main__":
    main()
