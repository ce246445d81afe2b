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


class CountryCodeFilter(django_filters.Filter):
    field_class = CountryCodeField


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
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        to_field_name="code",
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
    theme = django_filters.ModelChoiceFilter(
        queryset=Theme.objects.all(),
        to_field_name="slug",
        method="filter_theme",
        help_text="Theme slug; a theme also matches activities tagged with its topics.",
    )
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices)
    modality = django_filters.ChoiceFilter(choices=Activity.Modality.choices)
    status = django_filters.ChoiceFilter(choices=Activity.Status.choices)
    language = django_filters.ModelChoiceFilter(
        queryset=Language.objects.all(),
        to_field_name="code",
        field_name="languages",
        help_text="ISO 639-1 code (en, fr, es...).",
    )
    audience = django_filters.ModelChoiceFilter(
        queryset=Audience.objects.all(),
        to_field_name="slug",
        method="filter_audience",
        help_text="Audience slug: the activity was for them, or counted them.",
    )
    partner = django_filters.ModelChoiceFilter(
        queryset=Partner.objects.all(), field_name="partners", help_text="Partner id."
    )
    mentor = django_filters.ModelChoiceFilter(
        queryset=Mentor.objects.all(), field_name="mentors", help_text="Mentor id."
    )
    mandate = django_filters.ModelChoiceFilter(
        queryset=Mandate.objects.all(), field_name="mandates", help_text="Mandate id."
    )
    donor = django_filters.ModelChoiceFilter(
        queryset=Donor.objects.all(), field_name="donors", help_text="Donor id."
    )
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
        return queryset.in_region(value)

    def filter_country(self, queryset, name, value):
        return queryset.in_country(value)

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

    def filter_queryset(self, queryset):
        # Many-to-many filters (partner, language...) join: keep one row per activity.
        queryset = super().filter_queryset(queryset)
        multi_valued = {"language", "partner", "mentor", "mandate", "donor"}
        if any(self.form.cleaned_data.get(key) for key in multi_valued):
            queryset = queryset.distinct()
        return queryset


class ReportedFigureFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=ReportedFigure.Role.choices)
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), to_field_name="code", method="filter_region"
    )
    country = CountryCodeFilter(method="filter_country")
    theme = django_filters.ModelChoiceFilter(
        queryset=Theme.objects.all(), to_field_name="slug", field_name="themes"
    )

    class Meta:
        model = ReportedFigure
        fields = ["role", "region", "country", "theme"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(
            Q(countries__path__startswith=value.path) | Q(regions__path__startswith=value.path)
        ).distinct()

    def filter_country(self, queryset, name, value):
        return queryset.filter(countries=value)
