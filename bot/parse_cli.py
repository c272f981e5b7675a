"""``python -m bot parse --kind KIND FILE``: what the bot reads in a saved feed answer.

Operators use it to debug a feed: save an answer (``curl ... > answer.json``) and see the
normalised records, one JSON object a line. Exit 0 on success, 1 when the file cannot be
read or the payload is not what the kind expects (the reason goes to stderr), 2 for an
unknown kind (the known ones are listed).

Every alert kind in :data:`feeds.kinds.KINDS` is printable as it is registered there, and
every outage kind through :data:`feeds.outages.printers.PRINTERS` (registered below). Other
payloads get a printer with :func:`register_printer` (or an entry in that dict): a function from
the answer's bytes to the dicts to print, raising :class:`feeds.model.FeedError` (or
``ValueError``) for a payload it cannot read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from feeds import regions, ukrainealarm
from feeds.kinds import KINDS
from feeds.model import FeedError, Observation
from feeds.outages.printers import PRINTERS as OUTAGE_PRINTERS

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_UNKNOWN_KIND = 2

Printer = Callable[[bytes], Iterable[dict[str, Any]]]

# kind -> printer, for payloads that are not alert feeds in KINDS (or to override one).
PRINTERS: dict[str, Printer] = {}


def register_printer(kind: str, printer: Printer) -> None:
    PRINTERS[kind] = printer


def observation_record(observation: Observation) -> dict[str, Any]:
    region = regions.get(observation.region_id)
    return {
        "region_id": observation.region_id,
        "region": region.name_uk if region is not None else observation.region_title,
        "kind": str(observation.kind),
        "active": True,  # a feed lists what is on; "off" is a region it leaves out
        "since": observation.since.isoformat() if observation.since else None,
        "level": observation.level,
        "threat": observation.threat,
        "partial": observation.partial,
    }


def observations_printer(parse: Callable[[bytes], list[Observation]]) -> Printer:
    def print_observations(body: bytes) -> Iterable[dict[str, Any]]:
        return [observation_record(o) for o in parse(body)]

    return print_observations


def _regions_printer(body: bytes) -> Iterable[dict[str, Any]]:
    return [
        {"region_id": r.id, "name": r.name, "type": r.type, "parent_id": r.parent_id}
        for r in ukrainealarm.parse_regions(body)
    ]


register_printer("ukrainealarm_regions", _regions_printer)
for _kind, _printer in OUTAGE_PRINTERS.items():
    register_printer(_kind, _printer)


def printers() -> dict[str, Printer]:
    """Every printable kind: the alert kinds, then the registered ones (outages, ...)."""
    found: dict[str, Printer] = {name: observations_printer(k.parse) for name, k in KINDS.items()}
    found.update(PRINTERS)
    return found


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    return Path(path).read_bytes()


def run_parse(kind: str, path: str, out: TextIO, err: TextIO) -> int:
    """Print the records of the answer saved at ``path`` (``-``: stdin); the exit code."""
    available = printers()
    printer = available.get(kind)
    if printer is None:
        err.write(f"unknown kind {kind!r}; known kinds: {', '.join(sorted(available))}\n")
        return EXIT_UNKNOWN_KIND
    try:
        body = _read(path)
    except OSError as exc:
        err.write(f"{path}: cannot read: {exc.strerror or exc}\n")
        return EXIT_BAD_INPUT
    try:
        # Materialised before printing: a bad payload prints nothing but its reason.
        records = list(printer(body))
    except (FeedError, ValueError) as exc:
        err.write(f"{path}: cannot read it as {kind}: {exc}\n")
        return EXIT_BAD_INPUT
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return EXIT_OK
