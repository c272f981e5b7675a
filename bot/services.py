"""What handlers need from the outside world: PTB's ``bot_data`` of this bot is a
:class:`BotData` (``ContextTypes(bot_data=BotData)``), read through :func:`bot_data` and
:func:`get_services`, the one typed way in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext, ContextTypes

if TYPE_CHECKING:
    from bot.ingest.feed_manager import FeedManager
    from bot.maps.service import AlertMap
    from bot.outages.service import OutageService


@dataclass(frozen=True, slots=True)
class Services:
    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]
    admins: frozenset[int]
    default_lang: str


class BotData:
    """The bot's ``bot_data``: filled in by bot/app.py before the first update."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.feeds: FeedManager | None = None
        self.outages: OutageService | None = None
        self.alert_map: AlertMap | None = None


CONTEXT_TYPES: ContextTypes[Any, Any, Any, BotData] = ContextTypes(bot_data=BotData)


def bot_data(context: CallbackContext[Any, Any, Any, Any]) -> BotData:
    data = context.application.bot_data
    assert isinstance(data, BotData), "the application was built without CONTEXT_TYPES"
    return data


def get_services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    services = bot_data(context).services
    assert services is not None, "services are set before the first update"
    return services
