"""FilterSets of the reference lists: places (countries, regions) and directories
(themes, partners, mentors, mandates, donors).

"Under a region" is always counting.under; a mentor matches a region above or below
the ones they cover.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q

from .. import counting
from ..models import Country, Donor, Hub, Mandate, Mentor, Partner, Region, Theme
from .fields import (
    BooleanFilter,
    CountryCodeFilter,
    IntegerFilter,
    choice_of,
    code_of,
    linked_to,
    unknown,
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
    top_level = BooleanFilter(
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


class HubFilterSet(django_filters.FilterSet):
    location = CountryCodeFilter(
        field_name="location", help_text="ISO alpha-2 or alpha-3 of the hub's country."
    )

    class Meta:
        model = Hub
        fields = ["location"]


class MentorFilterSet(django_filters.FilterSet):
    hub_country = CountryCodeFilter(
        field_name="hub_country", help_text="ISO alpha-2 or alpha-3 of the hub."
    )
    hub = code_of(Hub, "code", "hub code", field_name="hub", help_text="Hub code.")
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
        fields = ["hub_country", "hub", "region", "theme"]

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
    # A whole number: NumberFilter read `2071.26` as a decimal and matched nothing (a 200).
    year = IntegerFilter(min_value=1945, max_value=2100, help_text="Year of adoption.")

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
