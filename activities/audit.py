"""The audit history of an activity, in words: who, when, what changed (old → new).

Built from django-simple-history's records of Activity and BeneficiaryGroup (the
HistoryRequestMiddleware and the services record the user). Used by the history tab, the
form's conflict message and the API (`/api/v1/activities/<id>/history/`).

- Entries are newest first. An activity entry lists its changed fields, with the
  countries, regions, themes and partners compared as sets; a beneficiary row entry says
  which row ("row 12: teachers, El Salvador") and its changed counts
  ("not recorded 650 → 660").
- Derived fields (version, scope region, places) are left out: they change with every
  write and say nothing a person did.
- A record written without a user (the seed, an import, a shell) is shown as "system".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import ForeignKey

from .models import Activity, BeneficiaryGroup

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
EXCLUDED = {"version", "id", "activity"}
M2M_TARGETS = {
    "countries": "country",
    "regions": "region",
    "themes": "theme",
    "partners": "partner",
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

    def as_dict(self) -> dict:
        return {
            "when": self.when.isoformat(),
            "who": self.who,
            "action": self.action,
            "subject": self.subject,
            "version": self.version,
            "beneficiary_row": self.row_id,
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


ROW_FIELDS = ["audience", "country", "female", "male", "not_recorded", "total", "qualifier", "note"]


def _row_subject(record) -> str:
    audience = record.audience.name if record.audience_id else "people"
    place = f", {record.country.name}" if record.country_id else ""
    return f"beneficiary row {record.id}: {audience}{place}"


def _fk_name(record, name: str) -> str:
    return str(getattr(record, name)) if getattr(record, f"{name}_id") else "—"


def activity_history(activity_id: int) -> list[Entry]:
    """Every recorded create, change and delete of the activity and its rows."""
    entries: list[Entry] = []
    records = list(
        Activity.history.filter(id=activity_id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
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
            Entry(record.history_date, _who(record), action, "activity", changes, record.version)
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
            )
        )
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
