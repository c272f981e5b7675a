"""Admin feed commands: add, list, remove, pause, resume and test feeds from the chat."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.commands.common import Ask, echo, reply
from bot.commands.truce_args import ArgumentError, split_arguments
from bot.commands.truces import admin_only
from bot.delivery.alert_texts import kind_name, kyiv_time, region_name
from bot.ingest.feed_manager import FeedCommandError, FeedManager
from bot.services import bot_data

log = logging.getLogger("alertbot.feeds")

MAX_LISTED = 15
# feeds.name and feeds.token_env are VARCHAR(64) and VARCHAR(128) on PostgreSQL.
MAX_NAME = 64
MAX_TOKEN_ENV = 128
# Values a user typed (the rest are ours: kinds, errors, addresses resolved).
_ECHOED = ("name", "kind", "host")


def _manager(context: ContextTypes.DEFAULT_TYPE) -> FeedManager:
    manager = bot_data(context).feeds
    assert manager is not None, "the feed manager is set before the first update"
    return manager


def _words(a: Ask) -> list[str] | None:
    try:
        return split_arguments(a.text)
    except ArgumentError:
        return None


async def _fail(update: Update, a: Ask, exc: FeedCommandError, usage: str | None = None) -> None:
    values = {k: echo(str(v)) if k in _ECHOED else v for k, v in exc.values.items()}
    text = "❌ " + a.t(exc.key, **values)
    if usage:
        text += "\n\n" + a.t(usage)
    await reply(update, text)


async def feed_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await admin_only(update, context)
    if a is None:
        return
    words = _words(a)
    if words is None or len(words) < 3:
        await reply(update, a.t("feed_add.usage"))
        return
    name, kind, url, *options = words
    if await _too_long(update, a, "name", name, MAX_NAME):
        return
    interval = 15.0
    token_env: str | None = None
    for option in options:
        key, sep, value = option.partition("=")
        try:
            if key == "interval" and sep:
                interval = float(value)
            elif key == "token_env" and sep and value:
                if await _too_long(update, a, "token_env", value, MAX_TOKEN_ENV):
                    return
                token_env = value
            else:
                raise ValueError(option)
        except ValueError:
            text = a.t("feed.bad_option", option=echo(option))
            await reply(update, text + "\n\n" + a.t("feed_add.usage"))
            return
    try:
        info = await _manager(context).add(name, kind, url, interval=interval, token_env=token_env)
    except FeedCommandError as exc:
        await _fail(update, a, exc, "feed_add.usage")
        return
    await reply(
        update, a.t("feed_add.done", name=info.name, kind=info.kind, interval=f"{info.interval:g}")
    )


async def feed_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await admin_only(update, context)
    if a is None:
        return
    feeds = await _manager(context).list_feeds()
    if not feeds:
        await reply(update, a.t("feed_list.none"))
        return
    lines = [a.t("feed_list.header")]
    never = a.t("feed_list.never")
    for feed in feeds:
        state = a.t("feed_list.paused") if not feed.enabled else a.t("feed_list.active")
        lines.append(
            a.t(
                "feed_list.item",
                name=feed.name,
                kind=feed.kind,
                interval=f"{feed.interval:g}",
                state=state,
                origin=a.t(f"feed_list.origin_{feed.origin}"),
                success=kyiv_time(feed.last_success_at) if feed.last_success_at else never,
                failures=feed.failures,
            )
        )
        if feed.last_error and feed.last_error_at:
            lines.append(
                a.t(
                    "feed_list.error", error=feed.last_error[:200], at=kyiv_time(feed.last_error_at)
                )
            )
    await reply(update, "\n".join(lines))


async def _named(
    update: Update, context: ContextTypes.DEFAULT_TYPE, usage: str
) -> tuple[Ask, str] | None:
    a = await admin_only(update, context)
    if a is None:
        return None
    words = _words(a)
    if not words or len(words) != 1:
        await reply(update, a.t(usage))
        return None
    if await _too_long(update, a, "name", words[0], MAX_NAME):
        return None
    return a, words[0]


async def _too_long(update: Update, a: Ask, what: str, value: str, limit: int) -> bool:
    """Refuses a value longer than its column holds (PostgreSQL would reject it)."""
    if len(value) <= limit:
        return False
    await reply(update, a.t("feed.too_long", what=what, limit=limit))
    return True


async def feed_remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    named = await _named(update, context, "feed_remove.usage")
    if named is None:
        return
    a, name = named
    try:
        await _manager(context).remove(name)
    except FeedCommandError as exc:
        await _fail(update, a, exc)
        return
    await reply(update, a.t("feed_remove.done", name=name))


async def _set_enabled(update: Update, context: ContextTypes.DEFAULT_TYPE, enabled: bool) -> None:
    usage = "feed_resume.usage" if enabled else "feed_pause.usage"
    named = await _named(update, context, usage)
    if named is None:
        return
    a, name = named
    try:
        changed = await _manager(context).set_enabled(name, enabled)
    except FeedCommandError as exc:
        await _fail(update, a, exc)
        return
    if enabled:
        key = "feed_resume.done" if changed else "feed_resume.already"
    else:
        key = "feed_pause.done" if changed else "feed_pause.already"
    await reply(update, a.t(key, name=name))


async def feed_pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _set_enabled(update, context, False)


async def feed_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _set_enabled(update, context, True)


async def feed_test(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    named = await _named(update, context, "feed_test.usage")
    if named is None:
        return
    a, name = named
    try:
        observations = await _manager(context).test(name)
    except FeedCommandError as exc:
        await _fail(update, a, exc)
        return
    lines = [a.t("feed_test.header", name=echo(name), count=len(observations))]
    for o in observations[:MAX_LISTED]:
        since = kyiv_time(o.since) if o.since else "?"
        lines.append(
            f"• {region_name(o.region_id, o.region_title, a.lang)}: "
            f"{kind_name(str(o.kind), a.lang)} ({since})"
        )
    if len(observations) > MAX_LISTED:
        lines.append(a.t("feed_test.more", count=len(observations) - MAX_LISTED))
    await reply(update, "\n".join(lines))
