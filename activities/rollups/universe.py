"""The public activities: those an anonymous visitor's unfiltered question counts.

The rollups keep their cells' sums over this set (`RollupTotal`), so that the question
asked most (the public portal's, the open API's, with no filter) reads a few hundred
rows. It is what /api/v1/stats/ matches for an anonymous request without parameters:
the same FilterSet over the same visibility, so that the two can never differ."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from ..models import Activity


def public() -> QuerySet[Activity]:
    from ..filters import ActivityFilterSet

    filterset = ActivityFilterSet({}, queryset=Activity.objects.aggregated_for(AnonymousUser()))
    if not filterset.is_valid():  # pragma: no cover - no parameter can be invalid
        raise RuntimeError(filterset.errors)
    activities: QuerySet[Activity] = filterset.qs
    return activities


def _sql(activities: QuerySet[Activity]) -> tuple[str, tuple[Any, ...]]:
    sql, params = activities.order_by().values("pk").query.sql_with_params()
    return sql, tuple(params)


def is_public(activities: QuerySet[Activity]) -> bool:
    """Whether `activities` is exactly the public set (the same SQL, the same database)."""
    everyone = public()
    return activities.db == everyone.db and _sql(activities) == _sql(everyone)
