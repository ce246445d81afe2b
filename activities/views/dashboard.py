"""The dashboard: headline figures with their provenance, bar charts by region, theme
and sex, and the world map. The year filter (?year=2020) narrows all of them.

The number charted is participations (counting rule 1): one person at one activity, so
someone trained twice counts twice. Distinct people (counting rule 9) are shown beside
them, with the share of the participations that rest on named people."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext as gettext_name
from django.utils.translation import ngettext

from .. import charts, counting, maps, selectors
from ..answer_cache import cached_page
from ..filters import ActivityFilterSet
from ..models import Activity
from ..place_names import place_name
from ..templatetags.figures import format_count, localized_number, sex_recorded
from .common import activities_url, page_totals, person_answer, stats_for


def _region_bars(result: dict, *, extra: Mapping[str, str | int] | None = None) -> list[charts.Bar]:
    bars = []
    for row in result["rows"]:
        region = row["region"]
        participations = row["participants"]
        if region is None:
            bars.append(
                charts.Bar(
                    label=_("Not attributable to one region"),
                    value=participations["total"],
                    qualifier=participations["qualifier"],
                    note=_("worldwide activities, or activities spanning several regions"),
                    muted=True,
                )
            )
            continue
        bars.append(
            charts.Bar(
                label=place_name(region["name"]),
                value=participations["total"],
                qualifier=participations["qualifier"],
                href=activities_url(region=region["code"], **(extra or {})),
            )
        )
    return bars


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


def _sex_chart(participations: dict) -> dict:
    """The split by sex. When no record gives one, a single "Sex not recorded" bar: two
    bars of 0 would read as "no women, no men" rather than "not recorded"."""
    not_recorded = charts.Bar(
        label=_("Sex not recorded"),
        value=participations["not_recorded"],
        qualifier=participations["qualifier"],
        muted=True,
    )
    if not sex_recorded(participations):
        return charts.bar_chart(
            [not_recorded],
            title=_("Participations, by sex"),
            description=_(
                "No activity record counted here gives a split by sex: every "
                "participation is shown as sex not recorded, never guessed."
            ),
        )
    return charts.bar_chart(
        [
            charts.Bar(label=_("Female"), value=participations["female"], qualifier="exact"),
            charts.Bar(label=_("Male"), value=participations["male"], qualifier="exact"),
            not_recorded,
        ],
        title=_("Participations, by sex"),
        description=_(
            "Female, male and not recorded add up to the total. Most records give no "
            "split by sex: they are counted as not recorded, never guessed."
        ),
    )


def _world_map(activities, *, measure: str, user) -> dict:
    """Countries coloured by `measure` ("activities" or "participants")."""
    by_country = stats_for(user, activities, group_by=["country"], measures=[measure])
    values: dict[str, tuple[int | None, str]] = {}
    for row in by_country["rows"]:
        if row["country"] is None:
            continue
        if measure == "participants":
            participations = row["participants"]
            label = _("%(count)s participations attributed to the country") % {
                "count": format_count(participations["total"], participations["qualifier"])
            }
            total = participations["total"]
            # A suppressed small number ("<5") is said, not coloured.
            values[row["country"]["code"]] = (total if isinstance(total, int) else None, label)
        else:
            count = row["activities"]
            values[row["country"]["code"]] = (
                count,
                ngettext("%(count)s activity", "%(count)s activities", count)
                % {"count": localized_number(count)},
            )
    countries = [
        maps.MapCountry(
            iso2=iso2,
            m49_code=m49,
            name=place_name(name),
            latitude=lat,
            longitude=lon,
            value=values.get(iso2, (None, ""))[0],
            label=values.get(iso2, (None, _("nothing recorded")))[1],
        )
        for iso2, m49, name, lat, lon in selectors.map_countries()
    ]
    # Country pages show every year, so the links carry no filter.
    return maps.build_world_map(countries, url_pattern="/countries/{iso2}/")


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
    # The totals come with the grouping (computed over the whole set, never summed).
    by_region = stats_for(request.user, activities, group_by=["region"])
    overall = by_region
    by_theme = stats_for(request.user, activities, group_by=["theme"], measures=["participants"])
    themes_additive = by_theme["additive"].get("participants")
    context = {
        "filterset": filterset,
        "year": int(year) if year else None,
        "years": selectors.activity_years(),
        "totals": page_totals(overall, request.user, person_answer(activities, user=request.user)),
        "people_paragraphs": selectors.beneficiary_paragraphs(activities),
        "umbrella_figures": selectors.umbrella_figures(),
        "region_chart": charts.bar_chart(
            _region_bars(by_region, extra=extra),
            title=_("Participations, by region"),
            description=_(
                "Participations counted from the activity records, by M49 region. They "
                "are counted for a region only when all their people certainly belong to "
                "it; the rest are shown as not attributable to one region."
            ),
        ),
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
        "sex_chart": _sex_chart(overall["totals"]["participants"]),
        "world_map": _world_map(activities, measure=map_measure, user=request.user),
        "map_measure": map_measure,
        "region_scoped": selectors.region_scoped_activities(
            activities & Activity.objects.visible_to(request.user)
        ),
        "drafts_in_counts": overall["includes_drafts"],
        "delivery": counting.delivery_answer(filterset.form.cleaned_data["delivery"]),
        "list_url": activities_url(**extra),
    }
    return render(request, "activities/dashboard.html", context)
