"""Bar charts as SVG-ready data: pure functions from numbers to coordinates.

The template `activities/includes/bar_chart.html` draws what `bar_chart()` returns, with
a <title>, a <desc> and a data table beside it for screen readers. Each bar's label
sits above the bar, so long theme names stay readable on a 375-pixel phone, and every
bar may carry a link into the filtered list.

Values are drawn to scale from the lower bound a source gives ("more than 5,600" is
drawn as 5,600); the text beside the bar says "5,600+" so the bound stays visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from .templatetags.figures import format_count

WIDTH = 400
# An estimate of a label's width at 13 px (DejaVu Sans and similar): a longer label is
# drawn condensed to fit (SVG textLength), so a long theme name in French or Spanish stays
# whole and the chart keeps its size on a phone.
LABEL_CHAR_WIDTH = 7.2
LABEL_HEIGHT = 17
BAR_HEIGHT = 16
ROW_GAP = 10
VALUE_SPACE = 80  # room right of the longest bar for its value text
PADDING = 4


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | str  # a string is a suppressed small number ("<5"): no bar, only its text
    qualifier: str = "exact"  # exact | at_least | about (the counting engine's words)
    href: str = ""
    note: str = ""  # e.g. "not attributable to one region"
    muted: bool = False  # drawn in grey: "not recorded", "not attributable"


def _drawn(bar: Bar) -> int:
    """The length a bar is drawn at: a suppressed value is not drawn."""
    return bar.value if isinstance(bar.value, int) else 0


def _condensed_length(label: str, width: int) -> float | None:
    """The length a label is drawn at when it would not fit the chart, else None."""
    available = width - 2 * PADDING
    return available if len(label) * LABEL_CHAR_WIDTH > available else None


def bar_chart(
    bars: list[Bar],
    *,
    title: str,
    description: str,
    unit: str | None = None,
    width: int = WIDTH,
) -> dict:
    """Coordinates for a horizontal bar chart; bars keep the order given.

    Returns {"width", "height", "view_box", "title", "description", "unit", "rows"}; each
    row has "label", "value_text", "href", "label_y", "bar_y", "bar_width", "value_x",
    "value_y", "muted". A zero value gets no bar, only its "0". The unit defaults to
    "participations" (one person at one activity: counting rule 1).
    """
    largest = max((_drawn(bar) for bar in bars), default=0)
    bar_space = width - VALUE_SPACE - PADDING
    rows = []
    y = PADDING
    for bar in bars:
        drawn_width = round(_drawn(bar) / largest * bar_space, 1) if largest else 0
        if _drawn(bar) and drawn_width < 2:
            drawn_width = 2  # a visible sliver for small non-zero values
        label_y = y + LABEL_HEIGHT - 5
        bar_y = y + LABEL_HEIGHT
        rows.append(
            {
                "label": bar.label,
                "note": bar.note,
                "value": bar.value,
                "value_text": format_count(bar.value, bar.qualifier),
                "href": bar.href,
                "muted": bar.muted,
                "label_y": label_y,
                "label_length": _condensed_length(bar.label, width),
                "bar_y": bar_y,
                "bar_height": BAR_HEIGHT,
                "bar_width": drawn_width,
                "value_x": round(PADDING + drawn_width + 6, 1),
                "value_y": bar_y + BAR_HEIGHT - 4,
            }
        )
        y = bar_y + BAR_HEIGHT + ROW_GAP
    height = y + PADDING
    return {
        "width": width,
        "height": height,
        "view_box": f"0 0 {width} {height}",
        "x": PADDING,
        "title": title,
        "description": description,
        "unit": unit or _("participations"),
        "rows": rows,
    }


# --- Columns over time, stacked bars, shares -------------------------------------------

COLUMN_AREA_HEIGHT = 150
COLUMN_TOP_SPACE = 18  # room above the tallest column for its value
COLUMN_LABEL_SPACE = 20  # room below the axis for the year


def column_chart(
    columns: list[tuple[str, int]], *, highlighted: str | None = None
) -> dict[str, Any]:
    """Vertical columns in the order given (years, oldest first), drawn to scale, each
    with its value above it and its label below; `highlighted` is drawn darker (the year
    the page is filtered to). Returns {"width", "height", "view_box", "columns"}."""
    largest = max((value for _, value in columns), default=0)
    count = max(len(columns), 1)
    slot = (WIDTH - 2 * PADDING) / count
    bar_width = round(min(slot * 0.7, 48), 1)
    base_y = COLUMN_TOP_SPACE + COLUMN_AREA_HEIGHT
    drawn = []
    for index, (label, value) in enumerate(columns):
        height = round(value / largest * COLUMN_AREA_HEIGHT, 1) if largest else 0
        if value and height < 2:
            height = 2
        centre = PADDING + slot * index + slot / 2
        drawn.append(
            {
                "label": label,
                "value": value,
                "x": round(centre - bar_width / 2, 1),
                "y": round(base_y - height, 1),
                "width": bar_width,
                "height": height,
                "centre": round(centre, 1),
                "value_y": round(base_y - height - 4, 1),
                "label_y": base_y + 15,
                "highlighted": label == highlighted,
            }
        )
    total_height = base_y + COLUMN_LABEL_SPACE
    return {
        "width": WIDTH,
        "height": total_height,
        "view_box": f"0 0 {WIDTH} {total_height}",
        "base_y": base_y,
        "columns": drawn,
    }


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar: participations in named countries, or region-wide."""

    value: int
    kind: str  # "named" | "region_wide"
    title: str  # read aloud and shown on hover


