"""Residents' commands: help, subscriptions, status, language."""

from __future__ import annotations

from typing import Literal

from telegram import Update
from telegram.ext import ContextTypes

from bot.commands import alert_map
from bot.commands.common import MAX_REGION_QUERY, Ask, ask, echo, may_change_chat, reply
from bot.commands.truce_args import ArgumentError, split_arguments
from bot.delivery.alert_texts import (
    inside_lines,
    kind_name,
    kyiv_time,
    region_accusative,
    region_name,
    scope_name,
)
from bot.i18n import LANGUAGES, t
from feeds import regions
from storage import chats as chat_store
from storage import merge as alert_store
from storage.truces import in_force_for


def argument(a: Ask) -> str:
    try:
        return " ".join(split_arguments(a.text)).strip()
    except Exception:
        return a.text.partition(" ")[2].strip()


def _name(region_id: str, lang: str) -> str:
    return region_name(region_id, region_id, lang)


def unknown_region(a: Ask, query: str) -> str:
    """The reply to a region name we do not know: close matches, or a hint."""
    if len(query) > MAX_REGION_QUERY:
        return a.t("region.too_long", limit=MAX_REGION_QUERY)
    lines = [a.t("region.unknown", query=echo(query))]
    suggestions = regions.suggest(query)
    if suggestions:
        names = ", ".join(_name(r.id, a.lang) for r in suggestions)
        lines.append(a.t("region.suggest", suggestions=names))
    else:
        lines.append(a.t("region.hint"))
    return "\n".join(lines)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    text = a.t("help")
    if a.is_admin:
        text += a.t("help.admin")
    await reply(update, text)


KIND_WORDS: dict[str, str] = {
    "air": "air_raid",
    "air_raid": "air_raid",
    "airraid": "air_raid",
    "повітряна": "air_raid",
    "artillery": "artillery",
    "артилерія": "artillery",
    "артобстріл": "artillery",
    "urban": "urban_fights",
    "urban_fights": "urban_fights",
    "бої": "urban_fights",
    "chemical": "chemical",
    "хімічна": "chemical",
    "nuclear": "nuclear",
    "радіаційна": "nuclear",
    "other": "other",
    "інші": "other",
}


def parse_kinds(value: str) -> tuple[str, ...] | None:
    """``kinds=`` value: None for all; ValueError for an unknown word."""
    if value.strip().lower() in ("all", "усі", "всі"):
        return None
    chosen: list[str] = []
    for word in value.lower().replace(";", ",").split(","):
        word = word.strip()
        if not word:
            continue
        kind = KIND_WORDS.get(word)
        if kind is None:
            raise ValueError(word)
        if kind not in chosen:
            chosen.append(kind)
    if not chosen:
        raise ValueError(value)
    return tuple(chosen)


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    if not await may_change_chat(update, context, a):
        return
    try:
        words = split_arguments(a.text)
    except ArgumentError:
        words = a.text.split()[1:]
    kinds: tuple[str, ...] | Literal["keep"] | None = "keep"
    rest = []
    for word in words:
        if word.lower().startswith("kinds="):
            try:
                kinds = parse_kinds(word.partition("=")[2])
            except ValueError as exc:
                await reply(update, a.t("subscribe.bad_kind", kind=echo(str(exc))))
                return
        else:
            rest.append(word)
    query = " ".join(rest).strip()
    if not query:
        await reply(update, a.t("subscribe.usage"))
        return
    region = regions.resolve(query)
    if region is None:
        await reply(update, unknown_region(a, query))
        return
    await reply(update, await subscribe_text(a, region.id, kinds))


async def subscribe_text(
    a: Ask, region_id: str, kinds: tuple[str, ...] | Literal["keep"] | None = "keep"
) -> str:
    """Subscribe the asking chat to a region; the reply says what it gets and what is on
    there now. Shared by /subscribe and the region picker's buttons."""
    services = a.services
    async with services.sessions() as session, session.begin():
        added = await chat_store.subscribe(
            session, a.chat_id, region_id, services.clock(), kinds=kinds
        )
        active, inside = await alert_store.alerts_in_and_over(session, region_id)
    name = _name(region_id, a.lang)
    text = (
        a.t("subscribe.done", region=name)
        if added
        else a.t("subscribe.already", region=region_accusative(region_id, name, a.lang))
    )
    if isinstance(kinds, tuple):
        text += "\n" + a.t("subscribe.kinds", kinds=", ".join(kind_name(k, a.lang) for k in kinds))
    elif kinds is None and not added:
        text += "\n" + a.t("subscribe.all_kinds")
    if active:
        names = ", ".join(
            f"{kind_name(s.kind, a.lang)} ({region_name(s.region_id, s.region_title, a.lang)})"
            for s in active
        )
        text += "\n" + a.t("subscribe.now_active", alerts=names)
    # An oblast under alert only in parts is not quiet: say which parts.
    text += "".join("\n" + line for line in inside_lines(region_id, active, inside, a.lang))
    return text


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    if not await may_change_chat(update, context, a):
        return
    query = argument(a)
    if not query:
        await reply(update, a.t("unsubscribe.usage"))
        return
    services = a.services
    if query.lower() in ("all", "усі", "всі", "все"):
        async with services.sessions() as session, session.begin():
            count = await chat_store.unsubscribe(session, a.chat_id, None)
        await reply(update, a.t("unsubscribe.all", count=count))
        return
    region = regions.resolve(query)
    if region is None:
        await reply(update, unknown_region(a, query))
        return
    await unsubscribe_from(update, a, region.id)


