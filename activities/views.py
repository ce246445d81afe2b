"""The public pages: dashboard, activity list and detail, places, mentors, partners,
mandates and reported figures.

Views stay thin: records come from `selectors` (visibility and joins applied), every
count from the counting engine `stats.compute`, the SVG geometry from `charts` and
`maps`, the downloads from `exports`. A filter value the FilterSet rejects renders the
page with the error next to its field and status 400, never a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from . import charts, counting, exports, maps, selectors, stats
from .answer_cache import cached_page
from .filters import ActivityFilterSet, ReportedFigureFilterSet
from .models import Activity, Country, FigureRole, Mentor, Region, ReportedFigure, Theme
from .templatetags.figures import format_count

PAGE_SIZE = 50
PAGE_SIZES = (20, 50, 100)
NBSP = "\u00a0"


# --- Filter form ----------------------------------------------------------------------


DEFAULT_SORT = "newest"


class ListOptionsForm(forms.Form):
    """What the list shows besides the filters: its order (validated like a filter)."""

    sort = forms.ChoiceField(
        # The default order has the empty value, so that it stays out of shared URLs.
        choices=[
            ("" if key == DEFAULT_SORT else key, label)
            for key, (label, _) in selectors.ACTIVITY_SORTS.items()
        ],
        required=False,
        label="Sort by",
    )
    # The default size has the empty value, like the default order.
    page_size = forms.TypedChoiceField(
        choices=[("" if size == PAGE_SIZE else str(size), str(size)) for size in PAGE_SIZES],
        coerce=int,
        empty_value=PAGE_SIZE,
        required=False,
        label="Per page",
    )


# The sidebar's fields in the order a visitor narrows things down, with their labels.
FILTER_LABELS = {
    "region": "Region (M49)",
    "country": "Country",
    "year": "Year",
    "theme": "Theme",
    "kind": "Kind of activity",
    "modality": "Modality",
    "audience": "Audience",
    "language": "Language",
    "partner": "Partner",
    "mentor": "Mentor",
    "mandate": "Mandate",
    "donor": "Donor",
    "month": "Within month",
    "date_from": "Running on or after",
    "date_to": "Started on or before",
    "status": "Status",
    "q": "Words in title or description",
}


def _tree_choices(empty_label: str) -> list[tuple[str, str]]:
    """The M49 tree as indented options: World, Africa, Northern Africa..."""
    regions = Region.objects.order_by("path").values_list("code", "name", "level")
    return [("", empty_label)] + [
        (code, f"{NBSP * 2 * max(level - 1, 0)}{name}") for code, name, level in regions
    ]


def _theme_choices() -> list[tuple[str, str]]:
    themes = list(Theme.objects.order_by("name").values_list("pk", "slug", "name", "parent_id"))
    choices = [("", "Any theme")]
    for pk, slug, name, parent_id in themes:
        if parent_id is None:
            choices.append((slug, name))
            choices += [(s, f"{NBSP * 3}{n}") for _, s, n, p in themes if p == pk]
    return choices


def _prepare_filter_form(filterset: ActivityFilterSet, user) -> None:
    """Turn the FilterSet's form into the sidebar: selects with readable labels, the
    region as the M49 tree, and the status filter only for users who see drafts.

    Each select's options come from one query, whatever the number of activities."""
    fields = filterset.form.fields
    fields["region"].widget = forms.Select(choices=_tree_choices("Any region"))
    countries = Country.objects.order_by("name").values_list("iso2", "name")
    fields["country"].widget = forms.Select(choices=[("", "Any country"), *countries])
    fields["theme"].widget = forms.Select(choices=_theme_choices())
    fields["mentor"].queryset = Mentor.objects.select_related("hub_country")
    for name in ["kind", "modality", "status", "language", "audience", "partner", "mentor"]:
        fields[name].empty_label = f"Any {name}"
    # django-filter's ChoiceField renders its empty label from the choices it was given:
    # set them again so that the new label shows.
    fields["kind"].choices = Activity.Kind.choices
    fields["modality"].choices = Activity.Modality.choices
    fields["status"].choices = Activity.Status.choices
    fields["mandate"].empty_label = "Any mandate"
    fields["donor"].empty_label = "Any donor"
    for name, label in FILTER_LABELS.items():
        if name in fields:
            fields[name].label = label
    fields["year"].widget = forms.NumberInput(attrs={"inputmode": "numeric", "min": 1900})
    fields["date_from"].widget = forms.DateInput(attrs={"type": "date"})
    fields["date_to"].widget = forms.DateInput(attrs={"type": "date"})
    fields["month"].widget = forms.TextInput(attrs={"placeholder": "YYYY-MM"})
    # Only users who may see drafts can filter by status (the rule of visible_to).
    if not (user.is_authenticated and user.has_perm("activities.view_activity")):
        del fields["status"]
    _label_unnamed(fields)
    filterset.form.order_fields(FILTER_LABELS)


