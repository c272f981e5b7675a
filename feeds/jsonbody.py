"""Decoding a feed's JSON answer.

orjson, because a national alerts answer is close to a megabyte and the standard library's
decoder alone took most of the 20 ms a poll may cost (bench/parse_diff.py).

A national answer also repeats the same 1,600 records poll after poll. :func:`items` splits an
answer's list into the records' undecoded JSON texts (msgspec's ``Raw``: the split checks the
syntax but builds no objects) and a :class:`RecordCache` parses each text once; a repeated
answer then costs a fifth of decoding it.

An object with the same key twice is malformed: both fast decoders keep the last value, so
``{"alerts": [Lviv], "alerts": []}`` would read as "nothing active", a false all clear. The
check uses the standard library's decoder (which hands each object's pairs to a hook) only on
what is new: the answer's envelope without its record list, and the records not seen before.
A repeated answer stays as cheap as it was.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import msgspec
import orjson

from feeds.model import FeedFormatError

T = TypeVar("T")


class DuplicateKey(ValueError):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise DuplicateKey(f"the key {key[:40]!r} appears twice in one object")
            seen.add(key)
    return found


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_loads(text: bytes | str) -> Any:
    """JSON with every object's keys checked for repeats (DuplicateKey, a ValueError); the
    standard library's decoder, for answers that are small or parsed once."""
    return json.loads(text, object_pairs_hook=_unique, parse_constant=_constant)


def _check_unique(text: bytes) -> None:
    try:
        strict_loads(text)
    except DuplicateKey as exc:
        raise FeedFormatError(f"malformed JSON: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise FeedFormatError(f"invalid JSON: {str(exc)[:200]}") from None


def loads(body: bytes) -> Any:
    """The decoded answer; :class:`FeedFormatError` for anything that is not JSON (including
    invalid UTF-8, nesting deeper than 1024 levels and a key repeated in an object)."""
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise FeedFormatError(f"invalid JSON: {exc}") from None
    _check_unique(body)
    return decoded


_LIST = msgspec.json.Decoder(list[msgspec.Raw])


def items(body: bytes, field: str | None = None) -> list[msgspec.Raw] | None:
    """The elements of the answer's list (with ``field``: of that field of the answer's
    object), undecoded; ``None`` when the answer is JSON of another shape (decode it with
    :func:`loads` to say what it is). :class:`FeedFormatError` when it is not JSON."""
    try:
        if field is None:
            return _LIST.decode(body)
        listed: msgspec.Raw = getattr(_field_decoder(field).decode(body), field)
        found: list[msgspec.Raw] = _LIST.decode(listed)
    except msgspec.ValidationError:
        return None
    except (msgspec.DecodeError, RecursionError) as exc:
        reason = "nested too deep" if isinstance(exc, RecursionError) else str(exc)
        raise FeedFormatError(f"invalid JSON: {reason}") from None
    # The envelope without the list (the records are checked as RecordCache meets them).
    # The list's text found first is the list itself, or an identical value whose keys
    # are then checked with the rest: either way every key of the envelope is.
    # (Its first bytes are found and the rest compared: a search for all of it costs more
    # than the rest of a repeated answer.)
    view = memoryview(listed)
    start = body.find(view[:64])
    if start < 0 or not body.startswith(view, start):
        start = body.find(view)
    _check_unique(body[:start] + b"[]" + body[start + len(view) :])
    return found


@functools.cache
def _field_decoder(field: str) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(msgspec.defstruct("Envelope", [(field, msgspec.Raw)]))


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
            # The standard decoder: it sees each object's keys (a repeated one is malformed).
            decoded = strict_loads(b"[" + b",".join(new) + b"]")
        except DuplicateKey as exc:
            raise FeedFormatError(f"malformed JSON in a record: {exc}") from None
        except (ValueError, RecursionError) as exc:
            # Its position would point into the joined records, not the answer.
            reason = str(exc).split(": line ", 1)[0][:200]
            raise FeedFormatError(f"invalid JSON in a record: {reason}") from None
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
