"""The world map: country shapes, projected once, coloured from counts. Pure functions.

The shapes come from `activities/data/world-50m.json`, built once by
`scripts/build_world_map.py` from the npm package `world-atlas` (Natural Earth 1:50m,
public domain; package ISC), so running the app needs no npm. Shapes are keyed by M49
code and already projected (Equal Earth) into a viewBox of `WIDTH` x `HEIGHT` pixels.

Countries with no shape in the 50m file (small island states such as Tuvalu or
Gibraltar), and those whose shape would be smaller than a few pixels, are drawn as a
dot at their centroid (`Country.latitude/longitude`), so every country is clickable.

The colour scale is the sequential "Blues" of ColorBrewer (colour-blind safe), with a
separate light grey for "nothing recorded", and classes by powers of ten so that 650 and
7,832 do not look alike.
"""

from __future__ import annotations

import json
import math
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
    countries: list[MapCountry], *, url_pattern: str = "/countries/{iso2}/"
) -> dict:
    """Everything the template draws: shapes, dots, legend, viewBox.

    Returns {"width", "height", "view_box", "shapes": [...], "dots": [...], "legend": [...],
    "source": {...}}. Each shape/dot has "d" or "cx/cy", "fill", "name", "title", "href".
    Shapes without a matching country (disputed areas such as Kosovo or Somaliland in
    Natural Earth) are drawn in the no-data colour and are not links.
    """
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
            shapes.append({"d": shape["d"], "fill": fill, "title": title, "href": href})
        small = shape is None or shape["size"] < SMALL_SHAPE_PIXELS
        if small and country.latitude is not None and country.longitude is not None:
            if country.latitude < SOUTH_CUT_LATITUDE:
                continue
            cx, cy = project(country.longitude, country.latitude)
            dots.append(
                {
                    "cx": round(cx, 1),
                    "cy": round(cy, 1),
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
        "view_box": f"0 0 {WIDTH} {height}",
        "shapes": shapes,
        "other_shapes": others,
        "dots": dots,
        "legend": legend,
        "source": data["source"],
    }
