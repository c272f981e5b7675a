"""Reading a source: the default is one conditional GET and a parse; a kind may do more
(e.g. ask a cheap change index first) by providing its own reader."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx

from feeds.fetch import DEFAULT_MAX_BYTES, fetch
from feeds.model import Observation


@dataclass(frozen=True, slots=True)
class CacheState:
    """What a source remembers between polls (stored with the feed)."""

    etag: str | None = None
    last_modified: str | None = None
    marker: str | None = None  # a kind's own change marker, e.g. ukrainealarm's lastActionIndex


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ReadResult(Generic[T]):
    """What a source said: ``parsed`` (an alert feed's observations, an outage feed's report)
    is None when the source says nothing changed since ``cache``."""

    parsed: T | None
    cache: CacheState


@dataclass(frozen=True, slots=True)
class ReadRequest:
    client: httpx.AsyncClient
    url: str
    token: str | None
    cache: CacheState
    timeout: float
    max_bytes: int = DEFAULT_MAX_BYTES


SourceReader = Callable[[ReadRequest], Awaitable[ReadResult[T]]]
# An alert feed's reader (feeds/kinds.py).
Reader = SourceReader[list[Observation]]


def conditional_reader(
    parse: Callable[[bytes], T],
    headers: Callable[[str | None], dict[str, str]],
) -> SourceReader[T]:
    """One GET with If-None-Match/If-Modified-Since; a 304 means unchanged."""

    async def read(request: ReadRequest) -> ReadResult[T]:
        result = await fetch(
            request.client,
            request.url,
            headers=headers(request.token),
            etag=request.cache.etag,
            last_modified=request.cache.last_modified,
            timeout=request.timeout,
            max_bytes=request.max_bytes,
        )
        cache = CacheState(result.etag, result.last_modified, request.cache.marker)
        if result.body is None:
            return ReadResult(None, cache)
        return ReadResult(parse(result.body), cache)

    return read
