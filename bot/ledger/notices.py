"""Truce window notices: the periodic job that queues them (storage/truce_notices.py), their
text in the reader's language at send time, and ``/truce_notices on|off``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import ContextTypes

from bot.commands.common import ask, reply
from bot.delivery.alert_texts import kyiv_time, party_name, region_name, scope_name
from bot.delivery.outbox_texts import register_notice_kind
from bot.i18n import t
from storage import truce_notices as store

log = logging.getLogger("alertbot.truces")

INTERVAL_SECONDS = 30


def render_truce_notice(payload: Mapping[str, Any], lang: str) -> str:
    which = str(payload.get("which", "opened"))
    ends_at = payload.get("ends_at")
    regions = payload.get("regions")
    # A notice goes out as its moment comes (the window opens, closes or is ended), so that
    # moment is "today": times read as the alerts' do, the date only when another day.
    moment = {"opened": payload.get("starts_at"), "ended": payload.get("ended_at")}.get(
        which, ends_at
    )
    today = datetime.fromisoformat(moment) if moment else None
    values = {
        "name": payload.get("name", ""),
        "party": party_name(str(payload.get("party", "")), lang),
        "scope": scope_name(str(payload.get("scope", "all")), lang),
        "regions": (
            t(lang, "truce_notice.everywhere")
            if regions is None
            else ", ".join(region_name(r, r, lang) for r in regions)
        ),
        "until": (
            t(lang, "truce_notice.until", end=kyiv_time(datetime.fromisoformat(ends_at), today))
            if ends_at
            else t(lang, "truce_notice.no_end")
        ),
    }
    if which == "opened":
        return t(lang, "truce_notice.opened", **values)
    if which == "ended":
        ended = payload.get("ended_at")
        text = t(
            lang,
            "truce_notice.ended",
            at=kyiv_time(datetime.fromisoformat(ended), today) if ended else "",
            **values,
        )
        if payload.get("reason"):
            text += "\n" + t(lang, "truce_notice.reason", reason=payload["reason"])
        return text
    end = kyiv_time(datetime.fromisoformat(ends_at), today) if ends_at else ""
    return t(lang, "truce_notice.closed", at=end, **values)


def truce_notice_job(
    sessions: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    on_notices: Callable[[], None],
) -> Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    async def _job(_context: ContextTypes.DEFAULT_TYPE) -> None:
        await run_once(sessions, clock(), on_notices)

    return _job


async def run_once(
    sessions: async_sessionmaker[AsyncSession], now: datetime, on_notices: Callable[[], None]
) -> int:
    added = await store.run(sessions, now)
    if added:
        log.info("truce_notices_queued", extra={"rows": added})
        on_notices()
    return added


async def truce_notices(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/truce_notices on|off``: this chat's window notices (on by default)."""
    a = await ask(update, context)
    if a is None:
        return
    words = a.text.split()[1:]
    choice = words[0].lower() if words else ""
    services = a.services
    if choice not in ("on", "off"):
        async with services.sessions() as session:
            on = await store.enabled(session, a.chat_id)
        state = a.t("truce_notices.state_on" if on else "truce_notices.state_off")
        await reply(update, f"{state}\n{a.t('truce_notices.usage')}")
        return
    async with services.sessions() as session, session.begin():
        await store.set_enabled(session, a.chat_id, choice == "on", services.clock())
    await reply(update, a.t("truce_notices.on" if choice == "on" else "truce_notices.off"))


register_notice_kind(store.KIND, render_truce_notice)
