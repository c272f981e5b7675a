"""The command menus Telegram shows by "/" (setMyCommands): one per language and audience.

Ukrainian is the default (no language_code); English users (language_code "en") get English
descriptions. Private chats get the residents' commands, groups (BotCommandScopeAllGroupChats)
the ones that make sense there, and each admin of the bot, in their private chat with it
(BotCommandScopeChat), the residents' commands and the admin ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)

from bot.i18n import t

RESIDENT = (
    "subscribe",
    "mysubs",
    "status",
    "map",
    "settings",
    "quiet",
    "truces",
    "truce_notices",
    "outage",
    "outage_group",
    "outage_address",
    "unsubscribe",
    "regions",
    "lang",
    "help",
)
GROUP = ("subscribe", "mysubs", "status", "map", "truces", "unsubscribe", "settings", "help")
ADMIN = ("truce_set", "truce_end", "truce_report", "feed_list", "channels", "stats")
# None: the default (Ukrainian) list; "en": for users whose Telegram is in English.
MENU_LANGUAGES: tuple[str | None, ...] = (None, "en")


@dataclass(frozen=True, slots=True)
class Menu:
    commands: list[BotCommand]
    scope: BotCommandScope
    language_code: str | None


def commands(names: Iterable[str], lang: str | None) -> list[BotCommand]:
    return [BotCommand(name, t(lang, f"menu.{name}")) for name in names]


def menus(admins: Iterable[int]) -> list[Menu]:
    """Every setMyCommands call the bot makes at start, most general first."""
    result = []
    for lang in MENU_LANGUAGES:
        result.append(Menu(commands(RESIDENT, lang), BotCommandScopeDefault(), lang))
        result.append(Menu(commands(RESIDENT, lang), BotCommandScopeAllPrivateChats(), lang))
        result.append(Menu(commands(GROUP, lang), BotCommandScopeAllGroupChats(), lang))
        for admin in sorted(set(admins)):
            result.append(Menu(commands(RESIDENT + ADMIN, lang), BotCommandScopeChat(admin), lang))
    return result
