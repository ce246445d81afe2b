"""ProjectFilterSet: which projects the project list (page and API) shows.

A project is "in" a place by its declared scope, under the same rule as an activity
(counting rule 3, without the beneficiary rows a project does not have): it lists a
country under the place, or a region at or under it; a project scoped to a wider region
does not match. It is in a year when its period overlaps the year; a project without
dates is in the years of its published activities.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .. import counting
from ..models import Activity, Country, Donor, Funding, Indicator, Project, Region, Theme
from .fields import CountryCodeFilter, IntegerFilter, StrictFilterForm, code_of, under_theme


class ProjectFilterSet(django_filters.FilterSet):
    donor = code_of(
        Donor,
        "pk",
        "donor id",
        method="filter_donor",
        help_text=_("Donor id. Projects the donor funds (a funding of theirs, any currency)."),
    )
    theme = code_of(
        Theme,
        "slug",
        "theme",
        method="filter_theme",
        help_text=_("Theme slug; a theme also matches projects tagged with its topics."),
    )
    country = CountryCodeFilter(
        method="filter_place",
        help_text=_("ISO alpha-2 or alpha-3. Projects whose scope lists the country."),
    )
    region = code_of(
        Region,
        "code",
        "M49 region code",
        method="filter_place",
        help_text=_(
            "M49 region code. Projects whose scope lists a country under it, or the region "
            "or one below it; not projects scoped to a wider region."
        ),
    )
    year = IntegerFilter(
        method="filter_year",
        min_value=settings.PLAUSIBLE_YEARS[0],
        max_value=settings.PLAUSIBLE_YEARS[1],
        help_text=_(
            "Projects whose period overlaps this calendar year (without dates: one of "
            "their published activities does)."
        ),
    )

    class Meta:
        model = Project
        form = StrictFilterForm
        fields = ["donor", "theme", "country", "region", "year"]

    def filter_donor(self, queryset, name, value):
        return queryset.filter(
            Exists(Funding.objects.filter(project_id=OuterRef("pk"), donor=value))
        )

    def filter_theme(self, queryset, name, value):
        return queryset.filter(under_theme(Project, value))

    def filter_place(self, queryset, name, value: Country | Region):
        countries = Project.countries.through.objects.filter(
            project_id=OuterRef("pk"), country_id__in=counting.countries_under(value).values("pk")
        )
        condition = Q(Exists(countries))
        if isinstance(value, Region):
            regions = Project.regions.through.objects.filter(
                project_id=OuterRef("pk"),
                region_id__in=counting.regions_under(value).values("pk"),
            )
            condition |= Q(Exists(regions))
        return queryset.filter(condition)

    def filter_year(self, queryset, name, value):
        first, last = counting.year_bounds(int(value))
        dated = Q(start_date__isnull=False) | Q(end_date__isnull=False)
        overlaps = (Q(start_date__isnull=True) | Q(start_date__lte=last)) & (
            Q(end_date__isnull=True) | Q(end_date__gte=first)
        )
        with_activity_in_year = Exists(
            Activity.projects.through.objects.filter(
                project_id=OuterRef("pk"),
                activity__in=Activity.objects.published().in_year(int(value)),
            )
        )
        return queryset.filter((dated & overlaps) | (~dated & with_activity_in_year))


class IndicatorFilterSet(django_filters.FilterSet):
    project = code_of(
        Project, "code", "project code", help_text=_("Project code: that project's indicators.")
    )
    kind = django_filters.ChoiceFilter(
        choices=Indicator.Kind.choices,
        error_messages={"invalid_choice": "Unknown indicator kind %(value)s."},
        help_text=_("computed (from the activities) or entered (per period)."),
    )

    class Meta:
        model = Indicator
        form = StrictFilterForm
        fields = ["project", "kind"]
