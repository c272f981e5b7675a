"""Residents' outage commands: follow queues, see the schedule (text and picture), mute."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta

from telegram import Update
from telegram.ext import ContextTypes

from bot.commands.common import MAX_REGION_QUERY, Ask, ask, echo, reply
from bot.commands.truce_args import ArgumentError, split_arguments
from bot.delivery.alert_texts import kyiv_time
from bot.outages import texts as render
from bot.outages.chart import ChartRow, ChartTexts, render_png
from bot.outages.service import OutageService
from bot.services import bot_data
from feeds import regions
from feeds.outages.model import Basis
from feeds.outages.timeline import hours, kyiv_date
from storage import outages as outage_store
from storage.outages import StoredSchedule

_GROUP = re.compile(r"^(ЦЕК|CEK)?\s*(\d{1,4}\.\d)$", re.IGNORECASE)
# ASCII digits only: str.isdigit() takes "²", which int() refuses, and 5,000 digits that
# int() refuses too.
_MINUTES = re.compile(r"[0-9]{1,4}")
_OFF_WORDS = ("off", "stop", "remove", "вимк", "вимкнути", "стоп")
_ALL_WORDS = ("all", "усі", "всі", "все")


def _service(context: ContextTypes.DEFAULT_TYPE) -> OutageService | None:
    return bot_data(context).outages


def _words(a: Ask) -> list[str]:
    try:
        return split_arguments(a.text)
    except ArgumentError:
        return a.text.split()[1:]


def _take_group(words: list[str]) -> tuple[str, str] | None:
    """The group at the end of the words and the region before it: ``Львів 1.1`` or, for
    Dnipro's ЦЕК queues (DTEK numbers them 1001.1 … 1006.2), ``Дніпро ЦЕК 1.1``."""
    if len(words) < 2:
        return None
    match = _GROUP.match(words[-1])
    if match is None:
        return None
    prefix, number = match.groups()
    rest = words[:-1]
    if prefix is None and rest and rest[-1].casefold() in ("цек", "cek"):
        prefix, rest = rest[-1], rest[:-1]
    if prefix is not None and int(number.split(".")[0]) < 10:
        number = f"100{number}"
    if not rest:
        return None
    return number, " ".join(rest)


def _unknown_region(a: Ask, query: str) -> str:
    if len(query) > MAX_REGION_QUERY:
        return a.t("region.too_long", limit=MAX_REGION_QUERY)
    lines = [a.t("region.unknown", query=echo(query))]
    suggestions = regions.suggest(query)
    if suggestions:
        names = ", ".join(render.region_title(r.id, a.lang) for r in suggestions)
        lines.append(a.t("region.suggest", suggestions=names))
    else:
        lines.append(a.t("region.hint"))
    return "\n".join(lines)


async def _served_region(service: OutageService, region_id: str) -> tuple[str | None, list[str]]:
    """The served region that contains ``region_id`` (a city → its oblast), and its feeds."""
    served = await service.sources_by_region()
    for candidate in regions.lineage(region_id):
        if candidate in served:
            return candidate, served[candidate]
    return None, []


def _served_names(served: dict[str, list[str]], lang: str) -> str:
    return ", ".join(sorted(render.region_title(r, lang) for r in served))


async def outage_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    words = _words(a)
    off = bool(words) and words[-1].lower() in _OFF_WORDS
    if off:
        words = words[:-1]
    taken = _take_group(words)
    if taken is None:
        await reply(update, a.t("outage.group_usage"))
        return
    group, query = taken
    await _follow_or_unfollow(update, context, a, query, group, follow=not off)


async def outage_ungroup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    words = _words(a)
    if len(words) == 1 and words[0].lower() in _ALL_WORDS:
        async with a.services.sessions() as session, session.begin():
            count = await outage_store.unfollow(session, a.chat_id)
        await reply(update, a.t("outage.unfollowed_all", count=count))
        return
    taken = _take_group(words)
    if taken is None:
        await reply(update, a.t("outage.ungroup_usage"))
        return
    group, query = taken
    await _follow_or_unfollow(update, context, a, query, group, follow=False)


