"""The sidebar filters of the lists and the list options, as forms a visitor can read.

The filters themselves (what each value means, which values are valid) live in the
shared FilterSets of `activities.filters`, used by the API too; this module only gives
their fields readable labels and select boxes, and adds what a page shows besides the
filters: its order and its page size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy
from django_filters import fields as filter_fields

from .. import project_selectors, selectors
from ..answer_cache.version import snapshot_reference
from ..filters import ActivityFilterSet, ProjectFilterSet, ReportedFigureFilterSet
from ..forms.pickers import shown_name
from ..models import Activity, FigureRole, Mentor
from ..models.places import display_country_name

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 50
PAGE_SIZES = (20, 50, 100)
DEFAULT_SORT = "newest"
NBSP = "\u00a0"


class ListOptionsForm(forms.Form):
    """What the list shows besides the filters: its order (validated like a filter)."""

    sort = forms.ChoiceField(
        # The default order has the empty value, so that it stays out of shared URLs.
        choices=[
            ("" if key == DEFAULT_SORT else key, label)
            for key, (label, _) in selectors.ACTIVITY_SORTS.items()
        ],
        required=False,
        label=gettext_lazy("Sort by"),
    )
    # The default size has the empty value, like the default order.
    page_size = forms.TypedChoiceField(
        choices=[("" if size == PAGE_SIZE else str(size), str(size)) for size in PAGE_SIZES],
        coerce=int,
        # Django takes any value as `empty_value` (its docs: "" by default, None is
        # common); the stub allows only str | None.
        empty_value=PAGE_SIZE,  # type: ignore[arg-type]
        required=False,
        label=gettext_lazy("Per page"),
    )


# The sidebar's fields in the order a visitor narrows things down, with their labels.
FILTER_LABELS: dict[str, StrOrPromise] = {
    "region": gettext_lazy("Region (M49)"),
    "country": gettext_lazy("Country benefiting"),
    "held_in": gettext_lazy("Held in"),
    "hub": gettext_lazy("Within a hub's coverage (code)"),
    "delivery": gettext_lazy("Delivery"),
    "year": gettext_lazy("Year"),
    "quarter": gettext_lazy("Quarter"),
    "theme": gettext_lazy("Theme"),
    "kind": gettext_lazy("Kind of activity"),
    "modality": gettext_lazy("Modality"),
    "audience": gettext_lazy("Audience"),
    "language": gettext_lazy("Language"),
    "partner": gettext_lazy("Partner"),
    "mentor": gettext_lazy("Mentor"),
    "mandate": gettext_lazy("Mandate"),
    "donor": gettext_lazy("Donor"),
    "project": gettext_lazy("Project"),
    "figure": gettext_lazy("Behind reported figure (code)"),
    "month": gettext_lazy("Within month"),
    "date_from": gettext_lazy("Running on or after"),
    "date_to": gettext_lazy("Started on or before"),
    "status": gettext_lazy("Status"),
    "q": gettext_lazy("Words in title or description"),
}


def _delivery_choices() -> list[tuple[str, StrOrPromise]]:
    """The default first (what took place), then each status, then all of them."""
    return [
        ("", gettext_lazy("Delivered or ongoing (the default)")),
        *[(value, label.capitalize()) for value, label in Activity.Delivery.choices],
        ("all", gettext_lazy("Any delivery status")),
    ]


def _region_choices(empty_label: str) -> list[tuple[str, str]]:
    """The M49 tree as indented options: World, Africa, Northern Africa..."""
    return [("", empty_label)] + [
        (code, f"{NBSP * 2 * max(level - 1, 0)}{gettext(name)}")
        for code, name, level in selectors.region_tree()
    ]


def _theme_choices() -> list[tuple[str, str]]:
    """Themes, each followed by its topics indented."""
    return [("", gettext("Any theme"))] + [
        (slug, f"{NBSP * 3}{gettext(name)}" if is_topic else gettext(name))
        for slug, name, is_topic in selectors.theme_tree()
    ]


def _place_selects(fields: dict[str, forms.Field]) -> None:
    """Region, country and theme as select boxes (one query each)."""
    fields["region"].widget = forms.Select(choices=_region_choices(gettext("Any region")))
    countries = [
        ("", gettext("Any country")),
        *(
            (iso2, display_country_name(name, names))
            for iso2, name, names in selectors.country_names()
        ),
    ]
    fields["country"].widget = forms.Select(choices=countries)
    fields["theme"].widget = forms.Select(choices=_theme_choices())


# The fields django-filter builds for a ChoiceFilter and a ModelChoiceFilter; a form's
# `fields` is typed as plain Field, so the sidebar casts to what the FilterSet declares.
def _choice(fields: dict[str, forms.Field], name: str) -> filter_fields.ChoiceField:
    return cast(filter_fields.ChoiceField, fields[name])


def _model_choice(fields: dict[str, forms.Field], name: str) -> filter_fields.ModelChoiceField:
    return cast(filter_fields.ModelChoiceField, fields[name])


def _label_unnamed(fields: dict[str, forms.Field]) -> None:
    """django-filter labels filters with a method "[invalid name]": name them, so that
    a filter added to the shared FilterSet later still gets a readable label.

    The FilterSets' help texts document the API's query parameters (codes, slugs, ids:
    "Partner id."), not the page's select boxes, so the page shows none of them, and
    they are dropped here: Django would otherwise point each field's aria-describedby
    at an `..._helptext` element the page never has."""
    for name, field in fields.items():
        if not field.label or field.label == "[invalid name]":
            field.label = name.replace("_", " ").capitalize()
        field.help_text = ""


def prepare_activity_filters(filterset: ActivityFilterSet, user) -> None:
    """Turn the FilterSet's form into the sidebar: selects with readable labels, the
    region as the M49 tree, and the status filter only for users who see drafts.

    Each select's options come from one query, whatever the number of activities."""
    fields = filterset.form.fields
    _place_selects(fields)
    _model_choice(fields, "mentor").queryset = Mentor.objects.select_related("hub_country")
    _choice(fields, "status").empty_label = gettext_lazy("Any status")
    for name, empty in (
        ("kind", gettext_lazy("Any kind")),
        ("modality", gettext_lazy("Any modality")),
        ("language", gettext_lazy("Any language")),
        ("audience", gettext_lazy("Any audience")),
        ("partner", gettext_lazy("Any partner")),
        ("mentor", gettext_lazy("Any mentor")),
    ):
        _model_choice(fields, name).empty_label = empty
    for name in ("language", "audience", "mentor"):
        _model_choice(fields, name).label_from_instance = shown_name  # type: ignore[method-assign]
    # django-filter's ChoiceField renders its empty label from the choices it was given:
    # set them again so that the new label shows.
    _choice(fields, "status").choices = Activity.Status.choices
    _model_choice(fields, "mandate").empty_label = gettext_lazy("Any mandate")
    _model_choice(fields, "donor").empty_label = gettext_lazy("Any donor")
    if "project" in fields:
        _model_choice(fields, "project").empty_label = gettext_lazy("Any project")
    for name, label in FILTER_LABELS.items():
        if name in fields:
            fields[name].label = label
    fields["year"].widget = forms.NumberInput(attrs={"inputmode": "numeric", "min": 1900})
    fields["date_from"].widget = forms.DateInput(attrs={"type": "date"})
    fields["date_to"].widget = forms.DateInput(attrs={"type": "date"})
    fields["month"].widget = forms.TextInput(attrs={"placeholder": "YYYY-MM"})
    # A code, as the hub pages link it: a select would cost the page a query.
    fields["hub"].widget = forms.TextInput(attrs={"placeholder": "el-salvador"})
    fields["delivery"].widget = forms.Select(choices=_delivery_choices())
    # The country select's own options (read once, no query more).
    country_options = list(fields["country"].widget.choices)[1:]
    fields["held_in"].widget = forms.Select(
        choices=[("", gettext_lazy("Anywhere")), *country_options]
    )
    # Only users who may see drafts can filter by status (the rule of visible_to).
    if not (user.is_authenticated and user.has_perm("activities.view_activity")):
        del fields["status"]
    _label_unnamed(fields)
    filterset.form.order_fields(FILTER_LABELS)


