"""Build activities/data/world-50m.json from the npm package world-atlas, once.

    mkdir -p /tmp/world && cd /tmp/world && npm install --no-save world-atlas@2.0.2
    cd /work/main && .venv/bin/python scripts/build_world_map.py \
        /tmp/world/node_modules/world-atlas

What it does, so that the app needs no npm at run time:
- reads `countries-50m.json` (TopoJSON, Natural Earth 1:50m, 241 shapes keyed by M49
  code) and decodes its quantized, delta-encoded arcs itself (no topojson-client);
- projects every point with the Equal Earth projection of activities/maps.py (the same
  function places the dots of small states at run time), cut at 58 degrees south
  (Antarctica is left out);
- simplifies each shared arc once (Douglas-Peucker, tolerance TOLERANCE pixels) so that
  neighbours keep a common border, drops rings smaller than a pixel, and writes each
  country as one SVG path string with coordinates rounded to 0.1 pixel;
- records the source package, its version and licence in the output file.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from activities.maps import SOUTH_CUT_LATITUDE, WIDTH, map_height, project

OUT = Path(__file__).resolve().parent.parent / "activities" / "data" / "world-50m.json"
TOLERANCE = 0.2  # pixels of a 1000-pixel-wide map
ANTARCTICA = "010"


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute longitude/latitude points of every arc (TopoJSON delta decoding)."""
    (scale_x, scale_y), (shift_x, shift_y) = (
        topology["transform"]["scale"],
        topology["transform"]["translate"],
    )
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative; keeps both ends (arcs meet there)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                distance = math.hypot(px - x1, py - y1)
            else:
                distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list:
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def ring_area(points: list[tuple[float, float]]) -> float:
    return abs(
        sum(
            x1 * y2 - x2 * y1
            for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True)
        )
        / 2
    )


def path_of(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for points in rings:
        # Drop repeated points left by the rounding.
        rounded: list[tuple[float, float]] = []
        for x, y in points:
            point = (round(x, 1), round(y, 1))
            if not rounded or rounded[-1] != point:
                rounded.append(point)
        if len(rounded) > 1 and rounded[0] == rounded[-1]:
            rounded.pop()
        if len(rounded) < 3:
            continue
        coords = " ".join(f"{x:g} {y:g}" for x, y in rounded)
        parts.append(f"M{coords}Z")
    return "".join(parts)


def main(package_dir: str) -> None:
    package = Path(package_dir)
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    topology = json.loads((package / "countries-50m.json").read_text(encoding="utf-8"))
    height = map_height()

    def to_pixels(point: tuple[float, float]) -> tuple[float, float]:
        longitude, latitude = point
        x, y = project(longitude, max(latitude, SOUTH_CUT_LATITUDE))
        return x, min(y, height)

    raw_arcs = [[to_pixels(p) for p in arc] for arc in decode_arcs(topology)]
    arcs = [simplify(arc, TOLERANCE) for arc in raw_arcs]
    shapes = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        # Disputed areas (Kosovo, Somaliland...) have no M49 code: keep them, under their
        # name, so that the map has no holes; they are drawn but link nowhere.
        code = geometry.get("id") or f"name:{geometry['properties']['name']}"
        if code == ANTARCTICA or geometry["type"] is None:
            continue
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        rings = []
        xs, ys = [], []
        for polygon in polygons:
            for ring in polygon:
                points = ring_points(ring, arcs)
                if len(set(points)) < 3:
                    # A small island the shared-arc simplification flattened: keep it
                    # at full detail (it has few points anyway).
                    points = ring_points(ring, raw_arcs)
                if ring_area(points) < 0.5 and len(polygons) > 1:
                    continue  # a speck of an island among larger parts
                rings.append(points)
                xs.extend(x for x, _ in points)
                ys.extend(y for _, y in points)
        if not rings:  # every part a speck: keep the largest
            rings = [max((ring_points(r, raw_arcs) for p in polygons for r in p), key=ring_area)]
            xs = [x for x, _ in rings[0]]
            ys = [y for _, y in rings[0]]
        d = path_of(rings)
        if not d:
            continue
        size = max(max(xs) - min(xs), max(ys) - min(ys))
        shapes[code] = {"name": geometry["properties"]["name"], "size": round(size, 1), "d": d}
    result = {
        "source": {
            "package": meta["name"],
            "version": meta["version"],
            "license": meta.get("license", ""),
            "file": "countries-50m.json",
            "data": "Natural Earth 1:50m Admin 0 countries (public domain)",
            "projection": "Equal Earth, cut at 58 degrees south, Antarctica left out",
            "simplification": f"Douglas-Peucker, {TOLERANCE} px at {WIDTH} px wide",
            "built_by": "scripts/build_world_map.py",
        },
        "width": WIDTH,
        "height": height,
        "shapes": dict(sorted(shapes.items())),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"{len(shapes)} shapes, {OUT.stat().st_size:,} bytes -> {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