async def _follow_or_unfollow(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    a: Ask,
    query: str,
    group: str,
    *,
    follow: bool,
) -> None:
    service = _service(context)
    region = regions.resolve(query)
    if region is None:
        await reply(update, _unknown_region(a, query))
        return
    region_id = region.id
    sources: list[str] = []
    if service is not None:
        served_id, sources = await _served_region(service, region.id)
        region_id = served_id or region.id
    name = render.region_title(region_id, a.lang)
    sessions = a.services.sessions
    now = a.services.clock()
    if not follow:
        async with sessions() as session, session.begin():
            removed = await outage_store.unfollow(session, a.chat_id, region_id, group)
        key = "outage.unfollowed" if removed else "outage.not_following"
        await reply(update, a.t(key, group=render.group_label(group), region=name))
        return
    if service is None or not sources:
        served = await service.sources_by_region() if service is not None else {}
        if not served:
            await reply(update, a.t("outage.no_sources"))
        else:
            text = a.t("outage.no_source", region=name, regions=_served_names(served, a.lang))
            await reply(update, text)
        return
    async with sessions() as session, session.begin():
        groups = await outage_store.known_groups(session, region_id)
        groups |= service.groups_of_kinds(sources)
        if group not in groups:
            listed = ", ".join(render.group_label(g) for g in sorted(groups, key=_group_order))
            await reply(update, a.t("outage.bad_group", region=name, group=group, groups=listed))
            return
        added = await outage_store.follow(session, a.chat_id, region_id, group, now)
        today = kyiv_date(now)
        stored = await outage_store.schedules_for(session, region_id, group, [today])
    key = "outage.followed" if added else "outage.already"
    text = a.t(key, group=render.group_label(group), region=name)
    text += "\n" + render.day_line(
        today, today, stored.get((today, Basis.FACT)), stored.get((today, Basis.PLANNED)), a.lang
    )
    await reply(update, text)


def _group_order(group: str) -> tuple[int, ...]:
    return tuple(int(part) for part in group.split(".") if part.isdigit())


async def outage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Today's and tomorrow's schedule of the chat's groups: a text, then a picture."""
    a = await ask(update, context)
    if a is None:
        return
    service = _service(context)
    now = a.services.clock()
    today = kyiv_date(now)
    days = [today, today + timedelta(days=1)]
    async with a.services.sessions() as session:
        followed = await outage_store.follows(session, a.chat_id)
        if not followed:
            await reply(update, a.t("outage.none"))
            return
        served = await service.sources_by_region() if service is not None else {}
        stale_after = timedelta(
            minutes=service.config.outages.stale_after_minutes if service is not None else 180
        )
        sections: list[str] = []
        rows: list[ChartRow] = []
        stale_any = False
        published: list[datetime] = []
        last_read: list[datetime] = []
        for region_id in dict.fromkeys(r for r, _ in followed):
            last = await outage_store.last_good_poll(session, served.get(region_id, []))
            stale = last is None or now - last > stale_after
            if last is not None:
                last_read.append(last)
            stale_any |= stale
            events = await outage_store.active_events(session, region_id)
            for group in [g for r, g in followed if r == region_id]:
                stored = await outage_store.schedules_for(session, region_id, group, days)
                lines = [
                    a.t(
                        "outage.header",
                        region=render.region_title(region_id, a.lang),
                        group=render.group_label(group),
                    )
                ]
                for day in days:
                    fact = stored.get((day, Basis.FACT))
                    planned = stored.get((day, Basis.PLANNED))
                    lines.append(render.day_line(day, today, fact, planned, a.lang))
                    rows.append(_chart_row(a, group, day, today, fact, planned))
                    shown = fact or planned
                    if shown is not None and shown.published_at is not None:
                        published.append(shown.published_at)
                sections.append("\n".join(lines))
            if events:
                sections.append(a.t("outage.emergency_now", count=len(events)))
                on_streets = any(e.street is not None for e in events)
                if on_streets and await outage_store.get_address(session, a.chat_id) is None:
                    sections.append(a.t("outage.address_hint"))
            if stale:
                sections.append(_stale_line(a, last))
    await reply(update, "\n\n".join(sections))
    labels = {
        key: a.t(f"outage.chart_{key}") for key in ("on", "off", "maybe", "unknown", "stale", "now")
    }
    regions_shown = list(dict.fromkeys(r for r, _ in followed))
    title = a.t("outage.chart_title")
    if len(regions_shown) == 1:
        title += " — " + render.region_title(regions_shown[0], a.lang)
    # "As of" is the provider's own time when it gives one, else when the bot last read it.
    if published:
        subtitle = a.t("outage.chart_as_of", time=kyiv_time(max(published), now))
    elif last_read:
        subtitle = a.t("outage.chart_checked", time=kyiv_time(max(last_read), now))
    else:
        subtitle = ""
    texts = ChartTexts(title, subtitle, labels, a.t("outage.no_schedule"))
    png = await asyncio.to_thread(render_png, rows[:24], texts=texts, now=now, stale=stale_any)
    message = update.effective_message
    if message is not None:
        await message.reply_photo(png, caption=a.t("outage.photo_caption"), do_quote=False)


