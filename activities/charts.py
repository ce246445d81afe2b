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

from django.utils.translation import gettext as _

from .templatetags.figures import format_count

WIDTH = 400
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


def bar_chart(bars: list[Bar], *, title: str, description: str, unit: str | None = None) -> dict:
    """Coordinates for a horizontal bar chart; bars keep the order given.

    Returns {"width", "height", "view_box", "title", "description", "unit", "rows"}; each
    row has "label", "value_text", "href", "label_y", "bar_y", "bar_width", "value_x",
    "value_y", "muted". A zero value gets no bar, only its "0". The unit defaults to
    "participations" (one person at one activity: counting rule 1).
    """
    largest = max((_drawn(bar) for bar in bars), default=0)
    bar_space = WIDTH - VALUE_SPACE - PADDING
    rows = []
    y = PADDING
    for bar in bars:
        width = round(_drawn(bar) / largest * bar_space, 1) if largest else 0
        if _drawn(bar) and width < 2:
            width = 2  # a visible sliver for small non-zero values
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
                "bar_y": bar_y,
                "bar_height": BAR_HEIGHT,
                "bar_width": width,
                "value_x": round(PADDING + width + 6, 1),
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
        "title": title,
        "description": description,
        "unit": unit or _("participations"),
        "rows": rows,
    }
