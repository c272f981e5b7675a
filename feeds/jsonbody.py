"""Decoding a feed's JSON answer.

orjson, because a national alerts answer is close to a megabyte and the standard library's
decoder alone took most of the 20 ms a poll may cost (bench/parse_diff.py).

A national answer also repeats the same 1,600 records poll after poll. :func:`items` splits an
answer's list into the records' undecoded JSON texts (msgspec's ``Raw``: the split checks the
syntax but builds no objects) and a :class:`RecordCache` parses each text once; a repeated
answer then costs a fifth of decoding it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import msgspec
import orjson

from feeds.model import FeedFormatError

T = TypeVar("T")


def loads(body: bytes) -> Any:
    """The decoded answer; :class:`FeedFormatError` for anything that is not JSON (including
    invalid UTF-8 and nesting deeper than 1024 levels)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise FeedFormatError(f"invalid JSON: {exc}") from None


_LIST = msgspec.json.Decoder(list[msgspec.Raw])


def items(body: bytes, field: str | None = None) -> list[msgspec.Raw] | None:
    """The elements of the answer's list (with ``field``: of that field of the answer's
    object), undecoded; ``None`` when the answer is JSON of another shape (decode it with
    :func:`loads` to say what it is). :class:`FeedFormatError` when it is not JSON."""
    decoder = _LIST if field is None else _field_decoder(field)
    try:
        decoded = decoder.decode(body)
    except msgspec.ValidationError:
        return None
    except (msgspec.DecodeError, RecursionError) as exc:
        reason = "nested too deep" if isinstance(exc, RecursionError) else str(exc)
        raise FeedFormatError(f"invalid JSON: {reason}") from None
    found: list[msgspec.Raw] = decoded if field is None else getattr(decoded, field)
    return found


@functools.cache
def _field_decoder(field: str) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(msgspec.defstruct("Envelope", [(field, list[msgspec.Raw])]))


class RecordCache(Generic[T]):
    """What each record (by its exact JSON text) parsed to.

    The key is the whole text, so any change to a record, in any field, is a new record.
    Bounded by count and by bytes (a hostile feed could send few, huge records): emptied when
    it outgrows a few full answers. A record that is not JSON raises :class:`FeedFormatError`,
    as it would decoded with the rest of the answer.
    """

    def __init__(
        self, parse: Callable[[Any], T], *, limit: int = 20_000, max_bytes: int = 32 << 20
    ) -> None:
        self._parse = parse
        self._limit = limit
        self._max_bytes = max_bytes
        self._seen: dict[bytes, T] = {}
        self._bytes = 0

    def __call__(self, raw: msgspec.Raw) -> T:
        text = bytes(raw)
        try:
            return self._seen[text]
        except KeyError:
            pass
        parsed = self._parse(loads(text))
        if len(self._seen) >= self._limit or self._bytes + len(text) > self._max_bytes:
            self._seen.clear()
            self._bytes = 0
        self._seen[text] = parsed
        self._bytes += len(text)
        return parsed

    def __len__(self) -> int:
        return len(self._seen)
