"""Reporting periods that close: the rule, and the manager's two acts.

- A period is closed by a manager (the `close_period` permission) for a report: closing
  sets `is_closed`, records a PeriodEvent and freezes a PeriodSnapshot of every indicator
  value and headline figure for it (snapshots.py). A snapshot is never changed
  afterwards: no service here or elsewhere updates or deletes one, and closing again
  after a reopen takes a new snapshot beside the old.
- Reopening is a manager's act too, recorded as a PeriodEvent with its note.
- The rule for writers: a change to an activity dated in a closed period needs a reason.
  "Dated in" is counting's period overlap (rule 5) between the activity's start..end and
  the period's; the period counts when it is programme-wide (no project) or of a project
  the activity belongs to. The services (activities/services.py) check it before they
  write, for the dates and projects the activity had and those it gets, so moving an
  activity into or out of a closed period needs a reason as well. The reason is stored
  on the audit history records of the write (`history_change_reason`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access, counting
from ..models import Activity, PeriodEvent, PeriodSnapshot, Project, ReportingPeriod

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

#: The field of a form or a request body (and the key of the API's 400) for the reason.
REASON_FIELD = "change_reason"
#: The API's header for it (percent-encoded UTF-8 when it is not ASCII).
REASON_HEADER = "X-Change-Reason"


class ReasonRequired(ValidationError):
    """A write to an activity dated in a closed period came without a reason."""

    def __init__(self, periods: Sequence[ReportingPeriod]) -> None:
        super().__init__({REASON_FIELD: [reason_message(periods)]})
        self.periods = list(periods)


def describe(period: ReportingPeriod) -> str:
    """'2020 (programme-wide), closed for E/CN.15/2021/8'."""
    whose = period.project.code if period.project is not None else _("programme-wide")
    if period.report:
        return _("%(label)s (%(whose)s), closed for %(report)s") % {
            "label": period.label,
            "whose": whose,
            "report": period.report,
        }
    return _("%(label)s (%(whose)s), closed") % {"label": period.label, "whose": whose}


def reason_message(periods: Sequence[ReportingPeriod]) -> str:
    """The message that names the closed periods and asks for the reason."""
    return _(
        "This activity lies in a closed reporting period: %(periods)s. Its figures were "
        "reported; give the reason for changing a reported figure."
    ) % {"periods": "; ".join(describe(period) for period in periods)}


def closed_periods_over(
    spans: Iterable[tuple[datetime.date, datetime.date]], project_ids: Iterable[int]
) -> list[ReportingPeriod]:
    """The closed periods that overlap any of `spans` and are programme-wide or of one of
    `project_ids` (one query)."""
    dated = Q()
    for start, end in spans:
        dated |= counting.overlapping(start, end)
    if not dated:
        return []
    projects = Q(project__isnull=True) | Q(project_id__in=list(project_ids))
    return list(
        ReportingPeriod.objects.filter(dated, projects, is_closed=True)
        .select_related("project")
        .order_by("start_date", "project__code")
    )


def closed_periods_of(activity: Activity) -> list[ReportingPeriod]:
    """The closed periods the saved activity lies in, with the dates the instance holds
    and the projects it has in the database (one query)."""
    if activity.pk is None:
        return []
    its_projects = Activity.projects.through.objects.filter(activity_id=activity.pk).values(
        "project_id"
    )
    return list(
        ReportingPeriod.objects.filter(
            counting.overlapping(activity.start_date, activity.end_date),
            Q(project__isnull=True) | Q(project_id__in=its_projects),
            is_closed=True,
        )
        .select_related("project")
        .order_by("start_date", "project__code")
    )


def require_reason(periods: Sequence[ReportingPeriod], reason: str | None) -> str | None:
    """The reason, stripped (None when empty); ReasonRequired when `periods` is not empty
    and there is none."""
    reason = (reason or "").strip() or None
    if periods and reason is None:
        raise ReasonRequired(periods)
    return reason


def _check_manager(user: User | AnonymousUser | None) -> None:
    if not access.can_close_periods(user):
        raise PermissionDenied(_("Only a programme manager closes and reopens periods."))


@transaction.atomic
def create_period(
    *,
    project: Project | None,
    label: str,
    start_date: datetime.date,
    end_date: datetime.date,
    user: User,
) -> ReportingPeriod:
    """A new, open reporting period of the project (None: programme-wide)."""
    _check_manager(user)
    errors = {}
    if end_date < start_date:
        errors["end_date"] = _("The end is before the start.")
    same = ReportingPeriod.objects.filter(project=project, start_date=start_date, end_date=end_date)
    if not errors and same.exists():
        errors["start_date"] = _("There is a period with these dates already.")
    if errors:
        raise ValidationError(errors)
    return ReportingPeriod.objects.create(
        project=project, label=label.strip(), start_date=start_date, end_date=end_date
    )


@transaction.atomic
def close_period(
    period: ReportingPeriod, *, user: User, report: str, note: str = ""
) -> PeriodSnapshot:
    """Close the period for `report` and freeze what it reports (snapshots.freeze).

    ValidationError when it is closed already; PermissionDenied for anyone but a manager.
    """
    from .snapshots import freeze

    _check_manager(user)
    period = (
        ReportingPeriod.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=period.pk)
    )
    if period.is_closed:
        raise ValidationError(_("%(period)s is closed already.") % {"period": period.label})
    report = report.strip()
    now = timezone.now()
    # The figures first, at the data version they are read at; then the writes.
    snapshot = freeze(period, user=user, report=report, note=note, taken_at=now)
    period.is_closed = True
    period.report = report
    period.save(update_fields=["is_closed", "report"])
    PeriodEvent.objects.create(
        period=period, action=PeriodEvent.Action.CLOSE, at=now, by=user, report=report, note=note
    )
    return snapshot


@transaction.atomic
def reopen_period(period: ReportingPeriod, *, user: User, note: str) -> PeriodEvent:
    """Reopen a closed period; its snapshots stay as they were."""
    _check_manager(user)
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if not period.is_closed:
        raise ValidationError(_("%(period)s is not closed.") % {"period": period.label})
    period.is_closed = False
    period.save(update_fields=["is_closed"])
    return PeriodEvent.objects.create(
        period=period,
        action=PeriodEvent.Action.REOPEN,
        at=timezone.now(),
        by=user,
        report=period.report,
        note=note,
    )
