"""The IATI files: /iati/activities.xml (the stable feed, with the activity list's
filters) and /iati/projects/<code>.xml. Each is served only once it has passed the XSD
and the rules (activities/iati/feed.py), with an ETag and Last-Modified that change when
the data version moves; a conditional GET answers 304 until then.

An export that fails validation is never served: 503, with the problems listed for
managers and a plain message for everyone else.
"""

from __future__ import annotations

import os

from django.http import FileResponse, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .. import access
from ..filters import ActivityFilterSet
from ..iati import build, feed
from ..models import Activity, Project


@require_safe
def activities_xml(request: HttpRequest) -> HttpResponseBase:
    unknown = sorted(set(request.GET) - set(ActivityFilterSet.base_filters))
    if unknown:
        return JsonResponse({name: [_("Unknown parameter.")] for name in unknown}, status=400)
    # Published only, whatever `status` asks: the filters narrow it, never widen it.
    filterset = ActivityFilterSet(request.GET, queryset=Activity.objects.published())
    if not filterset.is_valid():
        return JsonResponse(filterset.errors, status=400)
    parts = tuple(sorted((name, tuple(values)) for name, values in request.GET.lists()))
    return _serve(
        request,
        "activities",
        parts,
        lambda out: build.write_activities(out, filterset.qs),
        filename="activities.xml",
    )


@require_safe
def project_xml(request: HttpRequest, code: str) -> HttpResponseBase:
    project = get_object_or_404(Project, code=code)
    return _serve(
        request,
        "project",
        (project.pk, project.code),
        lambda out: build.write_project(out, project),
        filename=f"project-{project.code}.xml",
    )


def _serve(request: HttpRequest, scope: str, parts, write, *, filename: str) -> HttpResponseBase:
    try:
        produced = feed.produce(scope, parts, write)
    except feed.EmptyExport:
        return JsonResponse(
            {"detail": _("No published activity matches these filters: there is no IATI file.")},
            status=404,
        )
    except feed.InvalidExport as invalid:
        body: dict[str, object] = {
            "detail": _(
                "The IATI file did not pass validation and is not published until it is corrected."
            )
        }
        if access.can_publish(request.user):
            body["problem_count"] = invalid.problem_count
            body["problems"] = invalid.problems
        refused = JsonResponse(body, status=503)
        refused["Cache-Control"] = "no-store"
        return refused
    last_modified = produced.last_modified.timestamp()
    not_modified = get_conditional_response(
        request, etag=produced.etag, last_modified=int(last_modified)
    )
    if not_modified is not None:
        if produced.temporary:
            produced.path.unlink(missing_ok=True)
        not_modified["ETag"] = produced.etag
        return not_modified
    handle = open(produced.path, "rb")  # noqa: SIM115 (FileResponse closes it)
    if produced.temporary:
        os.unlink(produced.path)  # the open handle keeps it readable until sent
    response = FileResponse(
        handle, content_type="application/xml; charset=utf-8", filename=filename
    )
    response["ETag"] = produced.etag
    response["Last-Modified"] = http_date(last_modified)
    # Pollers (an IATI registry, d-portal) revalidate each time: 304 until the data move.
    response["Cache-Control"] = "no-cache"
    response["X-IATI-Activities"] = str(produced.activities)
    return response
