"""Thin views for signed-in staff: log, edit, duplicate, publish, history, API token.

Access is decided by activities/access.py (404 when the activity is not visible, 403
when visible but not editable); validation by activities/forms/; writes by
activities/services.py. A stale save (someone saved since the form was loaded) is not
written: the form comes back with the user's input and the other person's change.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from . import access, audit, services
from .evidence import rules as evidence_rules
from .forms import ActivityForm, BeneficiaryFormSet
from .forms.summary import error_summary
from .models import Activity
from .people import tallies


class SignedInRequest(HttpRequest):
    """A request that passed @login_required: its user is a User, never anonymous."""

    user: User


def _require_logger(request: HttpRequest) -> None:
    if not access.can_log(request.user):
        raise PermissionDenied("Your role does not log activities.")


def _forms(request: HttpRequest, *, activity: Activity, initial=None, row_initial=None):
    data = request.POST if request.method == "POST" else None
    form = ActivityForm(data, instance=activity, user=request.user, initial=initial)
    # An activity with attendance has tallies derived from it: shown, never typed, so
    # its rows are not part of what the form posts (people/tallies.py).
    from_attendance = activity.pk is not None and tallies.has_attendance(activity)
    formset = BeneficiaryFormSet(
        None if from_attendance else data,
        instance=activity,
        prefix="rows",
        user=request.user,
        initial=row_initial,
        from_attendance=from_attendance,
    )
    if row_initial:
        formset.extra = max(len(row_initial), formset.extra)
    elif activity.pk is not None and activity.beneficiaries.exists():
        # Its rows, and no blank ones: "Add a row" adds one.
        formset.extra = 0
    return form, formset


def _valid(form: ActivityForm, formset) -> bool:
    if formset.from_attendance:
        return form.is_valid()
    # Countries are asked once: when no place is ticked, the rows' countries are the
    # activity's (an officer who names them per row need not tick them again).
    form.places_from_rows = formset.names_countries()
    form_valid = form.is_valid()
    formset_valid = formset.is_valid()
    cleaned = form.cleaned_data if form_valid else {}
    if formset_valid and form.places_from_rows and cleaned:
        no_place = not cleaned.get("countries") and not cleaned.get("regions")
        cleaned["countries"] = formset.row_countries() if no_place else cleaned["countries"]
    if form_valid and formset_valid:
        formset.check_places(
            countries=form.cleaned_data.get("countries") or [],
            regions=form.cleaned_data.get("regions") or [],
        )
        formset_valid = not any(f.errors for f in formset.forms)
    return form_valid and formset_valid


def _render_form(request, *, form, formset, activity=None, mode, conflict=None, status=200):
    return render(
        request,
        "officer/activity_form.html",
        {
            "form": form,
            "formset": formset,
            "activity": activity,
            "mode": mode,
            "conflict": conflict,
            "can_publish": access.can_publish(request.user),
            "rows_total": None if formset.from_attendance else formset.typed_total(),
            "error_summary": error_summary(form, formset),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_log(request: SignedInRequest) -> HttpResponse:
    """The "Log a training" page: a new draft."""
    _require_logger(request)
    return _create(request, initial=None, row_initial=None, mode="log")


def _create(request, *, initial, row_initial, mode):
    form, formset = _forms(request, activity=Activity(), initial=initial, row_initial=row_initial)
    if request.method == "POST" and _valid(form, formset):
        fields, relations = form.service_arguments()
        try:
            activity = services.activity_create(
                fields=fields,
                relations=relations,
                beneficiary_rows=formset.service_rows(),
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Saved as a draft: “%(title)s”. A programme manager publishes it.")
                % {"title": activity.title},
            )
            return redirect("pages:activity_detail", pk=activity.pk)
    status = 400 if request.method == "POST" else 200
    return _render_form(request, form=form, formset=formset, mode=mode, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def activity_duplicate(request: SignedInRequest, pk: int) -> HttpResponse:
    """Log another like this one: the form filled from the original; nothing is saved
    until the user saves, and the people reached are not copied (they would be counted
    twice), only the rows' audiences and countries."""
    _require_logger(request)
    original = access.get_activity_for_user(request.user, pk)
    initial = {
        name: getattr(original, name)
        for name in (
            "kind",
            "title",
            "description",
            "date_precision",
            "modality",
            "delivery",
            "reported_countries_count",
            "source_paragraph",
            "source_note",
        )
    }
    if original.date_precision == "year":
        initial["year"] = original.start_date.year
    else:
        initial["start_date"], initial["end_date"] = original.start_date, original.end_date
    for name in ("languages", "themes", "partners", "donors", "projects"):
        initial[name] = list(getattr(original, name).values_list("pk", flat=True))
    allowed_countries = set(access.scope_countries(request.user).values_list("pk", flat=True))
    allowed_regions = set(access.scope_regions(request.user).values_list("pk", flat=True))
    initial["countries"] = [
        pk for pk in original.countries.values_list("pk", flat=True) if pk in allowed_countries
    ]
    initial["regions"] = [
        pk for pk in original.regions.values_list("pk", flat=True) if pk in allowed_regions
    ]
    row_initial = [
        {"audience": row.audience_id, "country": row.country_id, "qualifier": row.qualifier}
        for row in original.beneficiaries.all()
    ]
    return _create(request, initial=initial, row_initial=row_initial, mode="duplicate")


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    activity = access.get_activity_for_user(request.user, pk, for_edit=True)
    form, formset = _forms(request, activity=activity)
    conflict = None
    status = 200
    if request.method == "POST":
        status = 400
        if _valid(form, formset):
            fields, relations = form.service_arguments()
            expected = form.cleaned_data["version"]
            try:
                services.activity_update(
                    activity=activity,
                    expected_version=expected,
                    fields=fields,
                    relations=relations,
                    beneficiary_rows=None if formset.from_attendance else formset.service_rows(),
                    by=request.user,
                    change_reason=form.cleaned_data.get("change_reason"),
                )
            except services.StaleVersion as stale:
                conflict = _conflict(request, stale)
                form, formset = conflict["form"], conflict["formset"]
                status = 409
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Saved “%(title)s”.") % {"title": activity.title})
                return redirect("pages:activity_detail", pk=activity.pk)
    return _render_form(
        request,
        form=form,
        formset=formset,
        activity=activity,
        mode="edit",
        conflict=conflict,
        status=status,
    )


