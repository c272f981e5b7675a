"""Chats, their language and their region subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outages, outbox
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
        chat.deactivated_at = None
        chat.deactivated_reason = None
    return chat


async def chat_language(session: AsyncSession, chat_id: int) -> str | None:
    return await session.scalar(select(Chat.lang).where(Chat.chat_id == chat_id))


async def set_language(session: AsyncSession, chat_id: int, lang: str) -> None:
    chat = await session.get(Chat, chat_id)
    if chat is not None:
        chat.lang = lang


async def subscribe(
    session: AsyncSession,
    chat_id: int,
    region_id: str,
    now: datetime,
    *,
    kinds: tuple[str, ...] | Literal["keep"] | None = "keep",
) -> bool:
    """True if this is a new subscription, False if the chat already had it.

    ``kinds`` limits the alert kinds (None: every kind; "keep": leave an existing choice).
    """
    existing = await session.get(Subscription, (chat_id, region_id))
    stored = None if kinds in (None, "keep") else ",".join(kinds)
    if existing is not None:
        if kinds != "keep":
            existing.kinds = stored
        return False
    session.add(Subscription(chat_id=chat_id, region_id=region_id, created_at=now, kinds=stored))
    await session.flush()
    return True


async def subscription_kinds(session: AsyncSession, chat_id: int) -> dict[str, str | None]:
    """Region id -> the kinds a chat chose there (None: every kind)."""
    rows = await session.execute(
        select(Subscription.region_id, Subscription.kinds).where(Subscription.chat_id == chat_id)
    )
    return {region_id: kinds for region_id, kinds in rows}


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


async def deactivate(
    session: AsyncSession, chat_id: int, reason: str = "", now: datetime | None = None
) -> None:
    """The chat blocked us, kicked us or is gone: no more messages, queued ones dropped."""
    chat = await session.get(Chat, chat_id)
    if chat is not None:
        chat.active = False
        chat.deactivated_at = now or datetime.now(UTC)
        chat.deactivated_reason = reason[:500] or None
    await outbox.drop_for_chat(session, chat_id, reason or "chat deactivated")


async def migrate(session: AsyncSession, old_id: int, new_id: int) -> set[int]:
    """A group became a supergroup: move its settings, subscriptions and queued messages.

    Returns the outbox rows that moved (a row the new chat already had is dropped instead).
    """
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
    for region_id, kinds in (await subscription_kinds(session, old_id)).items():
        chosen = None if kinds is None else tuple(kinds.split(","))
        await subscribe(session, new_id, region_id, new.created_at, kinds=chosen)
    await unsubscribe(session, old_id, None)
    await outages.move_chat(session, old_id, new_id)
    queued = (Outbox.chat_id == old_id, Outbox.status.in_(("pending", "inflight")))
    # What the new chat already has queued must not be sent twice: drop the old copy.
    for column in (Outbox.event_id, Outbox.notice_id):
        held = select(column).where(Outbox.chat_id == new_id, column.is_not(None))
        await session.execute(
            update(outbox.TABLE)
            .where(*queued, column.in_(held))
            .values(status="dropped", last_error="chat migrated; already queued there")
        )
    moved = await session.execute(
        update(outbox.TABLE)
        .where(*queued)
        .values(chat_id=new_id, not_before=None)
        .returning(Outbox.id)
    )
    moved_ids = set(moved.scalars().all())
    if old is not None:
        old.active = False
        old.deactivated_at = datetime.now(UTC)
        old.deactivated_reason = f"migrated to {new_id}"
    return moved_ids
