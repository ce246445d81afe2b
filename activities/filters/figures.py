"""ReportedFigureFilterSet: the numbers a source gives, by role, place, theme, activity.

A region matches figures naming a country or a region under it, by counting.under.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef

from .. import counting
from ..models import Region, ReportedFigure, Theme
from .fields import CountryCodeFilter, IntegerFilter, choice_of, code_of, linked_to, under_theme


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
    # A whole number an id can be (a BigAutoField): a larger one overflows the database.
    activity = IntegerFilter(
        method="filter_activity",
        min_value=1,
        max_value=2**63 - 1,
        help_text="Activity id: figures backed by it.",
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
        return queryset.filter(under_theme(ReportedFigure, value))

    def filter_activity(self, queryset, name, value):
        through = ReportedFigure.activities.through
        return queryset.filter(
            Exists(through.objects.filter(reportedfigure_id=OuterRef("pk"), activity_id=value))
        )
