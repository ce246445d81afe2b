"""Writes of series and sessions (counting rule 13): an activity's sessions, replaced in
one transaction, the activity's hours kept equal to its sessions' durations, and who was
present at which session.

Called by services.activity_create / activity_update (the API's nested `sessions`) and
usable alone; the checks are shared with the API's serializer (`session_errors`), which
repeats them for messages naming the field, while the database keeps the rest
(activities/models/sessions.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import counting
from .beneficiary_rows import authored_by
from .models import Activity, ActivitySession, Attendance, Participant, SessionAttendance

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# What a session says, as the API and the services take it (its position is its place
# in the list).
SESSION_FIELDS = ("date", "title", "hours", "modality", "language")

# django-simple-history reads an attribute the models do not declare: the reason of the
# next history record (`history_change_reason`), as services.py sets it.
_CHANGE_REASON = "_change_reason"


def max_sessions() -> int:
    return int(settings.MAX_SESSIONS)


def session_errors(
    *,
    start: datetime.date | None,
    end: datetime.date | None,
    sessions: Sequence[Mapping[str, Any]],
) -> list[dict[str, str]]:
    """For each session, what is wrong with it by field name (empty when nothing is):
    its date lies within the activity's period `start`..`end`, its hours are positive.
    An unknown period (None) leaves the dates unchecked."""
    errors: list[dict[str, str]] = []
    for session in sessions:
        error: dict[str, str] = {}
        day = session.get("date")
        if day is not None and start is not None and end is not None and not start <= day <= end:
            error["date"] = _(
                "%(date)s is outside the activity's period (%(start)s to %(end)s): a session "
                "is held within its activity's dates."
            ) % {
                "date": date_format(day, "j F Y"),
                "start": date_format(start, "j F Y"),
                "end": date_format(end, "j F Y"),
            }
        hours = session.get("hours")
        if hours is not None and Decimal(hours) <= 0:
            error["hours"] = _("Give the hours as a positive number, or leave them unknown.")
        errors.append(error)
    return errors


def sessions_count_error(*, count: int) -> str | None:
    limit = max_sessions()
    if count <= limit:
        return None
    return _("%(count)s sessions: an activity has at most %(limit)s (setting MAX_SESSIONS).") % {
        "count": count,
        "limit": limit,
    }


def _validated(activity: Activity, sessions: Sequence[Mapping[str, Any]]) -> None:
    error = sessions_count_error(count=len(sessions))
    if error:
        raise ValidationError({"sessions": [error]})
    errors = session_errors(start=activity.start_date, end=activity.end_date, sessions=sessions)
    messages = [
        _("Session %(number)s: %(message)s") % {"number": number, "message": message}
        for number, error in enumerate(errors, start=1)
        for message in error.values()
    ]
    if messages:
        raise ValidationError({"sessions": messages})


@transaction.atomic
def activity_sessions_replace(
    *,
    activity: Activity,
    sessions: Sequence[Mapping[str, Any]],
    by: User | None,
    change_reason: str | None = None,
) -> list[ActivitySession]:
    """Make the activity's sessions exactly `sessions`, numbered 1, 2, ... in the order
    given. The session at a position already taken is changed in place (its attendance
    kept, saved only if a value changed); positions beyond the list are deleted with
    their attendance. Each write leaves a history record by `by`, with `change_reason`.
    The activity's hours then follow its sessions (`refresh_session_hours`). Raises
    ValidationError (nothing written) when a session's date is outside the activity's
    period or its hours are not positive."""
    _validated(activity, sessions)
    existing = {session.position: session for session in activity.sessions.all()}
    before = [session.hours for session in existing.values()]
    kept: list[ActivitySession] = []
    for position, values in enumerate(sessions, start=1):
        session = existing.pop(position, None) or ActivitySession(
            activity=activity, position=position
        )
        changed = session.pk is None
        for name in SESSION_FIELDS:
            value = values.get(name, "" if name == "title" else None)
            if name == "modality" and value is None:
                value = Activity.Modality.NOT_RECORDED
            if name == "language":
                if getattr(session, "language_id", None) != (value.pk if value else None):
                    session.language = value
                    changed = True
            elif getattr(session, name) != value:
                setattr(session, name, value)
                changed = True
        if changed:
            authored_by(session, by)
            setattr(session, _CHANGE_REASON, change_reason)
            # Field checks only: the constraints are the database's, and session_errors
            # checked what they say above (no query per session).
            session.full_clean(
                exclude=["activity"], validate_unique=False, validate_constraints=False
            )
            session.save()
        kept.append(session)
    for session in existing.values():
        authored_by(session, by)
        setattr(session, _CHANGE_REASON, change_reason)
        session.delete()
    refresh_session_hours(activity=activity, hours_before=before)
    return kept


def refresh_session_hours(
    *, activity: Activity, hours_before: Iterable[Decimal | None] | None = None
) -> None:
    """The activity's hours from its sessions (counting rule 13): the sum of the known
    durations, a lower bound when some are unknown. When no session gives a duration the
    activity's own hours stand, unless they were the sum of the sessions as they were
    (`hours_before`): those are cleared rather than left stale. A derived field, written
    by an UPDATE (no history record: the sessions have theirs)."""
    hours, at_least = counting.session_hours(activity.sessions.values_list("hours", flat=True))
    if hours is None:
        previous, _at_least = counting.session_hours(hours_before or [])
        derived = previous is not None and activity.hours is not None
        if not (derived and Decimal(activity.hours or 0) == previous):
            return  # the activity's own hours stand
        Activity.objects.filter(pk=activity.pk).update(hours=None, hours_at_least=False)
        activity.hours, activity.hours_at_least = None, False
        return
    _set_hours(activity, hours, at_least)


def follow_activity(*, activity: Activity) -> None:
    """After a write of the activity that left its sessions as they are: they must still
    lie within its period (else ValidationError, and the write is rolled back), and its
    hours follow their durations (hours typed over them give way). One query for an
    activity without sessions."""
    saved = list(activity.sessions.values_list("position", "date", "hours"))
    if not saved:
        return
    outside = [
        str(position)
        for position, day, _hours in saved
        if not activity.start_date <= day <= activity.end_date
    ]
    if outside:
        message = _(
            "Sessions %(numbers)s would fall outside the activity's new period: change "
            "their dates in the same request (sessions) or keep the period."
        ) % {"numbers": ", ".join(outside)}
        # On the period's field: the officer's form has no sessions field to show it on.
        raise ValidationError({"start_date": [message]})
    _set_hours(activity, *counting.session_hours(hours for _p, _d, hours in saved))


def _set_hours(activity: Activity, hours: Decimal | None, at_least: bool) -> None:
    if hours is None:
        return  # no session gives its duration: the activity's own hours stand
    if (activity.hours, activity.hours_at_least) != (hours, at_least):
        Activity.objects.filter(pk=activity.pk).update(hours=hours, hours_at_least=at_least)
        activity.hours, activity.hours_at_least = hours, at_least


@transaction.atomic
def session_attendance_set(
    *, session: ActivitySession, participants: Iterable[Participant], by: User | None
) -> int:
    """Make the people present at `session` exactly `participants`; returns how many.

    Each must have an attendance of the session's activity (imported from its sheet):
    a person at a session attends the activity, and is counted once for it (counting
    rule 13). Else ValidationError saying how many are missing, and nothing is written.
    The attendance's own `attended` is the sheet's, left as it is."""
    wanted = {participant.pk for participant in participants}
    attendance = dict(
        Attendance.objects.filter(
            activity_id=session.activity_id, participant_id__in=wanted
        ).values_list("participant_id", "pk")
    )
    missing = wanted - set(attendance)
    if missing:
        raise ValidationError(
            {
                "participants": _(
                    "%(count)s of these persons have no attendance of this activity: import "
                    "them with its attendance sheet first."
                )
                % {"count": len(missing)}
            }
        )
    SessionAttendance.objects.filter(session=session).exclude(
        attendance_id__in=attendance.values()
    ).delete()
    present = set(
        SessionAttendance.objects.filter(session=session).values_list("attendance_id", flat=True)
    )
    SessionAttendance.objects.bulk_create(
        [
            SessionAttendance(session=session, attendance_id=attendance_id)
            for attendance_id in attendance.values()
            if attendance_id not in present
        ]
    )
    return len(attendance)
