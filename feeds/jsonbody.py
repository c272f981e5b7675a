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
    as it would decoded with the rest of the answer. (A change in a field the parser ignores
    also makes a new record: cheap, and nothing to keep in step with the parser.)
    """

    def __init__(
        self, parse: Callable[[Any], T], *, limit: int = 20_000, max_bytes: int = 32 << 20
    ) -> None:
        self._parse = parse
        self._limit = limit
        self._max_bytes = max_bytes
        self._seen: dict[bytes, T] = {}
        self._bytes = 0

    def all(self, raws: list[msgspec.Raw]) -> list[T]:
        """What each record parsed to, in order. The records not seen before are decoded in
        one call (a feed's first answer is all new records)."""
        texts = [bytes(raw) for raw in raws]
        seen = self._seen
        new = list(dict.fromkeys(text for text in texts if text not in seen))
        if not new:
            return [seen[text] for text in texts]
        try:
            decoded = orjson.loads(b"[" + b",".join(new) + b"]")
        except orjson.JSONDecodeError as exc:
            # Its position would point into the joined records, not the answer.
            raise FeedFormatError(f"invalid JSON in a record: {exc.msg}") from None
        parsed = {text: self._parse(item) for text, item in zip(new, decoded, strict=True)}
        found = [parsed[text] if text in parsed else seen[text] for text in texts]
        size = sum(map(len, new))
        if len(seen) + len(new) > self._limit or self._bytes + size > self._max_bytes:
            seen.clear()
            self._bytes = 0
        if len(new) <= self._limit and size <= self._max_bytes:
            seen.update(parsed)
            self._bytes += size
        return found

    def __len__(self) -> int:
        return len(self._seen)
