"""Places: a node of the M49 tree (World, a region, a sub-region) and a country, each
with its totals under the attribution rule of `counting` and its activities."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from .. import counting, selectors
from ..answer_cache import cached_page
from ..models import Activity, Country, FigureRole, Region
from ..place_names import place_name
from .common import activities_url, page_totals, person_answer, stats_for

# The breakdown a region page shows, by its level: World by region, a region by
# sub-region; deeper levels have none (their countries are listed anyway).
# Keyed by int: `Region.level` reads back as a plain int (Level members equal theirs).
BREAKDOWN_BY_LEVEL: dict[int, str] = {
    Region.Level.WORLD: "region",
    Region.Level.REGION: "subregion",
}
LATEST_ACTIVITIES = 20


@cached_page
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A node of the M49 tree with its totals under the attribution rule, its
    sub-regions or countries, and its latest activities."""
    region = get_object_or_404(Region, code=code)
    world = region.level == Region.Level.WORLD
    # What took place (counting rule 10), in the counts and in the list alike.
    counted = Activity.objects.aggregated_for(request.user).delivered_as()
    visible = Activity.objects.visible_to(request.user).delivered_as()
    if not world:
        counted, visible = counted.in_place(region), visible.in_place(region)
    place = None if world else region
    countries = selectors.countries_of_region(region)
    # The totals come with the grouping: computed over the whole set, never summed.
    by_country = stats_for(request.user, counted, group_by=["country"], place=place)
    in_region = {country["iso2"] for country in countries}
    country_rows = [
        row for row in by_country["rows"] if row["country"] and row["country"]["code"] in in_region
    ]
    with_rows = {row["country"]["code"] for row in country_rows}
    breakdown = None
    dimension = BREAKDOWN_BY_LEVEL.get(region.level)
    if dimension:
        grouped = stats_for(request.user, counted, group_by=[dimension], place=place)
        breakdown = {"dimension": dimension, "rows": grouped["rows"]}
    context = {
        "region": region,
        "ancestors": selectors.region_ancestors(region.path)[:-1],
        "children": region.children.order_by("name"),
        "totals": page_totals(
            by_country, request.user, person_answer(counted, user=request.user, place=place)
        ),
        "country_rows": country_rows,
        "countries_without_records": [c for c in countries if c["iso2"] not in with_rows],
        "breakdown": breakdown,
        "activities": selectors.place_activities(visible)[:LATEST_ACTIVITIES],
        "activities_count": by_country["totals"]["activities"],
        "drafts_in_counts": by_country["includes_drafts"],
        "default_delivery": counting.delivery_answer(),
        "list_url": activities_url() if world else activities_url(region=region.code),
    }
    return render(request, "activities/region_detail.html", context)


@cached_page
def country_detail(request: HttpRequest, iso2: str) -> HttpResponse:
    """A country: its participations under the attribution rule (the rest shown as not
    attributable), context statistics the source gives, mentors and activities."""
    if iso2 != iso2.upper():
        return redirect("pages:country_detail", iso2=iso2.upper(), permanent=True)
    country = get_object_or_404(Country.objects.select_related("region"), iso2=iso2)
    counted = Activity.objects.aggregated_for(request.user).delivered_as().in_place(country)
    overall = stats_for(request.user, counted, place=country)
    figures = list(selectors.country_figures(country))
    totals = page_totals(
        overall, request.user, person_answer(counted, user=request.user, place=country)
    )
    unattributed = totals.get("unattributed") or {}
    context = {
        "country": country,
        "ancestors": selectors.region_ancestors(country.path),
        "totals": totals,
        "region_wide_total": (unattributed.get("participants") or {}).get("total"),
        "region_wide_places": _places_counted_for(unattributed.get("activities", [])),
        "context_figures": [f for f in figures if f.role == FigureRole.CONTEXT],
        "other_figures": [f for f in figures if f.role != FigureRole.CONTEXT],
        "mentors": selectors.mentors_based_in(country),
        "activities": selectors.place_activities(
            Activity.objects.visible_to(request.user).delivered_as().in_place(country)
        ),
        "list_url": activities_url(country=country.iso2),
        "drafts_in_counts": overall["includes_drafts"],
        "default_delivery": counting.delivery_answer(),
    }
    return render(request, "activities/country_detail.html", context)


def _places_counted_for(listed: list[dict]) -> list[dict[str, str]]:
    """The places the engine counted a country's region-wide participations for (each
    unattributed activity's `attributed_to`), each once, in the order met: the names a
    reader follows to the region's page."""
    places: dict[tuple[str, str], dict[str, str]] = {}
    for item in listed:
        for where in item.get("attributed_to") or []:
            key = (where["type"], where["code"])
            if key not in places:
                view = (
                    "pages:region_detail" if where["type"] == "region" else "pages:country_detail"
                )
                places[key] = {
                    "name": place_name(where["name"]),
                    "href": reverse(view, args=[where["code"]]),
                }
    return list(places.values())
