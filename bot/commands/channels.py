"""Regional channels (admins): link a channel to a region so every alert there is posted in it.

Before linking, the bot asks Telegram whether it is an admin of the channel with the right to
post; a link that could never be served is refused with the reason, not discovered at the
first alert.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.commands.common import Ask, echo, reply
from bot.commands.resident import unknown_region
from bot.commands.truces import admin_only
from bot.delivery.alert_texts import region_name
from feeds import regions
from storage import channels as channel_store

log = logging.getLogger("alertbot.channels")


def _split(a: Ask) -> tuple[str, str] | None:
    """``/channel_link <region, maybe several words> <@channel|id>``."""
    words = a.text.split()[1:]
    if len(words) < 2:
        return None
    return " ".join(words[:-1]), words[-1]


def _target(text: str) -> int | str | None:
    if text.startswith("@") and len(text) > 1:
        return text
    try:
        return int(text)
    except ValueError:
        return None


def _label(title: str | None, username: str | None, chat_id: int) -> str:
    if username:
        return f"@{username}"
    return f"«{title}» ({chat_id})" if title else str(chat_id)


def _region(a: Ask, query: str) -> tuple[str, str] | None:
    region = regions.resolve(query)
    if region is None:
        return None
    return region.id, region_name(region.id, region.id, a.lang)


async def _region_and_target(
    update: Update, a: Ask, usage: str
) -> tuple[str, str, str, int | str] | None:
    """(region id, region name, target as typed, target) from "<region> <@channel|id>"; a
    reply explains what is wrong otherwise."""
    parts = _split(a)
    target = _target(parts[1]) if parts else None
    if parts is None or target is None:
        await reply(update, a.t(usage))
        return None
    found = _region(a, parts[0])
    if found is None:
        await reply(update, unknown_region(a, parts[0]))
        return None
    return found[0], found[1], parts[1], target


async def channel_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await admin_only(update, context)
    if a is None:
        return
    parsed = await _region_and_target(update, a, "channel.link_usage")
    if parsed is None:
        return
    region_id, region, typed, target = parsed
    bot = context.bot
    try:
        chat = await bot.get_chat(target)
    except TelegramError as exc:
        log.info("channel_check_failed", extra={"target": str(target), "error": str(exc)})
        await reply(update, a.t("channel.not_found", target=echo(typed)))
        return
    if chat.type != ChatType.CHANNEL:
        await reply(update, a.t("channel.not_channel", target=echo(typed)))
        return
    label = _label(chat.title, chat.username, chat.id)
    try:
        member = await bot.get_chat_member(chat.id, bot.id)
    except TelegramError as exc:
        log.info("channel_check_failed", extra={"chat_id": chat.id, "error": str(exc)})
        await reply(update, a.t("channel.not_admin", channel=label))
        return
    if member.status == ChatMemberStatus.ADMINISTRATOR:
        if not getattr(member, "can_post_messages", False):
            await reply(update, a.t("channel.cannot_post", channel=label))
            return
    elif member.status != ChatMemberStatus.OWNER:
        await reply(update, a.t("channel.not_admin", channel=label))
        return
    services = a.services
    async with services.sessions() as session, session.begin():
        added = await channel_store.link(
            session,
            chat_id=chat.id,
            region_id=region_id,
            title=chat.title,
            username=chat.username,
            now=services.clock(),
        )
    log.info(
        "channel_linked",
        extra={"chat_id": chat.id, "region_id": region_id, "admin": a.user_id, "new": added},
    )
    await reply(
        update, a.t("channel.linked" if added else "channel.already", channel=label, region=region)
    )


async def channel_unlink(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await admin_only(update, context)
    if a is None:
        return
    parsed = await _region_and_target(update, a, "channel.unlink_usage")
    if parsed is None:
        return
    region_id, region, typed, target = parsed
    services = a.services
    async with services.sessions() as session:
        chat_id = (
            await channel_store.find_by_username(session, target)
            if isinstance(target, str)
            else target
        )
    if chat_id is None:
        # Unknown to us: ask Telegram which channel that name is now.
        try:
            chat_id = (await context.bot.get_chat(target)).id
        except TelegramError:
            await reply(update, a.t("channel.not_linked", channel=echo(typed), region=region))
            return
    async with services.sessions() as session, session.begin():
        removed = await channel_store.unlink(session, chat_id, region_id)
    log.info(
        "channel_unlinked", extra={"chat_id": chat_id, "region_id": region_id, "done": removed}
    )
    key = "channel.unlinked" if removed else "channel.not_linked"
    await reply(update, a.t(key, channel=echo(typed), region=region))


async def channel_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await admin_only(update, context)
    if a is None:
        return
    async with a.services.sessions() as session:
        links = await channel_store.links(session)
    if not links:
        await reply(update, a.t("channels.none"))
        return
    lines = [a.t("channels.header")]
    for link in links:
        channel = _label(link.title, link.username, link.chat_id)
        if not link.active:
            channel += a.t("channels.inactive")
        lines.append(
            a.t(
                "channels.item",
                region=region_name(link.region_id, link.region_id, a.lang),
                channel=channel,
            )
        )
    await reply(update, "\n".join(lines))
