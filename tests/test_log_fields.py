"""Every ``extra=`` field in the code base can be logged: none is a name ``logging`` reserves.

``Logger.makeRecord`` raises ``KeyError`` for an extra key that a ``LogRecord`` already has
(``created``, ``name``, ``msg``, ...), but only when the level is enabled: a debug-off test run
never sees it, production does, and the caller gets an exception instead of a log line."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "feeds", "storage")
# What makeRecord refuses: every attribute a record has, plus the two the formatter adds
# (taskName exists from Python 3.12 on; refuse it here too so an upgrade changes nothing).
RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def extra_keys() -> list[tuple[str, int, str | None]]:
    """(file, line, key) for every key of every ``extra=`` dict; key None if not a literal."""
    found: list[tuple[str, int, str | None]] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                for keyword in node.keywords:
                    if keyword.arg != "extra":
                        continue
                    where = (str(path.relative_to(ROOT)), keyword.value.lineno)
                    value = keyword.value
                    if isinstance(value, ast.Dict):
                        for key in value.keys:
                            literal = isinstance(key, ast.Constant) and isinstance(key.value, str)
                            found.append((*where, str(key.value) if literal else None))  # type: ignore[union-attr]
                    elif not isinstance(value, ast.Constant):
                        # A constant is no log call (pydantic's ConfigDict(extra="forbid")).
                        found.append((*where, None))
    return found


def test_no_extra_key_is_a_reserved_log_record_attribute() -> None:
    keys = extra_keys()
    assert len(keys) > 50, "the scan finds the code base's log calls"
    reserved = [f"{file}:{line}: {key!r}" for file, line, key in keys if key in RESERVED]
    assert reserved == [], "reserved LogRecord attribute used as an extra key"


def test_every_extra_key_is_a_literal_the_scan_can_check() -> None:
    opaque = [f"{file}:{line}" for file, line, key in extra_keys() if key is None]
    assert opaque == [], "extra= must be a dict literal with string keys"


def test_a_reserved_key_really_fails_with_info_enabled() -> None:
    """The scan guards a real failure: the same call raises once the level is on."""
    logger = logging.getLogger("alertbot.reserved-key-check")
    logger.setLevel(logging.INFO)
    try:
        try:
            logger.info("truce_set", extra={"created": True})
        except KeyError:
            pass
        else:
            raise AssertionError("logging accepted a reserved extra key")
    finally:
        logger.setLevel(logging.NOTSET)
