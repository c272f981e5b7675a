"""The outage store: schedules with change detection, emergency events, news, and per-chat
follows, settings and sent-notice markers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from feeds.outages import address as addresses
from feeds.outages.address import Address
from feeds.outages.model import (
    Announcement,
    Basis,
    DaySchedule,
    OutageEvent,
    SlotState,
)
from feeds.outages.timeline import intervals
from storage.models import Chat, Feed
from storage.outage_models import (
    OutageAddress,
    OutageEventRow,
    OutageFollow,
    OutageInterval,
    OutageNews,
    OutageNotice,
    OutagePrefs,
    OutageSchedule,
)

KEEP_DAYS = 3
NEWS_MAX_AGE = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    """A schedule first published (``old`` None) or changed in content."""

    region_id: str
    group: str
    day: date
    basis: Basis
    old: str | None
    new: str
    version: str | None


@dataclass(frozen=True, slots=True)
class EventChange:
    """An emergency outage that started, ended or got a new expected restoration time."""

    transition: str  # start | end | update
    region_id: str
    group: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    place: str | None
    note: str | None
    # Street-level outages (see OutageEvent): who gets them is decided by these.
    city: str | None = None
    street: str | None = None
    houses: str | None = None


def _newer_or_same(new: datetime | None, old: datetime | None) -> bool:
    return new is None or old is None or new >= old


async def _replace_intervals(session: AsyncSession, row: OutageSchedule) -> None:
    await session.execute(delete(OutageInterval).where(OutageInterval.schedule_id == row.id))
    for run in intervals(row.day, row.slots):
        if run.state != SlotState.ON:
            session.add(
                OutageInterval(
                    schedule_id=row.id, starts_at=run.start, ends_at=run.end, state=run.state.value
                )
            )


async def apply_schedules(
    session: AsyncSession, source: str, schedules: Sequence[DaySchedule], now: datetime
) -> list[ScheduleChange]:
    """Store a report's schedules; return the ones that are new or changed in content.

    Re-publishing identical slots (a new version string, a new time stamp) only refreshes
    the version. An answer older than what is stored (by the provider's own publication
    time; e.g. a mirror lagging behind the official site) changes nothing.
    """
    if not schedules:
        return []
    regions = {s.region_id for s in schedules}
    days = {s.day for s in schedules}
    rows = (
        await session.scalars(
            select(OutageSchedule).where(
                OutageSchedule.region_id.in_(regions), OutageSchedule.day.in_(days)
            )
        )
    ).all()
    stored = {(r.region_id, r.grp, r.day, r.basis): r for r in rows}
    changes: list[ScheduleChange] = []
    for schedule in schedules:
        row = stored.get((schedule.region_id, schedule.group, schedule.day, schedule.basis.value))
        if row is None:
            row = OutageSchedule(
                region_id=schedule.region_id,
                grp=schedule.group,
                day=schedule.day,
                basis=schedule.basis.value,
                slots=schedule.slots,
                version=schedule.version,
                published_at=schedule.published_at,
                status=schedule.status,
                source=source,
                changed_at=now,
            )
            session.add(row)
            await session.flush()
            await _replace_intervals(session, row)
            stored[(row.region_id, row.grp, row.day, row.basis)] = row
            changes.append(_change(schedule, None))
            continue
        if not _newer_or_same(schedule.published_at, row.published_at):
            continue
        row.version = schedule.version
        row.published_at = schedule.published_at
        row.status = schedule.status
        row.source = source
        if row.slots == schedule.slots:
            continue
        old = row.slots
        row.slots = schedule.slots
        row.changed_at = now
        await _replace_intervals(session, row)
        changes.append(_change(schedule, old))
    await session.flush()
    return changes


def _change(schedule: DaySchedule, old: str | None) -> ScheduleChange:
    return ScheduleChange(
        schedule.region_id,
        schedule.group,
        schedule.day,
        schedule.basis,
        old,
        schedule.slots,
        schedule.version,
    )


async def forget_old(session: AsyncSession, today: date) -> None:
    cutoff = today - timedelta(days=KEEP_DAYS)
    await session.execute(delete(OutageSchedule).where(OutageSchedule.day < cutoff))


async def apply_events(
    session: AsyncSession, source: str, events: Sequence[OutageEvent] | None, now: datetime
) -> list[EventChange]:
    """Store a source's current emergency outages; the ones it no longer reports end."""
    if events is None:
        return []
    active = {
        row.key: row
        for row in (
            await session.scalars(
                select(OutageEventRow).where(
                    OutageEventRow.source == source, OutageEventRow.ended_at.is_(None)
                )
            )
        ).all()
    }
    changes: list[EventChange] = []
    seen: set[str] = set()
    for event in events:
        if event.key in seen:
            continue
        seen.add(event.key)
        row = active.get(event.key)
        if row is None:
            row = await session.scalar(
                select(OutageEventRow).where(
                    OutageEventRow.source == source, OutageEventRow.key == event.key
                )
            )
            if row is None:
                row = OutageEventRow(source=source, key=event.key, first_seen_at=now)
                session.add(row)
            row.ended_at = None
            _fill(row, event, now)
            changes.append(_event_change("start", row))
            continue
        moved = row.ends_at != event.ends_at
        _fill(row, event, now)
        if moved:
            changes.append(_event_change("update", row))
    for key, row in active.items():
        if key not in seen:
            row.ended_at = now
            changes.append(_event_change("end", row))
    await session.flush()
    return changes


