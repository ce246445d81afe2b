"""The world map: country shapes, projected once, coloured from counts. Pure functions.

The shapes come from `activities/data/world-50m.json`, built once by
`scripts/build_world_map.py` from the npm package `world-atlas` (Natural Earth 1:50m,
public domain; package ISC), so running the app needs no npm. Shapes are keyed by M49
code and already projected (Equal Earth) into a viewBox of `WIDTH` x `HEIGHT` pixels.

Countries with no shape in the 50m file (small island states such as Tuvalu or
Gibraltar), and those whose shape would be smaller than a few pixels, are drawn as a
dot at their centroid (`Country.latitude/longitude`), so every country is clickable.

Reach that the counting rules attribute to a region rather than to one country (the
5,600 teachers of El Salvador, Guatemala and Honduras belong to Central America) is drawn
for the region itself: a circle whose area is proportional to its participations, over
the countries of the region that its activities name, with its number beside it.

The map can zoom to a region (`region_view_box`): the same SVG with a narrower viewBox,
chosen by a link, so it works without JavaScript; strokes keep their width and circles
and labels their size on screen.

The colour scale is the sequential "Blues" of ColorBrewer (colour-blind safe), with a
separate light grey for "nothing recorded", and classes by powers of ten so that 650 and
7,832 do not look alike.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext

from .templatetags.figures import localized_number

DATA_FILE = Path(__file__).resolve().parent / "data" / "world-50m.json"

WIDTH = 1000
# Equal Earth spans 2 x 2.7207 by 2 x 1.3173 in its own units; the map is cut at
# 58 degrees south (Antarctica is left out: no delivery there, and it takes a fifth of
# the height).
X_MAX = 2.7206
Y_MAX = 1.3173
SCALE = WIDTH / (2 * X_MAX)
SOUTH_CUT_LATITUDE = -58.0

# ColorBrewer Blues, 5 classes (colour-blind safe, print friendly), darkest last.
SCALE_COLOURS = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NO_DATA_COLOUR = "#eceff1"
SMALL_SHAPE_PIXELS = 3.0


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """Equal Earth projection (Šavrič, Patterson, Jenny 2018), in its own units."""
    a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
    lam = math.radians(longitude)
    theta = math.asin(math.sqrt(3) / 2 * math.sin(math.radians(latitude)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * lam * math.cos(theta)
    x /= 3 * (9 * a4 * t6 * t2 + 7 * a3 * t6 + 3 * a2 * t2 + a1)
    y = theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))
    return x, y


def project(longitude: float, latitude: float) -> tuple[float, float]:
    """Longitude/latitude in degrees to pixels of the map's viewBox (y grows down)."""
    x, y = equal_earth(longitude, latitude)
    return (x + X_MAX) * SCALE, (Y_MAX - y) * SCALE


def map_height() -> float:
    return round(project(0, SOUTH_CUT_LATITUDE)[1], 1)


@cache
def world_shapes() -> dict:
    """The committed shape file: {"source": ..., "shapes": {m49: {"name", "d", "size"}}}."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


@dataclass(frozen=True)
class LegendClass:
    low: int
    high: int | None  # None: open-ended
    colour: str


def colour_classes(maximum: int) -> list[LegendClass]:
    """At most five classes with round lower bounds (1, 2, 5, 10, 20, 50...) up to
    `maximum`, the last open-ended; powers of ten when the values span too many of those.
    Colours are spread over the palette so that two classes still use both its ends."""
    if maximum < 1:
        return []
    steps = [step * 10**power for power in range(10) for step in (1, 2, 5)]
    lows = [low for low in steps if low <= maximum]
    if len(lows) > len(SCALE_COLOURS):
        lows = [10**power for power in range(10) if 10**power <= maximum]
    lows = lows[: len(SCALE_COLOURS)]
    count = len(lows)
    last_index = len(SCALE_COLOURS) - 1
    classes = []
    for i, low in enumerate(lows):
        high = lows[i + 1] - 1 if i + 1 < count else None
        colour = (
            SCALE_COLOURS[round(i * last_index / (count - 1))] if count > 1 else SCALE_COLOURS[3]
        )
        classes.append(LegendClass(low, high, colour))
    return classes


def colour_for(value: int | None, classes: list[LegendClass]) -> str:
    if not value:
        return NO_DATA_COLOUR
    for legend_class in classes:
        if legend_class.high is None or value <= legend_class.high:
            return legend_class.colour
    return classes[-1].colour


NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
ZOOM_PADDING = 0.12  # of the region's extent, on each side
ZOOM_ASPECT = 1.5  # width / height of a zoomed view: taller than the world, for phones
ZOOM_MIN_WIDTH = 60.0  # pixels of the world map: a small region is not blown up past this
SYMBOL_MAX_RADIUS = 26.0  # pixels at world scale, for the largest region-wide figure
SYMBOL_MIN_RADIUS = 6.0


@cache
def shape_bounds(m49_code: str) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) of a country's shape in map pixels; None without a shape. The
    paths hold absolute coordinates only (M x y x y ... Z), as the build script writes."""
    shape = world_shapes()["shapes"].get(m49_code)
    if shape is None:
        return None
    numbers = [float(n) for n in NUMBER.findall(shape["d"])]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def bounds_of(m49_codes: list[str]) -> tuple[float, float, float, float] | None:
    boxes = [box for code in m49_codes if (box := shape_bounds(code)) is not None]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass(frozen=True)