def _label_unnamed(fields: dict[str, forms.Field]) -> None:
    """django-filter labels filters with a method "[invalid name]": name them, so that
    a filter added to the shared FilterSet later still gets a readable label."""
    for name, field in fields.items():
        if not field.label or field.label == "[invalid name]":
            field.label = name.replace("_", " ").capitalize()


def _totals(result: dict, user=None) -> dict:
    """The engine's totals, ready for the templates:
    - each unattributed activity's places as a list (the engine gives one place, or a
      list of places with their people);
    - for users whose statistics count drafts they may not read (donor viewers), the
      unattributed activities they may not read lose their title and link: their people
      stay counted, the record stays unread."""
    totals = result["totals"]
    listed = (totals.get("unattributed") or {}).get("activities", [])
    for item in listed:
        if isinstance(item.get("attributed_to"), dict):
            item["attributed_to"] = [item["attributed_to"]]
    if user is not None:
        counting.redact_unreadable(listed, user)
    return totals


def _filter_query(cleaned_data: dict[str, Any], request: HttpRequest) -> str:
    """The filter part of the current query string, for links that keep the filters."""
    params = request.GET.copy()
    for key in ("page", "page_size", "sort", "map"):
        params.pop(key, None)
    return params.urlencode()


def _activities_url(**params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{reverse('pages:activity_list')}?{query}" if query else reverse("pages:activity_list")


def _filtered(request: HttpRequest):
    """The FilterSet bound to the request, over the list selector."""
    filterset = ActivityFilterSet(
        request.GET, queryset=selectors.activity_list(request.user), request=request
    )
    _prepare_filter_form(filterset, request.user)
    return filterset


# --- Dashboard --------------------------------------------------------------------------


def _region_bars(result: dict, *, extra: dict[str, str] | None = None) -> list[charts.Bar]:
    bars = []
    for row in result["rows"]:
        region = row["region"]
        people = row["participants"]
        if region is None:
            bars.append(
                charts.Bar(
                    label="Not attributable to one region",
                    value=people["total"],
                    qualifier=people["qualifier"],
                    note="worldwide activities, or activities spanning several regions",
                    muted=True,
                )
            )
            continue
        bars.append(
            charts.Bar(
                label=region["name"],
                value=people["total"],
                qualifier=people["qualifier"],
                href=_activities_url(region=region["code"], **(extra or {})),
            )
        )
    return bars


def _theme_bars(result: dict, *, extra: dict[str, str] | None = None) -> list[charts.Bar]:
    bars = []
    for row in result["rows"]:
        theme = row["theme"]
        people = row["participants"]
        if theme is None:
            bars.append(
                charts.Bar(
                    label="No theme recorded",
                    value=people["total"],
                    qualifier=people["qualifier"],
                    muted=True,
                )
            )
            continue
        bars.append(
            charts.Bar(
                label=theme["name"],
                value=people["total"],
                qualifier=people["qualifier"],
                href=_activities_url(theme=theme["code"], **(extra or {})),
            )
        )
    # Largest first: a reader compares themes by size.
    return sorted(bars, key=lambda bar: (bar.muted, -bar.value))


def _sex_bars(people: dict) -> list[charts.Bar]:
    return [
        charts.Bar(label="Female", value=people["female"], qualifier="exact"),
        charts.Bar(label="Male", value=people["male"], qualifier="exact"),
        charts.Bar(
            label="Sex not recorded",
            value=people["not_recorded"],
            qualifier=people["qualifier"],
            muted=True,
        ),
    ]


def _world_map(activities, *, measure: str) -> dict:
    by_country = stats.compute(activities, group_by=["country"], measures=[measure])
    values: dict[str, tuple[int, str]] = {}
    for row in by_country["rows"]:
        if row["country"] is None:
            continue
        if measure == "participants":
            people = row["participants"]
            label = f"{_count(people)} people attributed to the country"
            values[row["country"]["code"]] = (people["total"], label)
        else:
            count = row["activities"]
            values[row["country"]["code"]] = (count, f"{count:,} activities")
    countries = [
        maps.MapCountry(
            iso2=iso2,
            m49_code=m49,
            name=name,
            latitude=lat,
            longitude=lon,
            value=values.get(iso2, (None, ""))[0],
            label=values.get(iso2, (None, "nothing recorded"))[1],
        )
        for iso2, m49, name, lat, lon in Country.objects.values_list(
            "iso2", "m49_code", "name", "latitude", "longitude"
        )
    ]
    # Country pages show every year, so the links carry no filter.
    return maps.build_world_map(countries, url_pattern="/countries/{iso2}/")


def _count(people: dict) -> str:
    return format_count(people["total"], people["qualifier"])


@cached_page
def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline figures with their provenance, people by region and by theme, the sex
    split, and the world map. The year filter (?year=2020) narrows all of them."""
    # Counts are over the activities the user's statistics include (drafts too for
    # donor viewers and managers, as in /api/v1/stats/); lists show readable records.
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
    by_region = stats.compute(activities, group_by=["region"])
    overall = by_region
    by_theme = stats.compute(activities, group_by=["theme"], measures=["participants"])
    people = overall["totals"]["participants"]
    paragraphs = sorted(
        set(
            activities.filter(beneficiaries__isnull=False)
            .exclude(source_paragraph="")
            .values_list("source_paragraph", flat=True)
        ),
        key=lambda text: (len(text), text),
    )
    context = {
        "filterset": filterset,
        "year": int(year) if year else None,
        "years": _years(),
        "totals": _totals(overall, request.user),
        "people_paragraphs": paragraphs,
        "umbrella_figures": ReportedFigure.objects.filter(role=FigureRole.UMBRELLA)
        .select_related("source_document")
        .order_by("code"),
        "region_chart": charts.bar_chart(
            _region_bars(by_region, extra=extra),
            title="People reached, by region",
            description=(
                "People counted from the activity records, by M49 region. People are "
                "counted for a region only when all of them certainly belong to it; the "
                "rest are shown as not attributable to one region."
            ),
        ),
        "theme_chart": charts.bar_chart(
            _theme_bars(by_theme, extra=extra),
            title="People reached, by theme",
            description=(
                "People counted from the activity records, by thematic area. An activity "
                "with several themes counts under each, so the bars add up to more than "
                "the total."
                if not by_theme["additive"].get("participants")
                else "People counted from the activity records, by thematic area."
            ),
        ),
        "themes_additive": by_theme["additive"].get("participants"),
        "sex_chart": charts.bar_chart(
            _sex_bars(people),
            title="People reached, by sex",
            description=(
                "Female, male and not recorded add up to the total. Most records give no "
                "split by sex: they are counted as not recorded, never guessed."
            ),
        ),
        "world_map": _world_map(activities, measure=map_measure),
        "map_measure": map_measure,
        "region_scoped": selectors.region_scoped_activities(
            activities & Activity.objects.visible_to(request.user)
        ),
        "drafts_in_counts": overall["includes_drafts"],
        "list_url": _activities_url(**extra),
    }
    return render(request, "activities/dashboard.html", context)


def _years() -> list[int]:
    """The calendar years the published records start in, for the year picker."""
    dates = Activity.objects.published().dates("start_date", "year", order="DESC")
    return [date.year for date in dates]


# --- Activity list ------------------------------------------------------------------------


@cached_page
def activity_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    options = ListOptionsForm(request.GET)
    valid = filterset.is_valid() & options.is_valid()
    context: dict[str, Any] = {"filterset": filterset, "options": options}
    if not valid:
        return render(request, "activities/activity_list.html", context, status=400)
    sort = options.cleaned_data.get("sort") or ""
    activities = filterset.qs.order_by(*selectors.ACTIVITY_SORTS[sort or DEFAULT_SORT][1])
    cleaned = filterset.form.cleaned_data
    summary = stats.compute(filterset.qs, restriction=stats.restriction_from_filters(cleaned))
    paginator = Paginator(activities, options.cleaned_data["page_size"])
    # The engine has counted these very activities: no second COUNT(*) for the pages.
    paginator.count = summary["totals"]["activities"]
    page = paginator.get_page(request.GET.get("page"))
    query = _filter_query(cleaned, request)
    context.update(
        {
            "page": page,
            "activities": page.object_list,
            "sort": sort,
            "page_size": str(options.cleaned_data["page_size"]),
            "totals": _totals(summary, request.user),
            "place": stats.place_from_filters(cleaned),
            "filter_query": query,
            "is_filtered": bool(query),
            "csv_url": f"{reverse('pages:activity_export', args=['csv'])}?{query}",
            "xlsx_url": f"{reverse('pages:activity_export', args=['xlsx'])}?{query}",
        }
    )
    return render(request, "activities/activity_list.html", context)


def activity_export(request: HttpRequest, file_format: str) -> HttpResponse:
    """Exactly the filtered list, one row per activity, as CSV or Excel."""
    filterset = _filtered(request)
    if not filterset.is_valid():
        return render(
            request,
            "activities/activity_list.html",
            {"filterset": filterset, "options": ListOptionsForm(request.GET)},
            status=400,
        )
    activities = filterset.qs.order_by(*selectors.ACTIVITY_SORTS[DEFAULT_SORT][1])
    if file_format == "csv":
        return exports.activities_csv(activities, request=request)
    return exports.activities_xlsx(activities, request=request)


@cached_page
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_detail(request.user, pk)
    if activity is None:
        raise Http404("No such activity, or it is not published.")
    counted = stats.compute(Activity.objects.visible_to(request.user).filter(pk=activity.pk))
    context = {
        "activity": activity,
        "totals": counted["totals"],
        "beneficiaries": activity.beneficiaries.all(),
    }
    return render(request, "activities/activity_detail.html", context)


# --- Places ------------------------------------------------------------------------------


def _ancestors(path: str) -> list[Region]:
    codes = counting.region_codes_on(path)
    by_code = {region.code: region for region in Region.objects.filter(code__in=codes)}
    return [by_code[code] for code in codes if code in by_code]


BREAKDOWN_BY_LEVEL = {0: "region", 1: "subregion"}


@cached_page
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A node of the M49 tree with its totals under the attribution rule, its
    sub-regions or countries, and its activities."""
    region = get_object_or_404(Region, code=code)
    counted = Activity.objects.aggregated_for(request.user)
    visible = Activity.objects.visible_to(request.user)
    if region.level != Region.Level.WORLD:
        counted, visible = counted.in_place(region), visible.in_place(region)
    place = None if region.level == Region.Level.WORLD else region
    countries = list(
        counting.countries_under(region).order_by("name").values("iso2", "name", "region__name")
    )
    # The totals come with the grouping: computed over the whole set, never summed.
    by_country = stats.compute(counted, group_by=["country"], place=place)
    overall = by_country
    in_region = {country["iso2"] for country in countries}
    country_rows = [
        row for row in by_country["rows"] if row["country"] and row["country"]["code"] in in_region
    ]
    breakdown = None
    dimension = BREAKDOWN_BY_LEVEL.get(region.level)
    if dimension:
        grouped = stats.compute(counted, group_by=[dimension], place=place)
        breakdown = {"dimension": dimension, "rows": grouped["rows"]}
    context = {
        "region": region,
        "ancestors": _ancestors(region.path)[:-1],
        "children": region.children.order_by("name"),
        "totals": _totals(overall, request.user),
        "country_rows": country_rows,
        "countries_without_records": [
            c
            for c in countries
            if c["iso2"] not in {row["country"]["code"] for row in country_rows}
        ],
        "breakdown": breakdown,
        "activities": selectors.with_participants(
            visible.prefetch_related("countries", "regions")
        ).order_by("-start_date", "title")[:20],
        "activities_count": overall["totals"]["activities"],
        "drafts_in_counts": overall["includes_drafts"],
        "list_url": _activities_url(region=region.code)
        if region.level != Region.Level.WORLD
        else _activities_url(),
    }
    return render(request, "activities/region_detail.html", context)


@cached_page
def country_detail(request: HttpRequest, iso2: str) -> HttpResponse:
    """A country: its people under the attribution rule (the rest shown as not
    attributable), context statistics the source gives, mentors and activities."""
    if iso2 != iso2.upper():
        return redirect("pages:country_detail", iso2=iso2.upper(), permanent=True)
    country = get_object_or_404(Country.objects.select_related("region"), iso2=iso2)
    activities = Activity.objects.visible_to(request.user).in_place(country)
    overall = stats.compute(
        Activity.objects.aggregated_for(request.user).in_place(country), place=country
    )
    figures = (
        ReportedFigure.objects.filter(countries=country)
        .exclude(role=FigureRole.DELIVERY)
        .select_related("source_document")
        .order_by("code")
    )
    context = {
        "country": country,
        "ancestors": _ancestors(country.path),
        "totals": _totals(overall, request.user),
        "context_figures": [f for f in figures if f.role == FigureRole.CONTEXT],
        "other_figures": [f for f in figures if f.role != FigureRole.CONTEXT],
        "mentors": Mentor.objects.filter(hub_country=country)
        .select_related("hub_country")
        .prefetch_related("regions_covered"),
        "activities": selectors.with_participants(
            activities.prefetch_related("countries", "regions")
        ).order_by("-start_date", "title"),
        "list_url": _activities_url(country=country.iso2),
        "drafts_in_counts": overall["includes_drafts"],
    }
    return render(request, "activities/country_detail.html", context)


# --- Directories -------------------------------------------------------------------------


@cached_page
def mentor_list(request: HttpRequest) -> HttpResponse:
    return render(request, "activities/mentor_list.html", {"mentors": selectors.mentor_list()})


@cached_page
def partner_list(request: HttpRequest) -> HttpResponse:
    activities = Activity.objects.aggregated_for(request.user)
    by_partner = stats.compute(activities, group_by=["partner"], measures=["activities"])
    counts = {
        row["partner"]["code"]: row["activities"] for row in by_partner["rows"] if row["partner"]
    }
    partners = [
        {"partner": partner, "activities": counts.get(partner.pk, 0)}
        for partner in selectors.partner_list()
    ]
    return render(request, "activities/partner_list.html", {"partners": partners})


@cached_page
def mandate_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "activities/mandate_list.html", {"mandates": selectors.mandate_list(request.user)}
    )


@cached_page
def figure_list(request: HttpRequest) -> HttpResponse:
    filterset = ReportedFigureFilterSet(
        request.GET, queryset=selectors.figure_list(request.user), request=request
    )
    fields = filterset.form.fields
    fields["region"].widget = forms.Select(choices=_tree_choices("Any region"))
    countries = Country.objects.order_by("name").values_list("iso2", "name")
    fields["country"].widget = forms.Select(choices=[("", "Any country"), *countries])
    fields["theme"].widget = forms.Select(choices=_theme_choices())
    fields["role"].empty_label = "Any role"
    fields["role"].choices = FigureRole.choices
    if "activity" in fields:
        fields["activity"].label = "Backed by activity (id)"
    _label_unnamed(fields)
    valid = filterset.is_valid()
    context = {
        "filterset": filterset,
        "figures": filterset.qs if valid else ReportedFigure.objects.none(),
        "roles": FigureRole,
    }
    return render(request, "activities/figure_list.html", context, status=200 if valid else 400)
