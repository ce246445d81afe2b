"""One FilterSet per resource, shared by the API and the HTML pages.

Every filter validates its input: an unknown region code, country, theme or kind, or a
malformed date, is a form error (a 400 naming the parameter in the API, an error next to
the field on a page), never silently ignored.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.utils import extend_schema_field

from . import counting
from .models import (
    Activity,
    Audience,
    BeneficiaryGroup,
    Country,
    Donor,
    Language,
    Mandate,
    Mentor,
    Partner,
    Region,
    ReportedFigure,
    Theme,
)


class CountryCodeField(forms.CharField):
    """An ISO 3166-1 alpha-2 or alpha-3 code, resolved to a Country."""

    default_error_messages = {"unknown": "Unknown country code %(code)s: use ISO alpha-2 or -3."}

    def clean(self, value):
        code = (super().clean(value) or "").strip().upper()
        if not code:
            return None
        lookup = {"iso2": code} if len(code) == 2 else {"iso3": code}
        country = Country.objects.filter(**lookup).first()
        if country is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"code": code}
            )
        return country


def with_schema(filter_, schema: dict):
    """Tell drf-spectacular what the parameter looks like (it cannot see through a
    `method` or a custom field), keeping the help text as its description."""
    help_text = filter_.extra.get("help_text")
    documented = {**schema, **({"description": str(help_text)} if help_text else {})}
    return extend_schema_field(documented)(filter_)


class CountryCodeFilter(django_filters.Filter):
    field_class = CountryCodeField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_schema(self, {"type": "string", "pattern": "^[A-Za-z]{2,3}$"})


class MonthField(forms.CharField):
    """A calendar month as YYYY-MM, cleaned to a (year, month) pair."""

    default_error_messages = {"invalid_month": "Give a month as YYYY-MM, e.g. 2020-02."}

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        try:
            year, month = (int(part) for part in text.split("-"))
            datetime.date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(
                self.error_messages["invalid_month"], code="invalid_month"
            ) from None
        return year, month


class MonthFilter(django_filters.Filter):
    field_class = MonthField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_schema(self, {"type": "string", "pattern": "^[0-9]{4}-[0-9]{1,2}$"})


def unknown(what: str) -> dict[str, str]:
    """Error messages for a choice filter: name the value that matched nothing."""
    return {"invalid_choice": f"Unknown {what} %(value)s."}


def code_of(model, field: str, what: str, **kwargs) -> django_filters.ModelChoiceFilter:
    """A filter on a related record looked up by its code (slug, M49 code, id...)."""
    filter_ = django_filters.ModelChoiceFilter(
        queryset=model.objects.all(),
        to_field_name=field,
        error_messages=unknown(what),
        **kwargs,
    )
    schema: dict = {"type": "integer"} if field == "pk" else {"type": "string"}
    if model is Region:
        schema["pattern"] = "^[0-9]{3}$"
    return with_schema(filter_, schema)


def choice_of(choices, what: str, **kwargs) -> django_filters.ChoiceFilter:
    values = ", ".join(value for value, _label in choices)
    return django_filters.ChoiceFilter(
        choices=choices,
        error_messages={"invalid_choice": f"Unknown {what} %(value)s: use one of {values}."},
        **kwargs,
    )


class ActivityFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(
        method="filter_year",
        min_value=1900,
        max_value=2100,
        help_text="Activities whose period overlaps this calendar year.",
    )
    date_from = django_filters.DateFilter(
        method="filter_date_from", help_text="Activities still running on or after this date."
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to", help_text="Activities started on or before this date."
    )
    month = MonthFilter(
        method="filter_month",
        help_text=(
            "YYYY-MM. Activities whose known period lies within this month; an activity "
            "known only by its year is in no month."
        ),
    )
    region = code_of(
        Region,
        "code",
        "M49 region code",
        method="filter_region",
        help_text=(
            "M49 region code (e.g. 013). Activities in any country under the region, or "
            "scoped to it or a region below it; not activities scoped to a wider region."
        ),
    )
    country = CountryCodeFilter(
        method="filter_country",
        help_text="ISO alpha-2 or alpha-3. Activities that list the country.",
    )
    theme = code_of(
        Theme,
        "slug",
        "theme",
        method="filter_theme",
        help_text="Theme slug; a theme also matches activities tagged with its topics.",
    )
    kind = choice_of(Activity.Kind.choices, "kind", help_text="What was delivered.")
    modality = choice_of(Activity.Modality.choices, "modality", help_text="How it was delivered.")
    status = choice_of(
        Activity.Status.choices,
        "status",
        help_text="Publication status; only signed-in staff see drafts.",
    )
    language = code_of(
        Language,
        "code",
        "language code",
        method="filter_through",
        help_text="ISO 639-1 code (en, fr, es...).",
    )
    audience = code_of(
        Audience,
        "slug",
        "audience",
        method="filter_audience",
        help_text="Audience slug: the activity was for them, or counted them.",
    )
    partner = code_of(Partner, "pk", "partner id", method="filter_through", help_text="Partner id.")
    mentor = code_of(Mentor, "pk", "mentor id", method="filter_through", help_text="Mentor id.")
    mandate = code_of(Mandate, "pk", "mandate id", method="filter_through", help_text="Mandate id.")
    donor = code_of(Donor, "pk", "donor id", method="filter_through", help_text="Donor id.")
    q = django_filters.CharFilter(
        method="filter_text", max_length=200, help_text="Words in the title or description."
    )

    class Meta:
        model = Activity
        fields = [
            "year",
            "date_from",
            "date_to",
            "month",
            "region",
            "country",
            "theme",
            "kind",
            "modality",
            "language",
            "audience",
            "partner",
            "mentor",
            "mandate",
            "donor",
            "status",
            "q",
        ]

    def filter_year(self, queryset, name, value):
        return queryset.in_year(int(value))

    def filter_date_from(self, queryset, name, value):
        return queryset.overlapping(start=value)

    def filter_date_to(self, queryset, name, value):
        return queryset.overlapping(end=value)

    def filter_month(self, queryset, name, value):
        year, month = value
        return queryset.within_month(year, month)

    def filter_region(self, queryset, name, value):
        return queryset.in_place(value)

    def filter_country(self, queryset, name, value):
        return queryset.in_place(value)

    def filter_theme(self, queryset, name, value):
        through = Activity.themes.through
        return queryset.filter(
            Exists(
                through.objects.filter(activity_id=OuterRef("pk")).filter(
                    Q(theme=value) | Q(theme__parent=value)
                )
            )
        )

    def filter_audience(self, queryset, name, value):
        through = Activity.audiences.through
        return queryset.filter(
            Exists(through.objects.filter(activity_id=OuterRef("pk"), audience=value))
            | Exists(BeneficiaryGroup.objects.filter(activity_id=OuterRef("pk"), audience=value))
        )

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(title__icontains=word) | Q(description__icontains=word))
        return queryset

    # Filter name -> many-to-many field on Activity, matched through EXISTS so that a
    # match never duplicates rows (no JOIN, no DISTINCT that would upset aggregates).
    through_fields = {
        "language": "languages",
        "partner": "partners",
        "mentor": "mentors",
        "mandate": "mandates",
        "donor": "donors",
    }

    def filter_through(self, queryset, name, value):
        return queryset.filter(linked_to(Activity, self.through_fields[name], value))


def linked_to(model, m2m_name: str, value) -> Exists:
    """EXISTS (a row of model.<m2m_name>.through links the outer record to value)."""
    m2m = model._meta.get_field(m2m_name)
    through = m2m.remote_field.through
    own = m2m.m2m_field_name()
    other = m2m.m2m_reverse_field_name()
    return Exists(through.objects.filter(**{f"{own}_id": OuterRef("pk"), other: value}))


class ReportedFigureFilterSet(django_filters.FilterSet):
    """Reported figures: every number the source gives, whatever its role."""

    role = choice_of(
        ReportedFigure.Role.choices,
        "role",
        help_text=(
            "delivery figures are counted through their activities; umbrella, context, "
            "reach and outcome figures are never added into participants."
        ),
    )
    category = django_filters.CharFilter(
        max_length=20, help_text="The source's own kind: training, hub, context, campaign..."
    )
    region = code_of(
        Region,
        "code",
        "M49 region code",
        method="filter_region",
        help_text="M49 region code: figures about a country or a region under it.",
    )
    country = CountryCodeFilter(
        method="filter_country", help_text="ISO alpha-2 or alpha-3: figures naming the country."
    )
    theme = code_of(
        Theme,
        "slug",
        "theme",
        method="filter_theme",
        help_text="Theme slug; a theme also matches figures tagged with its topics.",
    )
    activity = django_filters.NumberFilter(
        method="filter_activity", min_value=1, help_text="Activity id: figures backed by it."
    )

    class Meta:
        model = ReportedFigure
        fields = ["role", "category", "region", "country", "theme", "activity"]

    def filter_region(self, queryset, name, value):
        countries = ReportedFigure.countries.through
        regions = ReportedFigure.regions.through
        return queryset.filter(
            Exists(
                countries.objects.filter(reportedfigure_id=OuterRef("pk")).filter(
                    counting.under(value, "country__path")
                )
            )
            | Exists(
                regions.objects.filter(reportedfigure_id=OuterRef("pk")).filter(
                    counting.under(value, "region__path")
                )
            )
        )

    def filter_country(self, queryset, name, value):
        return queryset.filter(linked_to(ReportedFigure, "countries", value))

    def filter_theme(self, queryset, name, value):
        through = ReportedFigure.themes.through
        return queryset.filter(
            Exists(
                through.objects.filter(reportedfigure_id=OuterRef("pk")).filter(
                    Q(theme=value) | Q(theme__parent=value)
                )
            )
        )

    def filter_activity(self, queryset, name, value):
        through = ReportedFigure.activities.through
        return queryset.filter(
            Exists(through.objects.filter(reportedfigure_id=OuterRef("pk"), activity_id=value))
        )


class CountryFilterSet(django_filters.FilterSet):
    region = code_of(
        Region,
        "code",
        "M49 region code",
        method="filter_region",
        help_text="M49 region code: countries anywhere under it (019 = the Americas).",
    )
    q = django_filters.CharFilter(
        method="filter_name", max_length=100, help_text="Part of the name or an ISO code."
    )

    class Meta:
        model = Country
        fields = ["region", "q"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(counting.under(value))

    def filter_name(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value) | Q(iso2__iexact=value) | Q(iso3__iexact=value)
        )


class RegionFilterSet(django_filters.FilterSet):
    level = django_filters.TypedChoiceFilter(
        choices=Region.Level.choices,
        coerce=int,
        error_messages=unknown("M49 level"),
        help_text="0 world, 1 region, 2 sub-region, 3 intermediate region.",
    )
    parent = code_of(Region, "code", "M49 region code", help_text="M49 code of the parent region.")
    within = code_of(
        Region,
        "code",
        "M49 region code",
        method="filter_within",
        help_text="M49 region code: the regions below it (not itself).",
    )

    class Meta:
        model = Region
        fields = ["level", "parent", "within"]

    def filter_within(self, queryset, name, value):
        return queryset.filter(counting.under(value)).exclude(pk=value.pk)


class ThemeFilterSet(django_filters.FilterSet):
    parent = code_of(
        Theme, "slug", "theme", help_text="Slug of a thematic area: its training topics."
    )
    top_level = django_filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="true: thematic areas only."
    )

    class Meta:
        model = Theme
        fields = ["parent", "top_level"]


class PartnerFilterSet(django_filters.FilterSet):
    kind = choice_of(Partner.Kind.choices, "partner kind", help_text="Kind of organization.")
    country = CountryCodeFilter(
        field_name="country", help_text="ISO alpha-2 or alpha-3 of the partner's country."
    )
    q = django_filters.CharFilter(
        method="filter_name", max_length=100, help_text="Part of the name or short name."
    )

    class Meta:
        model = Partner
        fields = ["kind", "country", "q"]

    def filter_name(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value))


class MentorFilterSet(django_filters.FilterSet):
    hub_country = CountryCodeFilter(
        field_name="hub_country", help_text="ISO alpha-2 or alpha-3 of the hub."
    )
    region = code_of(
        Region,
        "code",
        "M49 region code",
        method="filter_region",
        help_text="M49 region code: mentors covering it (or a region above or below it).",
    )
    theme = code_of(
        Theme, "slug", "theme", method="filter_theme", help_text="Theme slug the mentor covers."
    )

    class Meta:
        model = Mentor
        fields = ["hub_country", "region", "theme"]

    def filter_region(self, queryset, name, value):
        through = Mentor.regions_covered.through
        # A mentor covering Latin America covers Central America, and one covering Central
        # America works in Latin America: match both directions of the tree.
        ancestors = counting.region_codes_on(value.path)
        return queryset.filter(
            Exists(
                through.objects.filter(mentor_id=OuterRef("pk")).filter(
                    counting.under(value, "region__path") | Q(region__code__in=ancestors)
                )
            )
        )

    def filter_theme(self, queryset, name, value):
        return queryset.filter(linked_to(Mentor, "themes", value))


class MandateFilterSet(django_filters.FilterSet):
    body = django_filters.CharFilter(
        lookup_expr="iexact", max_length=120, help_text="Issuing body, e.g. General Assembly."
    )
    year = django_filters.NumberFilter(
        min_value=1945, max_value=2100, help_text="Year of adoption."
    )

    class Meta:
        model = Mandate
        fields = ["body", "year"]


class DonorFilterSet(django_filters.FilterSet):
    country = CountryCodeFilter(
        field_name="country", help_text="ISO alpha-2 or alpha-3 of the donor's country."
    )

    class Meta:
        model = Donor
        fields = ["country"]
