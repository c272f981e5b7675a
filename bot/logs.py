"""Structured logs: one JSON object per line, with secrets scrubbed before anything is written."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

# Shorter secrets are not scrubbed: replacing a 1-4 character string wherever it occurs turns
# ordinary words into "Conte***t" and hides nothing (check-config warns about such tokens).
MIN_SECRET_LENGTH = 8

# Where the scrubber leaves the exception it has cleaned; the formatter reads them.
_EXC_ATTR = "_alertbot_exc"
_TRACE_ATTR = "_alertbot_trace"


class Scrubber:
    """Replaces each known secret of at least :data:`MIN_SECRET_LENGTH` characters by ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first: a secret that contains another is replaced whole.
        unique = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
        self.secrets = sorted(unique, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def __bool__(self) -> bool:
        return bool(self.secrets)


def exception_summary(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def exception_trace(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)).rstrip("\n")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value if isinstance(value, int | float | bool | None) else str(value)
        summary, trace = getattr(record, _EXC_ATTR, None), getattr(record, _TRACE_ATTR, None)
        if summary is None and record.exc_info and record.exc_info[1] is not None:
            summary = exception_summary(record.exc_info[1])
            trace = exception_trace(record.exc_info[1])
        if summary is not None:
            payload["exc"] = summary
            payload["traceback"] = trace
        return json.dumps(payload, ensure_ascii=False)


class SecretFilter(logging.Filter):
    """Replaces every known secret in the record, whichever library produced it: the message,
    its arguments, extra fields, the exception's text and its traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.scrub = Scrubber(secrets)

    @property
    def secrets(self) -> list[str]:
        return self.scrub.secrets

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # Arguments that do not fit the message: logging would print them raw to stderr.
            record.msg = f"{record.msg} (arguments withheld: they do not fit the message)"
            record.args = None
            message = record.getMessage()
        if not self.scrub:
            return True
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        for key, value in extras.items():
            if isinstance(value, str):
                setattr(record, key, self.scrub(value))
            elif not isinstance(value, int | float | bool | None):
                # The formatter writes other values as str(value): a dict of headers, say.
                text = str(value)
                if self.scrub(text) != text:
                    setattr(record, key, self.scrub(text))
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            summary, trace = exception_summary(exc), exception_trace(exc)
            setattr(record, _EXC_ATTR, self.scrub(summary))
            setattr(record, _TRACE_ATTR, self.scrub(trace))
            if self.scrub(trace) != trace or self.scrub(summary) != summary:
                # No other handler may format the raw exception: keep only the cleaned copy.
                record.exc_info, record.exc_text = None, None
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


def setup_logging(
    secrets: Iterable[str] = (), *, level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(SecretFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the Bot API URL contains the token.
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
