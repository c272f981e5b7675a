"""A loopback HTTP server that plays back recorded feed payloads.

Each path has a current content (``set``) and optionally a queue of one-shot replies
(``script``) served first, so a test can stage "500, then timeout, then the real
payload" without touching the polling code.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from bot.web.server import serve

__all__ = ["FakeFeedServer", "Reply"]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Seconds between 64-byte chunks: an answer that keeps arriving, too slowly to finish.
    trickle: float = 0.0


@dataclass
class _Content:
    body: bytes
    last_modified: str | None
    content_type: str


class _Headers(dict[str, str]):
    """Request headers that, like HTTP, ignore case: ``h["if-modified-since"]`` works
    whatever spelling the client used."""

    def __getitem__(self, key: str) -> str:
        for name, value in self.items():
            if name.lower() == key.lower():
                return value
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and any(name.lower() == key.lower() for name in self)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


def _not_modified(if_modified_since: str | None, last_modified: str | None) -> bool:
    if if_modified_since is None or last_modified is None:
        return False
    if if_modified_since.strip() == last_modified.strip():
        return True
    # Clients may echo a later date of their own; HTTP says that is also "not modified".
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


class FakeFeedServer:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self.requests: list[tuple[str, dict[str, str]]] = []
        # (path, time.monotonic()) of every request as it arrived: when the bot polled.
        self.arrivals: list[tuple[str, float]] = []
        self._content: dict[str, _Content] = {}
        self._scripts: dict[str, deque[Reply]] = {}
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeFeedServer is already running")
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # Delayed replies are cut short by stop(), so a long grace period only hides bugs.
        self._runner, self._port = await serve(app, self.host, self._requested_port, 1.0)

    async def stop(self) -> None:
        self._stopping.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeFeedServer is not started")
        return self._port

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def set(
        self,
        path: str,
        body: bytes,
        *,
        last_modified: str | None = None,
        content_type: str = "application/json",
    ) -> None:
        self._content[path] = _Content(body, last_modified, content_type)

    def script(self, path: str, *replies: Reply) -> None:
        self._scripts.setdefault(path, deque()).extend(replies)

    def clear_script(self, path: str) -> None:
        """Drop the one-shot replies not yet served: the path answers its content again."""
        self._scripts.pop(path, None)

    def _lookup(self, path_qs: str, path: str) -> tuple[str, bool]:
        """The key a request maps to: its exact path with query if known, else without."""
        for key in (path_qs, path):
            if self._scripts.get(key):
                return key, True
            if key in self._content:
                return key, False
        return path_qs, False

    async def _trickle(self, request: web.Request, reply: Reply) -> web.StreamResponse:
        response = web.StreamResponse(status=reply.status, headers=reply.headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(reply.body), 64):
            if self._stopping.is_set():
                break
            try:
                await response.write(reply.body[start : start + 64])
            except ConnectionError:
                break  # the client gave up, as it should
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), reply.trickle)
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
        return response

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path_qs, _Headers(request.headers.items())))
        self.arrivals.append((request.path, time.monotonic()))
        key, scripted = self._lookup(request.path_qs, request.path)
        if scripted:
            reply = self._scripts[key].popleft()
            if reply.delay > 0:
                # Sleep on the stop event so a "hanging" reply never blocks shutdown.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), reply.delay)
            if reply.trickle > 0:
                return await self._trickle(request, reply)
            return web.Response(status=reply.status, body=reply.body, headers=reply.headers)
        content = self._content.get(key)
        if content is None:
            return web.Response(status=404, text="Not Found")
        headers = {"Content-Type": content.content_type}
        if content.last_modified is not None:
            headers["Last-Modified"] = content.last_modified
        if _not_modified(request.headers.get("If-Modified-Since"), content.last_modified):
            del headers["Content-Type"]
            return web.Response(status=304, headers=headers)
        return web.Response(status=200, body=content.body, headers=headers)
