"""Telegram's limit on one message, and shortening what would not fit.

A message over 4,096 characters is refused by Telegram (400 "message is too long"): a command
reply would turn into the internal-error reply, a queued alert would fail for good. Every
text the bot sends passes :func:`fit_message`; text a user typed and the bot repeats passes
:func:`shorten` first, so the reply stays readable too.
"""

from __future__ import annotations

MAX_MESSAGE = 4096  # characters (Bot API sendMessage)
ECHO_LIMIT = 64  # characters of a user's own input repeated in a reply
ELLIPSIS = "…"


def shorten(value: str, limit: int = ECHO_LIMIT) -> str:
    """``value`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    if len(value) <= limit:
        return value
    return value[: max(limit - 1, 0)] + ELLIPSIS


def utf16_length(text: str) -> int:
    """The length as Telegram counts it (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def fit_message(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` within one Telegram message: a longer one is cut at a line break if one is
    near the end, and marked with an ellipsis."""
    if len(text) <= limit // 2 or utf16_length(text) <= limit:
        return text
    units, end = 0, 0
    for end, char in enumerate(text):  # noqa: B007 - end is used after the loop
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit - 1:
            break
    head = text[:end]
    cut = head.rfind("\n")
    if cut >= limit // 2:
        head = head[:cut]
    return head.rstrip() + ELLIPSIS
