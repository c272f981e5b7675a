"""A loopback HTTP server that sends exactly the bytes it is given: status line, headers and
body as written, lies included (a wrong Content-Length, codings the body does not have).
aiohttp's server (bot/demo/fakes/feed_server.py) corrects such things, so hostile answers need this.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Self


def response(status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode("latin-1") + b"Connection: close\r\n\r\n" + body


class RawHTTPServer:
    def __init__(self) -> None:
        self.replies: dict[str, bytes] = {}  # path (without query) -> the whole answer
        self.requests: list[str] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            target = head.split(b" ", 2)[1].decode("latin-1")
            path = target.split("?", 1)[0]
            self.requests.append(path)
            writer.write(self.replies.get(path, response(404, [("Content-Length", "0")], b"")))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
