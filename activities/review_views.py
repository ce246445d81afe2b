"""Thin views of the review (activities/review.py) and of notifications.

- /review/: the managers' queue of submitted drafts (filters: hub, region, time
  waiting), with "Publish checked" (one atomic call: all or none).
- /review/returned/: the drafts returned to the signed-in officer, with the comment.
- /activities/<pk>/submit/ and /return/: the steps, posted from the record page.
- /notifications/: the user's notifications, "mark all read", and their e-mail choice.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from . import access, notifications, review, review_selectors, services
from .filters.review import ReviewQueueFilterSet
from .forms.notifications import NotificationPreferenceForm
from .models import Activity, NotificationPreference

QUEUE_LIMIT = 200


class SignedInRequest(HttpRequest):
    user: User


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def review_queue(request: SignedInRequest) -> HttpResponse:
    """Submitted drafts, longest waiting first; a manager publishes the checked ones."""
    if not access.can_publish(request.user):
        raise PermissionDenied(_("The review queue is for programme managers."))
    if request.method == "POST":
        return _publish_checked(request)
    filterset = ReviewQueueFilterSet(request.GET or None, queryset=review_selectors.review_queue())
    status = 200
    rows: list[Activity] = []
    if filterset.is_bound and not filterset.is_valid():
        status = 400
    else:
        rows = list(filterset.qs[:QUEUE_LIMIT])
    return render(
        request,
        "review/queue.html",
        {"filterset": filterset, "activities": rows, "limit": QUEUE_LIMIT},
        status=status,
    )


def _publish_checked(request: SignedInRequest) -> HttpResponse:
    ids = [value for value in request.POST.getlist("activity") if value.isdigit()]
    back = redirect(request.get_full_path())
    if not ids:
        messages.error(request, _("Check the drafts to publish first."))
        return back
    chosen = list(review_selectors.review_queue().filter(pk__in=ids))
    versions: dict[int, int] = {}
    for activity in chosen:
        seen = request.POST.get(f"version-{activity.pk}", "")
        if seen.isdigit():
            versions[activity.pk] = int(seen)
    try:
        published = review.activities_publish_many(
            activities=chosen,
            by=request.user,
            expected_versions=versions,
            change_reason=request.POST.get("change_reason") or None,
        )
    except services.StaleVersion as stale:
        messages.error(
            request,
            _(
                "Nothing published: “%(title)s” was saved by someone since you opened the "
                "queue. Check it and try again."
            )
            % {"title": stale.activity.title},
        )
        return back
    except ValidationError as error:
        messages.error(request, _("Nothing published: %(error)s") % {"error": _error_text(error)})
        return back
    messages.success(
        request,
        ngettext("Published %(count)s draft.", "Published %(count)s drafts.", len(published))
        % {"count": len(published)},
    )
    return back


@login_required
def returned_to_me(request: SignedInRequest) -> HttpResponse:
    """The drafts a manager returned to the user, with what to fix."""
    activities = list(review_selectors.returned_to(request.user)[:QUEUE_LIMIT])
    return render(request, "review/returned.html", {"activities": activities})


@login_required
@require_POST
def activity_submit(request: SignedInRequest, pk: int) -> HttpResponse:
    activity = access.get_activity_for_user(request.user, pk, for_edit=True)
    resubmitted = activity.review_state == Activity.Review.RETURNED
    try:
        review.activity_submit(
            activity=activity, by=request.user, expected_version=_version(request)
        )
    except services.StaleVersion:
        messages.error(request, _("Not submitted: someone saved this draft since you opened it."))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        text = (
            _("Submitted again for review: “%(title)s”.")
            if resubmitted
            else _("Submitted for review: “%(title)s”. A programme manager will publish it.")
        )
        messages.success(request, text % {"title": activity.title})
    return redirect("pages:activity_detail", pk=activity.pk)


@login_required
@require_POST
def activity_return(request: SignedInRequest, pk: int) -> HttpResponse:
    activity = access.get_activity_for_user(request.user, pk)
    if not access.can_publish(request.user):
        raise PermissionDenied(_("Only a programme manager returns a draft."))
    try:
        review.activity_return(
            activity=activity,
            by=request.user,
            comment=request.POST.get("comment", ""),
            expected_version=_version(request),
        )
    except services.StaleVersion:
        messages.error(request, _("Not returned: someone saved this draft since you opened it."))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("Returned to its officer: “%(title)s”.") % {"title": activity.title}
        )
    return redirect("pages:activity_detail", pk=activity.pk)


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: SignedInRequest) -> HttpResponse:
    """The user's notifications, newest first, and their e-mail choice (POST saves it)."""
    preference = NotificationPreference.objects.filter(user=request.user).first()
    form = NotificationPreferenceForm(
        request.POST if request.method == "POST" else None,
        instance=preference or NotificationPreference(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your e-mail choice is saved."))
        return redirect("notifications")
    notes = list(review_selectors.notifications_of(request.user)[:QUEUE_LIMIT])
    return render(
        request,
        "review/notifications.html",
        {"notifications": notes, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def notifications_read(request: SignedInRequest) -> HttpResponse:
    notifications.mark_read(request.user)
    return redirect("notifications")
