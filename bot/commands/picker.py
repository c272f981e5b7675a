"""Buttons instead of syntax: the region picker, /start, /settings, /mysubs with buttons, and
the answer to a plain text message.

Every button's callback data says all that is needed to act on it (``v1:s:27``: subscribe to
region 27), so a button keeps working after a restart and no state is kept between presses.
The data is checked like any other input: an unknown version, operation, region or kind is
a stale (or forged) button, which gets a polite answer and changes nothing. In a group only
its admins may press the buttons that change what the group receives.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.commands import address, alert_map, resident
from bot.commands.common import GROUP_TYPES, MAX_REGION_QUERY, Ask, ask, echo, may_change_chat
from bot.commands.truce_args import ArgumentError, split_arguments
from bot.delivery.alert_texts import kind_name, region_accusative, region_name
from bot.delivery.textlimit import fit_message
from bot.i18n import LANGUAGES
from bot.outages.service import OutageService
from bot.services import bot_data
from feeds import regions
from storage import chats as chat_store
from storage import outages as outage_store

log = logging.getLogger("alertbot.picker")

VERSION = "v1"
PAGE_SIZE = 14  # region buttons per screen, two to a row
COLUMNS = 2
# Alert kinds a subscription can be limited to, with the one-letter codes the buttons carry.
KIND_CODES: dict[str, str] = {
    "a": "air_raid",
    "r": "artillery",
    "u": "urban_fights",
    "c": "chemical",
    "n": "nuclear",
    "o": "other",
}
CODE_OF_KIND = {kind: code for code, kind in KIND_CODES.items()}
REMINDER_CHOICES = (15, 30, 60)
# Operations that change what a chat receives (the rest only move between screens).
CHANGES = frozenset({"s", "u", "k", "l", "r"})
_REGION_ID = re.compile(r"[0-9A-Za-z_-]{1,20}")


def data(*parts: object) -> str:
    """Callback data: ``v1:<operation>:<arguments>``, within Telegram's 64 bytes."""
    text = ":".join([VERSION, *(str(p) for p in parts)])
    if len(text.encode()) > 64:
        raise ValueError(f"callback data too long: {text!r}")
    return text


def _button(text: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data(*parts))


