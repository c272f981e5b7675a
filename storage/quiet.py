"""A chat's quiet hours (bot/delivery/quiet_hours.py) in the chats table."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Chat


async def set_window(
    session: AsyncSession, chat_id: int, quiet_from: str | None, quiet_to: str | None
) -> None:
    await session.execute(
        update(Chat).where(Chat.chat_id == chat_id).values(quiet_from=quiet_from, quiet_to=quiet_to)
    )


async def set_alerts_silent(session: AsyncSession, chat_id: int, silent: bool) -> None:
    await session.execute(
        update(Chat).where(Chat.chat_id == chat_id).values(quiet_alerts_silent=silent)
    )


async def get(session: AsyncSession, chat_id: int) -> tuple[str | None, str | None, bool]:
    chat = await session.get(Chat, chat_id)
    if chat is None:
        return None, None, False
    return chat.quiet_from, chat.quiet_to, bool(chat.quiet_alerts_silent)