def _stale_line(a: Ask, last: datetime | None) -> str:
    if last is None:
        return a.t("outage.stale_never")
    return a.t("outage.stale", time=kyiv_time(last, a.services.clock()))


def _chart_row(
    a: Ask,
    group: str,
    day: date,
    today: date,
    fact: StoredSchedule | None,
    planned: StoredSchedule | None,
) -> ChartRow:
    shown = fact or planned
    label = f"{render.group_label(group)} · {render.day_title(day, today, a.lang)}"
    if shown is None:
        return ChartRow(label, day, None)
    off = hours(shown.slots)
    note = (
        a.t("outage.chart_hours", hours=render.format_hours(off, a.lang))
        if off
        else a.t("outage.all_on")
    )
    return ChartRow(label, day, shown.slots, note)


async def outage_mute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    words = [w.lower() for w in _words(a)]
    choices = {
        "scheduled": (True, None),
        "emergency": (None, True),
        "all": (True, True),
        "none": (False, False),
    }
    if len(words) != 1 or words[0] not in choices:
        async with a.services.sessions() as session:
            prefs = await outage_store.get_prefs(session, a.chat_id)
        await reply(update, a.t("outage.mute_usage") + "\n\n" + _mute_state(a, prefs))
        return
    scheduled, emergency = choices[words[0]]
    async with a.services.sessions() as session, session.begin():
        prefs = await outage_store.set_mutes(
            session, a.chat_id, mute_scheduled=scheduled, mute_emergency=emergency
        )
    await reply(update, _mute_state(a, prefs))


def _mute_state(a: Ask, prefs: outage_store.Prefs) -> str:
    def state(muted: bool) -> str:
        return a.t("outage.disabled" if muted else "outage.enabled")

    return a.t(
        "outage.mute_state",
        scheduled=state(prefs.mute_scheduled),
        emergency=state(prefs.mute_emergency),
    )


async def outage_remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    words = _words(a)
    service = _service(context)
    default = service.config.outages.reminder_minutes if service is not None else 30
    minutes: int | None
    if len(words) == 1 and words[0].lower() == "default":
        minutes = None
    elif len(words) == 1 and _MINUTES.fullmatch(words[0]) and int(words[0]) <= 720:
        minutes = int(words[0])
    else:
        await reply(update, a.t("outage.remind_usage"))
        return
    async with a.services.sessions() as session, session.begin():
        await outage_store.set_reminder(session, a.chat_id, minutes)
    effective = default if minutes is None else minutes
    if effective == 0:
        await reply(update, a.t("outage.remind_off"))
    else:
        await reply(update, a.t("outage.remind_done", minutes=effective))
