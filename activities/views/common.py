"""What several pages share: the engine's totals made ready for templates, and links
into the activity list that keep (or set) its filters."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from .. import counting, stats
from ..people import suppression


def stats_for(user, activities, **question) -> dict:
    """`stats.compute(activities, **question)` as `user` may see it: person-level counts
    (people, learning) with small numbers suppressed unless they may see them exactly
    (activities/people/suppression.py). The engine's cached answer is shared by everyone,
    so the suppression, which depends on who asks, comes after it."""
    return suppression.for_user(stats.compute(activities, **question), user)


PERSON_MEASURES = ["people", "learning"]


def person_answer(activities, *, user, place=None, restriction=None) -> dict:
    """The person-level totals (counting rule 9) of the counted activities: distinct
    people and learning, for the pages to show beside the participations. Small numbers
    are suppressed for users who may not see the people behind them."""
    return stats_for(
        user, activities, measures=PERSON_MEASURES, place=place, restriction=restriction
    )


def page_totals(result: dict, user=None, people: dict | None = None) -> dict:
    """The engine's totals, ready for the templates:
    - each unattributed activity's places as a list (the engine gives one place, or a
      list of places with their participations);
    - for users whose statistics count drafts they may not read (donor viewers), the
      unattributed activities they may not read lose their title and link: their
      participations stay counted, the record stays unread;
    - with `people` (a `person_answer`), the distinct people and learning beside them,
      and the share of the participations that rest on named people."""
    totals = result["totals"]
    if people is not None:
        totals = {**totals, **{name: people["totals"][name] for name in PERSON_MEASURES}}
        named, overall = totals["people"]["participations"], totals["participants"]["total"]
        if isinstance(named, int) and isinstance(overall, int) and overall:
            totals["named_share"] = round(100 * named / overall)
    listed = (totals.get("unattributed") or {}).get("activities", [])
    for item in listed:
        if isinstance(item.get("attributed_to"), dict):
            item["attributed_to"] = [item["attributed_to"]]
    if user is not None:
        counting.redact_unreadable(listed, user)
    return totals


def filter_query(request: HttpRequest) -> str:
    """The filter part of the current query string, for links that keep the filters
    (page, page size, order and map choice left out)."""
    params = request.GET.copy()
    for key in ("page", "page_size", "sort", "map"):
        params.pop(key, None)
    return params.urlencode()


def activities_url(**params) -> str:
    """The activity list filtered by `params` (empty values left out)."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{reverse('pages:activity_list')}?{query}" if query else reverse("pages:activity_list")
