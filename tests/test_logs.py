"""Logs: one JSON object per line, and never a secret, wherever the secret hides."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from telegram.error import InvalidToken

from bot.logs import MIN_SECRET_LENGTH, Scrubber, setup_logging

TOKEN = "123456:SECRETTOKEN"
FEED_TOKEN = "feed-SECRET-9"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """Logging set up as the bot does it, into a buffer; the root logger is put back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    buffer = io.StringIO()
    setup_logging([TOKEN, FEED_TOKEN, ""], stream=buffer)
    try:
        yield buffer
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in noisy.items():
            logging.getLogger(name).setLevel(old)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    text = buffer.getvalue()
    assert text.endswith("\n")
    records = [json.loads(line) for line in text.splitlines()]
    for record in records:
        assert {"ts", "level", "logger", "event"} <= set(record)
    return records


def assert_clean(buffer: io.StringIO) -> None:
    assert TOKEN not in buffer.getvalue()
    assert FEED_TOKEN not in buffer.getvalue()
    assert "SECRET" not in buffer.getvalue()


def test_plain_event(stream: io.StringIO) -> None:
    logging.getLogger("bot.test").info("feed_ok", extra={"feed": "alerts-in-ua", "polls": 3})
    [record] = lines(stream)
    assert record["event"] == "feed_ok"
    assert record["level"] == "info"
    assert record["logger"] == "bot.test"
    assert (record["feed"], record["polls"]) == ("alerts-in-ua", 3)
    assert record["ts"].endswith("+00:00")


def test_token_in_the_message(stream: io.StringIO) -> None:
    logging.getLogger("bot.test").warning(f"GET https://api.telegram.org/bot{TOKEN}/getMe failed")
    [record] = lines(stream)
    assert record["event"] == "GET https://api.telegram.org/bot***/getMe failed"
    assert_clean(stream)


def test_token_in_the_arguments(stream: io.StringIO) -> None:
    logging.getLogger("telegram.ext").error("request to %s failed: %d", f"/bot{TOKEN}/x", 502)
    [record] = lines(stream)
    assert record["event"] == "request to /bot***/x failed: 502"
    assert_clean(stream)


def test_token_in_an_extra_field(stream: io.StringIO) -> None:
    log = logging.getLogger("bot.ingest.poller")
    log.warning("feed_failed", extra={"error": f"401 for token {FEED_TOKEN}", "feed": "a"})
    log.warning("feed_failed", extra={"headers": {"Authorization": f"Bearer {FEED_TOKEN}"}})
    log.warning("feed_failed", extra={"attempt": [TOKEN, 2]})
    first, second, third = lines(stream)
    assert first["error"] == "401 for token ***"
    assert first["feed"] == "a"
    assert second["headers"] == "{'Authorization': 'Bearer ***'}"
    assert third["attempt"] == "['***', 2]"
    assert_clean(stream)


def test_token_in_an_exception(stream: io.StringIO) -> None:
    log = logging.getLogger("bot.app")
    try:
        raise RuntimeError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getUpdates")
    except RuntimeError:
        log.exception("polling_failed")
    try:
        raise ValueError("no secret here")
    except ValueError:
        log.exception("plain_failure")
    withheld, plain = lines(stream)
    assert withheld["event"].startswith("polling_failed")
    assert withheld["level"] == "error"
    assert plain["exc"] == "ValueError: no secret here"
    assert_clean(stream)


def test_a_multiline_message_stays_one_line(stream: io.StringIO) -> None:
    logging.getLogger("bot.test").info("first\nsecond %s", TOKEN)
    [record] = lines(stream)
    assert record["event"] == "first\nsecond ***"
    assert len(stream.getvalue().splitlines()) == 1


def test_arguments_that_do_not_fit_neither_crash_nor_leak(stream: io.StringIO) -> None:
    logging.getLogger("bot.test").info("two values %s %s", TOKEN)
    [record] = lines(stream)
    assert record["event"].startswith("two values")
    assert_clean(stream)


def test_debug_is_off_and_noisy_libraries_are_quiet(stream: io.StringIO) -> None:
    logging.getLogger("bot.test").debug("hidden")
    logging.getLogger("httpx").info(f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/x")
    logging.getLogger("httpx").warning("shown")
    [record] = lines(stream)
    assert (record["logger"], record["event"]) == ("httpx", "shown")


def test_the_exception_text_and_traceback_are_scrubbed_not_lost(stream: io.StringIO) -> None:
    log = logging.getLogger("telegram.ext.Application")
    try:
        try:
            raise ConnectionError(f"POST https://api.telegram.org/bot{TOKEN}/getMe refused")
        except ConnectionError as cause:
            # PTB's own wording, with the token quoted, chained to the network error.
            raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.") from cause
    except InvalidToken:
        log.exception("start_failed")
    [record] = lines(stream)
    assert record["event"] == "start_failed"
    assert record["exc"] == "InvalidToken: The token `***` was rejected by the server."
    trace = record["traceback"]
    assert "ConnectionError: POST https://api.telegram.org/bot***/getMe refused" in trace
    assert "The above exception was the direct cause" in trace
    assert_clean(stream)


def test_an_exception_without_a_secret_keeps_its_traceback(stream: io.StringIO) -> None:
    try:
        dict[str, int]()["missing"]
    except KeyError:
        logging.getLogger("bot.test").exception("lookup_failed")
    [record] = lines(stream)
    assert record["exc"] == "KeyError: 'missing'"
    assert record["traceback"].startswith("Traceback (most recent call last):")
    assert record["traceback"].endswith("KeyError: 'missing'")


@pytest.mark.parametrize("short", ["t", "ou", "nte", "1234567"])
def test_a_short_secret_does_not_mangle_ordinary_words(short: str) -> None:
    buffer = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    setup_logging([TOKEN, short], stream=buffer)
    try:
        logging.getLogger("bot.test").info(
            "Content of the outbox 1234567", extra={"note": "Content"}
        )
        logging.getLogger("bot.test").info("token %s", TOKEN)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    first, second = lines(buffer)
    assert first["event"] == "Content of the outbox 1234567"
    assert first["note"] == "Content"
    assert second["event"] == "token ***"


def test_exactly_the_minimum_length_is_scrubbed() -> None:
    assert MIN_SECRET_LENGTH == 8
    scrub = Scrubber(["12345678", "1234567", "12345678-longer"])
    assert scrub("a 12345678-longer b 12345678 c 1234567") == "a *** b *** c 1234567"
