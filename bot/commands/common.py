"""Shared handler plumbing: who is asking, in which language, and a reply in the same chat."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.delivery.textlimit import fit_message, shorten
from bot.i18n import t
from bot.services import Services, get_services
from storage import chats as chat_store


@dataclass(frozen=True, slots=True)
class Ask:
    """One command: its chat, user, language and full text."""

    chat_id: int
    user_id: int | None
    lang: str
    text: str
    services: Services

    def t(self, key: str, /, **values: object) -> str:
        return t(self.lang, key, **values)

    @property
    def is_admin(self) -> bool:
        return self.user_id is not None and self.user_id in self.services.admins


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Ask | None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return None
    services = get_services(context)
    async with services.sessions() as session, session.begin():
        row = await chat_store.ensure_chat(session, chat.id, chat.type, services.clock())
        lang = row.lang or services.default_lang
    user = update.effective_user
    return Ask(
        chat_id=chat.id,
        user_id=user.id if user else None,
        lang=lang,
        text=message.text or "",
        services=services,
    )


# The longest real region name or alias is about 60 characters: a longer query names none.
MAX_REGION_QUERY = 100


def echo(value: str) -> str:
    """What the user typed, as a reply repeats it: shortened, so that a 4,096-character
    argument gives a readable answer (and one Telegram accepts)."""
    return shorten(value)


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    if message is not None:
        # Whatever a handler built, Telegram refuses more than 4,096 characters.
        await message.reply_text(fit_message(text), reply_markup=markup, do_quote=False)


GROUP_TYPES = ("group", "supergroup")


async def may_change_chat(update: Update, context: ContextTypes.DEFAULT_TYPE, a: Ask) -> bool:
    """In a group only its admins (or the bot's) change what the group receives; anyone
    else gets a reply saying so."""
    chat = update.effective_chat
    if chat is None or chat.type not in GROUP_TYPES or a.is_admin:
        return True
    allowed = False
    if a.user_id is not None:
        try:
            member = await context.bot.get_chat_member(chat.id, a.user_id)
            allowed = member.status in ("administrator", "creator")
        except TelegramError:
            allowed = False
    if not allowed:
        await reply(update, a.t("group.admins_only"))
    return allowed
