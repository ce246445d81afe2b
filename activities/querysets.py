"""Chainable QuerySet methods: Activity.objects.published().in_place(region).

Each method names a rule of activities/counting.py and applies it; none writes a rule of
its own. (counting imports the models, which import this module: hence the imports in
the methods.)"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from .counting import AnyUser
    from .models import (
        Activity,
        BeneficiaryGroup,  # noqa: F401 (named only in a string base class)
        Country,
        Region,
    )


class ActivityQuerySet(models.QuerySet["Activity"]):
    def published(self) -> Self:
        return self.filter(status="published")

    def visible_to(self, user: AnyUser) -> Self:
        """The records the user may read one by one: published ones for everyone, drafts
        only within an officer's scope or for managers. The rules: activities/access.py.
        """
        from .access import filter_visible

        return filter_visible(self, user)

    def aggregated_for(self, user: AnyUser) -> Self:
        """The records counted in the user's statistics (counting rule 8)."""
        from . import counting

        return counting.countable(self, user)

    def delivered_as(self, statuses: Iterable[str] | None = None) -> Self:
        """Activities in these delivery statuses; None: the ones counted by default,
        delivered or ongoing (counting rule 10)."""
        from . import counting

        return self.filter(counting.delivered_as(statuses))

    def held_in(self, place: Country | Region) -> Self:
        """Activities held in a country under `place` (counting rule 11): the venue,
        not the places served."""
        from . import counting

        return self.filter(counting.held_in(place))

    def editable_by(self, user: AnyUser) -> Self:
        from .access import filter_editable

        return filter_editable(self, user)

    def in_place(self, place: Country | Region) -> Self:
        """Activities in `place` (counting rule 3): a country, scope region or row country
        of theirs lies under it. An activity scoped to a wider region does not match: all
        of Asia is not South-eastern Asia."""
        from . import counting

        return self.filter(counting.activity_in(place))

    def in_any_place(self, places: Iterable[Country | Region]) -> Self:
        """Activities in at least one of the places (counting rule 3), as a hub's
        coverage; none given: no activity."""
        from . import counting

        return self.filter(counting.activity_in_any(places))

    def overlapping(
        self, start: datetime.date | None = None, end: datetime.date | None = None
    ) -> Self:
        """Activities whose period overlaps [start, end]; either bound may be open."""
        from . import counting

        return self.filter(counting.overlapping(start, end))

    def in_year(self, year: int) -> Self:
        from . import counting

        return self.overlapping(*counting.year_bounds(year))

    def within_month(self, year: int, month: int) -> Self:
        """Activities known to lie within one calendar month (precision month or day).

        An activity the source dates only by its year lies in no particular month.
        """
        from . import counting

        return self.filter(counting.within_month(year, month))

    def within_quarter(self, year: int, quarter: int) -> Self:
        """Activities known to lie within one quarter (precision month or day)."""
        from . import counting

        return self.filter(counting.within_quarter(year, quarter))

    def real(self) -> Self:
        return self.filter(is_synthetic=False)


class BeneficiaryGroupQuerySet(models.QuerySet["BeneficiaryGroup"]):
    def of_activities(self, activities: models.QuerySet[Activity]) -> Self:
        return self.filter(activity__in=activities)
