"""``/quiet 23:00-07:00`` | ``/quiet off`` and ``/quiet_alerts loud|silent [confirm]``."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.commands.common import ask, may_change_chat, reply
from bot.delivery.quiet_hours import parse_window
from storage import quiet as quiet_store

_OFF = ("off", "вимк", "вимкнути", "ні")


async def quiet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    argument = a.text.partition(" ")[2].strip()
    if not argument:
        async with a.services.sessions() as session:
            start, end, alerts_silent = await quiet_store.get(session, a.chat_id)
        if start is None or end is None:
            await reply(update, a.t("quiet.none") + "\n" + a.t("quiet.usage"))
            return
        key = "quiet.alerts_silent" if alerts_silent else "quiet.alerts_loud"
        await reply(update, a.t("quiet.state", start=start, end=end) + "\n" + a.t(key))
        return
    if not await may_change_chat(update, context, a):
        return
    if argument.lower() in _OFF:
        async with a.services.sessions() as session, session.begin():
            await quiet_store.set_window(session, a.chat_id, None, None)
        await reply(update, a.t("quiet.off"))
        return
    window = parse_window(argument)
    if window is None:
        await reply(update, a.t("quiet.usage"))
        return
    start, end = window.text()
    async with a.services.sessions() as session, session.begin():
        await quiet_store.set_window(session, a.chat_id, start, end)
        _s, _e, alerts_silent = await quiet_store.get(session, a.chat_id)
    key = "quiet.alerts_silent" if alerts_silent else "quiet.alerts_loud"
    await reply(update, a.t("quiet.done", start=start, end=end) + "\n" + a.t(key))


async def quiet_alerts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Air-raid alerts in the chat's own regions are loud in quiet hours; making them silent
    takes a second, explicit command."""
    a = await ask(update, context)
    if a is None:
        return
    words = a.text.split()[1:]
    choice = [w.lower() for w in words]
    if choice not in (["loud"], ["silent"], ["silent", "confirm"]):
        await reply(update, a.t("quiet_alerts.usage"))
        return
    if not await may_change_chat(update, context, a):
        return
    if choice == ["silent"]:
        await reply(update, a.t("quiet_alerts.confirm"))
        return
    silent = choice == ["silent", "confirm"]
    async with a.services.sessions() as session, session.begin():
        await quiet_store.set_alerts_silent(session, a.chat_id, silent)
    await reply(update, a.t("quiet_alerts.silent" if silent else "quiet_alerts.loud"))
