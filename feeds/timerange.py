"""The times the bot accepts from anywhere (commands, feeds, imports): 2000-01-01 up to
2100-01-01 UTC.

Outside this range a time is a typo or junk, and worse: a time near ``datetime.max`` cannot be
shown in Kyiv time (the conversion overflows), so one such value once stopped every message
that mentioned it. Every place a time comes in checks it here; a time outside is treated as
unreadable.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive
EARLIEST_YEAR = EARLIEST.year
LATEST_YEAR = LATEST.year


def in_range(moment: datetime) -> bool:
    """True if ``moment`` lies in [2000-01-01, 2100-01-01) UTC; a naive time is read as UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    # Comparing aware times subtracts offsets without converting, so this never overflows.
    return EARLIEST <= moment < LATEST


def day_in_range(day: date) -> bool:
    return EARLIEST.date() <= day < LATEST.date()


def checked(moment: datetime | None) -> datetime | None:
    """``moment`` if it is in range, else None (the caller treats it as unreadable)."""
    return moment if moment is not None and in_range(moment) else None
