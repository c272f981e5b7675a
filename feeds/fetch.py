"""One HTTP fetch of a feed: hard timeout, conditional GET, size cap, clear failures.

The body is decoded here, not by httpx, so the size cap holds for the decoded bytes while they
are produced: a few kilobytes of gzip may inflate to gigabytes, and httpx inflates a whole
network chunk at once. Only one content coding is accepted; a stack of them (``gzip, gzip``)
has no use but to multiply that.
"""

from __future__ import annotations

import asyncio
import math
import zlib
from dataclasses import dataclass

import httpx

from feeds.model import FeedError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# The codings we can inflate with a cap (brotli would need a library that takes one).
ACCEPT_ENCODING = "gzip, deflate"
MAX_RETRY_AFTER = 3600.0
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


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
        seconds = float(value)
    except ValueError:
        return None
    # "inf" or "1e300" would stop the feed for good; "nan" would compare false everywhere.
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _validator(value: str | None) -> str | None:
    """An ETag or Last-Modified worth keeping: printable ASCII of sane length. Anything else
    cannot be sent back in a header (and a server sending it does not need a conditional GET)."""
    if value and len(value) <= 512 and value.isascii() and value.isprintable():
        return value
    return None


class _Inflater:
    """Incremental gzip/deflate decoding that never produces more than ``max_bytes``."""

    def __init__(self, coding: str, max_bytes: int) -> None:
        self._gzip = coding in ("gzip", "x-gzip")
        self._max = max_bytes
        self._size = 0
        self._started = False
        self._raw_deflate = False
        self._obj = self._new()

    def _new(self) -> zlib._Decompress:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def _take(self, piece: bytes, out: list[bytes]) -> None:
        self._size += len(piece)
        if self._size > self._max:
            raise FeedHTTPError(f"answer larger than {self._max} bytes when decoded")
        out.append(piece)

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        try:
            while data:
                if self._obj.eof:
                    if not self._gzip:
                        raise FeedHTTPError("data after the end of the deflate answer")
                    self._obj = self._new()  # gzip allows members one after another
                if not self._started and not self._gzip:
                    self._started = True
                    try:
                        piece = self._obj.decompress(data, self._max - self._size + 1)
                    except zlib.error:
                        # "deflate" servers often send it without the zlib wrapper.
                        self._raw_deflate = True
                        self._obj = self._new()
                        piece = self._obj.decompress(data, self._max - self._size + 1)
                else:
                    piece = self._obj.decompress(data, self._max - self._size + 1)
                self._take(piece, out)
                data = self._obj.unconsumed_tail or (
                    self._obj.unused_data if self._obj.eof else b""
                )
        except zlib.error as exc:
            raise FeedHTTPError(f"corrupt compressed answer: {exc}") from None
        return b"".join(out)

    def finish(self) -> bytes:
        if not self._obj.eof:
            raise FeedHTTPError("compressed answer cut short")
        return b""


def _coding(header: str | None) -> str | None:
    """The one content coding of an answer (None: identity); FeedHTTPError for a stack of
    codings or one we did not offer."""
    if not header:
        return None
    codings = [c for c in (p.strip().lower() for p in header.split(",")) if c and c != "identity"]
    if not codings:
        return None
    if len(codings) > 1:
        raise FeedHTTPError(f"stacked content encodings refused ({', '.join(codings)[:60]})")
    if codings[0] not in ("gzip", "x-gzip", "deflate"):
        raise FeedHTTPError(f"unsupported content encoding ({codings[0][:30]})")
    return codings[0]


async def _read(
    response: httpx.Response, etag: str | None, last_modified: str | None, max_bytes: int
) -> FetchResult:
    if response.status_code == 304:
        return FetchResult(None, etag, last_modified)
    if response.status_code != 200:
        raise FeedHTTPError(
            f"HTTP {response.status_code}",
            status=response.status_code,
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise FeedHTTPError(f"answer too large ({declared[:20]} bytes)")
    coding = _coding(response.headers.get("Content-Encoding"))
    inflater = _Inflater(coding, max_bytes) if coding else None
    chunks: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw():
        size += len(raw)
        if size > max_bytes:
            raise FeedHTTPError(f"answer larger than {max_bytes} bytes")
        chunks.append(inflater.feed(raw) if inflater else raw)
    if inflater:
        chunks.append(inflater.finish())
    return FetchResult(
        b"".join(chunks),
        _validator(response.headers.get("ETag")),
        _validator(response.headers.get("Last-Modified")),
    )


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
    request_headers["Accept-Encoding"] = ACCEPT_ENCODING
    etag, last_modified = _validator(etag), _validator(last_modified)
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(timeout):
            target = httpx.URL(url)
            for _hop in range(MAX_REDIRECTS + 1):
                # Redirects are followed here, not by httpx: it reads (and inflates, without
                # a cap) the body of every redirect answer; closing it unread costs nothing.
                async with client.stream(
                    "GET", target, headers=request_headers, follow_redirects=False
                ) as response:
                    if response.status_code not in _REDIRECTS:
                        return await _read(response, etag, last_modified, max_bytes)
                    location = response.headers.get("Location")
                    if not location:
                        raise FeedHTTPError(f"HTTP {response.status_code} without a Location")
                    following = response.url.join(location)
                if following.scheme not in ("http", "https"):
                    raise FeedHTTPError("redirected to an address that is not http(s)")
                if (following.scheme, following.host, following.port) != (
                    target.scheme,
                    target.host,
                    target.port,
                ):
                    # Another server: it gets neither the token nor our validators.
                    request_headers = {"Accept-Encoding": ACCEPT_ENCODING}
                target = following
            raise FeedHTTPError(f"more than {MAX_REDIRECTS} redirects")
    except TimeoutError:
        raise FeedHTTPError(f"no complete answer within {timeout:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise FeedHTTPError(f"{type(exc).__name__}: {exc}".rstrip(": ")[:300]) from None
