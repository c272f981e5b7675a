"""``my_chat_member`` updates: the bot was blocked, kicked or removed (the chat gets nothing
more) or added back (it is active again), in private chats, groups and channels alike."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ContextTypes

from bot.services import get_services
from storage import chats as chat_store

log = logging.getLogger("alertbot.membership")

GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)  # "left", "kicked"
BACK = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    member = change.new_chat_member
    status = member.status
    services = get_services(context)
    now = services.clock()
    # In a channel the bot posts only as an admin with the right to post.
    mute_channel = chat.type == "channel" and not (
        status == ChatMemberStatus.OWNER
        or (
            status == ChatMemberStatus.ADMINISTRATOR and getattr(member, "can_post_messages", False)
        )
    )
    if status in GONE or mute_channel:
        reason = f"bot {status} ({chat.type})"
        async with services.sessions() as session, session.begin():
            await chat_store.deactivate(session, chat.id, reason, now)
        log.info("chat_deactivated", extra={"chat_id": chat.id, "reason": reason})
    elif status in BACK:
        async with services.sessions() as session, session.begin():
            row = await chat_store.ensure_chat(session, chat.id, chat.type, now)
            if chat.type == "channel":
                row.title, row.username = chat.title, chat.username
        log.info("chat_reactivated", extra={"chat_id": chat.id, "status": str(status)})
