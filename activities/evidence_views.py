"""Thin views of an activity's evidence files, on its record page: upload, download,
public or private (managers), delete, and an attendance sheet handed to the attendance
import (#9: activities/attendance_views.py reads it from there, nothing is imported here).

Who may do what: activities/evidence/rules.py. A file the user may not read is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from . import access
from .evidence import rules, services, serving
from .models import Activity, EvidenceKind
from .officer_views import SignedInRequest
from .people import sheets, uploads

ACCEPT = ".pdf,.png,.jpg,.jpeg,.xlsx,.docx,.csv,.txt"


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("PDF, PNG, JPEG, XLSX, DOCX, CSV or plain text."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=EvidenceKind.choices)
    description = forms.CharField(label=gettext_lazy("Description"), required=False, max_length=500)
    is_public = forms.BooleanField(
        label=gettext_lazy("Public: anyone who can see the activity may download it"),
        required=False,
    )

    def __init__(self, *args: Any, may_set_public: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_set_public:
            del self.fields["is_public"]


def evidence_section(
    request: HttpRequest, activity: Activity, form: EvidenceUploadForm | None = None
) -> dict[str, Any]:
    """The record page's "Evidence files" section: the files the user may see (one
    query), what they may do with each, and the upload form if they may upload."""
    user = request.user
    reads_private = rules.may_read_private(user, activity)
    may_upload = rules.may_upload(user, activity)
    may_set_public = rules.may_set_public(user)
    rows = []
    for evidence in rules.files_for(user, activity, reads_private=reads_private):
        evidence.activity = activity
        rows.append(
            {
                "file": evidence,
                "may_delete": rules.may_delete(user, evidence, reads_private=reads_private),
                "may_import": reads_private and rules.may_import(user, evidence),
            }
        )
    if may_upload and form is None:
        form = EvidenceUploadForm(may_set_public=may_set_public)
    return {
        "evidence_files": rows,
        "evidence_form": form if may_upload else None,
        "evidence_reads_private": reads_private,
        "evidence_may_set_public": may_set_public,
        "evidence_max_bytes": settings.EVIDENCE_MAX_BYTES,
    }


def _back(activity: Activity) -> HttpResponse:
    return redirect(reverse("pages:activity_detail", args=[activity.pk]) + "#evidence")


@login_required
@require_POST
def evidence_upload(request: SignedInRequest, pk: int) -> HttpResponse:
    activity = access.get_activity_for_user(request.user, pk)
    if not rules.may_upload(request.user, activity):
        raise PermissionDenied("You may not add files to this activity.")
    form = EvidenceUploadForm(
        request.POST, request.FILES, may_set_public=rules.may_set_public(request.user)
    )
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.evidence_upload(
                activity=activity,
                file=upload,
                filename=upload.name or "",
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                is_public=form.cleaned_data.get("is_public", False),
                by=request.user,
            )
        except services.UploadRefused as refused:
            form.add_error("file", refused.message)
        else:
            messages.success(request, _("The file is attached."))
            return _back(activity)
    from .views.activities import activity_detail_context

    context = activity_detail_context(request, activity, evidence_form=form)
    return render(request, "activities/activity_detail.html", context, status=400)


@require_safe
def evidence_download(request: HttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
    return serving.download(rules.get_file_for_user(request.user, pk, file_pk))


def _writable(request: SignedInRequest, pk: int, file_pk: int):
    evidence = rules.get_file_for_user(request.user, pk, file_pk)
    if not rules.may_read_private(request.user, evidence.activity):
        raise PermissionDenied("You may not change this activity's files.")
    return evidence


@login_required
@require_POST
def evidence_public(request: SignedInRequest, pk: int, file_pk: int) -> HttpResponse:
    """A manager marks a file public ("1") or private ("0")."""
    evidence = _writable(request, pk, file_pk)
    public = request.POST.get("public") == "1"
    services.evidence_change(evidence=evidence, by=request.user, is_public=public)
    messages.success(
        request,
        _("The file is now public.") if public else _("The file is now private."),
    )
    return _back(evidence.activity)


@login_required
@require_POST
def evidence_delete(request: SignedInRequest, pk: int, file_pk: int) -> HttpResponse:
    evidence = _writable(request, pk, file_pk)
    if not rules.may_delete(request.user, evidence, reads_private=True):
        raise PermissionDenied("Only a manager may delete a public file.")
    services.evidence_delete(evidence=evidence, by=request.user)
    messages.success(request, _("The file is deleted."))
    return _back(evidence.activity)


@login_required
@require_POST
def evidence_import(request: SignedInRequest, pk: int, file_pk: int) -> HttpResponse:
    """Hand an attached attendance sheet to the attendance import: kept for its preview
    exactly as an uploaded sheet would be, then the import's own preview page."""
    evidence = _writable(request, pk, file_pk)
    if not rules.may_import(request.user, evidence):
        raise PermissionDenied("You may not import attendance from this file.")
    limit = sheets.limits()[0]
    if evidence.size > limit:
        messages.error(
            request,
            _(
                "The file is %(size)s bytes, over the limit of %(limit)s bytes "
                "(setting ATTENDANCE_MAX_FILE_BYTES): split the sheet in parts."
            )
            % {"size": evidence.size, "limit": limit},
        )
        return _back(evidence.activity)
    with evidence.file.storage.open(evidence.file.name, "rb") as stored:
        data = stored.read()
    token = uploads.keep(
        user_id=request.user.pk,
        activity_id=evidence.activity_id,
        filename=evidence.original_name,
        data=data,
    )
    return redirect("officer-attendance-preview", pk=evidence.activity_id, token=token)