def _fill(row: OutageEventRow, event: OutageEvent, now: datetime) -> None:
    row.region_id = event.region_id
    row.grp = event.group
    row.starts_at = event.starts_at
    row.ends_at = event.ends_at
    row.place = event.place
    row.note = event.note
    row.city = event.city
    row.street = event.street
    row.houses = event.houses
    row.last_seen_at = now


def _event_change(transition: str, row: OutageEventRow) -> EventChange:
    return EventChange(
        transition,
        row.region_id,
        row.grp,
        row.starts_at,
        row.ends_at,
        row.place,
        row.note,
        row.city,
        row.street,
        row.houses,
    )


async def active_events(session: AsyncSession, region_id: str) -> list[OutageEventRow]:
    return list(
        (
            await session.scalars(
                select(OutageEventRow)
                .where(OutageEventRow.region_id == region_id, OutageEventRow.ended_at.is_(None))
                .order_by(OutageEventRow.starts_at, OutageEventRow.id)
            )
        ).all()
    )


async def apply_news(
    session: AsyncSession, source: str, items: Sequence[Announcement], now: datetime
) -> list[Announcement]:
    """Remember news items; return the ones to announce.

    The first answer of a source is only remembered (a new feed must not replay its whole
    backlog), and items older than two days are never announced.
    """
    if not items:
        return []
    known_before = await session.scalar(
        select(func.count()).select_from(OutageNews).where(OutageNews.source == source)
    )
    keys = {
        key
        for key in (
            await session.scalars(
                select(OutageNews.key).where(
                    OutageNews.source == source, OutageNews.key.in_([i.key for i in items])
                )
            )
        ).all()
    }
    fresh = []
    for item in items:
        if item.key in keys:
            continue
        keys.add(item.key)
        session.add(
            OutageNews(
                source=source,
                key=item.key[:255],
                title=item.title,
                published_at=item.published_at,
                first_seen_at=now,
            )
        )
        recent = item.published_at is None or now - item.published_at <= NEWS_MAX_AGE
        if known_before and recent:
            fresh.append(item)
    await session.flush()
    return fresh


# --- reading schedules ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    region_id: str
    group: str
    day: date
    basis: Basis
    slots: str
    version: str | None
    published_at: datetime | None
    status: str | None
    source: str
    changed_at: datetime


def _stored(row: OutageSchedule) -> StoredSchedule:
    return StoredSchedule(
        row.region_id,
        row.grp,
        row.day,
        Basis(row.basis),
        row.slots,
        row.version,
        row.published_at,
        row.status,
        row.source,
        row.changed_at,
    )


async def schedules_for(
    session: AsyncSession, region_id: str, group: str, days: Iterable[date]
) -> dict[tuple[date, Basis], StoredSchedule]:
    rows = (
        await session.scalars(
            select(OutageSchedule).where(
                OutageSchedule.region_id == region_id,
                OutageSchedule.grp == group,
                OutageSchedule.day.in_(list(days)),
            )
        )
    ).all()
    return {(r.day, Basis(r.basis)): _stored(r) for r in rows}


async def known_groups(session: AsyncSession, region_id: str) -> set[str]:
    return set(
        (
            await session.scalars(
                select(OutageSchedule.grp).where(OutageSchedule.region_id == region_id).distinct()
            )
        ).all()
    )


async def last_good_poll(session: AsyncSession, sources: Iterable[str]) -> datetime | None:
    """The latest successful poll among the feeds that serve a region."""
    names = list(sources)
    if not names:
        return None
    return await session.scalar(select(func.max(Feed.last_success_at)).where(Feed.name.in_(names)))


