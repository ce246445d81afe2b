"""A donor viewer's own page: the projects their donors fund, with the funding and the
links to each project's results and activities (activities/donors.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import donors


@login_required
def my_projects(request: HttpRequest) -> HttpResponse:
    linked = donors.donors_of(request.user)
    context = {
        "donors": linked,
        "projects": donors.projects_of(request.user),
        "donor_activity_links": donors.tagged_activities_hrefs(linked),
    }
    return render(request, "donor/my_projects.html", context)
