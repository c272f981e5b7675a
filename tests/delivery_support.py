"""Helpers for the delivery tests: many subscribers at once, my_chat_member updates."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import AlertBot
from bot.demo.fakes.bot_api import FakeBotApi, SentMessage
from storage import outbox as ob
from storage.models import AlertEvent, Chat, Outbox, Subscription
from tests.conftest import Clock


async def add_subscribers(
    bot: AlertBot, chat_ids: Iterable[int], clock: Clock, region_id: str = "27"
) -> list[int]:
    """Chats subscribed to ``region_id``, written straight to the database (as if each had
    sent /subscribe), so a test can have hundreds without hundreds of commands."""
    assert bot.sessions is not None
    ids = list(chat_ids)
    async with bot.sessions() as session, session.begin():
        await session.execute(
            insert(Chat),
            [
                {
                    "chat_id": i,
                    "kind": "private" if i > 0 else "group",
                    "lang": None,
                    "active": True,
                    "created_at": clock.now,
                }
                for i in ids
            ],
        )
        await session.execute(
            insert(Subscription),
            [{"chat_id": i, "region_id": region_id, "created_at": clock.now} for i in ids],
        )
    return ids


def alerts(api: FakeBotApi, prefix: str = "🔴") -> list[SentMessage]:
    return [m for m in api.sent if (m.text or "").startswith(prefix)]


def most_in_any_second(sent: Sequence[SentMessage]) -> int:
    """The largest number of messages Telegram saw within any one second."""
    return most_in_one_second([m.at for m in sent])


def most_in_one_second(moments: Sequence[float]) -> int:
    """The largest number of ``moments`` (seconds) within any one second."""
    times = sorted(moments)
    best, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


# ChatMemberAdministrator's required rights (Bot API), besides can_post_messages.
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


def member_update(
    api: FakeBotApi, chat: dict[str, Any], old: str, new: str, *, by: int
) -> dict[str, Any]:
    """A ``my_chat_member`` update as the Bot API sends it (fields from its ChatMember* and
    ChatMemberUpdated types), for the bot's own membership in ``chat``."""

    def member(status: str) -> dict[str, Any]:
        body: dict[str, Any] = {"status": status, "user": api.bot_user}
        if status == "kicked":
            body["until_date"] = 0
        if status == "administrator":
            body |= {"can_be_edited": False, "is_anonymous": False, "can_post_messages": True}
            body |= dict.fromkeys(ADMIN_RIGHTS, True)
        return body

    return {
        "my_chat_member": {
            "chat": chat,
            "from": {"id": by, "is_bot": False, "first_name": "Test"},
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }


async def enqueue_alert(
    session: AsyncSession,
    event: AlertEvent,
    chat_ids: Iterable[int],
    now: datetime,
    *,
    priority: int,
) -> ob.Enqueued:
    """One event's rows, queued as the bot queues many (channels among ``chat_ids`` first);
    ``inserted`` is counted exactly, for the tests' sake."""
    ids = list(chat_ids)
    channels = set(
        (
            await session.scalars(
                select(Chat.chat_id).where(Chat.chat_id.in_(ids), Chat.kind == "channel")
            )
        ).all()
    )
    rows = select(func.count()).select_from(Outbox).where(Outbox.event_id == event.id)
    before = int(await session.scalar(rows) or 0)
    result = await ob.enqueue_alerts(
        session, [ob.AlertDelivery(event, ids, priority, channels=channels)], now
    )
    return ob.Enqueued(int(await session.scalar(rows) or 0) - before, result.superseded)
