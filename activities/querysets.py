"""Chainable QuerySet methods: Activity.objects.published().in_region(region)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef

if TYPE_CHECKING:
    from .models import Country, Region


class ActivityQuerySet(models.QuerySet):
    def published(self) -> ActivityQuerySet:
        return self.filter(status="published")

    def visible_to(self, user) -> ActivityQuerySet:
        """The records the user may read one by one: published ones for everyone, drafts
        only within an officer's scope or for managers. The rules: activities/access.py.
        """
        from .access import filter_visible

        return filter_visible(self, user)

    def aggregated_for(self, user) -> ActivityQuerySet:
        """The records counted in the user's statistics: `visible_to`, plus every draft
        for donor viewers and managers (activities/access.py)."""
        from .access import filter_aggregated

        return filter_aggregated(self, user)

    def editable_by(self, user) -> ActivityQuerySet:
        from .access import filter_editable

        return filter_editable(self, user)

    def in_region(self, region: Region) -> ActivityQuerySet:
        """Activities in any country under `region`, or scoped to it or a region below.

        An activity scoped to a wider region does not match: all of Asia is not
        South-eastern Asia.
        """
        from .models import Country, Region

        # The places under the region are a small set, computed once by the database
        # (a hashed subplan), so each activity costs one index probe, not a join.
        countries_below = Country.objects.filter(path__startswith=region.path).values("pk")
        regions_below = Region.objects.filter(path__startswith=region.path).values("pk")
        through_countries = self.model.countries.through
        through_regions = self.model.regions.through
        return self.filter(
            Exists(
                through_countries.objects.filter(
                    activity_id=OuterRef("pk"), country_id__in=countries_below
                )
            )
            | Exists(
                through_regions.objects.filter(
                    activity_id=OuterRef("pk"), region_id__in=regions_below
                )
            )
        )

    def in_country(self, country: Country) -> ActivityQuerySet:
        """Activities that list the country; region-scoped activities do not match."""
        through_countries = self.model.countries.through
        return self.filter(
            Exists(through_countries.objects.filter(activity_id=OuterRef("pk"), country=country))
        )

    def overlapping(
        self, start: datetime.date | None = None, end: datetime.date | None = None
    ) -> ActivityQuerySet:
        """Activities whose period overlaps [start, end]; either bound may be open."""
        queryset = self
        if start is not None:
            queryset = queryset.filter(end_date__gte=start)
        if end is not None:
            queryset = queryset.filter(start_date__lte=end)
        return queryset

    def in_year(self, year: int) -> ActivityQuerySet:
        return self.overlapping(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def within_month(self, year: int, month: int) -> ActivityQuerySet:
        """Activities known to lie within one calendar month (precision month or day).

        An activity the source dates only by its year lies in no particular month.
        """
        first = datetime.date(year, month, 1)
        last = datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
        return self.filter(
            start_date__gte=first, end_date__lte=last, date_precision__in=["month", "day"]
        )

    def real(self) -> ActivityQuerySet:
        return self.filter(is_synthetic=False)


class BeneficiaryGroupQuerySet(models.QuerySet):
    def of_activities(self, activities: models.QuerySet) -> BeneficiaryGroupQuerySet:
        return self.filter(activity__in=activities)