def stacked_bar_chart(bars: list[tuple[str, str, list[Segment]]]) -> dict[str, Any]:
    """Horizontal bars, each made of segments laid end to end and drawn to one scale;
    `bars` are (label, total text, segments). The total text is the engine's total for
    the bar (never a sum made here), drawn after the last segment."""
    largest = max((sum(s.value for s in segments) for _, _, segments in bars), default=0)
    bar_space = WIDTH - VALUE_SPACE - PADDING
    rows = []
    y = PADDING
    for label, total_text, segments in bars:
        x = float(PADDING)
        parts = []
        for segment in segments:
            width = round(segment.value / largest * bar_space, 1) if largest else 0
            if segment.value and width < 2:
                width = 2
            if width:
                parts.append({"x": round(x, 1), "width": width, **segment.__dict__})
            x += width
        bar_y = y + LABEL_HEIGHT
        rows.append(
            {
                "label": label,
                "label_y": y + LABEL_HEIGHT - 5,
                "bar_y": bar_y,
                "bar_height": BAR_HEIGHT,
                "segments": parts,
                "value_text": total_text,
                "value_x": round(x + 6, 1),
                "value_y": bar_y + BAR_HEIGHT - 4,
            }
        )
        y = bar_y + BAR_HEIGHT + ROW_GAP
    height = y + PADDING
    return {
        "width": WIDTH,
        "height": height,
        "view_box": f"0 0 {WIDTH} {height}",
        "x": PADDING,
        "rows": rows,
    }


def share_bar(parts: list[tuple[str, int, str]]) -> dict[str, Any]:
    """One bar split into shares of its whole: (label, value, kind) parts, kind "female",
    "male" or "not_recorded". A part of 0 is left out (no "Female 0" sliver or label).
    Shares are of the parts' sum, as whole percentages."""
    whole = sum(value for _, value, _ in parts)
    bar_space = WIDTH - 2 * PADDING
    x = float(PADDING)
    drawn = []
    for label, value, kind in parts:
        if not value or not whole:
            continue
        width = max(round(value / whole * bar_space, 1), 2)
        share = round(100 * value / whole)
        drawn.append(
            {
                "label": label,
                "kind": kind,
                "x": round(x, 1),
                "width": width,
                "share": share,
                "text_x": round(x + width / 2, 1),
            }
        )
        x += width
    height = 2 * PADDING + 40
    return {"width": WIDTH, "height": height, "view_box": f"0 0 {WIDTH} {height}", "parts": drawn}
