"""Normalised power-outage observations that every outage adapter produces.

A day's schedule is kept as one state per *real* half-hour of that Kyiv day (46 slots on the
spring DST day, 50 on the autumn one, 48 otherwise); see :mod:`feeds.outages.timeline`.

``Basis`` keeps apart what the providers keep apart:

- ``FACT``: the schedule the provider publishes for a date as the one in force (DTEK/LOE
  ``fact``, the LOE HTML schedule, Yasno v2 "planned-outages" today/tomorrow, Yasno v1
  ``dailySchedule``). Notifications and reminders are made from these only.
- ``PLANNED``: the provider's weekly template of *possible* outages (DTEK ``preset``, Yasno v2
  "probable-outages", Yasno v1 weekly ``schedule``), expanded onto the coming dates.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class SlotState(enum.StrEnum):
    """One half-hour: power on, off, or possibly off. Stored as one character."""

    ON = "+"
    OFF = "-"
    MAYBE = "?"


class Basis(enum.StrEnum):
    FACT = "fact"
    PLANNED = "planned"


# Every queue a Ukrainian supplier publishes, "group.subgroup" (Lviv: 1.1 … 6.2).
STANDARD_GROUPS: tuple[str, ...] = tuple(f"{g}.{s}" for g in range(1, 7) for s in (1, 2))


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """One group's schedule for one Kyiv day.

    ``slots`` holds one :class:`SlotState` character per real half-hour of the day.
    ``version`` is the provider's own version text (e.g. DTEK ``update``); ``published_at``
    the same moment in UTC where the provider gives one. ``status`` is a provider's day
    status where it has one (Yasno: ``ScheduleApplies``, ``WaitingForSchedule``…).
    """

    region_id: str
    group: str
    day: date
    basis: Basis
    slots: str
    version: str | None = None
    published_at: datetime | None = None
    status: str | None = None

    @property
    def key(self) -> tuple[str, str, date, Basis]:
        return (self.region_id, self.group, self.day, self.basis)


@dataclass(frozen=True, slots=True)
class Interval:
    """A run of equal slots, in UTC; ``end`` is exclusive."""

    start: datetime
    end: datetime
    state: SlotState


@dataclass(frozen=True, slots=True)
class OutageEvent:
    """An emergency (unplanned) outage the provider reports as current.

    ``key`` is stable across polls of the same source so the event is announced once.
    ``group`` is None when it concerns a place or a whole region rather than a queue.
    ``ends_at`` is the provider's expected restoration time, when it gives one.
    ``city``/``street``/``houses``: where the provider ties the outage to a street (LOE
    ``pw_accidents``), its own spelling of them, ``houses`` None when it lists none (the whole
    street). Such an outage goes to the chats whose address is on that street only.
    """

    key: str
    region_id: str
    group: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    place: str | None = None
    note: str | None = None
    city: str | None = None
    street: str | None = None
    houses: str | None = None


@dataclass(frozen=True, slots=True)
class Announcement:
    """A news item (RSS/Atom) or an alert message (CAP) from an outage-related feed."""

    key: str
    title: str
    link: str | None = None
    published_at: datetime | None = None
    summary: str | None = None
    # CAP only: Alert | Update | Cancel, and how serious; None for news items.
    msg_type: str | None = None
    severity: str | None = None
    expires_at: datetime | None = None
    area: str | None = None


@dataclass(slots=True)
class OutageReport:
    """Everything one answer of an outage source says.

    ``events`` is None when the answer says nothing about emergencies (a schedule page);
    an empty list means "no emergency outage now", which ends the ones reported before.
    """

    schedules: list[DaySchedule] = field(default_factory=list)
    events: list[OutageEvent] | None = None
    announcements: list[Announcement] = field(default_factory=list)