class ViewBox:
    x: float
    y: float
    width: float
    height: float

    def __str__(self) -> str:
        return f"{self.x:g} {self.y:g} {self.width:g} {self.height:g}"

    @property
    def scale(self) -> float:
        """Map pixels per world-view pixel: what keeps strokes, circles and labels at
        their size on screen when zoomed in."""
        return self.width / WIDTH


def world_view_box() -> ViewBox:
    return ViewBox(0, 0, WIDTH, map_height())


def region_view_box(m49_codes: list[str]) -> ViewBox | None:
    """A view of the shapes of these countries, padded, at `ZOOM_ASPECT`, within the map.
    Overseas parts (Alaska, Hawaii) are part of a shape, so a region holding the United
    States spans them too: the views offered are of the places where there was delivery."""
    box = bounds_of(m49_codes)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    pad = ZOOM_PADDING * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    width, height = max(x1 - x0, ZOOM_MIN_WIDTH), y1 - y0
    width, height = max(width, height * ZOOM_ASPECT), max(height, width / ZOOM_ASPECT)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    full_height = map_height()
    width, height = min(width, WIDTH), min(height, full_height)
    x = min(max(cx - width / 2, 0), WIDTH - width)
    y = min(max(cy - height / 2, 0), full_height - height)
    return ViewBox(round(x, 1), round(y, 1), round(width, 1), round(height, 1))


@dataclass(frozen=True)
class MapRegion:
    """Reach attributed to a region itself (counting rule 4: no one country holds all its
    people), drawn as a circle over `anchor_m49_codes`, the region's countries that its
    activities name (or all its countries when they name none)."""

    code: str
    name: str
    value: int | None  # participations (their lower bound); None: suppressed
    label: str  # read aloud, e.g. "Central America: more than 6,255 participations..."
    value_text: str  # drawn beside the circle, e.g. "6,255+"
    href: str
    anchor_m49_codes: tuple[str, ...]


def region_symbols(regions: list[MapRegion], view: ViewBox) -> list[dict[str, Any]]:
    """Circles for the regions, area proportional to their value, largest drawn first so
    smaller ones stay on top; sizes kept on screen at any zoom."""
    largest = max((r.value or 0 for r in regions), default=0)
    symbols: list[dict[str, Any]] = []
    for region in regions:
        box = bounds_of(list(region.anchor_m49_codes))
        if box is None or not largest:
            continue
        share = math.sqrt((region.value or 0) / largest)
        screen_radius = max(SYMBOL_MAX_RADIUS * share, SYMBOL_MIN_RADIUS)
        radius = screen_radius * view.scale
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        symbols.append(
            {
                "code": region.code,
                "name": region.name,
                "cx": round(cx, 1),
                "cy": round(cy, 1),
                "r": round(radius, 2),
                "screen_r": round(screen_radius, 1),
                "label_x": round(cx + radius + 3 * view.scale, 1),
                "label_y": round(cy + 4 * view.scale, 1),
                "font_size": round(13 * view.scale, 2),
                "stroke_width": round(1.5 * view.scale, 2),
                "value_text": region.value_text,
                "title": region.label,
                "href": region.href,
                "value": region.value or 0,
            }
        )
    symbols.sort(key=lambda symbol: -symbol["value"])
    return symbols


