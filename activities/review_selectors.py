"""Reads of the review (activities/review.py): the managers' queue, an officer's
returned drafts, the counts on the navigation bar, a user's notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import access
from .models import Activity, Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .counting import AnyUser

SUBMITTED = Activity.Review.SUBMITTED
RETURNED = Activity.Review.RETURNED


def review_queue() -> QuerySet[Activity]:
    """Drafts waiting for a manager, the longest waiting first, with who submitted them,
    their hub (the hub of their officer scope, with its location) and the region they
    count for."""
    return (
        Activity.objects.filter(status=Activity.Status.DRAFT, review_state=SUBMITTED)
        .select_related("submitted_by__officer_scope__hub__location", "scope_region")
        .order_by("submitted_at", "pk")
    )


def returned_to(user: AnyUser) -> QuerySet[Activity]:
    """The drafts returned to the user: those they submitted (or logged, when nobody
    submitted them). The navigation bar counts the same."""
    if user is None or not user.is_authenticated:
        return Activity.objects.none()
    return (
        Activity.objects.filter(review_state=RETURNED)
        .filter(Q(submitted_by=user) | Q(submitted_by__isnull=True, created_by=user))
        .order_by("-updated_at", "pk")
    )


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("activity")


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """COUNT(*) of `queryset` as a scalar subquery (0 when empty)."""
    counted = (
        queryset.order_by()
        .annotate(_one=Value(1, output_field=IntegerField()))
        .values("_one")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def navigation_counts_for(user: AnyUser) -> dict[str, int]:
    """The numbers on the navigation bar in ONE query: drafts waiting for review
    (managers), drafts returned to the user, unread notifications."""
    if user is None or not user.is_authenticated:
        return {"queue": 0, "returned": 0, "unread": 0}
    me = OuterRef("pk")
    returned = Activity.objects.filter(review_state=RETURNED).filter(
        Q(submitted_by=me) | Q(submitted_by__isnull=True, created_by=me)
    )
    unread = Notification.objects.filter(user=me, read_at__isnull=True)
    annotations = {"returned": _count(returned), "unread": _count(unread)}
    if access.can_publish(user):
        annotations["queue"] = _count(review_queue())
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(**annotations)
        .values(*annotations)
        .get()
    )
    return {"queue": row.get("queue", 0), "returned": row["returned"], "unread": row["unread"]}


def navigation_counts(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `review_counts`, computed once per request and only when a
    template reads it (signed-in pages' navigation bar)."""
    cached = getattr(request, "_review_counts", None)
    if cached is None:
        cached = SimpleLazyObject(lambda: navigation_counts_for(getattr(request, "user", None)))
        request._review_counts = cached  # type: ignore[attr-defined]
    return {"review_counts": cached}
