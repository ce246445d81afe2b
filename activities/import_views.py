"""Thin views of bulk entry (activities/bulk/): upload a sheet, see every
row's outcome, confirm; and the empty template.

Who: users who log activities (officers within their scope, managers); others 403. The
file waits on the server between preview and confirmation (people/uploads.py, under the
user's own folder, with no activity: id 0), so a slow line uploads it once.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from . import access, bulk, sheet_templates
from .officer_views import SignedInRequest
from .people import uploads

# The sheet is kept by people/uploads.py, which names an activity: none here.
NO_ACTIVITY = 0
# Rows listed on the preview page (the counts give them all; errors are all listed).
SHOWN_ROWS = 200


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Sheet of activities (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


def _require_logger(request: HttpRequest) -> None:
    if not access.can_log(request.user):
        raise PermissionDenied("Your role does not log activities.")


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: SignedInRequest) -> HttpResponse:
    """The upload form; a valid upload goes to its preview."""
    _require_logger(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            limit = bulk.RULES.limits()[0]
            if upload.size > limit:
                form.add_error(
                    "file",
                    _(
                        "The file is %(size)s bytes, over the limit of %(limit)s bytes "
                        "(setting %(setting)s): split the sheet in parts."
                    )
                    % {
                        "size": upload.size,
                        "limit": limit,
                        "setting": bulk.RULES.setting("MAX_FILE_BYTES"),
                    },
                )
            else:
                token = uploads.keep(
                    user_id=request.user.pk,
                    activity_id=NO_ACTIVITY,
                    filename=upload.name or "",
                    data=upload.read(),
                )
                return redirect("officer-import-preview", token=token)
        status = 400
    return render(
        request,
        "officer/activity_import.html",
        {"form": form, "columns": bulk.template_headers()},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: SignedInRequest, token: str) -> HttpResponse:
    """Every row's outcome; "confirm" applies the sheet (all rows or none)."""
    _require_logger(request)
    kept = uploads.load(user_id=request.user.pk, token=token, activity_id=NO_ACTIVITY)
    if kept is None:
        raise Http404("No such upload: upload the sheet again.")
    may_publish = access.can_publish(request.user)
    status = 200
    if request.method == "POST":
        result = bulk.apply(
            data=kept.data,
            filename=kept.filename,
            by=request.user,
            publish=may_publish and request.POST.get("publish") == "1",
        )
        if result.applied:
            uploads.forget(user_id=request.user.pk, token=token)
            messages.success(
                request,
                _(
                    "Imported: %(created)s new activities (%(state)s), %(updated)s updated, "
                    "%(unchanged)s unchanged."
                )
                % {
                    "created": len(result.created),
                    "state": _("published") if result.published else _("drafts"),
                    "updated": len(result.updated),
                    "unchanged": result.preview.counts["unchanged"],
                },
            )
            return redirect("officer-my-activities")
        seen = result.preview
        status = 400
    else:
        seen = bulk.preview(data=kept.data, filename=kept.filename, by=request.user)
    errors = [row for row in seen.rows if row.status == "error"]
    shown = [row for row in seen.rows if row.status != "error"]
    return render(
        request,
        "officer/activity_import_preview.html",
        {
            "preview": seen,
            "counts": seen.counts,
            "errors": errors,
            "rows": shown[:SHOWN_ROWS],
            "rows_more": max(0, len(shown) - SHOWN_ROWS),
            "may_publish": may_publish,
            "token": token,
        },
        status=status,
    )


@require_GET
def import_template(request: HttpRequest, file_format: str) -> HttpResponse:
    """An empty sheet with the download's headers (the columns an import reads)."""
    return sheet_templates.header_only(
        bulk.template_headers(),
        file_format=file_format,
        title="Activities",
        filename=f"activities-template.{file_format}",
    )
