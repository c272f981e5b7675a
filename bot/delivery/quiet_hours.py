"""Quiet hours: a chat's window (Kyiv time) in which its messages come without sound.

Nothing is dropped or delayed: a message in the window goes at once with
``disable_notification``. Air-raid alerts (start, threat update, all clear) in the chat's own
regions stay loud, unless the chat has turned that off with a confirmed command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

KYIV = ZoneInfo("Europe/Kyiv")
_WINDOW = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class Window:
    start: time
    end: time

    def text(self) -> tuple[str, str]:
        return self.start.strftime("%H:%M"), self.end.strftime("%H:%M")

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` (aware) falls in the window, in Kyiv time; a window that
        crosses midnight (23:00-07:00) wraps."""
        now = moment.astimezone(KYIV).time().replace(second=0, microsecond=0)
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end


def parse_window(text: str) -> Window | None:
    """ "23:00-07:00" (also "23.00–7.00"); None if malformed, empty or of zero length."""
    match = _WINDOW.match(text)
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        return None
    if (h1, m1) == (h2, m2):
        return None
    return Window(time(h1, m1), time(h2, m2))


def stored_window(quiet_from: str | None, quiet_to: str | None) -> Window | None:
    if not quiet_from or not quiet_to:
        return None
    return parse_window(f"{quiet_from}-{quiet_to}")


def silent(
    now: datetime,
    quiet_from: str | None,
    quiet_to: str | None,
    alerts_silent: bool,
    *,
    air_raid_alert: bool,
) -> bool:
    """Whether a message to a chat goes without sound now (``disable_notification``)."""
    window = stored_window(quiet_from, quiet_to)
    if window is None or not window.contains(now):
        return False
    return alerts_silent or not air_raid_alert