async def groups_due(
    session: AsyncSession, earliest: datetime, latest: datetime
) -> set[tuple[str, str]]:
    """(region, group) pairs with a fact off-run starting or ending in [earliest, latest]."""
    rows = (
        await session.execute(
            select(OutageSchedule.region_id, OutageSchedule.grp)
            .join(OutageInterval, OutageInterval.schedule_id == OutageSchedule.id)
            .where(
                OutageSchedule.basis == Basis.FACT.value,
                OutageInterval.state == SlotState.OFF.value,
                or_(
                    OutageInterval.starts_at.between(earliest, latest),
                    OutageInterval.ends_at.between(earliest, latest),
                ),
            )
            .distinct()
        )
    ).all()
    return {(r[0], r[1]) for r in rows}


# --- chats: follows, settings, sent notices ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Prefs:
    mute_scheduled: bool = False
    mute_emergency: bool = False
    reminder_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class Follower:
    chat_id: int
    lang: str | None
    group: str
    prefs: Prefs


async def follow(
    session: AsyncSession, chat_id: int, region_id: str, group: str, now: datetime
) -> bool:
    if await session.get(OutageFollow, (chat_id, region_id, group)) is not None:
        return False
    session.add(OutageFollow(chat_id=chat_id, region_id=region_id, grp=group, created_at=now))
    await session.flush()
    return True


async def unfollow(
    session: AsyncSession, chat_id: int, region_id: str | None = None, group: str | None = None
) -> int:
    statement = delete(OutageFollow).where(OutageFollow.chat_id == chat_id)
    if region_id is not None:
        statement = statement.where(OutageFollow.region_id == region_id)
    if group is not None:
        statement = statement.where(OutageFollow.grp == group)
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def follows(session: AsyncSession, chat_id: int) -> list[tuple[str, str]]:
    rows = (
        await session.execute(
            select(OutageFollow.region_id, OutageFollow.grp)
            .where(OutageFollow.chat_id == chat_id)
            .order_by(OutageFollow.created_at, OutageFollow.region_id, OutageFollow.grp)
        )
    ).all()
    return [(r[0], r[1]) for r in rows]


async def followers(
    session: AsyncSession, region_id: str, groups: Iterable[str] | None = None
) -> list[Follower]:
    """Active chats following ``region_id`` (only ``groups``, if given), one row per group."""
    statement = (
        select(OutageFollow.chat_id, OutageFollow.grp, Chat.lang, OutagePrefs)
        .join(Chat, Chat.chat_id == OutageFollow.chat_id)
        .outerjoin(OutagePrefs, OutagePrefs.chat_id == OutageFollow.chat_id)
        .where(OutageFollow.region_id == region_id, Chat.active.is_(True))
        .order_by(OutageFollow.chat_id, OutageFollow.grp)
    )
    if groups is not None:
        statement = statement.where(OutageFollow.grp.in_(list(groups)))
    result = []
    for chat_id, group, lang, prefs in (await session.execute(statement)).all():
        result.append(Follower(chat_id, lang, group, _prefs(prefs)))
    return result


def _prefs(row: OutagePrefs | None) -> Prefs:
    if row is None:
        return Prefs()
    return Prefs(row.mute_scheduled, row.mute_emergency, row.reminder_minutes)


async def get_prefs(session: AsyncSession, chat_id: int) -> Prefs:
    return _prefs(await session.get(OutagePrefs, chat_id))


async def _prefs_row(session: AsyncSession, chat_id: int) -> OutagePrefs:
    row = await session.get(OutagePrefs, chat_id)
    if row is None:
        row = OutagePrefs(chat_id=chat_id, mute_scheduled=False, mute_emergency=False)
        session.add(row)
    return row


async def set_mutes(
    session: AsyncSession,
    chat_id: int,
    *,
    mute_scheduled: bool | None = None,
    mute_emergency: bool | None = None,
) -> Prefs:
    """Change the given mute flags (None leaves one as it is)."""
    row = await _prefs_row(session, chat_id)
    if mute_scheduled is not None:
        row.mute_scheduled = mute_scheduled
    if mute_emergency is not None:
        row.mute_emergency = mute_emergency
    await session.flush()
    return _prefs(row)


async def set_reminder(session: AsyncSession, chat_id: int, minutes: int | None) -> Prefs:
    """The chat's reminder lead time; None goes back to the configured default, 0 is off."""
    row = await _prefs_row(session, chat_id)
    row.reminder_minutes = minutes
    await session.flush()
    return _prefs(row)


async def mark_notice(
    session: AsyncSession,
    chat_id: int,
    region_id: str,
    group: str,
    kind: str,
    at: datetime,
    now: datetime,
) -> bool:
    """Record that a notice is being sent; False if it was sent before."""
    key = (chat_id, region_id, group, kind, at)
    if await session.get(OutageNotice, key) is not None:
        return False
    session.add(
        OutageNotice(chat_id=chat_id, region_id=region_id, grp=group, kind=kind, at=at, sent_at=now)
    )
    await session.flush()
    return True


async def forget_notices(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(OutageNotice).where(OutageNotice.at < before))