@dataclass(frozen=True)
class MapCountry:
    """What the map needs of a country: its codes, name, centroid and the value shown."""

    iso2: str
    m49_code: str
    name: str
    latitude: float | None
    longitude: float | None
    value: int | None = None  # the number the colour shows; None or 0 = nothing recorded
    label: str = ""  # the value as read aloud, e.g. "5,600+ participations"


def build_world_map(
    countries: list[MapCountry],
    *,
    url_pattern: str = "/countries/{iso2}/",
    regions: list[MapRegion] | None = None,
    view: ViewBox | None = None,
) -> dict:
    """Everything the template draws: shapes, dots, region circles, legend, viewBox.

    Returns {"width", "height", "view_box", "scale", "shapes": [...], "dots": [...],
    "regions": [...], "legend": [...], "source": {...}}. Each shape/dot has "d" or
    "cx/cy", "fill", "title", "href" and "has_value" (only those are in the keyboard's
    tab order: 240 stops would hide the few that matter). Shapes without a matching
    country (disputed areas such as Kosovo or Somaliland in Natural Earth) are drawn in
    the no-data colour and are not links.
    """
    view = view or world_view_box()
    data = world_shapes()
    shapes_by_code = data["shapes"]
    maximum = max((c.value or 0 for c in countries), default=0)
    classes = colour_classes(maximum) if maximum else []
    shapes: list[dict[str, Any]] = []
    dots: list[dict[str, Any]] = []
    seen_codes = set()
    for country in countries:
        fill = colour_for(country.value, classes)
        title = f"{country.name}: {country.label}" if country.label else country.name
        href = url_pattern.format(iso2=country.iso2)
        shape = shapes_by_code.get(country.m49_code)
        if shape is not None:
            seen_codes.add(country.m49_code)
            shapes.append(
                {
                    "d": shape["d"],
                    "fill": fill,
                    "title": title,
                    "href": href,
                    "has_value": bool(country.value),
                }
            )
        small = shape is None or shape["size"] < SMALL_SHAPE_PIXELS
        if small and country.latitude is not None and country.longitude is not None:
            if country.latitude < SOUTH_CUT_LATITUDE:
                continue
            cx, cy = project(country.longitude, country.latitude)
            dots.append(
                {
                    "cx": round(cx, 1),
                    "cy": round(cy, 1),
                    "r": round((4 if country.value else 2) * view.scale, 2),
                    "fill": fill,
                    "title": title,
                    "href": href,
                    "has_value": bool(country.value),
                }
            )
    # Draw countries with values last among dots so they are not hidden under others.
    dots.sort(key=lambda dot: dot["has_value"])
    others = [
        {"d": shape["d"], "name": shape["name"]}
        for code, shape in shapes_by_code.items()
        if code not in seen_codes
    ]
    height = map_height()
    legend = [{"label": gettext("nothing recorded"), "colour": NO_DATA_COLOUR}]
    for legend_class in classes:
        low = localized_number(legend_class.low)
        if legend_class.high is None:
            label = gettext("%(number)s or more") % {"number": low}
        elif legend_class.low == legend_class.high:
            label = low
        else:
            label = f"{low}–{localized_number(legend_class.high)}"
        legend.append({"label": label, "colour": legend_class.colour})
    table = sorted(
        (
            {"name": c.name, "href": url_pattern.format(iso2=c.iso2), "label": c.label}
            for c in countries
            if c.value
        ),
        key=lambda row: row["name"],
    )
    return {
        "table": table,
        "width": WIDTH,
        "height": height,
        "view_box": str(view),
        "scale": view.scale,
        "zoomed": view != world_view_box(),
        "hatch": {"size": round(6 * view.scale, 2), "stroke": round(2.5 * view.scale, 2)},
        "regions": region_symbols(regions or [], view),
        "shapes": shapes,
        "other_shapes": others,
        "dots": dots,
        "legend": legend,
        "source": data["source"],
    }
