"""One HTTP fetch of a feed: hard timeout, conditional GET, size cap, clear failures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from feeds.model import FeedError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FetchResult:
    """``body`` is None when the server answered 304 Not Modified."""

    body: bytes | None
    etag: str | None
    last_modified: str | None


class FeedHTTPError(FeedError):
    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 10.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FetchResult:
    """GET ``url``; raise :class:`FeedHTTPError` for anything but 200 or 304.

    Error messages never include request headers, so a token in a header cannot leak into logs.
    """
    request_headers = dict(headers or {})
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(timeout):
            async with client.stream("GET", url, headers=request_headers) as response:
                if response.status_code == 304:
                    return FetchResult(None, etag, last_modified)
                if response.status_code != 200:
                    raise FeedHTTPError(
                        f"HTTP {response.status_code}",
                        status=response.status_code,
                        retry_after=_retry_after(response.headers.get("Retry-After")),
                    )
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FeedHTTPError(f"answer too large ({declared} bytes)")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FeedHTTPError(f"answer larger than {max_bytes} bytes")
                    chunks.append(chunk)
                return FetchResult(
                    b"".join(chunks),
                    response.headers.get("ETag"),
                    response.headers.get("Last-Modified"),
                )
    except TimeoutError:
        raise FeedHTTPError(f"no complete answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise FeedHTTPError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None
