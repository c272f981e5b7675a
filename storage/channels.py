"""Regional channels: a channel linked to a region is a chat of kind "channel" subscribed to it.

Storing the link as a subscription means a channel hears exactly what a subscriber of that
region hears (alerts covering the place from above, and inside it), and the outbox serves it
first because its chat kind is "channel" (see storage/outbox.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import chats
from storage.models import Chat, Subscription


@dataclass(frozen=True, slots=True)
class ChannelLink:
    region_id: str
    chat_id: int
    title: str | None
    username: str | None
    active: bool


async def link(
    session: AsyncSession,
    *,
    chat_id: int,
    region_id: str,
    title: str | None,
    username: str | None,
    now: datetime,
) -> bool:
    """True if the link is new; a known channel's title and username are refreshed."""
    chat = await chats.ensure_chat(session, chat_id, "channel", now)
    chat.kind = "channel"
    chat.title = title
    chat.username = username
    return await chats.subscribe(session, chat_id, region_id, now, kinds=None)


async def unlink(session: AsyncSession, chat_id: int, region_id: str) -> bool:
    return await chats.unsubscribe(session, chat_id, region_id) > 0


async def find_by_username(session: AsyncSession, username: str) -> int | None:
    name = username.removeprefix("@").lower()
    return await session.scalar(
        select(Chat.chat_id).where(Chat.kind == "channel", func.lower(Chat.username) == name)
    )


async def links(session: AsyncSession) -> list[ChannelLink]:
    rows = await session.execute(
        select(Subscription.region_id, Chat.chat_id, Chat.title, Chat.username, Chat.active)
        .join(Chat, Chat.chat_id == Subscription.chat_id)
        .where(Chat.kind == "channel")
        .order_by(Subscription.region_id, Chat.chat_id)
    )
    return [ChannelLink(*row) for row in rows]