def filtered_activities(request: HttpRequest) -> ActivityFilterSet:
    """The activity FilterSet bound to the request, over the list selector, with its
    form ready for the sidebar."""
    filterset = ActivityFilterSet(
        request.GET, queryset=selectors.activity_list(request.user), request=request
    )
    prepare_activity_filters(filterset, request.user)
    return filterset


def kept_sidebar_key(request: HttpRequest) -> str | None:
    """What an anonymous visitor's rendered filter sidebar is kept under, in the answer
    cache: the reference version of the page's snapshot (every option of its selects is
    reference data, whose every write moves that version) and the query that binds it,
    without its page number. None (rendered each time): a signed-in user, whose
    sidebar depends on what they may see, or a page computed outside an answer's
    snapshot. A write of activities leaves it kept: after one, the list is computed
    again, its sidebar is not (ten selects, a third of the page's rendering)."""
    reference = snapshot_reference()
    if reference is None or request.user.is_authenticated:
        return None
    query = request.GET.copy()
    query.pop("page", None)
    return f"{reference}?{query.urlencode()}"


def filtered_figures(request: HttpRequest) -> ReportedFigureFilterSet:
    """The reported-figure FilterSet bound to the request, with its form ready."""
    filterset = ReportedFigureFilterSet(
        request.GET, queryset=selectors.figure_list(request.user), request=request
    )
    fields = filterset.form.fields
    _place_selects(fields)
    _choice(fields, "role").empty_label = gettext_lazy("Any role")
    _choice(fields, "role").choices = FigureRole.choices
    if "activity" in fields:
        fields["activity"].label = gettext_lazy("Backed by activity (id)")
    _label_unnamed(fields)
    return filterset


PROJECT_FILTER_LABELS: dict[str, StrOrPromise] = {
    "donor": gettext_lazy("Donor"),
    "theme": gettext_lazy("Theme"),
    "region": gettext_lazy("Region (M49)"),
    "country": gettext_lazy("Country"),
    "year": gettext_lazy("Year"),
}


def filtered_projects(request: HttpRequest) -> ProjectFilterSet:
    """The project FilterSet bound to the request, over the list selector, with its form
    ready: selects for the donor, theme and places, readable labels."""
    filterset = ProjectFilterSet(
        request.GET, queryset=project_selectors.project_list(request.user), request=request
    )
    fields = filterset.form.fields
    _place_selects(fields)
    _model_choice(fields, "donor").empty_label = gettext_lazy("Any donor")
    fields["year"].widget = forms.NumberInput(attrs={"inputmode": "numeric", "min": 1900})
    for name, label in PROJECT_FILTER_LABELS.items():
        fields[name].label = label
    _label_unnamed(fields)
    filterset.form.order_fields(PROJECT_FILTER_LABELS)
    return filterset
