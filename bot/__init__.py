"""The Telegram side of the alert relay: application, commands, rendering, delivery, CLI."""

import os

# Opt in to python-telegram-bot's coming behaviour (durations as timedelta, e.g.
# RetryAfter.retry_after) instead of a deprecation warning on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")
