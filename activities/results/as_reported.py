"""What was reported beside what the data says now: the selector of "as reported".

`as_reported(project)` reads, for each closed reporting period of the project (and each
closed programme-wide period), its latest snapshot, and gives per (indicator id, year,
quarter, part) the figure reported then: its value and qualifier, its target, when and
for which report, and the changes made since with their reasons (who, when, why, old →
new, from the audit history). The results page puts it beside the live cell
(templates/projects/includes/as_reported.html): "as reported on 12 March 2021: 5,600,
now: 5,640 — changes: …".

- A project's own period wins over a programme-wide one for the same cell.
- The changes of a period are those recorded with a reason after its snapshot was taken,
  to activities of the project (now or then, deleted ones included) dated in the
  period; a change cannot be pinned to one cell, so every cell of the period lists them.
- Queries: five, plus those of the history of each activity changed with a reason (few:
  a reason is asked only in a closed period).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from .. import audit, counting
from ..models import (
    Activity,
    BeneficiaryGroup,
    HistoricalActivity_projects,
    PeriodSnapshot,
    Project,
    ReportingPeriod,
    SnapshotFigure,
)

CellKey = tuple[int, int | None, int | None, str]  # (indicator id, year, quarter, part)


@dataclass(frozen=True)
class ReasonedChange:
    """A change recorded with its reason after a period closed."""

    activity_id: int
    activity_title: str
    subject: str  # "activity", or "beneficiary row 12: teachers, El Salvador"
    who: str
    when: datetime.datetime
    reason: str
    changes: tuple[audit.Change, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "activity": self.activity_id,
            "subject": self.subject,
            "who": self.who,
            "when": self.when.isoformat(),
            "reason": self.reason,
            "changes": [
                {"field": c.field, "label": c.label, "old": c.old, "new": c.new}
                for c in self.changes
            ],
        }


@dataclass
class Reported:
    """One figure as reported when a period closed (the shape of compute.Figure, and
    when, for which report, what has changed since)."""

    value: int | None
    qualifier: str
    target: int | None
    taken_at: datetime.datetime
    report: str
    period: ReportingPeriod
    changes: list[ReasonedChange] = field(default_factory=list)

    def text(self) -> str:
        """'at least 5,600', 'about 300', '12', '—': as a live figure says it."""
        from .compute import Figure

        return Figure(self.value, self.qualifier or "exact").text()

    def as_dict(self) -> dict[str, Any]:
        """For the API, beside a cell's live actual."""
        return {
            "value": self.value,
            "qualifier": self.qualifier or None,
            "text": self.text(),
            "target": self.target,
            "taken_at": self.taken_at.isoformat(),
            "report": self.report or None,
            "period": self.period.label,
            "changes_since": [change.as_dict() for change in self.changes],
        }


def latest_snapshots(project: Project) -> list[PeriodSnapshot]:
    """The latest snapshot of each closed period of the project, and of each closed
    programme-wide period; programme-wide first, so that the project's own win."""
    closed = ReportingPeriod.objects.filter(
        Q(project=project) | Q(project__isnull=True), is_closed=True
    ).values("pk")
    latest: dict[int, PeriodSnapshot] = {}
    for snapshot in (
        PeriodSnapshot.objects.filter(period__in=closed)
        .select_related("period", "period__project")
        .order_by("period_id", "taken_at", "pk")
    ):
        latest[snapshot.period_id] = snapshot
    return sorted(latest.values(), key=lambda s: (s.period.project_id is not None, s.taken_at))


def _activity_ids(project: Project) -> set[int]:
    """The project's activities, now or at any recorded time (deleted ones included)."""
    now = Activity.projects.through.objects.filter(project=project).values_list(
        "activity_id", flat=True
    )
    then = HistoricalActivity_projects.objects.filter(project=project).values_list(
        "activity_id", flat=True
    )
    return set(now) | set(then)


def reasoned_changes(
    snapshot: PeriodSnapshot, activity_ids: Iterable[int] | None
) -> list[ReasonedChange]:
    """The changes recorded with a reason since the snapshot, to activities dated in its
    period (of `activity_ids`; None: any activity), newest first."""
    period = snapshot.period
    since = snapshot.taken_at
    dated = Activity.history.filter(counting.overlapping(period.start_date, period.end_date))
    row_records = BeneficiaryGroup.history.filter(
        history_date__gt=since, history_change_reason__isnull=False
    )
    if activity_ids is not None:
        dated = dated.filter(id__in=list(activity_ids))
        row_records = row_records.filter(activity_id__in=list(activity_ids))
    candidates = set(
        dated.filter(history_date__gt=since, history_change_reason__isnull=False).values_list(
            "id", flat=True
        )
    ) | set(row_records.values_list("activity_id", flat=True))
    # Their latest title (a deleted activity's too), if they were ever dated in the period.
    titles = dict(
        dated.filter(id__in=candidates).order_by("history_date").values_list("id", "title")
    )
    reasoned = set(titles)
    changes = []
    for activity_id in sorted(reasoned):
        for entry in audit.activity_history(activity_id):
            if entry.reason and entry.when > snapshot.taken_at:
                changes.append(
                    ReasonedChange(
                        activity_id,
                        titles.get(activity_id, ""),
                        entry.subject,
                        entry.who,
                        entry.when,
                        entry.reason,
                        tuple(entry.changes),
                    )
                )
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes


def as_reported(project: Project) -> dict[CellKey, Reported]:
    """Per (indicator id, year, quarter, part), the figure reported when its period
    closed, with the reasoned changes since (module docstring)."""
    snapshots = latest_snapshots(project)
    if not snapshots:
        return {}
    activity_ids = _activity_ids(project)
    reported: dict[CellKey, Reported] = {}
    figures = SnapshotFigure.objects.filter(
        snapshot__in=snapshots, indicator__project=project
    ).order_by("pk")
    by_snapshot: dict[int, list[SnapshotFigure]] = {}
    for figure in figures:
        by_snapshot.setdefault(figure.snapshot_id, []).append(figure)
    for snapshot in snapshots:
        # The project's activities only, under a programme-wide period too: changes to
        # other projects' activities move none of its figures.
        changes = reasoned_changes(snapshot, activity_ids) if by_snapshot.get(snapshot.pk) else []
        for figure in by_snapshot.get(snapshot.pk, []):
            assert figure.indicator_id is not None  # indicator figures only
            key = (figure.indicator_id, figure.year, figure.quarter, figure.key)
            reported[key] = Reported(
                value=figure.value,
                qualifier=figure.qualifier,
                target=figure.target,
                taken_at=snapshot.taken_at,
                report=snapshot.report,
                period=snapshot.period,
                changes=changes,
            )
    return reported
