"""Structured logs: one JSON object per line, with secrets scrubbed before anything is written."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


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
        if record.exc_info and record.exc_info[0] is not None:
            payload["exc"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
        return json.dumps(payload, ensure_ascii=False)


class SecretFilter(logging.Filter):
    """Replaces every known secret in the final line, whichever library produced it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:
            # Arguments that do not fit the message: logging would print them raw to stderr.
            record.msg = f"{record.msg} (arguments withheld: they do not fit the message)"
            record.args = None
            message = record.getMessage()
        scrubbed = self._scrub(message)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        for key, value in extras.items():
            if isinstance(value, str):
                setattr(record, key, self._scrub(value))
            elif not isinstance(value, int | float | bool | None):
                # The formatter writes other values as str(value): a dict of headers, say.
                text = str(value)
                if self._scrub(text) != text:
                    setattr(record, key, self._scrub(text))
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and record.exc_info[1] is not None:
            text = str(record.exc_info[1])
            for secret in self.secrets:
                if secret in text:
                    # Keep the type, drop a message that quotes a secret (e.g. a URL with a token).
                    record.exc_info = None
                    record.msg = f"{record.getMessage()} (error text withheld: contains a secret)"
                    record.args = None
                    break
        return True

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


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
