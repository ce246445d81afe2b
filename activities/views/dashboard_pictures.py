"""The dashboard's map and charts, made from the stats engine's answers.

Every number here is a cell of an engine answer (activities/stats/): nothing is counted
or summed again. Each chart comes with the table of its numbers and the link to the
activity list behind it, whose totals are the same answer's.

A chart is a dict the template `activities/includes/chart.html` draws: {"id", "title",
"description", "svg" (the partial that draws it), "drawing" (its coordinates),
"headings", "rows" (the data table: "label", "href", "cells"), "list_href",
"list_label"}.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import charts, counting, maps
from ..place_names import place_name
from ..templatetags.figures import format_count, format_count_words, localized_number
from .common import activities_url

Extra = Mapping[str, str | int]


def _participations(people: dict[str, Any]) -> str:
    return format_count(people["total"], people["qualifier"])


def _drawn(people: dict[str, Any]) -> int:
    """The length a figure is drawn at: its lower bound; a suppressed one is not drawn."""
    total = people["total"]
    return total if isinstance(total, int) else 0


def list_label(count: int) -> str:
    return ngettext(
        "List the %(count)s activity behind this chart",
        "List the %(count)s activities behind this chart",
        count,
    ) % {"count": localized_number(count)}


def over_time(by_year: dict[str, Any], *, year: int | None, extra: Extra) -> dict[str, Any]:
    """Activities by year, oldest first, every year between the first and the last
    (a year with no activity is a column of 0); the table gives the participations too.
    An activity over two years is in both (counting rule 5), so columns can add up to
    more than the total."""
    rows = {row["year"]["code"]: row for row in by_year["rows"] if row["year"]}
    years = range(min(rows), max(rows) + 1) if rows else range(0)
    columns = [(str(y), rows[y]["activities"] if y in rows else 0) for y in years]
    table = []
    for y in years:
        row = rows.get(y)
        table.append(
            {
                "label": str(y),
                "href": activities_url(**{**extra, "year": y}) if row else "",
                "cells": [
                    localized_number(row["activities"] if row else 0),
                    _participations(row["participants"]) if row else "0",
                ],
            }
        )
    total = by_year["totals"]["activities"]
    return {
        "id": "chart-time",
        "title": _("Activities, by year"),
        "description": _(
            "How many activities took place each year. An activity spanning two years "
            "counts in both. The table gives their participations as well."
        ),
        "svg": "activities/includes/chart_columns.html",
        "drawing": charts.column_chart(columns, highlighted=str(year) if year else None),
        "headings": [_("Year"), _("Activities"), _("Participations")],
        "rows": table,
        "list_href": activities_url(**extra),
        "list_label": list_label(total),
    }


def reach_cells(reach: dict[str, Any]) -> dict[str | None, list[dict[str, Any]]]:
    """The engine's (region, attributed_region) cells by M49 region code (None: the
    world-wide reach, attributed to no one region)."""
    cells: dict[str | None, list[dict[str, Any]]] = {}
    for row in reach["rows"]:
        code = row["region"]["code"] if row["region"] else None
        cells.setdefault(code, []).append(row)
    return cells


def reach_by_region(
    by_region: dict[str, Any], reach: dict[str, Any], *, extra: Extra
) -> dict[str, Any]:
    """Participations by M49 region, each bar stacked: those in named countries and
    those attributed to a region within it (region-wide: the source does not say how
    many came from each country). World-wide reach, attributed to no one region, is
    said beside the chart and in its table, not drawn as a bar of its own."""
    cells = reach_cells(reach)
    bars = []
    table = []
    for row in by_region["rows"]:
        if row["region"] is None:
            continue
        code, name = row["region"]["code"], place_name(row["region"]["name"])
        segments: list[charts.Segment] = []
        named_text, region_wide_texts = "0", []
        for cell in cells.get(code, []):
            people = cell["participants"]
            if cell["attributed_region"] is None:
                named_text = _participations(people)
                segments.insert(
                    0,
                    charts.Segment(
                        _drawn(people),
                        "named",
                        _("%(count)s in named countries") % {"count": named_text},
                    ),
                )
            else:
                where = place_name(cell["attributed_region"]["name"])
                text = _participations(people)
                region_wide_texts.append(f"{where} {text}")
                segments.append(
                    charts.Segment(
                        _drawn(people),
                        "region_wide",
                        _("%(count)s region-wide, for %(region)s")
                        % {"count": text, "region": where},
                    )
                )
        total_text = _participations(row["participants"])
        bars.append((name, total_text, segments))
        table.append(
            {
                "label": name,
                "href": activities_url(**{**extra, "region": code}),
                "cells": [named_text, "; ".join(region_wide_texts) or "0", total_text],
            }
        )
    worldwide = [cell["participants"] for cell in cells.get(None, [])]
    worldwide_text = _participations(worldwide[0]) if worldwide else None
    if worldwide_text:
        table.append(
            {
                "label": _("Worldwide activities, open to every region"),
                "href": "",
                "cells": ["0", worldwide_text, worldwide_text],
            }
        )
    return {
        "id": "chart-region",
        "title": _("Participations, by region"),
        "description": _(
            "Dark: participations counted for a named country of the region. Hatched: "
            "participations in activities for the region as a whole (several of its "
            "countries), which the source does not split by country."
        ),
        "svg": "activities/includes/chart_stacked.html",
        "unit": _("participations"),
        "drawing": charts.stacked_bar_chart(bars),
        "worldwide": worldwide_text,
        "headings": [_("Region"), _("In named countries"), _("Region-wide"), _("Total")],
        "rows": table,
        "list_href": activities_url(**extra),
        "list_label": list_label(by_region["totals"]["activities"]),
    }


def sex_split(participations: dict[str, Any], *, activities: int, extra: Extra) -> dict[str, Any]:
    """Participations by sex as shares of the whole, "not recorded" a share of its own.
    A sex with no participation recorded is left out: "Female 0" would read as "no
    women" where the source simply does not say."""
    female, male = participations["female"], participations["male"]
    not_recorded = participations["not_recorded"]
    parts = [
        (_("Female"), female, "female"),
        (_("Male"), male, "male"),
        (_("Sex not recorded"), not_recorded, "not_recorded"),
    ]
    counted = [(label, value, kind) for label, value, kind in parts if isinstance(value, int)]
    drawing = charts.share_bar(counted)
    shares = {part["kind"]: part["share"] for part in drawing["parts"]}
    qualifier = {
        "female": "exact",
        "male": "exact",
        "not_recorded": participations["qualifier"],
    }
    table = [
        {
            "label": label,
            "href": "",
            "cells": [format_count(value, qualifier[kind]), f"{shares.get(kind, 0)} %"],
        }
        for label, value, kind in parts
        if value
    ]
    recorded = bool(female) or bool(male)
    return {
        "id": "chart-sex",
        "title": _("Participations, by sex"),
        "description": (
            _(
                "Shares of all participations. Most records give no split by sex: they "
                "are shown as not recorded, never guessed."
            )
            if recorded
            else _(
                "No record counted here gives a split by sex, so every participation is "
                "shown as sex not recorded, never guessed."
            )
        ),
        "svg": "activities/includes/chart_shares.html",
        "unit": _("participations"),
        "drawing": drawing,
        "headings": [_("Sex"), _("Participations"), _("Share")],
        "rows": table,
        "list_href": activities_url(**extra),
        "list_label": list_label(activities),
    }


