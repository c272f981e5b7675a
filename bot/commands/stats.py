"""``/stats`` (admins): how delivery is doing. Counters come from the database (per minute),
so the last hour survives a restart."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.commands.common import reply
from bot.commands.truces import admin_only
from bot.i18n import tn
from storage import delivery_stats

# Outcomes that are not errors; everything else in the counters is one.
NOT_ERRORS = ("sent",)


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await admin_only(update, context)
    if a is None:
        return
    now = a.services.clock()
    async with a.services.sessions() as session:
        summary = await delivery_stats.summary(session, now)
    oldest = a.t("stats.none")
    if summary.backlog.oldest_air_raid is not None:
        age = max(0, round((now - summary.backlog.oldest_air_raid).total_seconds()))
        oldest = a.t("stats.seconds", seconds=age)
    errors = ", ".join(
        f"{kind} {count}"
        for kind, count in sorted(summary.last_hour.items())
        if kind not in NOT_ERRORS and count
    )
    await reply(
        update,
        a.t(
            "stats.text",
            subscribers=tn(a.lang, "stats.chats", summary.subscribers),
            channels=summary.channels,
            deactivated=summary.deactivated,
            waiting=tn(a.lang, "stats.messages", summary.backlog.waiting),
            air_raid=summary.backlog.air_raid_waiting,
            oldest=oldest,
            sent=summary.last_hour.get("sent", 0),
            errors=errors or a.t("stats.none"),
        ),
    )
