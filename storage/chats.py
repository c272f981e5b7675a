"""Chats, their language and their region subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Chat, Outbox, Subscription


async def ensure_chat(session: AsyncSession, chat_id: int, kind: str, now: datetime) -> Chat:
    """The chat's row, created on first contact; a chat that writes to us is active again."""
    chat = await session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(chat_id=chat_id, kind=kind, lang=None, active=True, created_at=now)
        session.add(chat)
        await session.flush()
    elif not chat.active:
        chat.active = True
    return chat


async def chat_language(session: AsyncSession, chat_id: int) -> str | None:
    return await session.scalar(select(Chat.lang).where(Chat.chat_id == chat_id))


async def set_language(session: AsyncSession, chat_id: int, lang: str) -> None:
    chat = await session.get(Chat, chat_id)
    if chat is not None:
        chat.lang = lang


async def subscribe(session: AsyncSession, chat_id: int, region_id: str, now: datetime) -> bool:
    """True if this is a new subscription, False if the chat already had it."""
    existing = await session.get(Subscription, (chat_id, region_id))
    if existing is not None:
        return False
    session.add(Subscription(chat_id=chat_id, region_id=region_id, created_at=now))
    await session.flush()
    return True


async def unsubscribe(session: AsyncSession, chat_id: int, region_id: str | None) -> int:
    """Remove one subscription, or all of them when ``region_id`` is None; returns how many."""
    statement = delete(Subscription).where(Subscription.chat_id == chat_id)
    if region_id is not None:
        statement = statement.where(Subscription.region_id == region_id)
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def subscriptions(session: AsyncSession, chat_id: int) -> list[str]:
    result = await session.scalars(
        select(Subscription.region_id)
        .where(Subscription.chat_id == chat_id)
        .order_by(Subscription.created_at, Subscription.region_id)
    )
    return list(result.all())


async def deactivate(session: AsyncSession, chat_id: int) -> None:
    chat = await session.get(Chat, chat_id)
    if chat is not None:
        chat.active = False


async def migrate(session: AsyncSession, old_id: int, new_id: int) -> None:
    """A group became a supergroup: move its settings, subscriptions and pending messages."""
    old = await session.get(Chat, old_id)
    new = await session.get(Chat, new_id)
    if new is None:
        new = Chat(
            chat_id=new_id,
            kind="supergroup",
            lang=old.lang if old else None,
            active=True,
            created_at=old.created_at if old else datetime.now(UTC),
        )
        session.add(new)
        await session.flush()
    new.active = True
    for region_id in await subscriptions(session, old_id):
        await subscribe(session, new_id, region_id, new.created_at)
    await unsubscribe(session, old_id, None)
    await session.execute(
        update(Outbox)
        .where(Outbox.chat_id == old_id, Outbox.status == "pending")
        .values(chat_id=new_id, not_before=None)
    )
    if old is not None:
        old.active = False
