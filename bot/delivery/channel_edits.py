"""Channel posts that stay tidy (issue 16): an alert's end edits the channel's post of its
start ("🟢 Відбій о 14:32, тривала 47 хв" under it) instead of a second post, when the end
comes within ``[delivery] channel_edit_window`` of the post.

The edit is an outbox row like any other (the end's row for the channel): claimed, paced,
retried and marked sent by the dispatcher. Only the way it goes differs: ``editMessageText``
on the message id recorded when the start was posted (storage/channel_posts.py). A post that
can no longer be edited (deleted, too old) gets the end's own message as a new post instead.
Direct messages never become edits: a resident needs the sound of the end.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest

from bot.delivery.alert_texts import KYIV
from bot.delivery.outbox_texts import TRANSIENT, Renderer, describe
from bot.delivery.textlimit import MAX_MESSAGE, fit_message
from bot.i18n import t
from storage import channel_posts
from storage import outbox as outbox_store
from storage.models import AlertEvent

log = logging.getLogger("alertbot.dispatcher")

# Telegram's wordings (400) for a message that cannot be edited any more: post anew.
GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")
# The edit was made already (a retry after a crash, or a lost answer): done.
UNCHANGED = "message is not modified"


@dataclass(frozen=True, slots=True)
class Edit:
    message_id: int
    text: str


def lasted(start: AlertEvent, end: AlertEvent, lang: str) -> str:
    minutes = max(0, round((end.occurred_at - start.occurred_at).total_seconds() / 60))
    if minutes < 60:
        return t(lang, "duration.m", minutes=minutes)
    return t(lang, "duration.hm", hours=minutes // 60, minutes=minutes % 60)


def ended_line(start: AlertEvent, end: AlertEvent, lang: str) -> str:
    """ "🟢 Відбій о 14:32, тривала 47 хв" (Kyiv time; the post shows the date already)."""
    try:
        at = end.occurred_at.astimezone(KYIV).strftime("%H:%M")
    except (OverflowError, ValueError):
        at = end.occurred_at.isoformat(timespec="minutes")
    return t(lang, "alert.channel_ended", time=at, lasted=lasted(start, end, lang))


async def plan(
    session: AsyncSession,
    renderer: Renderer,
    rows: Sequence[outbox_store.Claimed],
    now: datetime,
    window: timedelta,
    default_lang: str,
) -> dict[int, Edit]:
    """Row id -> the edit it goes as, for channel rows of an alert's end whose start's post
    may be edited. Whatever fails here, the rows go as new posts (an edit is a nicety)."""
    try:
        posts = await channel_posts.editable(session, rows, now, window)
        if not posts:
            return {}
        by_id = {row.id: row for row in rows}
        # The start's text as the channel got it, rendered again in the channel's language.
        starts = {
            row_id: replace(
                by_id[row_id],
                id=-row_id,
                event_id=post.start.id,
                replaces_event_id=None,
                notice_id=None,
            )
            for row_id, post in posts.items()
        }
        texts = await renderer.render(session, list(starts.values()))
    except TRANSIENT:
        raise
    except Exception as exc:
        log.error("channel_edit_plan_failed", extra={"error": describe(exc)})
        await session.rollback()
        return {}
    edits: dict[int, Edit] = {}
    for row_id, post in posts.items():
        text = texts.get(-row_id)
        if isinstance(text, str):
            lang = by_id[row_id].lang or default_lang
            line = ended_line(post.start, post.end, lang)
            # Cut the start's text, if need be, never the line that says it is over.
            start_text = fit_message(text, MAX_MESSAGE - len(line) - 2)
            edits[row_id] = Edit(post.message_id, f"{start_text}\n\n{line}")
    return edits


def gone(exc: BadRequest) -> bool:
    text = str(exc).lower()
    return any(words in text for words in GONE)


def unchanged(exc: BadRequest) -> bool:
    return UNCHANGED in str(exc).lower()
