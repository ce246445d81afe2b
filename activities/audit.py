"""The audit history of an activity, in words: who, when, what changed (old → new).

Built from django-simple-history's records of Activity and BeneficiaryGroup (the
HistoryRequestMiddleware and the services record the user). Used by the history tab, the
form's conflict message and the API (`/api/v1/activities/<id>/history/`).

- Entries are newest first. An activity entry lists its changed fields, every
  many-to-many link included (countries, regions, themes, partners, languages,
  audiences, mentors, mandates, donors, projects), compared as sets; a beneficiary row
  entry says which row ("row 12: teachers, El Salvador") and its changed counts
  ("not recorded 650 → 660").
- A change made while a reporting period the activity lies in was closed
  (activities/results/periods.py) carries its reason ("Reason: …") and names the closed
  periods: "made while 2020 (programme-wide) was closed".
- Derived fields (version, scope region, places) are left out: they change with every
  write and say nothing a person did.
- An evidence file's upload, changes (kind, description, public or not) and deletion are
  entries too ("evidence file 3: agenda.pdf"), for those who may read the activity's
  private files (`with_evidence`): to others, a private file does not exist.
- A record written without a user (the seed, an import, a shell) is shown as "system".
"""

from __future__ import annotations

import bisect
import datetime
from dataclasses import dataclass, field

from django.db.models import ForeignKey, Q

from . import counting
from .models import (
    Activity,
    BeneficiaryGroup,
    EvidenceFile,
    HistoricalActivity_projects,
    PeriodEvent,
    ReportingPeriod,
)

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# `submitted_at` is the time of the entry that submits: said once, by the entry.
EXCLUDED = {"version", "id", "activity", "submitted_at"}
# Every many-to-many link of an activity that its history records (Activity.history's
# m2m_fields), by field name: the name of the linked record on its through row.
M2M_TARGETS = {
    "countries": "country",
    "regions": "region",
    "themes": "theme",
    "partners": "partner",
    "languages": "language",
    "audiences": "audience",
    "mentors": "mentor",
    "mandates": "mandate",
    "donors": "donor",
    "projects": "project",
}


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass
class Entry:
    when: datetime.datetime
    who: str
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)
    version: int | None = None
    row_id: int | None = None
    # The reason given for a change in a closed reporting period, and the periods (their
    # labels) that were closed when it was made.
    reason: str | None = None
    closed_periods: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "when": self.when.isoformat(),
            "who": self.who,
            "action": self.action,
            "subject": self.subject,
            "version": self.version,
            "beneficiary_row": self.row_id,
            "reason": self.reason,
            "closed_periods": list(self.closed_periods),
            "changes": [
                {"field": c.field, "label": c.label, "old": c.old, "new": c.new}
                for c in self.changes
            ],
        }


def _who(record) -> str:
    user = record.history_user
    return user.get_username() if user is not None else "system"


def _shown(model, name: str, value) -> str:
    if value is None or value == "":
        return "—"
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _m2m_names(rows, target: str) -> list[str]:
    return sorted(str(row[target]) for row in rows)


def _diff(model, new_record, old_record) -> list[Change]:
    delta = new_record.diff_against(
        old_record, excluded_fields=EXCLUDED, foreign_keys_are_objs=True
    )
    changes = []
    for change in delta.changes:
        if change.field in M2M_TARGETS:
            target = M2M_TARGETS[change.field]
            old_names = set(_m2m_names(change.old, target))
            new_names = set(_m2m_names(change.new, target))
            if old_names == new_names:
                continue
            changes.append(
                Change(
                    change.field,
                    _label(model, change.field),
                    ", ".join(sorted(old_names)) or "—",
                    ", ".join(sorted(new_names)) or "—",
                )
            )
            continue
        model_field = model._meta.get_field(change.field)
        old, new = change.old, change.new
        if not isinstance(model_field, ForeignKey):
            old, new = _shown(model, change.field, old), _shown(model, change.field, new)
        else:
            old = "—" if old is None else str(old)
            new = "—" if new is None else str(new)
        changes.append(Change(change.field, _label(model, change.field), old, new))
    return changes


def _initial(model, record, names) -> list[Change]:
    """What a created (or deleted) record held, as changes from or to nothing."""
    changes = []
    for name in names:
        value = getattr(record, name)
        if value in (None, "", 0):
            continue
        changes.append(Change(name, _label(model, name), "—", _shown(model, name, value)))
    return changes


class ClosedPeriods:
    """Which reporting periods an activity lay in, closed, at each moment of its history.

    A period counts when it is programme-wide or of a project the activity belongs (or
    belonged) to, and overlaps the activity's dates as they were then; it was closed at
    a moment when its last event before it was a close. One query, two when any period
    is found, however long the history.
    """

    def __init__(self, activity_id: int, records: list) -> None:
        self.dated = [(r.history_date, r.start_date, r.end_date) for r in records]
        self.times = [when for when, _start, _end in self.dated]
        spans = Q()
        for _when, start, end in self.dated:
            spans |= counting.overlapping(start, end)
        self.periods: list[ReportingPeriod] = []
        self.events: dict[int, list[tuple[datetime.datetime, str]]] = {}
        if not self.dated:
            return
        projects = HistoricalActivity_projects.objects.filter(history__id=activity_id).values(
            "project_id"
        )
        self.periods = list(
            ReportingPeriod.objects.filter(spans)
            .filter(Q(project__isnull=True) | Q(project_id__in=projects))
            .select_related("project")
        )
        for event in PeriodEvent.objects.filter(period__in=self.periods).order_by("at", "pk"):
            self.events.setdefault(event.period_id, []).append((event.at, event.action))

    def at(self, when: datetime.datetime) -> list[str]:
        """The periods closed at `when` that the activity then lay in, as "2020
        (programme-wide)" or "2020 (GLOT-CYB)"."""
        if not self.periods:
            return []
        index = bisect.bisect_right(self.times, when) - 1
        if index < 0:
            return []
        _then, start, end = self.dated[index]
        closed = []
        for period in self.periods:
            if not (period.start_date <= end and start <= period.end_date):
                continue
            before = [action for at, action in self.events.get(period.pk, []) if at <= when]
            if before and before[-1] == PeriodEvent.Action.CLOSE:
                whose = period.project.code if period.project is not None else "programme-wide"
                closed.append(f"{period.label} ({whose})")
        return closed


