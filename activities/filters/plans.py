"""Validated filters, kept while the places, themes and projects they name stay the same.

A computed stats answer spent more time validating its filters (a form of thirty fields,
the codes looked up) and building their SQL than the database spent counting: about four
of the eight milliseconds of "people in El Salvador in 2020" right after a write. Yet a
write of an activity changes neither what `country=SV` means nor the SQL that selects
its activities: only a write to a reference table (a place, a theme, a project, a hub's
coverage...) can. Such writes move the reference version (answer_cache/triggers.py), so
a validated question is kept in this process under it: the cleaned values and the
filtered queryset, never evaluated, with its SQL compiled once.

Kept only for anonymous visitors, and only while an answer is computed in the answer
cache's snapshot, whose reference version is known (answer_cache/version.py): who may
count what differs for every signed-in user. Invalid filters are validated each time,
so their messages are in the request's language.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.translation import get_language

from ..answer_cache.version import snapshot_reference
from ..stats.sql import ids_sql

# Per thread (a sync worker has one): compiling a clone of a kept queryset touches the
# subqueries it shares with the kept one, which two threads must not do at once. The
# stats questions of a busy portal are a few hundred.
MAX_PLANS = 512
_local = threading.local()


def _kept() -> OrderedDict[tuple[Any, ...], Plan]:
    plans = getattr(_local, "plans", None)
    if plans is None:
        plans = _local.plans = OrderedDict()
    return plans


class InvalidFilters(Exception):
    """The filters did not validate: `errors` as the FilterSet's form gives them."""

    def __init__(self, errors: Mapping[str, Any]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Plan:
    """A validated question: its cleaned values, and the queryset its filters give."""

    queryset: QuerySet[Any]
    cleaned: dict[str, Any]  # shared by the requests that reuse the plan: read only

    def records(self) -> QuerySet[Any]:
        """The filtered queryset, a clone for this request, its ids' SQL compiled."""
        clone = self.queryset.all()
        clone._ids_sql = ids_sql(self.queryset)  # type: ignore[attr-defined]
        return clone


def validated(
    filterset_class: type[django_filters.FilterSet],
    purpose: str,
    params: QueryDict | dict[str, Any],
    queryset: QuerySet[Any],
    request: HttpRequest,
) -> Plan:
    """The filters of `params` validated by `filterset_class` over `queryset`, or the
    plan kept for the same `purpose` (whose `queryset` it names), filters and language
    at the same reference version. Raises InvalidFilters."""
    key = _key(filterset_class, purpose, params, request)
    kept = _kept()
    if key is not None and (plan := kept.get(key)) is not None:
        kept.move_to_end(key)
        return plan
    filterset = filterset_class(params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise InvalidFilters(filterset.errors)
    plan = Plan(filterset.qs, dict(filterset.form.cleaned_data))
    if key is not None:
        ids_sql(plan.queryset)  # compiled once, kept with it
        kept[key] = plan
        while len(kept) > MAX_PLANS:
            kept.popitem(last=False)
    return plan


def _key(
    filterset_class: type[django_filters.FilterSet],
    purpose: str,
    params: QueryDict | dict[str, Any],
    request: HttpRequest,
) -> tuple[Any, ...] | None:
    reference = snapshot_reference()
    user = getattr(request, "user", None)
    if reference is None or user is None or user.is_authenticated:
        return None
    getlist = getattr(params, "getlist", None)
    filters = tuple(
        (name, tuple(getlist(name)) if getlist else params[name])
        for name in sorted(filterset_class.base_filters)
        if name in params
    )
    return (filterset_class, purpose, reference, get_language(), filters)


def kept_count() -> int:
    """How many plans this thread keeps (tests)."""
    return len(_kept())


def forget() -> None:
    """Drop this thread's kept plans (tests)."""
    _kept().clear()
