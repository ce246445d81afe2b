"""Regional hubs: the list, and a page per hub with its coverage, mentors, the number of
its officers (never their names) and its delivery, counted by the stats engine over the
activities within its coverage (the list's `?hub=<code>`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .. import counting, selectors
from ..answer_cache import cached_page
from ..models import Activity, Country, Hub, Region
from .common import activities_url, page_totals, person_answer, stats_for


def covered_places(hub: Hub) -> list[Country | Region]:
    """The countries and regions the hub covers (prefetched by the selectors)."""
    return [*hub.countries.all(), *hub.regions.all()]


def hub_delivery(request: HttpRequest, hub: Hub, **question) -> dict | None:
    """The engine's answer for the activities within the hub's coverage (what took place,
    counting rule 10, as the user may count it); None while no coverage is recorded (no
    activity is then within it, and the page says why)."""
    places = covered_places(hub)
    if not places:
        return None
    counted = Activity.objects.aggregated_for(request.user).delivered_as().in_any_place(places)
    return stats_for(request.user, counted, **question)


@cached_page
def hub_list(request: HttpRequest) -> HttpResponse:
    """Every hub with its country, coverage, mentors and the activities and participations
    within its coverage (one engine answer per hub whose coverage is recorded)."""
    rows = []
    for hub in selectors.hub_list():
        delivery = hub_delivery(request, hub, measures=["activities", "participants"])
        rows.append({"hub": hub, "totals": delivery["totals"] if delivery else None})
    return render(request, "activities/hub_list.html", {"rows": rows})


@cached_page
def hub_detail(request: HttpRequest, code: str) -> HttpResponse:
    hub = get_object_or_404(selectors.hub_list(), code=code)
    delivery = hub_delivery(request, hub)
    totals = None
    if delivery is not None:
        counted = (
            Activity.objects.aggregated_for(request.user)
            .delivered_as()
            .in_any_place(covered_places(hub))
        )
        totals = page_totals(delivery, request.user, person_answer(counted, user=request.user))
    context = {
        "hub": hub,
        "mentors": selectors.hub_mentors(hub),
        "officers_count": selectors.hub_officers_count(hub),
        "totals": totals,
        "drafts_in_counts": bool(delivery and delivery["includes_drafts"]),
        "default_delivery": counting.delivery_answer(),
        "list_url": activities_url(hub=hub.code),
    }
    return render(request, "activities/hub_detail.html", context)
