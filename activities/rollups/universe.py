"""The public activities: those an anonymous visitor's unfiltered question counts.

The rollups keep their cells' sums over this set (`RollupTotal`), so that the question
asked most (the public portal's, the open API's, with no filter) reads a few hundred
rows. It is what /api/v1/stats/ matches for an anonymous request without parameters:
the same FilterSet over the same visibility, so that the two can never differ."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.db.models import QuerySet

from ..models import Activity, Country
from ..stats.sql import ids_sql


def public(**filters: Any) -> QuerySet[Activity]:
    """The public activities, or those of them an anonymous question with these
    filters (the FilterSet's parameters) matches."""
    from ..filters import ActivityFilterSet

    filterset = ActivityFilterSet(
        filters, queryset=Activity.objects.aggregated_for(AnonymousUser())
    )
    if not filterset.is_valid():  # pragma: no cover - the callers' parameters are valid
        raise RuntimeError(filterset.errors)
    activities: QuerySet[Activity] = filterset.qs
    return activities


def _sql(activities: QuerySet[Activity]) -> tuple[str, tuple[Any, ...]]:
    return ids_sql(activities)


@functools.lru_cache(maxsize=1024)
def _public_sql(
    vendor: str, filters: tuple[tuple[str, Any], ...], *_: Any
) -> tuple[str, Any] | None:
    """The SQL of `public(**filters)`, built once per process: a FilterSet costs
    milliseconds, more than the answer read from the kept sums. The extra arguments
    are what the SQL embeds from the database (a country's path): when they change, the
    SQL is built again. A stale entry could only fail to match (the question then
    counts from the base tables), never match another set. None: filters the FilterSet
    refuses, which no question matches."""
    try:
        return _sql(public(**dict(filters)))
    except RuntimeError:
        return None


def is_public_with(activities: QuerySet[Activity], filters: dict[str, Any], *embedded: Any) -> bool:
    """Whether `activities` is exactly what an anonymous question with these filters
    matches (the same SQL, the same database); `embedded`: what that SQL holds of the
    database (a record's id), so that the comparison is made again when it changes."""
    everyone = Activity.objects.all()
    if activities.db != everyone.db:
        return False
    vendor = connections[activities.db].vendor
    return _sql(activities) == _public_sql(vendor, tuple(sorted(filters.items())), *embedded)


def is_public(activities: QuerySet[Activity]) -> bool:
    """Whether `activities` is exactly the public set (the same SQL, the same database)."""
    return is_public_with(activities, {})


def is_public_in(activities: QuerySet[Activity], country: Country, year: int | None) -> bool:
    """Whether `activities` is exactly what an anonymous question "country=<country>"
    (and "year=<year>") matches: the same SQL, the same database."""
    filters: dict[str, Any] = {"country": country.iso2 or country.iso3}
    if year is not None:
        filters["year"] = year
    return is_public_with(activities, filters, country.pk, country.path)
