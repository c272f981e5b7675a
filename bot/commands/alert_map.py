"""/map and its button: a picture of Ukraine's oblasts coloured by their alert state now."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.commands.common import Ask, ask
from bot.delivery.alert_texts import kyiv_time
from bot.services import bot_data

# The button's callback data, as bot/commands/picker.py reads it (version 1, operation
# "mp", no arguments). Spelled out here: picker imports the residents' commands.
BUTTON_DATA = "v1:mp"


def button(a: Ask) -> InlineKeyboardButton:
    return InlineKeyboardButton(a.t("ui.btn.map"), callback_data=BUTTON_DATA)


def keyboard(a: Ask) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(a)]])


async def send_map(a: Ask, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """The picture, with the time now; when it was drawn earlier (nothing changed since),
    the caption says so."""
    service = bot_data(context).alert_map
    assert service is not None, "the map is set up before the first update"
    picture = await service.picture(a.lang)
    now = a.services.clock()
    caption = a.t("map.caption", time=kyiv_time(now, now))
    drawn = kyiv_time(picture.drawn_at, now)
    if drawn != kyiv_time(now, now):
        caption += "\n" + a.t("map.unchanged", time=drawn)
    if picture.file_id is not None:
        try:
            await context.bot.send_photo(chat_id, picture.file_id, caption=caption)
            return
        except BadRequest:
            picture.file_id = None  # Telegram no longer knows it: upload the picture again
    sent = await context.bot.send_photo(chat_id, picture.png, caption=caption)
    if sent.photo:
        picture.file_id = sent.photo[-1].file_id


async def map_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    await send_map(a, context, a.chat_id)
