"""Thin views of an activity's attendance: the list and the upload form, the preview of
an uploaded sheet (mapping, possible matches), its confirmation.

Who: users who may see the activity's people (activities/people/privacy.py; 404 when
they may not see the activity, 403 when they may not see its people). The uploaded file
is kept on the server between preview and confirmation (activities/people/uploads.py):
uploaded once, even on a slow line. Reading and writing: activities/people/imports.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import access
from .models import Activity, Attendance
from .officer_views import SignedInRequest
from .people import imports, privacy, sheets, uploads
from .results import periods

# Rows of "new" and "same" shown on the preview page (errors and possible matches are
# always all shown: they need the officer).
SHOWN_PLAIN_ROWS = 100
# Rows with errors listed on the page (the API lists them all); the count says the rest.
SHOWN_ERROR_ROWS = 1000
PAGE_SIZE = 100


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Attendance sheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


def _activity(request: HttpRequest, pk: int, *, write: bool = False) -> Activity:
    activity = access.get_activity_for_user(request.user, pk)
    if not privacy.may_see_people_of(request.user, activity):
        raise PermissionDenied("You may not see the people of this activity.")
    if write and not request.user.has_perm("activities.add_attendance"):
        raise PermissionDenied("Your role does not import attendance.")
    return activity


def _may_import(request: HttpRequest) -> bool:
    return request.user.has_perm("activities.add_attendance") and request.user.has_perm(
        "activities.add_participant"
    )


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: SignedInRequest, pk: int) -> HttpResponse:
    """Who attended (a page at a time), and the form to upload a sheet."""
    activity = _activity(request, pk, write=request.method == "POST")
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            limit = sheets.limits()[0]
            if upload.size > limit:
                form.add_error(
                    "file",
                    _(
                        "The file is %(size)s bytes, over the limit of %(limit)s bytes "
                        "(setting ATTENDANCE_MAX_FILE_BYTES): split the sheet in parts."
                    )
                    % {"size": upload.size, "limit": limit},
                )
            else:
                token = uploads.keep(
                    user_id=request.user.pk,
                    activity_id=activity.pk,
                    filename=upload.name or "",
                    data=upload.read(),
                )
                return redirect("officer-attendance-preview", pk=activity.pk, token=token)
        status = 400
    rows = (
        Attendance.objects.filter(activity=activity)
        .select_related("participant__country", "participant__audience")
        .order_by("participant__family_name", "participant__given_name", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "officer/attendance.html",
        {
            "activity": activity,
            "form": form,
            "page": page,
            "imports": activity.imports.select_related("imported_by")[:10],
            "may_import": _may_import(request),
        },
        status=status,
    )


def _mapping_from(request: HttpRequest, headers: list[str], kept: dict[str, str]) -> dict:
    """The officer's choices of field for the headers (select `map-<column index>`)."""
    mapping = dict(kept)
    for index, header in enumerate(headers):
        key = f"map-{index}"
        if key in request.POST:
            choice = request.POST[key]
            mapping[header] = choice if choice in sheets.FIELDS else ""
    return mapping


def _headers(data: bytes) -> list[str]:
    try:
        return sheets.read_sheet(data).headers
    except sheets.SheetError:
        return []


def _decisions_from(request: HttpRequest) -> dict[str, str]:
    return {
        key.removeprefix("decision-"): str(value)
        for key, value in request.POST.items()
        if key.startswith("decision-")
    }


@login_required
@require_http_methods(["GET", "POST"])
def attendance_preview(request: SignedInRequest, pk: int, token: str) -> HttpResponse:
    """The outcome of every row of the kept sheet; confirm imports it."""
    activity = _activity(request, pk, write=True)
    kept = uploads.load(user_id=request.user.pk, token=token, activity_id=activity.pk)
    if kept is None:
        raise Http404("No such upload: upload the sheet again.")
    decisions: dict[str, str] = {}
    mapping = kept.mapping
    status = 200
    reason_error = None
    if request.method == "POST":
        mapping = _mapping_from(request, _headers(kept.data), kept.mapping)
        if mapping != kept.mapping:
            uploads.remember_mapping(user_id=request.user.pk, token=token, mapping=mapping)
        decisions = _decisions_from(request)
        if request.POST.get("action") == "confirm":
            try:
                result = imports.confirm(
                    activity=activity,
                    file=kept.data,
                    filename=kept.filename,
                    mapping=mapping,
                    decisions=decisions,
                    by=request.user,
                    change_reason=request.POST.get(periods.REASON_FIELD),
                )
            except periods.ReasonRequired as missing:
                reason_error, result = missing.messages[0], None
            if result is None:
                pass  # the reason is missing: the page asks for it
            elif result.status == "already":
                uploads.forget(user_id=request.user.pk, token=token)
                messages.info(request, result.preview.already_message)
                return redirect("officer-attendance", pk=activity.pk)
            elif result.status == "imported":
                uploads.forget(user_id=request.user.pk, token=token)
                messages.success(
                    request,
                    _("Imported %(rows)s rows: %(created)s new persons, %(matched)s known.")
                    % {
                        "rows": len(result.preview.rows),
                        "created": result.created,
                        "matched": result.matched,
                    },
                )
                return redirect("officer-attendance", pk=activity.pk)
            status = 400
        else:
            return redirect("officer-attendance-preview", pk=activity.pk, token=token)
    seen = imports.preview(
        activity=activity,
        file=kept.data,
        filename=kept.filename,
        mapping=mapping,
        decisions=decisions,
        by=request.user,
    )
    context = _preview_context(activity, seen, mapping, decisions, token)
    # Tallies of an activity dated in a closed reporting period change reported figures.
    context["closed_periods"] = periods.closed_periods_of(activity)
    context["reason_error"] = reason_error
    context["change_reason"] = request.POST.get(periods.REASON_FIELD, "")
    return render(request, "officer/attendance_preview.html", context, status=status)


def _preview_context(activity, seen, mapping, decisions, token) -> dict:
    plain = [outcome for outcome in seen.rows if outcome.status in ("new", "same")]
    errors = [outcome for outcome in seen.rows if outcome.status == "error"]
    mappable = [
        {
            "index": index,
            "header": header,
            "field": mapping.get(header, seen.mapping.get(header, "")),
            "unmapped": header in seen.unmapped,
        }
        for index, header in enumerate(seen.headers)
        if header in seen.unmapped or header in mapping
    ]
    return {
        "activity": activity,
        "preview": seen,
        "counts": seen.counts,
        "errors": errors[:SHOWN_ERROR_ROWS],
        "errors_more": max(0, len(errors) - SHOWN_ERROR_ROWS),
        "possible": [
            {
                "outcome": outcome,
                "chosen": str(decisions.get(str(outcome.number), "new")),
                "candidates": [
                    {
                        "id": candidate.participant_id,
                        "name": candidate.name,
                        "score": candidate.score,
                        "country": seen.country_names.get(candidate.country_id, ""),
                    }
                    for candidate in outcome.candidates
                ],
            }
            for outcome in seen.rows
            if outcome.status == "possible"
        ],
        "plain": plain[:SHOWN_PLAIN_ROWS],
        "plain_more": max(0, len(plain) - SHOWN_PLAIN_ROWS),
        "mappable": mappable,
        "fields": [(name, label) for name, label in sheets.FIELDS.items()],
        "decisions": decisions,
        "token": token,
    }
