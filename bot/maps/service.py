"""The /map picture, drawn in a worker thread and kept until the alert state changes.

Every request reads the state (one query); a picture already drawn for that state and
language is sent as it is. Drawing takes a second or two of CPU, so it never runs on the
event loop, and requests that arrive while it runs wait for it instead of drawing again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.alert_texts import kyiv_time
from bot.i18n import t
from bot.maps import state as map_state
from bot.maps.draw import LEGEND_ORDER, MapTexts, RegionState, render_png

log = logging.getLogger("alertbot.maps")

# The drawing seam: tests count the calls and draw smaller.
Renderer = Callable[[Mapping[str, RegionState], MapTexts], bytes]


@dataclass(slots=True)
class Picture:
    png: bytes
    drawn_at: datetime  # the state it shows held then, and has not changed since
    # Telegram's id of the picture once uploaded: sent again by it, not uploaded again.
    file_id: str | None = None


def texts(lang: str, now: datetime) -> MapTexts:
    return MapTexts(
        title=t(lang, "map.title"),
        subtitle=t(lang, "map.as_of", time=kyiv_time(now, now)),
        legend={state: t(lang, f"map.legend.{state.value}") for state in LEGEND_ORDER},
    )


class AlertMap:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        renderer: Renderer = render_png,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._renderer = renderer
        self._drawing = asyncio.Lock()
        self._pictures: dict[tuple[map_state.Snapshot, str], Picture] = {}

    async def picture(self, lang: str) -> Picture:
        async with self._sessions() as session:
            states = await map_state.current(session)
        key = (map_state.snapshot(states), lang)
        async with self._drawing:
            kept = self._pictures.get(key)
            if kept is not None:
                return kept
            now = self._clock()
            png = await asyncio.to_thread(self._renderer, states, texts(lang, now))
            log.info("map_drawn", extra={"lang": lang, "regions_alerted": len(states)})
            # Only the newest state's pictures are worth keeping (one per language).
            self._pictures = {k: v for k, v in self._pictures.items() if k[0] == key[0]}
            picture = self._pictures[key] = Picture(png, now)
            return picture
