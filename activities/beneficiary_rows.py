"""Writing an activity's beneficiary rows, in bulk, each with its audit history.

Called by activities/services.py inside its transaction (the services check the row
limit and refresh attribution after). A thousand rows are a few statements, not a
thousand saves: one INSERT, one UPDATE and one DELETE, with their history records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import router
from django.db.models import Model
from django.db.models.deletion import Collector
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import Activity, BeneficiaryGroup

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The fields of a row a write may set (the total is derived, the place attributed).
BENEFICIARY_FIELDS = ("audience", "country", "female", "male", "not_recorded", "qualifier", "note")
# django-simple-history reads an attribute the models do not declare: the author of the
# next history record.
_HISTORY_USER = "_history_user"
# ... and the reason of its next history record (`history_change_reason`).
_CHANGE_REASON = "_change_reason"


def authored_by(instance: Model, by: User | None) -> None:
    """The next history record of `instance` names `by` as its author."""
    setattr(instance, _HISTORY_USER, by)


# A row's references are checked by the form or serializer that resolved them, its
# constraints by the database: validating them again per row costs queries per row.
_ROW_REFERENCES = ["activity", "audience", "country", "place_country", "place_region"]


def replace_rows(
    *,
    activity: Activity,
    rows: Sequence[Mapping[str, Any]],
    by: User | None,
    change_reason: str | None = None,
) -> None:
    """Make the activity's beneficiary rows exactly `rows`.

    A row with an "id" updates that row (saved only if a value changed, so the history
    shows real changes such as "not recorded 650 → 660"); a row without one is created;
    an existing row left out is deleted. Each save or delete leaves its audit entry,
    authored by `by`, with `change_reason` (a write in a closed reporting period: see
    activities/results/periods.py). Rows are written in bulk: one INSERT for the new
    rows, one UPDATE for the changed ones, one DELETE, and their history records in
    bulk (the deletions' one per row, as django-simple-history writes them).
    """
    # With their audience and country: comparing a row's values reads them.
    existing = {
        row.pk: row
        for row in BeneficiaryGroup.objects.filter(activity=activity).select_related(
            "audience", "country"
        )
    }
    ensure_history_baseline(activity=activity, rows=list(existing.values()))
    kept: set[int] = set()
    created: list[BeneficiaryGroup] = []
    changed: list[BeneficiaryGroup] = []
    changed_fields: set[str] = set()
    for data in rows:
        values = {name: data[name] for name in BENEFICIARY_FIELDS if name in data}
        for count in ("female", "male", "not_recorded"):
            values[count] = values.get(count) or 0
        values["qualifier"] = values.get("qualifier") or "exact"
        values["note"] = values.get("note") or ""
        values["total"] = values["female"] + values["male"] + values["not_recorded"]
        row_id = data.get("id")
        row = existing.get(row_id) if row_id is not None else None
        if row_id is not None and row is None:
            raise ValueError(f"Beneficiary row {row_id} is not a row of activity {activity.pk}")
        if row is None:
            row = BeneficiaryGroup(activity=activity, **values)
            created.append(row)
        else:
            kept.add(row.pk)
            names = [name for name, value in values.items() if getattr(row, name) != value]
            if not names:
                continue
            for name in names:
                setattr(row, name, values[name])
            changed.append(row)
            changed_fields.update(names)
        authored_by(row, by)
        row.full_clean(exclude=_ROW_REFERENCES, validate_unique=False, validate_constraints=False)
    if created:
        bulk_create_with_history(
            created, BeneficiaryGroup, default_user=by, default_change_reason=change_reason
        )
    if changed:
        bulk_update_with_history(
            changed,
            BeneficiaryGroup,
            sorted(changed_fields),
            default_user=by,
            default_change_reason=change_reason,
        )
    removed = [row for row_id, row in existing.items() if row_id not in kept]
    for row in removed:
        authored_by(row, by)
        setattr(row, _CHANGE_REASON, change_reason)
    if removed:
        # One DELETE; simple-history writes each row's "deleted" record from post_delete.
        collector = Collector(using=router.db_for_write(BeneficiaryGroup))
        collector.collect(removed)
        collector.delete()


def ensure_history_baseline(*, activity: Activity, rows: list[BeneficiaryGroup]) -> None:
    """Rows loaded in bulk (the seed, imports, synthetic data) have no history record;
    give them one, as they were, before their first change, so that the history can say
    "650 → 660" rather than "→ 660". Dated when the activity was created, by nobody."""
    if not rows:
        return
    recorded = set(
        BeneficiaryGroup.history.filter(id__in=[row.pk for row in rows])
        .values_list("id", flat=True)
        .distinct()
    )
    missing = [row for row in rows if row.pk not in recorded]
    if missing:
        BeneficiaryGroup.history.bulk_history_create(missing, default_date=activity.created_at)
