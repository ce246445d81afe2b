"""Review before publishing: an officer submits a draft, a manager publishes it or
returns it with a comment ("needs action"), the officer fixes it and submits it again.

The steps, in plain words
- Submit (and submit again after a return): whoever may edit the draft
  (access.can_edit: an officer within their scope, a manager), a draft only, not one
  already waiting. It waits in the managers' review queue (/review/).
- Return: a manager (access.can_publish), a submitted draft only, with a comment that
  says what to fix (required). It waits in its officer's "Returned to me".
- Publish: a manager (services.activity_publish, which ends the review); an officer
  never publishes, submitted or not. `activities_publish_many` publishes several drafts
  in one transaction: all or none, each step recorded.
- Each step is a versioned write (the version the writer read, else StaleVersion, and
  nothing is written) that leaves one entry in the audit history (the review state and
  the comment, old → new), and notifies (activities/notifications.py): managers of a
  submission, the officer of a return or a publication, after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, notifications, services
from .beneficiary_rows import authored_by
from .models import Activity, NotificationKind

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REVIEW_FIELDS = ["review_state", "submitted_at", "submitted_by", "review_comment", "updated_at"]
COMMENT_MAX_LENGTH = 2000


def _save_step(activity: Activity, *, by: User) -> None:
    authored_by(activity, by)
    activity.save(update_fields=REVIEW_FIELDS)


@transaction.atomic
def activity_submit(*, activity: Activity, by: User, expected_version: int | None) -> Activity:
    """Submit a draft for review, or submit it again after a return."""
    if not access.can_edit(by, activity):
        raise PermissionDenied(_("You may submit only the activities you may edit."))
    if activity.status != Activity.Status.DRAFT:
        raise ValidationError(_("Only a draft is submitted for review: this one is published."))
    if activity.review_state == Activity.Review.SUBMITTED:
        raise ValidationError(_("This draft is already waiting for review."))
    services._claim_version(activity=activity, expected_version=expected_version)
    activity.review_state = Activity.Review.SUBMITTED
    activity.submitted_at = timezone.now()
    activity.submitted_by = by
    activity.review_comment = ""
    _save_step(activity, by=by)
    notifications.notify(kind=NotificationKind.SUBMITTED, activity=activity, by=by)
    return activity


@transaction.atomic
def activity_return(
    *, activity: Activity, by: User, comment: str, expected_version: int | None
) -> Activity:
    """Return a submitted draft to its officer with what to fix."""
    if not access.can_publish(by):
        raise PermissionDenied(_("Only a programme manager returns a draft."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say what to fix: the comment is required.")]})
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": [_("At most %(limit)s characters.") % {"limit": COMMENT_MAX_LENGTH}]}
        )
    if activity.review_state != Activity.Review.SUBMITTED:
        raise ValidationError(_("Only a draft submitted for review is returned."))
    services._claim_version(activity=activity, expected_version=expected_version)
    activity.review_state = Activity.Review.RETURNED
    activity.review_comment = comment
    _save_step(activity, by=by)
    notifications.notify(kind=NotificationKind.RETURNED, activity=activity, by=by, comment=comment)
    return activity


@transaction.atomic
def activity_publish_reviewed(
    *,
    activity: Activity,
    by: User,
    expected_version: int | None,
    change_reason: str | None = None,
) -> Activity:
    """Publish a draft (managers only; services.activity_publish ends its review)."""
    if not access.can_publish(by):
        raise PermissionDenied(_("Only a programme manager publishes."))
    if activity.status != Activity.Status.DRAFT:
        raise ValidationError(_("This activity is published already."))
    return services.activity_publish(
        activity=activity, by=by, expected_version=expected_version, change_reason=change_reason
    )


@transaction.atomic
def activities_publish_many(
    *,
    activities: Sequence[Activity],
    by: User,
    expected_versions: Mapping[int, int] | None = None,
    change_reason: str | None = None,
) -> list[Activity]:
    """Publish every draft given, each recorded and notified as if published alone; if
    one cannot be (a stale version, no place, a closed period without a reason), none
    is."""
    versions = expected_versions or {}
    return [
        activity_publish_reviewed(
            activity=activity,
            by=by,
            expected_version=versions.get(activity.pk),
            change_reason=change_reason,
        )
        for activity in activities
    ]
