"""The /map picture: Ukraine's oblasts coloured by their alert state, with a title, the time
and a legend, in large type for a phone screen.

Drawn with matplotlib's object API only (Figure + FigureCanvasAgg, no pyplot), so it can run
in a worker thread. The layout is fixed arithmetic (no tight bounding box), so
:meth:`Layout.pixel` says exactly where a place lands in the PNG.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from bot.maps.outlines import Outlines, Point, load


class RegionState(StrEnum):
    """What a top-level region looks like on the map; see bot/maps/state.py."""

    AIR_RAID = "air_raid"
    OTHER = "other"
    PARTIAL = "partial"
    NONE = "none"


# Fill colour of each state (the partial state is also hatched in HATCH).
COLOURS: dict[RegionState, str] = {
    RegionState.AIR_RAID: "#d32f2f",
    RegionState.OTHER: "#f57c00",
    RegionState.PARTIAL: "#f5b5b5",
    RegionState.NONE: "#dfe5ea",
}
HATCH = "#d32f2f"
BORDER = "#ffffff"
LEGEND_ORDER = (RegionState.AIR_RAID, RegionState.PARTIAL, RegionState.OTHER, RegionState.NONE)

WIDTH = 1280  # pixels at scale 1: the longest side Telegram keeps of a photo
DPI = 100
_PAD = 24  # pixels left and right of the map
_TOP = 150  # title and time
_BOTTOM = 150  # the legend, two rows
_MARGIN = 0.08  # projected units around the outlines


@dataclass(frozen=True, slots=True)
class MapTexts:
    title: str
    subtitle: str  # "станом на 14:32"
    legend: Mapping[RegionState, str]


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the map sits in the picture, in pixels, and the projected box it shows."""

    width: int
    height: int
    left: float
    top: float
    map_width: float
    map_height: float
    box: tuple[float, float, float, float]  # projected x min, y min, x max, y max
    scale: float
    outlines: Outlines

    def pixel(self, lon: float, lat: float) -> tuple[int, int]:
        """The (column, row) of the PNG where the place at ``lon``, ``lat`` is drawn."""
        x, y = self.outlines.project(lon, lat)
        x0, y0, x1, y1 = self.box
        column = self.left + (x - x0) / (x1 - x0) * self.map_width
        row = self.top + (y1 - y) / (y1 - y0) * self.map_height
        return int(column), int(row)


def layout(scale: float = 1.0) -> Layout:
    """The picture's layout: ``scale`` 1 is 1280 pixels wide; tests draw smaller."""
    outlines = load()
    x0, y0, x1, y1 = outlines.bounds()
    box = (x0 - _MARGIN, y0 - _MARGIN, x1 + _MARGIN, y1 + _MARGIN)
    width = round(WIDTH * scale)
    map_width = width - 2 * _PAD * scale
    map_height = round(map_width * (box[3] - box[1]) / (box[2] - box[0]))
    top, bottom = round(_TOP * scale), round(_BOTTOM * scale)
    height = top + map_height + bottom
    return Layout(width, height, _PAD * scale, top, map_width, map_height, box, scale, outlines)


@cache
def _path(region_id: str) -> tuple[list[Point], list[int]]:
    """A region's projected vertices and matplotlib path codes (every ring closed)."""
    from matplotlib.path import Path

    outlines = load()
    vertices: list[Point] = []
    codes: list[int] = []
    for polygon in outlines.regions[region_id].polygons:
        for ring in polygon:
            points = [outlines.project(lon, lat) for lon, lat in ring]
            vertices += [*points, points[0]]
            codes += [int(Path.MOVETO), *[int(Path.LINETO)] * (len(points) - 1)]
            codes.append(int(Path.CLOSEPOLY))
    return vertices, codes


def render_png(states: Mapping[str, RegionState], texts: MapTexts, *, scale: float = 1.0) -> bytes:
    """The picture: each region in ``states`` (absent: no alert) coloured by its state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, PathPatch
    from matplotlib.path import Path

    place = layout(scale)
    outlines = place.outlines
    figure = Figure(figsize=(place.width / DPI, place.height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    axes = figure.add_axes(
        (
            place.left / place.width,
            1 - (place.top + place.map_height) / place.height,
            place.map_width / place.width,
            place.map_height / place.height,
        )
    )
    axes.set_axis_off()
    x0, y0, x1, y1 = place.box
    axes.set_xlim(x0, x1)
    axes.set_ylim(y0, y1)
    axes.set_aspect("auto")  # the layout already gave the box the map's proportions

    # Cities last: Kyiv and Sevastopol lie inside (or on the edge of) a larger region.
    order = sorted(outlines.regions, key=lambda r: (r in ("31", "30"), int(r)))
    shapes = {region_id: Path(*_path(region_id)) for region_id in order}
    line = 1.6 * scale * 72 / DPI  # points
    for region_id in order:
        state = states.get(region_id, RegionState.NONE)
        partial = state is RegionState.PARTIAL
        patch = PathPatch(
            shapes[region_id],
            facecolor=COLOURS[state],
            edgecolor="none",
            hatch="//" if partial else None,
            hatchcolor=HATCH if partial else None,
            linewidth=0,
        )
        if partial:
            patch.set_hatch_linewidth(2.0 * scale)
        axes.add_patch(patch)
    # Borders over every fill, so a hatched neighbour never covers one.
    for region_id in order:
        axes.add_patch(
            PathPatch(shapes[region_id], facecolor="none", edgecolor=BORDER, linewidth=line)
        )

    pixel = 72 / DPI * scale  # the font size, in points, of one pixel at this scale
    figure.text(
        place.left / place.width,
        1 - 20 * scale / place.height,
        texts.title,
        fontsize=46 * pixel,
        fontweight="bold",
        va="top",
        ha="left",
    )
    figure.text(
        place.left / place.width,
        1 - 82 * scale / place.height,
        texts.subtitle,
        fontsize=38 * pixel,
        color="#37474f",
        va="top",
        ha="left",
    )
    handles = [
        Patch(
            facecolor=COLOURS[state],
            edgecolor=HATCH if state is RegionState.PARTIAL else "#90a4ae",
            hatch="//" if state is RegionState.PARTIAL else None,
            label=texts.legend[state],
        )
        for state in LEGEND_ORDER
    ]
    figure.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(place.left / place.width, 8 * scale / place.height),
        ncol=2,
        fontsize=32 * pixel,
        frameon=False,
        handlelength=1.4,
        handleheight=1.0,
        columnspacing=1.6,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