# --- The map ---------------------------------------------------------------------------


def _smallest_region_path(country_path: str) -> str:
    """The path of the region directly holding a country (its intermediate region, or
    its sub-region): the place a zoom view shows."""
    return country_path.rstrip("/").rsplit("/", 1)[0] + "/"


def world_map(
    *,
    by_country: dict[str, Any],
    reach: dict[str, Any],
    countries: list[tuple[str, str, str, float | None, float | None, str]],
    regions: dict[str, tuple[str, str]],
    scope_region_codes: list[str],
    measure: str,
    zoom: str | None,
    zoom_href: str,
) -> dict[str, Any]:
    """The map: countries coloured by `measure` ("activities" or "participants"), the
    region-wide participations as circles over their regions, and the views it can zoom
    to: the regions where there was delivery (the smallest region of each country with
    an activity, and the regions activities were scoped to), leaving out one that holds
    another (Latin America and the Caribbean holds Central America).

    `countries` are (iso2, m49, name, latitude, longitude, path); `regions` maps region
    codes to (name, path); `zoom_href` is the dashboard's address without `zoom`."""
    values: dict[str, dict[str, Any]] = {}
    for row in by_country["rows"]:
        if row["country"] is not None:
            values[row["country"]["code"]] = row
    map_countries = []
    for iso2, m49, name, lat, lon, _path in countries:
        row = values.get(iso2)
        value: int | None = None
        label = _("nothing recorded")
        if row and measure == "participants":
            value = _drawn(row["participants"]) or None
            label = _("%(count)s participations attributed to the country") % {
                "count": format_count_words(
                    row["participants"]["total"], row["participants"]["qualifier"]
                )
            }
        elif row:
            value = row["activities"]
            label = ngettext("%(count)s activity", "%(count)s activities", value) % {
                "count": localized_number(value)
            }
        map_countries.append(
            maps.MapCountry(iso2, m49, place_name(name), lat, lon, value=value, label=label)
        )
    with_activities = [c for c in countries if c[0] in values and values[c[0]]["activities"]]

    def anchors(region_path: str) -> tuple[str, ...]:
        named = [c[1] for c in with_activities if counting.lies_under(c[5], region_path)]
        return tuple(named or [c[1] for c in countries if counting.lies_under(c[5], region_path)])

    map_regions = []
    worldwide = None
    for row in reach["rows"]:
        where = row["attributed_region"]
        if where is None:
            continue
        people = row["participants"]
        if where["level"] == 0:  # the World: said beside the map, no one place to draw
            worldwide = people
            continue
        name = place_name(where["name"])
        map_regions.append(
            maps.MapRegion(
                code=where["code"],
                name=name,
                value=_drawn(people) or None,
                label=_(
                    "%(region)s: %(count)s participations region-wide, not attributable "
                    "to one country"
                )
                % {
                    "region": name,
                    "count": format_count_words(people["total"], people["qualifier"]),
                },
                value_text=_participations(people),
                href=reverse("pages:region_detail", args=[where["code"]]),
                anchor_m49_codes=anchors(regions[where["code"]][1]),
            )
        )
    # The views: where there was delivery.
    candidates = {_smallest_region_path(c[5]) for c in with_activities}
    candidates |= {regions[code][1] for code in scope_region_codes if code in regions}
    candidates = {
        path for path in candidates if path.count("/") > 3
    }  # sub-regions and deeper: World and continents are not zoomed to
    kept = sorted(
        path
        for path in candidates
        if not any(other != path and counting.lies_under(other, path) for other in candidates)
    )
    code_by_path = {path: code for code, (_name, path) in regions.items()}
    views: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for path in kept:
        code = code_by_path.get(path)
        if code is None:
            continue
        # Framed on the countries with activities when they are several (Central
        # America without Mexico), else on the whole region (South-eastern Asia).
        named = [c[1] for c in with_activities if counting.lies_under(c[5], path)]
        members = [c[1] for c in countries if counting.lies_under(c[5], path)]
        box = maps.region_view_box(named if len(named) > 1 else members)
        if box is None:
            continue
        views.append({"code": code, "name": place_name(regions[code][0]), "box": box})
        if code == zoom:
            current = views[-1]
    separator = "&" if "?" in zoom_href else "?"
    for view in views:
        view["href"] = f"{zoom_href}{separator}zoom={view['code']}#map-section-title"
        view["current"] = view is current
    drawn = maps.build_world_map(
        map_countries, regions=map_regions, view=current["box"] if current else None
    )
    return {
        **drawn,
        "zoom_views": views,
        "zoom_current": current,
        "world_href": f"{zoom_href}#map-section-title",
        "worldwide": _participations(worldwide) if worldwide else None,
        "qualified": any(
            row["participants"]["qualifier"] != counting.QUALIFIER_EXACT for row in reach["rows"]
        ),
        "region_table": [
            {"name": region.name, "href": region.href, "label": region.value_text}
            for region in sorted(map_regions, key=lambda region: region.name)
        ],
    }