ROW_FIELDS = ["audience", "country", "female", "male", "not_recorded", "total", "qualifier", "note"]


def _row_subject(record) -> str:
    audience = record.audience.name if record.audience_id else "people"
    place = f", {record.country.name}" if record.country_id else ""
    return f"beneficiary row {record.id}: {audience}{place}"


def _fk_name(record, name: str) -> str:
    return str(getattr(record, name)) if getattr(record, f"{name}_id") else "—"


EVIDENCE_FIELDS = ["kind", "content_type", "size", "is_public", "description"]
EVIDENCE_EXCLUDED = {"id", "activity", "file", "sha256", "uploaded_by", "uploaded_at"}


def _evidence_entries(activity_id: int, closed: ClosedPeriods) -> list[Entry]:
    """Uploads, changes and deletions of the activity's evidence files (one query)."""
    entries = []
    last_of_file: dict[int, object] = {}
    records = (
        EvidenceFile.history.filter(activity_id=activity_id)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    for record in records:
        before = last_of_file.get(record.id)
        if before is None or record.history_type == "+":
            changes = _initial(EvidenceFile, record, EVIDENCE_FIELDS)
        elif record.history_type == "-":
            changes = []
        else:
            delta = record.diff_against(before, excluded_fields=EVIDENCE_EXCLUDED)
            changes = [
                Change(
                    c.field,
                    _label(EvidenceFile, c.field),
                    _shown(EvidenceFile, c.field, c.old),
                    _shown(EvidenceFile, c.field, c.new),
                )
                for c in delta.changes
            ]
        last_of_file[record.id] = record
        if record.history_type == "~" and not changes:
            continue
        entries.append(
            Entry(
                record.history_date,
                _who(record),
                ACTIONS[record.history_type],
                f"evidence file {record.id}: {record.original_name}",
                changes,
                closed_periods=closed.at(record.history_date),
            )
        )
    return entries


def activity_history(activity_id: int, *, with_evidence: bool = True) -> list[Entry]:
    """Every recorded create, change and delete of the activity and its rows (and, with
    `with_evidence`, of its evidence files)."""
    entries: list[Entry] = []
    records = list(
        Activity.history.filter(id=activity_id)
        # The kind and modality rows, for their labels (no query per record).
        .select_related("history_user", "kind", "modality")
        .order_by("history_date", "history_id")
    )
    closed = ClosedPeriods(activity_id, records)
    previous = None
    for record in records:
        action = ACTIONS[record.history_type]
        if previous is None or record.history_type == "+":
            changes = _initial(Activity, record, ["title", "kind", "status"])
        elif record.history_type == "-":
            changes = []
        else:
            changes = _diff(Activity, record, previous)
        if record.history_type == "~" and not changes:
            previous = record
            continue
        entries.append(
            Entry(
                record.history_date,
                _who(record),
                action,
                "activity",
                changes,
                record.version,
                reason=record.history_change_reason or None,
                closed_periods=closed.at(record.history_date),
            )
        )
        previous = record

    rows = list(
        BeneficiaryGroup.history.filter(activity_id=activity_id)
        .select_related("history_user", "audience", "country")
        .order_by("id", "history_date", "history_id")
    )
    last_of_row: dict[int, object] = {}
    for record in rows:
        before = last_of_row.get(record.id)
        if before is None or record.history_type == "+":
            changes = _initial(BeneficiaryGroup, record, ROW_FIELDS)
            for change in changes:
                if change.field in {"audience", "country"}:
                    object.__setattr__(change, "new", _fk_name(record, change.field))
        elif record.history_type == "-":
            changes = []
        else:
            changes = _diff(BeneficiaryGroup, record, before)
        last_of_row[record.id] = record
        if record.history_type == "~" and not changes:
            continue
        entries.append(
            Entry(
                record.history_date,
                _who(record),
                ACTIONS[record.history_type],
                _row_subject(record),
                changes,
                row_id=record.id,
                reason=record.history_change_reason or None,
                closed_periods=closed.at(record.history_date),
            )
        )
    if with_evidence:
        entries.extend(_evidence_entries(activity_id, closed))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def changes_since(activity_id: int, version: int) -> list[Entry]:
    """What others recorded after the writer loaded `version` (the conflict message):
    every entry from the first write that moved the activity past that version."""
    first_later = (
        Activity.history.filter(id=activity_id, version__gt=version)
        .order_by("history_date", "history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    if first_later is None:
        return []
    return [entry for entry in activity_history(activity_id) if entry.when >= first_later]