async def unsubscribe_from(update: Update, a: Ask, region_id: str) -> None:
    async with a.services.sessions() as session, session.begin():
        removed = await chat_store.unsubscribe(session, a.chat_id, region_id)
    name = _name(region_id, a.lang)
    if removed:
        await reply(update, a.t("unsubscribe.done", region=name))
    else:
        await reply(
            update, a.t("unsubscribe.none", region=region_accusative(region_id, name, a.lang))
        )


async def mysubs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    async with a.services.sessions() as session:
        region_ids = await chat_store.subscriptions(session, a.chat_id)
        chosen = await chat_store.subscription_kinds(session, a.chat_id)
    if not region_ids:
        await reply(update, a.t("mysubs.none"))
        return
    items = "\n".join(
        f"• {_name(r, a.lang)}"
        + (
            f" ({', '.join(kind_name(k, a.lang) for k in kinds.split(','))})"
            if (kinds := chosen.get(r))
            else ""
        )
        for r in region_ids
    )
    await reply(update, a.t("mysubs.list", items=items))


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    services = a.services
    now = services.clock()
    lines = [a.t("status.header")]
    notes: list[str] = []
    async with services.sessions() as session:
        region_ids = await chat_store.subscriptions(session, a.chat_id)
        if not region_ids:
            await reply(update, a.t("status.none_subs"), alert_map.keyboard(a))
            return
        for region_id in region_ids:
            active, inside = await alert_store.alerts_in_and_over(session, region_id)
            parts = inside_lines(region_id, active, inside, a.lang)
            if not active and not parts:
                lines.append(a.t("status.quiet", region=_name(region_id, a.lang)))
            for state in active:
                lines.append(
                    a.t(
                        "status.alert",
                        region=region_name(state.region_id, state.region_title, a.lang),
                        kind=kind_name(state.kind, a.lang),
                        time=kyiv_time(state.since or state.changed_at, now),
                    )
                )
            lines.extend(parts)
            for truce in await in_force_for(session, region_id, now):
                note = a.t("status.truce", name=truce.name, scope=scope_name(truce.scope, a.lang))
                if note not in notes:
                    notes.append(note)
    await reply(update, "\n".join(lines + notes), alert_map.keyboard(a))


async def lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    if not await may_change_chat(update, context, a):
        return
    choice = argument(a).lower()
    if choice not in LANGUAGES:
        await reply(update, a.t("lang.usage"))
        return
    async with a.services.sessions() as session, session.begin():
        await chat_store.set_language(session, a.chat_id, choice)
    await reply(update, t(choice, "lang.done"))


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    await reply(update, a.t("unknown_command"))


MAX_REGIONS_LISTED = 40


async def regions_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/regions: the oblasts; /regions <query>: that region and what lies inside, or matches."""
    a = await ask(update, context)
    if a is None:
        return
    query = argument(a)
    if not query:
        items = [f"{r.id} — {_name(r.id, a.lang)}" for r in regions.top_level()]
        await reply(update, a.t("regions.top") + "\n" + "\n".join(items))
        return
    if len(query) > MAX_REGION_QUERY:
        await reply(update, a.t("region.too_long", limit=MAX_REGION_QUERY))
        return
    region = regions.resolve(query)
    if region is None:
        found = regions.suggest(query, limit=10)
        if not found:
            text = a.t("region.unknown", query=echo(query)) + "\n" + a.t("region.hint")
            await reply(update, text)
            return
        items = [f"{r.id} — {_name(r.id, a.lang)}" for r in found]
        await reply(update, a.t("regions.matches", query=echo(query)) + "\n" + "\n".join(items))
        return
    inside = [i for i in regions.with_descendants(region.id) if i != region.id]
    lines = [f"{region.id} — {_name(region.id, a.lang)}"]
    lines += [f"  {i} — {_name(i, a.lang)}" for i in inside[:MAX_REGIONS_LISTED]]
    if len(inside) > MAX_REGIONS_LISTED:
        lines.append(a.t("regions.more", count=len(inside) - MAX_REGIONS_LISTED))
    lines.append(a.t("regions.subscribe_hint", id=region.id))
    await reply(update, "\n".join(lines))