def _conflict(request, stale: services.StaleVersion) -> dict:
    """The user's input, bound again with the current version (so that saving once more
    is an informed choice), and what the other person changed."""
    current = stale.activity
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = ActivityForm(data, instance=current, user=request.user)
    formset = BeneficiaryFormSet(data, instance=current, prefix="rows", user=request.user)
    form.is_valid()
    formset.is_valid()
    return {
        "form": form,
        "formset": formset,
        "entries": audit.changes_since(current.pk, stale.expected_version),
        "current_version": current.version,
    }


@login_required
@require_POST
def activity_publish(request: SignedInRequest, pk: int) -> HttpResponse:
    activity = access.get_activity_for_user(request.user, pk)
    if not access.can_publish(request.user):
        raise PermissionDenied("Only a programme manager publishes.")
    publish = request.POST.get("action", "publish") != "unpublish"
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        with transaction.atomic():
            # In a closed reporting period, with the reason (results/periods.py).
            reason = request.POST.get("change_reason")
            if publish:
                services.activity_publish(
                    activity=activity,
                    by=request.user,
                    expected_version=version,
                    change_reason=reason,
                )
            else:
                services.activity_unpublish(
                    activity=activity,
                    by=request.user,
                    expected_version=version,
                    change_reason=reason,
                )
    except services.StaleVersion as stale:
        messages.error(
            request,
            f"Not {'published' if publish else 'withdrawn'}: someone saved this activity since "
            f"you opened it (now version {stale.activity.version}). Check their change below.",
        )
        return redirect("officer-activity-history", pk=activity.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("officer-activity-edit", pk=activity.pk)
    messages.success(
        request,
        f"Published “{activity.title}”: it is now public."
        if publish
        else f"Withdrawn “{activity.title}”: it is a draft again.",
    )
    return redirect(reverse("pages:activity_detail", args=[activity.pk]))


@login_required
def activity_history(request: SignedInRequest, pk: int) -> HttpResponse:
    """The history tab: every change, by whom and when. Whoever may see the activity
    (signed in) may read its history."""
    activity = access.get_activity_for_user(request.user, pk)
    return render(
        request,
        "officer/activity_history.html",
        {
            "activity": activity,
            # Private evidence files exist only for those who may read them.
            "entries": audit.activity_history(
                activity.pk, with_evidence=evidence_rules.may_read_private(request.user, activity)
            ),
            "can_edit": access.can_edit(request.user, activity),
        },
    )


@login_required
def signed_in(request: SignedInRequest) -> HttpResponse:
    """Where sign-in lands without a `next`: the user's own work (settings.
    LOGIN_REDIRECT_URL). Officers and managers: the activities they edit; donors: their
    projects; anyone else: the dashboard."""
    if access.can_log(request.user):
        return redirect("officer-my-activities")
    if access.can_see_draft_aggregates(request.user):
        return redirect("pages:my_projects")
    return redirect("pages:dashboard")


@login_required
def my_activities(request: SignedInRequest) -> HttpResponse:
    """What the user may edit, drafts first: the officer's working list."""
    _require_logger(request)
    activities = (
        access.editable_activities(request.user)
        .select_related("created_by")
        .order_by("status", "-updated_at")[:200]
    )
    return render(
        request,
        "officer/my_activities.html",
        {"activities": activities, "can_publish": access.can_publish(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: SignedInRequest) -> HttpResponse:
    """Create, replace or revoke the user's API token. The key is shown once."""
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        Token.objects.filter(user=request.user).delete()
        if action == "create":
            new_key = Token.objects.create(user=request.user).key
            messages.success(request, "New API token created. Copy it now: it is shown once.")
        else:
            messages.success(request, "API token revoked.")
    token = Token.objects.filter(user=request.user).first()
    return render(request, "officer/api_token.html", {"token": token, "new_key": new_key})
