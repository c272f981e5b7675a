"""Truce commands: admins record announced pauses, anyone can list them."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.commands.common import Ask, ask, echo, reply
from bot.commands.truce_args import (
    ArgumentError,
    parse_truce_end,
    parse_truce_set,
    split_arguments,
)
from bot.delivery.alert_texts import party_name, window
from bot.ledger.render import chart_png, report_text, truces_text
from storage import ledger, truce_feed
from storage import truces as truce_store

log = logging.getLogger("alertbot.truces")


async def admin_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Ask | None:
    """The request if an admin sent it; otherwise a refusal is sent and None returned."""
    a = await ask(update, context)
    if a is None:
        return None
    if not a.is_admin:
        log.info("admin_command_refused", extra={"user_id": a.user_id, "chat_id": a.chat_id})
        await reply(update, a.t("admin.refused"))
        return None
    return a


async def truce_set(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await admin_only(update, context)
    if a is None:
        return
    services = a.services
    now = services.clock()
    try:
        args = parse_truce_set(a.text, now)
    except ArgumentError as exc:
        values = {key: echo(value) for key, value in exc.values.items()}
        error = a.t("truce_set.error", error=a.t(exc.key, **values))
        await reply(update, f"{error}\n\n{a.t('truce_set.usage')}")
        return
    async with services.sessions() as session, session.begin():
        # A feed's claim is its curator's; a truce from a feed keeps the feed's scope and
        # regions, while a local claim of another party joins it.
        feed = await truce_feed.feed_of(session, args.name, args.party)
        shared = feed is None and await truce_feed.feed_of(session, args.name) is not None
        result = None
        if feed is None:
            result = await truce_store.set_claim(
                session,
                name=args.name,
                party=args.party,
                starts_at=args.starts_at,
                ends_at=args.ends_at,
                scope=None if shared else args.scope,
                region_ids="keep" if shared else args.region_ids,
                source=args.source,
                actor=a.user_id or 0,
                now=now,
            )
    if result is None:
        await reply(update, a.t("truce_feed.refused", name=echo(args.name), feed=echo(feed or "")))
        return
    key = (
        "truce_set.created"
        if result.created
        else ("truce_set.replaced" if result.replaced else "truce_set.added")
    )
    text = a.t(
        key,
        name=args.name,
        party=party_name(args.party, a.lang),
        window=window(args.starts_at, args.ends_at, a.lang),
    )
    if result.reopened:
        text += a.t("truce_set.reopened")
    log.info(
        "truce_set",
        extra={
            "truce": args.name,
            "party": args.party,
            "by": a.user_id,
            "new_truce": result.created,
        },
    )
    await reply(update, text)


async def truce_end(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await admin_only(update, context)
    if a is None:
        return
    try:
        args = parse_truce_end(a.text)
    except ArgumentError:
        await reply(update, a.t("truce_end.usage"))
        return
    name = args.name
    services = a.services
    async with services.sessions() as session, session.begin():
        feed = await truce_feed.feed_of(session, name)
        ended = (
            None
            if feed is not None
            else await truce_store.end_truce(session, name, services.clock(), args.reason)
        )
    if feed is not None:
        await reply(update, a.t("truce_feed.refused", name=echo(name), feed=echo(feed or "")))
        return
    if ended is None:
        await reply(update, a.t("truce_end.unknown", name=echo(name)))
        return
    log.info("truce_end", extra={"truce": name, "by": a.user_id, "reason": args.reason})
    await reply(update, a.t("truce_end.done", name=echo(name)))


async def truces(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    services = a.services
    async with services.sessions() as session:
        views = await truce_store.list_truces(session)
    await reply(update, truces_text(views, services.clock(), a.lang))


async def truce_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anyone: what the alert records show during each party's window, with a chart."""
    a = await ask(update, context)
    if a is None:
        return
    try:
        words = split_arguments(a.text)
    except ArgumentError:
        words = []
    source: str | None = None
    if len(words) == 2 and words[1].lower().startswith("source="):
        source = words[1].partition("=")[2].strip().lower()
        words = words[:1]
    if len(words) != 1:
        await reply(update, a.t("report.usage"))
        return
    name = words[0]
    services = a.services
    try:
        async with services.sessions() as session:
            report = await ledger.truce_report(session, name, services.clock(), source)
    except ledger.UnknownSource:
        await reply(
            update,
            a.t("report.bad_source", source=source, sources=", ".join(ledger.SOURCES)),
        )
        return
    if report is None:
        await reply(update, a.t("truce_end.unknown", name=name))
        return
    await reply(update, report_text(report, a.lang))
    # Drawn in a worker thread: matplotlib takes a few hundred milliseconds.
    png = await asyncio.to_thread(chart_png, report, a.lang)
    message = update.effective_message
    if message is not None:
        await message.reply_photo(png, caption=a.t("report.chart_caption"), do_quote=False)
