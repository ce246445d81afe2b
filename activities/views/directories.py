"""Directories: mentors, partners (with their activity counts), mandates and the
figures the report gives, each as one page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import figures_as_reported, selectors
from ..answer_cache import cached_page
from ..models import Activity, FigureRole, ReportedFigure
from .common import stats_for
from .filter_forms import filtered_figures


@cached_page
def mentor_list(request: HttpRequest) -> HttpResponse:
    return render(request, "activities/mentor_list.html", {"mentors": selectors.mentor_list()})


@cached_page
def partner_list(request: HttpRequest) -> HttpResponse:
    """Partners, each with the number of activities the user's statistics count."""
    activities = Activity.objects.aggregated_for(request.user).delivered_as()
    by_partner = stats_for(request.user, activities, group_by=["partner"], measures=["activities"])
    counts = {
        row["partner"]["code"]: row["activities"] for row in by_partner["rows"] if row["partner"]
    }
    partners = [
        {"partner": partner, "activities": counts.get(partner.pk, 0)}
        for partner in selectors.partner_list()
    ]
    return render(request, "activities/partner_list.html", {"partners": partners})


@cached_page
def mandate_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "activities/mandate_list.html", {"mandates": selectors.mandate_list(request.user)}
    )


@cached_page
def figure_list(request: HttpRequest) -> HttpResponse:
    """Every figure the report gives, with its role; filtered like the activity list."""
    filterset = filtered_figures(request)
    valid = filterset.is_valid()
    figures = filterset.qs if valid else ReportedFigure.objects.none()
    context = {
        "filterset": filterset,
        "figures": figures,
        "roles": FigureRole,
        # Read from the figures themselves (their annotations): no query more.
        "reported_periods": figures_as_reported.periods_of(figures),
    }
    return render(request, "activities/figure_list.html", context, status=200 if valid else 400)
