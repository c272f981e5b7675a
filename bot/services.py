"""What handlers need from the outside world, injected through ``application.bot_data``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ContextTypes

SERVICES_KEY = "alertbot.services"
FEEDS_KEY = "alertbot.feeds"


@dataclass(frozen=True, slots=True)
class Services:
    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]
    admins: frozenset[int]
    default_lang: str


def get_services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    services: Any = context.application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services
