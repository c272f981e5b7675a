"""Decoding a feed's JSON answer.

orjson, because a national alerts answer is close to a megabyte and the standard library's
decoder alone took most of the 20 ms a poll may cost (bench/parse_diff.py).
"""

from __future__ import annotations

from typing import Any

import orjson

from feeds.model import FeedFormatError


def loads(body: bytes) -> Any:
    """The decoded answer; :class:`FeedFormatError` for anything that is not JSON (including
    invalid UTF-8 and nesting deeper than 1024 levels)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise FeedFormatError(f"invalid JSON: {exc}") from None