async def move_chat(session: AsyncSession, old_id: int, new_id: int) -> None:
    """A group became a supergroup: its outage queues and settings go with it."""
    follows = (
        await session.scalars(select(OutageFollow).where(OutageFollow.chat_id == old_id))
    ).all()
    for follow in follows:
        if await session.get(OutageFollow, (new_id, follow.region_id, follow.grp)) is None:
            session.add(
                OutageFollow(
                    chat_id=new_id,
                    region_id=follow.region_id,
                    grp=follow.grp,
                    created_at=follow.created_at,
                )
            )
        await session.delete(follow)
    prefs = await session.get(OutagePrefs, old_id)
    if prefs is not None:
        if await session.get(OutagePrefs, new_id) is None:
            session.add(
                OutagePrefs(
                    chat_id=new_id,
                    mute_scheduled=prefs.mute_scheduled,
                    mute_emergency=prefs.mute_emergency,
                    reminder_minutes=prefs.reminder_minutes,
                )
            )
        await session.delete(prefs)
    address = await session.get(OutageAddress, old_id)
    if address is not None:
        if await session.get(OutageAddress, new_id) is None:
            await set_address(
                session,
                new_id,
                Address(address.city, address.street, address.house),
                address.region_id,
                address.updated_at,
            )
            await set_queue(session, new_id, address.provider, address.grp)
        await session.delete(address)
    await session.flush()


# --- a chat's address: street-level emergency outages -----------------------------------


@dataclass(frozen=True, slots=True)
class StoredAddress:
    address: Address
    region_id: str | None
    provider: str | None
    group: str | None


async def set_address(
    session: AsyncSession, chat_id: int, address: Address, region_id: str | None, now: datetime
) -> None:
    """Store (or replace) the chat's address; a queue found for an earlier one is forgotten."""
    row = await session.get(OutageAddress, chat_id)
    if row is None:
        row = OutageAddress(chat_id=chat_id)
        session.add(row)
    row.city = address.city
    row.street = address.street
    row.house = address.house
    row.city_key = address.city_key
    row.street_kind = address.street_kind
    row.street_key = address.street_key
    row.house_key = address.house_key
    row.region_id = region_id
    row.provider = None
    row.grp = None
    row.updated_at = now
    await session.flush()


async def set_queue(
    session: AsyncSession, chat_id: int, provider: str | None, group: str | None
) -> None:
    row = await session.get(OutageAddress, chat_id)
    if row is not None:
        row.provider = provider
        row.grp = group
        await session.flush()


async def get_address(session: AsyncSession, chat_id: int) -> StoredAddress | None:
    row = await session.get(OutageAddress, chat_id)
    if row is None:
        return None
    return StoredAddress(
        Address(row.city, row.street, row.house), row.region_id, row.provider, row.grp
    )


async def clear_address(session: AsyncSession, chat_id: int) -> bool:
    result = await session.execute(delete(OutageAddress).where(OutageAddress.chat_id == chat_id))
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True, slots=True)
class Resident:
    """An active chat whose address is on a street, with what is needed to match a house."""

    chat_id: int
    lang: str | None
    city_key: str
    street_kind: str | None
    street_key: str
    house_key: str | None
    prefs: Prefs


async def residents_of(session: AsyncSession, streets: Iterable[str]) -> list[Resident]:
    """Active chats whose address is on one of the street names (keys, the kind aside)."""
    names = sorted(set(streets))
    if not names:
        return []
    statement = (
        select(OutageAddress, Chat.lang, OutagePrefs)
        .join(Chat, Chat.chat_id == OutageAddress.chat_id)
        .outerjoin(OutagePrefs, OutagePrefs.chat_id == OutageAddress.chat_id)
        .where(OutageAddress.street_key.in_(names), Chat.active.is_(True))
        .order_by(OutageAddress.chat_id)
    )
    return [
        Resident(
            row.chat_id,
            lang,
            row.city_key,
            row.street_kind,
            row.street_key,
            row.house_key,
            _prefs(prefs),
        )
        for row, lang, prefs in (await session.execute(statement)).all()
    ]


def street_name_key(change: EventChange) -> str:
    return addresses.street_key(change.street or "")[1]


def lives_on(resident: Resident, change: EventChange) -> bool:
    """Whether a street-level outage concerns the resident: the same city and street, and
    the resident's house among the listed ones (no list, or no house given: the street)."""
    if change.city is None or change.street is None:
        return False
    kind, name = addresses.street_key(change.street)
    if not addresses.same_street(
        resident.city_key,
        resident.street_kind,
        resident.street_key,
        addresses.city_key(change.city),
        kind,
        name,
    ):
        return False
    return addresses.house_listed(change.houses, resident.house_key)
