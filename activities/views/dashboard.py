"""The dashboard: headline figures with their provenance, the world map, and charts of
delivery over time, by region, theme and sex. The year filter (?year=2020) narrows all
of them but the chart over time, which shows every year and marks the one chosen.

The number charted is participations (counting rule 1): one person at one activity, so
someone trained twice counts twice. Distinct people (counting rule 9) are shown beside
them, with the share of the participations that rest on named people."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext as gettext_name

from .. import charts, counting, selectors, stats
from ..answer_cache import cached_page
from ..filters import ActivityFilterSet
from ..models import Activity
from ..people import suppression
from . import dashboard_pictures as pictures
from .common import activities_url, page_totals, person_answer, stats_for


def _theme_bars(result: dict, *, extra: Mapping[str, str | int] | None = None) -> list[charts.Bar]:
    bars = []
    for row in result["rows"]:
        theme = row["theme"]
        participations = row["participants"]
        if theme is None:
            bars.append(
                charts.Bar(
                    label=_("No theme recorded"),
                    value=participations["total"],
                    qualifier=participations["qualifier"],
                    muted=True,
                )
            )
            continue
        bars.append(
            charts.Bar(
                label=gettext_name(theme["name"]),
                value=participations["total"],
                qualifier=participations["qualifier"],
                href=activities_url(theme=theme["code"], **(extra or {})),
            )
        )
    # Largest first: a reader compares themes by size.
    return sorted(
        bars, key=lambda bar: (bar.muted, -(bar.value if isinstance(bar.value, int) else 0))
    )


@cached_page
def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline figures with their provenance, participations by region, by theme and by
    sex, and the world map. The year filter (?year=2020) narrows all of them."""
    # Counts are over the activities the user's statistics include (drafts too for
    # managers, and their donors' for donor viewers, as in /api/v1/stats/); lists show
    # readable records.
    filterset = ActivityFilterSet(
        request.GET, queryset=Activity.objects.aggregated_for(request.user), request=request
    )
    map_measure = "participants" if request.GET.get("map") == "participants" else "activities"
    if not filterset.is_valid():
        return render(
            request,
            "activities/dashboard.html",
            {"filterset": filterset, "invalid": True, "map_measure": map_measure},
            status=400,
        )
    activities = filterset.qs
    year = filterset.form.cleaned_data.get("year")
    extra = {"year": int(year)} if year else {}
    # Over time: the same filters but the year, so every year shows.
    every_year = request.GET.copy()
    every_year.pop("year", None)
    timeline = ActivityFilterSet(
        every_year, queryset=Activity.objects.aggregated_for(request.user), request=request
    )
    # The totals come with the grouping (computed over the whole set, never summed).
    by_region = stats_for(request.user, activities, group_by=["region"])
    overall = by_region
    by_theme = stats_for(request.user, activities, group_by=["theme"], measures=["participants"])
    by_country = stats_for(
        request.user, activities, group_by=["country"], measures=["activities", "participants"]
    )
    by_year = stats_for(
        request.user,
        timeline.qs if timeline.is_valid() else activities,
        group_by=["year"],
        measures=["activities", "participants"],
    )
    # Participations by M49 region and by the region they are attributed to (None: a
    # country): the named-country and region-wide parts of each region's reach.
    reach = suppression.for_user(
        stats.compute_by(
            activities,
            [stats.DIMENSIONS["region"], stats.ATTRIBUTED_REGION],
            measures=["participants"],
            restriction=stats.Restriction(),
            totals=False,
        ),
        request.user,
    )
    themes_additive = by_theme["additive"].get("participants")
    map_params: dict[str, str | int] = {"year": int(year)} if year else {}
    if map_measure == "participants":
        map_params["map"] = "participants"
    context = {
        "filterset": filterset,
        "year": int(year) if year else None,
        "years": selectors.activity_years(),
        "totals": page_totals(overall, request.user, person_answer(activities, user=request.user)),
        "people_paragraphs": selectors.beneficiary_paragraphs(activities),
        "umbrella_figures": selectors.umbrella_figures(),
        "time_chart": pictures.over_time(by_year, year=int(year) if year else None, extra={}),
        "region_chart": pictures.reach_by_region(by_region, reach, extra=extra),
        "theme_chart": charts.bar_chart(
            _theme_bars(by_theme, extra=extra),
            title=_("Participations, by theme"),
            description=(
                _(
                    "Participations counted from the activity records, by thematic area. An "
                    "activity with several themes counts under each, so the bars add up to "
                    "more than the total."
                )
                if not themes_additive
                else _("Participations counted from the activity records, by thematic area.")
            ),
        ),
        "themes_additive": themes_additive,
        "theme_list_label": pictures.list_label(overall["totals"]["activities"]),
        "sex_chart": pictures.sex_split(
            overall["totals"]["participants"],
            activities=overall["totals"]["activities"],
            extra=extra,
        ),
        "world_map": pictures.world_map(
            by_country=by_country,
            reach=reach,
            countries=list(selectors.map_countries()),
            regions=selectors.region_names_and_paths(),
            scope_region_codes=selectors.scope_region_codes(activities),
            measure=map_measure,
            zoom=request.GET.get("zoom"),
            zoom_href=f"{reverse('pages:dashboard')}?{urlencode(map_params)}"
            if map_params
            else reverse("pages:dashboard"),
        ),
        "map_measure": map_measure,
        "region_scoped": selectors.region_scoped_activities(
            activities & Activity.objects.visible_to(request.user)
        ),
        "drafts_in_counts": overall["includes_drafts"],
        "delivery": counting.delivery_answer(filterset.form.cleaned_data["delivery"]),
        "list_url": activities_url(**extra),
    }
    return render(request, "activities/dashboard.html", context)