def _rows(
    buttons: Sequence[InlineKeyboardButton], width: int = COLUMNS
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def _name(region_id: str, lang: str) -> str:
    return region_name(region_id, region_id, lang)


def _city_name(region: regions.Region, lang: str) -> str:
    """A city hromada as people call it: "м. Львів", not the hromada's full title."""
    if lang == "en":
        return region.name_en.removesuffix(" hromada")
    return region.name_uk.split(" та ", 1)[0]


def _children(region_id: str) -> list[regions.Region]:
    return [r for r in regions.all_regions() if r.parent_id == region_id]


def _page_buttons(
    items: Sequence[InlineKeyboardButton], page: int, *nav: object
) -> list[list[InlineKeyboardButton]]:
    """One page of ``items`` and, when there are more, ◀️ n/m ▶️ (``nav`` + page number)."""
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = _rows(items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    if pages > 1:
        rows.append(
            [
                _button("◀️", *nav, (page - 1) % pages),
                _button(f"{page + 1}/{pages}", *nav, page),
                _button("▶️", *nav, (page + 1) % pages),
            ]
        )
    return rows


# --- screens: (text, keyboard) ---------------------------------------------------------

Screen = tuple[str, InlineKeyboardMarkup | None]


def start_screen(a: Ask) -> Screen:
    keyboard = [
        [_button(a.t("ui.btn.pick_region"), "po", 0)],
        [_button(a.t("ui.btn.map"), "mp"), _button(a.t("ui.btn.outage"), "og")],
        [_button(a.t("ui.btn.language"), "lc"), _button(a.t("ui.btn.settings"), "st")],
    ]
    return a.t("ui.start"), InlineKeyboardMarkup(keyboard)


def oblast_screen(a: Ask, page: int = 0) -> Screen:
    buttons = []
    for region in regions.top_level():
        target = ("pr", region.id, 0) if _children(region.id) else ("s", region.id)
        buttons.append(_button(_name(region.id, a.lang), *target))
    return a.t("ui.pick.oblast"), InlineKeyboardMarkup(_page_buttons(buttons, page, "po"))


def region_screen(a: Ask, region: regions.Region, page: int = 0) -> Screen:
    whole = {
        "oblast": "ui.btn.whole_oblast",
        "raion": "ui.btn.whole_raion",
        "city": "ui.btn.whole_city",
    }.get(region.level, "ui.btn.whole")
    buttons = []
    for child in _children(region.id):
        # A raion opens its own screen (whole raion or a hromada in it); a place with
        # nothing known inside is subscribed to at once.
        target = ("pr", child.id, 0) if _children(child.id) else ("s", child.id)
        buttons.append(_button(regions.short_name(child.id, a.lang), *target))
    rows = [[_button(a.t(whole), "s", region.id)]]
    rows += _page_buttons(buttons, page, "pr", region.id)
    back = ("pr", region.parent_id, 0) if region.parent_id else ("po", 0)
    rows.append([_button(a.t("ui.btn.back"), *back)])
    text = a.t("ui.pick.region", region=_name(region.id, a.lang))
    return text, InlineKeyboardMarkup(rows)


def kinds_code(kinds: Sequence[str] | None) -> str:
    """``kinds=`` as a button carries it: one letter a kind ("ar"), "*" for every kind."""
    return "*" if kinds is None else "".join(CODE_OF_KIND[k] for k in kinds)


def kinds_of_code(code: str) -> tuple[str, ...] | None:
    """The kinds a button's code names; ValueError for a code this version did not send."""
    if code == "*":
        return None
    if not code or any(c not in KIND_CODES for c in code) or len(set(code)) != len(code):
        raise ValueError(code)
    return tuple(k for c, k in KIND_CODES.items() if c in code)


def ambiguous_screen(
    a: Ask,
    query: str,
    city: regions.Region,
    oblast: regions.Region,
    kinds: tuple[str, ...] | Literal["keep"] | None = "keep",
) -> Screen:
    """Which of the two places "Львів" means; a typed ``kinds=`` rides on the buttons."""
    city_name = _city_name(city, a.lang)
    text = a.t("ui.ambiguous", query=echo(query), city=city_name, oblast=_name(oblast.id, a.lang))
    extra = () if kinds == "keep" else (kinds_code(kinds),)
    keyboard = [
        [_button(a.t("ui.btn.city", city=city_name), "s", city.id, *extra)],
        [_button(_name(oblast.id, a.lang), "s", oblast.id, *extra)],
    ]
    return text, InlineKeyboardMarkup(keyboard)


def unsubscribe_screen(a: Ask, query: str, places: Sequence[regions.Region]) -> Screen:
    """ "Львів" when the chat follows both the city and the oblast: which one to drop."""
    keyboard = [[_button(f"❌ {_name(r.id, a.lang)}", "u", r.id)] for r in places]
    return a.t("ui.unsubscribe_which", query=echo(query)), InlineKeyboardMarkup(keyboard)


def suggestion_screen(a: Ask, query: str, found: Sequence[regions.Region]) -> Screen:
    keyboard = [[_button(_name(r.id, a.lang), "s", r.id)] for r in found]
    keyboard.append([_button(a.t("ui.btn.pick_region"), "po", 0)])
    return a.t("ui.suggest", query=echo(query)), InlineKeyboardMarkup(keyboard)


def offer_screen(a: Ask, region: regions.Region) -> Screen:
    row = [_button(a.t("ui.btn.subscribe"), "s", region.id)]
    if _children(region.id):
        row.append(_button(a.t("ui.btn.parts"), "pr", region.id, 0))
    return a.t("ui.offer", region=_name(region.id, a.lang)), InlineKeyboardMarkup([row])


def subscribed_screen(a: Ask, text: str, region_id: str) -> Screen:
    keyboard = [
        [_button(a.t("ui.btn.kinds"), "ks", region_id), _button(a.t("ui.btn.add"), "po", 0)]
    ]
    return text, InlineKeyboardMarkup(keyboard)


async def mysubs_screen(a: Ask) -> Screen:
    async with a.services.sessions() as session:
        region_ids = await chat_store.subscriptions(session, a.chat_id)
        chosen = await chat_store.subscription_kinds(session, a.chat_id)
    if not region_ids:
        keyboard = [[_button(a.t("ui.btn.pick_region"), "po", 0)]]
        return a.t("mysubs.none"), InlineKeyboardMarkup(keyboard)
    items = []
    rows = []
    for region_id in region_ids:
        kinds = chosen.get(region_id)
        listed = f" ({', '.join(kind_name(k, a.lang) for k in kinds.split(','))})" if kinds else ""
        items.append(f"• {_name(region_id, a.lang)}{listed}")
        rows.append(
            [
                _button(f"❌ {_name(region_id, a.lang)}", "u", region_id),
                _button("⚙️", "ks", region_id),
            ]
        )
    rows.append([_button(a.t("ui.btn.add"), "po", 0)])
    return a.t("ui.mysubs", items="\n".join(items)), InlineKeyboardMarkup(rows)


async def kinds_screen(a: Ask, region_id: str) -> Screen | None:
    """The kinds a subscription gets, each a ✓ toggle; None when there is no such one."""
    async with a.services.sessions() as session:
        chosen = await chat_store.subscription_kinds(session, a.chat_id)
    if region_id not in chosen:
        return None
    stored = chosen[region_id]
    on = set(stored.split(",")) if stored else set(KIND_CODES.values())
    buttons = [
        _button(("✓ " if kind in on else "") + kind_name(kind, a.lang), "k", region_id, code)
        for code, kind in KIND_CODES.items()
    ]
    rows = _rows(buttons)
    all_mark = "✓ " if stored is None else ""
    rows.append([_button(all_mark + a.t("ui.btn.all_kinds"), "k", region_id, "*")])
    rows.append([_button(a.t("ui.btn.to_subs"), "m")])
    return a.t("ui.kinds", region=_name(region_id, a.lang)), InlineKeyboardMarkup(rows)


def language_screen(a: Ask) -> Screen:
    keyboard = [
        [_button(a.t("ui.btn.lang_uk"), "l", "uk"), _button(a.t("ui.btn.lang_en"), "l", "en")]
    ]
    return a.t("ui.lang.choose"), InlineKeyboardMarkup(keyboard)


def _outages(context: ContextTypes.DEFAULT_TYPE) -> OutageService | None:
    return bot_data(context).outages


async def settings_screen(a: Ask, context: ContextTypes.DEFAULT_TYPE) -> Screen:
    service = _outages(context)
    default = service.config.outages.reminder_minutes if service is not None else 30
    async with a.services.sessions() as session:
        prefs = await outage_store.get_prefs(session, a.chat_id)
    minutes = default if prefs.reminder_minutes is None else prefs.reminder_minutes
    remind = a.t("ui.remind.minutes", minutes=minutes) if minutes else a.t("ui.remind.off")
    text = a.t("ui.settings", lang=a.t(f"ui.lang.{a.lang}"), remind=remind)
    mark = {m: "✓ " if m == minutes else "" for m in (*REMINDER_CHOICES, 0)}
    keyboard = [
        [_button(a.t("ui.btn.lang_uk"), "l", "uk"), _button(a.t("ui.btn.lang_en"), "l", "en")],
        [_button(mark[m] + a.t("ui.btn.remind", minutes=m), "r", m) for m in REMINDER_CHOICES],
        [_button(mark[0] + a.t("ui.btn.remind_off"), "r", 0)],
        [_button(a.t("ui.btn.quiet"), "q")],
    ]
    return text, InlineKeyboardMarkup(keyboard)


# --- commands and plain text ------------------------------------------------------------


async def _send(update: Update, screen: Screen) -> None:
    message = update.effective_message
    if message is not None:
        text, markup = screen
        await message.reply_text(fit_message(text), reply_markup=markup, do_quote=False)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is not None:
        await _send(update, start_screen(a))


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is not None:
        await _send(update, await settings_screen(a, context))


async def mysubs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is not None:
        await _send(update, await mysubs_screen(a))


def _name_screen(
    a: Ask, query: str, kinds: tuple[str, ...] | Literal["keep"] | None = "keep"
) -> Screen | None:
    """The buttons for a typed place name: which of two places, or close matches."""
    both = regions.city_and_oblast(query)
    if both is not None:
        return ambiguous_screen(a, query, *both, kinds=kinds)
    if regions.resolve(query) is None:
        found = regions.suggest(query)
        if found:
            return suggestion_screen(a, query, found)
    return None


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/subscribe: no name opens the picker; a name meaning two places asks which; an
    unknown one offers close matches as buttons; the rest is resident.subscribe's."""
    a = await ask(update, context)
    if a is None:
        return
    try:
        words = split_arguments(a.text)
    except ArgumentError:
        words = a.text.split()[1:]
    typed = [w for w in words if w.lower().startswith("kinds=")]
    query = " ".join(w for w in words if w not in typed).strip()
    kinds: tuple[str, ...] | Literal["keep"] | None = "keep"
    if typed:
        try:
            kinds = resident.parse_kinds(typed[-1].partition("=")[2])
        except ValueError:
            await resident.subscribe(update, context)  # it says which word is wrong
            return
        if regions.city_and_oblast(query) is None:
            await resident.subscribe(update, context)  # the typed form says everything
            return
    if not query:
        await _send(update, oblast_screen(a))
        return
    screen = _name_screen(a, query, kinds) if len(query) <= MAX_REGION_QUERY else None
    if screen is None:
        await resident.subscribe(update, context)
        return
    if await may_change_chat(update, context, a):
        await _send(update, screen)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unsubscribe: "Львів" drops whichever of the city and the oblast the chat follows, and
    asks with buttons when it follows both; the rest is resident.unsubscribe's."""
    a = await ask(update, context)
    if a is None:
        return
    query = resident.argument(a)
    both = regions.city_and_oblast(query) if len(query) <= MAX_REGION_QUERY else None
    if both is None:
        await resident.unsubscribe(update, context)
        return
    if not await may_change_chat(update, context, a):
        return
    async with a.services.sessions() as session:
        followed = set(await chat_store.subscriptions(session, a.chat_id))
    places = [r for r in both if r.id in followed]
    if len(places) == 2:
        await _send(update, unsubscribe_screen(a, query, places))
        return
    if len(places) == 1:
        await resident.unsubscribe_from(update, a, places[0].id)
        return
    city, oblast = both
    await _send(
        update,
        (
            a.t(
                "unsubscribe.none_of_both",
                city=_city_name(city, a.lang),
                oblast=region_accusative(oblast.id, _name(oblast.id, a.lang), a.lang),
            ),
            None,
        ),
    )


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private message that is not a command: a place name gets a subscription offer,
    anything else a short hint."""
    if await address.answered_prompt(update, context):  # /outage_address asked for it
        return
    a = await ask(update, context)
    if a is None:
        return
    query = a.text.strip()
    screen: Screen | None = None
    if query and len(query) <= MAX_REGION_QUERY:
        screen = _name_screen(a, query)
        region = regions.resolve(query)
        if screen is None and region is not None:
            screen = offer_screen(a, region)
    if screen is None:
        keyboard = [[_button(a.t("ui.btn.pick_region"), "po", 0)]]
        screen = a.t("ui.chat_hint"), InlineKeyboardMarkup(keyboard)
    await _send(update, screen)


# --- buttons ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Press:
    operation: str
    arguments: tuple[str, ...]


def parse(raw: str | None) -> Press | None:
    """The press a callback's data asks for; None for anything this version did not send."""
    if not raw or len(raw) > 64:
        return None
    parts = raw.split(":")
    if len(parts) < 2 or parts[0] != VERSION:
        return None
    operation, arguments = parts[1], tuple(parts[2:])
    shapes = {
        "po": 1, "pr": 2, "s": (1, 2), "u": 1, "ks": 1, "k": 2, "m": 0,
        "l": 1, "lc": 0, "st": 0, "r": 1, "q": 0, "og": 0, "mp": 0,
    }  # fmt: skip
    shape = shapes.get(operation)
    if len(arguments) not in (shape if isinstance(shape, tuple) else (shape,)):
        return None
    if operation in ("po", "pr") and not arguments[-1].isdigit():
        return None
    if operation in ("pr", "s", "u", "ks", "k") and not _REGION_ID.fullmatch(arguments[0]):
        return None
    return Press(operation, arguments)


async def _may_press(update: Update, context: ContextTypes.DEFAULT_TYPE, a: Ask) -> bool:
    chat = update.effective_chat
    if chat is None or chat.type not in GROUP_TYPES or a.is_admin:
        return True
    if a.user_id is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, a.user_id)
    except TelegramError:
        return False
    return member.status in ("administrator", "creator")


async def _show(query: CallbackQuery, screen: Screen) -> None:
    """Replace the pressed message with ``screen``; a message too old to edit gets a new one."""
    text, markup = screen
    message = query.message
    try:
        if isinstance(message, Message):
            await query.edit_message_text(fit_message(text), reply_markup=markup)
            return
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return
        log.info("edit_failed", extra={"error": str(exc)})
    if message is not None:
        await query.get_bot().send_message(message.chat.id, fit_message(text), reply_markup=markup)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every press is answered (answerCallbackQuery), whatever happens while handling it."""
    query = update.callback_query
    if query is None:
        return
    note: str | None = None
    alert = False
    try:
        a = await ask(update, context)
        press = parse(query.data)
        if a is None or press is None:
            note, alert = _stale(a), True
            return
        if press.operation in CHANGES and not await _may_press(update, context, a):
            note, alert = a.t("ui.admins_only"), True
            return
        note, alert = await _act(query, context, a, press)
    finally:
        await query.answer(note, show_alert=alert)


def _stale(a: Ask | None) -> str:
    return a.t("ui.stale") if a is not None else "…"


async def _act(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, a: Ask, press: Press
) -> tuple[str | None, bool]:
    """Do what the press asks; the toast to answer with, and whether it is an alert box."""
    op, args = press.operation, press.arguments
    if op == "po":
        await _show(query, oblast_screen(a, int(args[0])))
    elif op == "pr":
        region = regions.get(args[0])
        if region is None:
            return a.t("ui.stale"), True
        await _show(query, region_screen(a, region, int(args[1])))
    elif op == "s":
        if regions.get(args[0]) is None:
            return a.t("ui.stale"), True
        kinds: tuple[str, ...] | Literal["keep"] | None = "keep"
        if len(args) == 2:
            try:
                kinds = kinds_of_code(args[1])
            except ValueError:
                return a.t("ui.stale"), True
        text = await resident.subscribe_text(a, args[0], kinds)
        await _show(query, subscribed_screen(a, text, args[0]))
        return a.t("ui.saved"), False
    elif op == "u":
        async with a.services.sessions() as session, session.begin():
            removed = await chat_store.unsubscribe(session, a.chat_id, args[0])
        await _show(query, await mysubs_screen(a))
        if not removed:
            return a.t("ui.gone"), True
        return a.t("unsubscribe.done", region=_name(args[0], a.lang)), False
    elif op in ("ks", "k"):
        return await _kinds(query, a, args)
    elif op == "m":
        await _show(query, await mysubs_screen(a))
    elif op == "l":
        if args[0] not in LANGUAGES:
            return a.t("ui.stale"), True
        async with a.services.sessions() as session, session.begin():
            await chat_store.set_language(session, a.chat_id, args[0])
        chosen = Ask(a.chat_id, a.user_id, args[0], a.text, a.services)
        await _show(query, await settings_screen(chosen, context))
        return chosen.t("lang.done"), False
    elif op == "lc":
        await _show(query, language_screen(a))
    elif op == "st":
        await _show(query, await settings_screen(a, context))
    elif op == "r":
        if not args[0].isdigit() or int(args[0]) not in (*REMINDER_CHOICES, 0):
            return a.t("ui.stale"), True
        async with a.services.sessions() as session, session.begin():
            await outage_store.set_reminder(session, a.chat_id, int(args[0]))
        await _show(query, await settings_screen(a, context))
        return a.t("ui.saved"), False
    elif op == "q":
        return a.t("ui.quiet_hint"), True
    elif op == "mp":
        message = query.message
        if message is not None:
            await alert_map.send_map(a, context, message.chat.id)
    elif op == "og":
        message = query.message
        if message is not None:
            await query.get_bot().send_message(message.chat.id, a.t("outage.group_usage"))
    return None, False


async def _kinds(query: CallbackQuery, a: Ask, args: tuple[str, ...]) -> tuple[str | None, bool]:
    region_id = args[0]
    if len(args) == 2:  # a toggle
        code = args[1]
        if code != "*" and code not in KIND_CODES:
            return a.t("ui.stale"), True
        async with a.services.sessions() as session, session.begin():
            chosen = await chat_store.subscription_kinds(session, a.chat_id)
            if region_id not in chosen:
                return a.t("ui.gone"), True
            stored = chosen[region_id]
            on = set(stored.split(",")) if stored else set(KIND_CODES.values())
            kinds: tuple[str, ...] | None
            if code == "*":
                kinds = None
            else:
                on ^= {KIND_CODES[code]}
                if not on:
                    return a.t("ui.kinds.need_one"), True
                ordered = tuple(k for k in KIND_CODES.values() if k in on)
                kinds = None if len(ordered) == len(KIND_CODES) else ordered
            await chat_store.subscribe(
                session, a.chat_id, region_id, a.services.clock(), kinds=kinds
            )
    screen = await kinds_screen(a, region_id)
    if screen is None:
        return a.t("ui.gone"), True
    await _show(query, screen)
    return (a.t("ui.saved"), False) if len(args) == 2 else (None, False)
