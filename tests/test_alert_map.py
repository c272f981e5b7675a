"""/map (issue 16, item 6): a picture of the oblasts coloured by their alert state now.

Real PTB over loopback, the real database and poller; the picture is the real one, drawn
smaller, and read back from the PNG Telegram was sent: the pixel at a point inside an
oblast, placed by the same layout the picture is drawn with, has that oblast's colour.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from matplotlib.path import Path as MplPath
from PIL import Image

from bot.app import AlertBot
from bot.commands.alert_map import BUTTON_DATA
from bot.demo.fakes.bot_api import FakeBotApi, SentMessage, UploadedFile
from bot.demo.fakes.feed_server import FakeFeedServer
from bot.i18n import t
from bot.maps.draw import COLOURS, HATCH, LEGEND_ORDER, MapTexts, RegionState, layout, render_png
from bot.maps.outlines import load
from bot.maps.state import region_states
from bot.services import BotData
from feeds import regions
from tests.conftest import BotFactory, Clock
from tests.payloads import lviv_alert
from tests.test_end_to_end import command, serve
from tests.test_picker import button, buttons, message_id, press
from tests.test_regions_alerts import raion_alert

SCALE = 0.4  # a 512-pixel picture: drawn in a fraction of the full one's time
RESIDENT, ENGLISH = 3101, 3102
LVIV, KHARKIV, LUHANSK, ODESA, KYIV_CITY, CRIMEA = "27", "22", "16", "18", "31", "29"


@dataclass
class CountingRenderer:
    """The real drawing, smaller, counting its calls (the seam AlertBot takes)."""

    calls: list[tuple[dict[str, RegionState], MapTexts]] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)

    def __call__(self, states: Mapping[str, RegionState], texts: MapTexts) -> bytes:
        self.calls.append((dict(states), texts))
        self.threads.add(threading.get_ident())
        return render_png(states, texts, scale=SCALE)


@pytest.fixture
def renderer() -> CountingRenderer:
    return CountingRenderer()


@pytest.fixture
def start_map_bot(start_bot: BotFactory, renderer: CountingRenderer) -> BotFactory:
    async def _start(database_url: str | None = None) -> AlertBot:
        return await start_bot(database_url, map_renderer=renderer)

    return _start


def odesa_artillery() -> dict[str, Any]:
    record = lviv_alert(alert_id=18_000)
    record.update(
        location_title="Одеська область",
        location_oblast="Одеська область",
        location_uid="18",
        location_oblast_uid=18,
        alert_type="artillery_shelling",
    )
    return record


async def poll(bot: AlertBot) -> None:
    await bot.poll_now("alerts-in-ua")


async def ask_map(api: FakeBotApi, chat_id: int) -> SentMessage:
    before = len([m for m in api.sent if m.chat_id == chat_id])
    api.send_command(chat_id, "/map")
    [*_, photo] = await api.wait_for_sent(before + 1, chat_id=chat_id, timeout=20)
    return photo


def png_of(sent: SentMessage) -> bytes:
    assert sent.method == "sendPhoto"
    upload = sent.params["photo"]
    assert isinstance(upload, UploadedFile)
    assert upload.data.startswith(b"\x89PNG")
    return upload.data


def first_file_id(api: FakeBotApi, sent: SentMessage) -> str:
    """The file id Telegram gave the largest size of an uploaded photo."""
    assert sent.message_id is not None
    message = api.message(int(sent.chat_id), sent.message_id)
    assert message is not None
    return str(message["photo"][-1]["file_id"])


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def near(pixel: tuple[int, ...], colour: str, tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, rgb(colour), strict=False))


class Picture:
    def __init__(self, png: bytes) -> None:
        self.image = Image.open(io.BytesIO(png)).convert("RGB")
        self.layout = layout(SCALE)
        assert self.image.size == (self.layout.width, self.layout.height)

    def at(self, region_id: str) -> tuple[int, int, int]:
        """The colour at a point inside the region (placed by the picture's own layout)."""
        column, row = self.layout.pixel(*load().regions[region_id].inside)
        r, g, b = self.image.getpixel((column, row))  # type: ignore[misc]
        return r, g, b

    def around(self, region_id: str, radius: int = 7) -> list[tuple[int, int, int]]:
        column, row = self.layout.pixel(*load().regions[region_id].inside)
        box = self.image.crop((column - radius, row - radius, column + radius, row + radius))
        return [(r, g, b) for r, g, b in box.get_flattened_data()]  # type: ignore[misc]


def assert_hatched(picture: Picture, region_id: str) -> None:
    """A "part of the oblast" fill: mostly the light face, crossed by the hatch lines."""
    pixels = picture.around(region_id)
    face = sum(near(p, COLOURS[RegionState.PARTIAL], 10) for p in pixels)
    lines = sum(near(p, HATCH, 40) for p in pixels)
    assert face > len(pixels) * 0.3, (face, len(pixels))
    assert lines > 0, "hatched"
    assert not any(near(p, COLOURS[RegionState.NONE]) for p in pixels)


async def test_map_colours_each_oblast_by_its_state_and_draws_once_per_state(
    database_url: str,
    start_map_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    clock: Clock,
    renderer: CountingRenderer,
) -> None:
    """The recorded answer has Luhansk oblast and Crimea under air raid; the test adds Lviv
    oblast (air raid) and Odesa oblast (artillery)."""
    bot = await start_map_bot(database_url)
    serve(feed_server, clock, lviv_alert(), odesa_artillery())
    await poll(bot)

    first = await ask_map(bot_api, RESIDENT)
    assert first.text == "🗺 Тривоги по областях станом на 12:00"  # 10:00 UTC in March
    picture = Picture(png_of(first))
    for red in (LVIV, LUHANSK, CRIMEA):
        assert near(picture.at(red), COLOURS[RegionState.AIR_RAID]), red
    assert near(picture.at(ODESA), COLOURS[RegionState.OTHER])
    for quiet in (KHARKIV, KYIV_CITY):
        assert near(picture.at(quiet), COLOURS[RegionState.NONE]), quiet
    [(states, texts)] = renderer.calls
    air, other = RegionState.AIR_RAID, RegionState.OTHER
    assert states == {LVIV: air, LUHANSK: air, CRIMEA: air, ODESA: other}
    assert texts.subtitle == "станом на 12:00"
    assert threading.get_ident() not in renderer.threads, "drawn off the event loop"

    # The same state a few minutes later: the same picture, not drawn again.
    clock.advance(minutes=7)
    again = await ask_map(bot_api, RESIDENT)
    assert len(renderer.calls) == 1
    # Sent again by Telegram's file id, not uploaded again.
    assert again.params["photo"] == first_file_id(bot_api, first)
    assert again.text == "🗺 Тривоги по областях станом на 12:07\nБез змін з 12:00."

    # Lviv oblast's own alert ends while Sambir raion's goes on; Odesa's ends.
    serve(feed_server, clock, raion_alert("88", "Самбірський район"))
    await poll(bot)
    changed = await ask_map(bot_api, RESIDENT)
    assert len(renderer.calls) == 2
    assert changed.text == "🗺 Тривоги по областях станом на 12:07"
    picture = Picture(png_of(changed))
    assert_hatched(picture, LVIV)
    assert near(picture.at(ODESA), COLOURS[RegionState.NONE])
    assert near(picture.at(LUHANSK), COLOURS[RegionState.AIR_RAID])
    assert renderer.calls[-1][1].subtitle == "станом на 12:07"


async def test_an_english_chat_gets_the_legend_and_caption_in_english(
    start_map_bot: BotFactory, bot_api: FakeBotApi, renderer: CountingRenderer
) -> None:
    await start_map_bot()
    await command(bot_api, ENGLISH, "/lang en")
    photo = await ask_map(bot_api, ENGLISH)
    assert photo.text == "🗺 Alerts by oblast as of 12:00"
    [(_states, texts)] = renderer.calls
    assert texts.title == t("en", "map.title") == "Alerts in Ukraine"
    assert texts.subtitle == "as of 12:00"
    assert texts.legend == {s: t("en", f"map.legend.{s.value}") for s in LEGEND_ORDER}
    assert texts.legend[RegionState.AIR_RAID] == "Air raid alert"

    # A Ukrainian chat asking for the same state gets a picture of its own.
    await ask_map(bot_api, RESIDENT)
    assert [c[1].title for c in renderer.calls] == ["Alerts in Ukraine", "Тривоги в Україні"]


async def test_the_map_button_on_start_and_status(
    start_map_bot: BotFactory, bot_api: FakeBotApi, renderer: CountingRenderer
) -> None:
    await start_map_bot()
    before = len([m for m in bot_api.sent if m.chat_id == RESIDENT])
    bot_api.send_command(RESIDENT, "/start")
    [*_, greeting] = await bot_api.wait_for_sent(before + 1, chat_id=RESIDENT)
    data = button(greeting.params["reply_markup"], "🗺 Мапа")
    assert data == BUTTON_DATA
    answer = await press(bot_api, RESIDENT, message_id(bot_api, RESIDENT, greeting), data)
    assert not answer.get("show_alert")
    [*_, photo] = await bot_api.wait_for_sent(before + 2, chat_id=RESIDENT, timeout=20)
    png_of(photo)
    assert len(renderer.calls) == 1

    before = len([m for m in bot_api.sent if m.chat_id == RESIDENT])
    bot_api.send_command(RESIDENT, "/status")
    [*_, status] = await bot_api.wait_for_sent(before + 1, chat_id=RESIDENT)
    assert ("🗺 Мапа", BUTTON_DATA) in buttons(status.params["reply_markup"])


async def test_requests_for_the_same_state_at_once_draw_it_once(
    start_map_bot: BotFactory, renderer: CountingRenderer
) -> None:
    bot = await start_map_bot()
    assert bot.application is not None
    data = bot.application.bot_data
    assert isinstance(data, BotData) and data.alert_map is not None
    pictures = await asyncio.gather(*(data.alert_map.picture("uk") for _ in range(4)))
    assert len(renderer.calls) == 1
    assert all(p is pictures[0] for p in pictures)


async def test_a_file_id_telegram_no_longer_knows_is_uploaded_again(
    start_map_bot: BotFactory, bot_api: FakeBotApi, renderer: CountingRenderer
) -> None:
    await start_map_bot()
    first = await ask_map(bot_api, RESIDENT)
    bot_api.forget_files()
    again = await ask_map(bot_api, RESIDENT)
    assert png_of(again) == png_of(first), "the resident still gets the map"
    assert len(renderer.calls) == 1
    third = await ask_map(bot_api, RESIDENT)
    assert third.params["photo"] == first_file_id(bot_api, again)


async def test_map_is_in_the_menus_and_help(start_map_bot: BotFactory, bot_api: FakeBotApi) -> None:
    await start_map_bot()
    default = bot_api.commands(None)
    assert {"command": "map", "description": "Мапа тривог по областях"} in default
    groups = [c["command"] for c in bot_api.commands({"type": "all_group_chats"}, "en")]
    assert "map" in groups
    assert "/map — мапа тривог по областях" in await command(bot_api, RESIDENT, "/help")


def test_region_states_air_raid_first_then_parts_then_other_kinds() -> None:
    states = region_states(
        [
            ("27", "air_raid"),
            ("27", "artillery"),  # an air raid over the whole oblast outranks the rest
            ("88", "air_raid"),
            ("22", "air_raid_partial"),  # alerts.in.ua IoT "P"
            ("22", "artillery"),  # an air raid in part of it outranks another kind
            ("18", "artillery"),
            ("12", "urban_fights_partial"),
            ("no-such-place", "air_raid"),
        ]
    )
    assert states == {
        "27": RegionState.AIR_RAID,
        "22": RegionState.PARTIAL,
        "18": RegionState.OTHER,
        "12": RegionState.PARTIAL,
    }
    # A raion's alert colours its oblast as "in part of it".
    assert region_states([("88", "air_raid")]) == {"27": RegionState.PARTIAL}


def test_outlines_cover_every_top_level_region_with_crimea_and_stay_small() -> None:
    data_file = Path(__file__).resolve().parent.parent / "bot" / "maps" / "data" / "oblasts.json"
    assert data_file.stat().st_size < 300_000
    assert "Natural Earth" in json.loads(data_file.read_text(encoding="utf-8"))["source"]
    outlines = load()
    assert set(outlines.regions) == {r.id for r in regions.top_level()}
    assert len(outlines.regions) == 27 and {"29", "30"} <= set(outlines.regions)
    for region_id, outline in outlines.regions.items():
        inside = [
            other
            for other, shape in outlines.regions.items()
            if any(
                MplPath([*polygon[0], polygon[0][0]], closed=True).contains_point(outline.inside)
                and not any(
                    MplPath([*hole, hole[0]], closed=True).contains_point(outline.inside)
                    for hole in polygon[1:]
                )
                for polygon in shape.polygons
            )
        ]
        assert inside == [region_id], (region_id, inside)
