"""Bulk entry, matching and writing: each row's activity found (by reference, else by
id), compared with the sheet, checked against the user's scope; then every new and
changed row written, or none. The rules are in activities/bulk/__init__.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from .. import access, services
from ..models import Activity, BeneficiaryGroup, validate_geographic_scope
from ..models.precision import Qualifier
from .rows import (
    COLUMNS,
    READ_ONLY_COLUMNS,
    TEXT_FIELDS,
    Preview,
    Result,
    RowOutcome,
    RowReader,
    build_lookups,
    column_indexes,
    is_hashtag_row,
    read,
    read_row,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# --- Comparing with what is saved -----------------------------------------------------


def _saved_value(activity: Activity, name: str) -> Any:
    model_field = Activity._meta.get_field(name)
    if model_field.is_relation:
        return getattr(activity, model_field.attname)  # type: ignore[union-attr]
    return getattr(activity, name)


def _sheet_value(name: str, value: Any) -> Any:
    """A sheet's value as the activity's column holds it: a record by the field its
    foreign key points at (a kind by its code, a source document by its id)."""
    if not isinstance(value, Model):
        return value
    model_field = Activity._meta.get_field(name)
    target = getattr(model_field, "target_field", None)
    return getattr(value, target.attname) if target is not None else value.pk


def _same(activity: Activity, name: str, value: Any) -> bool:
    saved = _saved_value(activity, name)
    if name in TEXT_FIELDS:  # read with its spaces squeezed, as the sheet's cell is
        return " ".join(str(saved).split()) == value
    return _sheet_value(name, value) == saved


def _saved_participations(activity: Any) -> dict[str, Any] | None:
    if activity.participants_total is None:
        return None
    qualifier = {"at_least": Qualifier.MORE_THAN}.get(
        activity.participants_qualifier, activity.participants_qualifier
    )
    return {
        "total": activity.participants_total,
        "female": activity.participants_female,
        "male": activity.participants_male,
        "not_recorded": activity.participants_not_recorded,
        "qualifier": qualifier,
    }


def _compare(outcome: RowOutcome, activity: Any, rows: list[dict[str, Any]]) -> None:
    """Keep only what changes; the outcome is "update" or "unchanged"."""
    changed_fields = {
        name: value for name, value in outcome.fields.items() if not _same(activity, name, value)
    }
    saved_relations = {
        "countries": activity.countries.all(),
        "regions": activity.regions.all(),
        "themes": activity.themes.all(),
        "partners": activity.partners.all(),
    }
    changed_relations = {
        name: values
        for name, values in outcome.relations.items()
        if {value.pk for value in values} != {saved.pk for saved in saved_relations[name]}
    }
    outcome.changes = [*changed_fields, *changed_relations]
    wanted = outcome.participations
    if wanted is not None and wanted != _saved_participations(activity):
        typed = [row for row in rows if not row["from_attendance"]]
        if len(rows) > 1 or len(typed) != len(rows):
            outcome.errors.append(
                _(
                    "Row %(row)s: the activity has %(count)s beneficiary rows (by audience, "
                    "country or from attendance); the sheet's participations cannot replace "
                    "them. Change them on the activity's page, or copy its figures into the "
                    "sheet."
                )
                % {"row": outcome.number, "count": len(rows)}
            )
        else:
            kept = rows[0] if rows else {"id": None, "audience": None, "country": None, "note": ""}
            outcome.beneficiary_rows = [
                {
                    "id": kept["id"],
                    "audience": kept["audience"],
                    "country": kept["country"],
                    "note": kept["note"],
                    **wanted,
                }
            ]
            outcome.changes.append("participations")
    outcome.fields = changed_fields
    outcome.relations = changed_relations
    outcome.status = "update" if outcome.changes else "unchanged"


# --- The preview ----------------------------------------------------------------------


def preview(*, data: bytes, filename: str = "", by: User) -> Preview:
    """The outcome of every row; nothing is written."""
    seen, sheet = read(data, filename)
    if sheet is None:
        return seen
    index_of = column_indexes(sheet.headers, seen)
    if seen.errors:
        return seen
    lookups = build_lookups()
    rows = sheet.rows[1:] if sheet.rows and is_hashtag_row(sheet.rows[0][1]) else sheet.rows
    read_rows: list[RowReader] = []
    for number, cells in rows:
        row = RowReader(number, cells, sheet.headers, index_of)
        read_row(row, lookups)
        read_rows.append(row)
        seen.rows.append(row.outcome)
    _match(seen.rows, by=by)
    _check_scope(seen.rows, by=by)
    return seen


def _match(outcomes: list[RowOutcome], *, by: User) -> None:
    """Find each row's activity (by reference, else by id), compare it with the sheet."""
    references = {outcome.reference for outcome in outcomes if outcome.reference}
    ids = {outcome.activity_id for outcome in outcomes if outcome.activity_id}
    by_reference: dict[str, int] = {}
    for chunk in _chunks(sorted(references)):
        for reference, pk in Activity.objects.filter(reference__in=chunk).values_list(
            "reference", "pk"
        ):
            by_reference[str(reference)] = pk
    known_ids: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        known_ids.update(Activity.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    seen_keys: dict[str, int] = {}
    wanted: set[int] = set()
    for outcome in outcomes:
        key = outcome.reference or f"#{outcome.activity_id}"
        if key in seen_keys:
            outcome.errors.append(
                _("Row %(row)s: the same activity as row %(first)s (%(key)s).")
                % {"row": outcome.number, "first": seen_keys[key], "key": key}
            )
            continue
        seen_keys[key] = outcome.number
        matched = by_reference.get(outcome.reference) if outcome.reference else None
        if outcome.reference and matched is None and outcome.activity_id:
            outcome.errors.append(
                _("Row %(row)s: no activity has the reference “%(reference)s”, yet the row "
                  "gives the id %(id)s. References are not changed by an import: empty the "
                  "reference to update activity %(id)s, or the id to log a new one.")
                % {"row": outcome.number, "reference": outcome.reference,
                   "id": outcome.activity_id}
            )  # fmt: skip
            continue
        if matched is not None and outcome.activity_id and matched != outcome.activity_id:
            outcome.errors.append(
                _("Row %(row)s: the reference “%(reference)s” is activity %(other)s's, "
                  "not %(id)s's.")
                % {"row": outcome.number, "reference": outcome.reference,
                   "other": matched, "id": outcome.activity_id}
            )  # fmt: skip
            continue
        if matched is None and not outcome.reference and outcome.activity_id:
            if outcome.activity_id not in known_ids:
                outcome.errors.append(
                    _("Row %(row)s: there is no activity %(id)s that you may edit.")
                    % {"row": outcome.number, "id": outcome.activity_id}
                )
                continue
            matched = outcome.activity_id
        outcome.activity_id = matched
        if matched is not None:
            wanted.add(matched)
    visible, editable = _matched_activities(wanted, by=by)
    rows_of = _beneficiary_rows(set(visible))
    for outcome in outcomes:
        if outcome.activity_id is None or outcome.activity_id not in wanted:
            continue  # a new activity, or a row whose key is wrong (its errors say why)
        activity = visible.get(outcome.activity_id)
        if activity is None:
            if not outcome.errors:
                outcome.errors.append(_outside(outcome))
            continue
        outcome.activity = activity
        outcome.expected_version = activity.version
        if outcome.errors:
            continue
        _compare(outcome, activity, rows_of.get(activity.pk, []))
        # An activity the user reads but may not edit (a published one outside an
        # officer's scope, in the list's download) may come back unchanged, not changed.
        if outcome.status == "update" and activity.pk not in editable:
            outcome.errors.append(_outside(outcome))


def _outside(outcome: RowOutcome) -> str:
    return _("Row %(row)s: activity %(id)s is outside what you may edit.") % {
        "row": outcome.number,
        "id": outcome.activity_id,
    }


def _chunks(values: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _matched_activities(ids: set[int], *, by: User) -> tuple[dict[int, Any], set[int]]:
    """The matched activities the user may read, with their places, themes, partners
    and participations, and the ids of those they may edit: six queries per 500
    activities (the activities with their participations, one prefetch per relation,
    the editable ids)."""
    from ..selectors import with_participants

    found: dict[int, Any] = {}
    editable: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        matched = Activity.objects.filter(pk__in=chunk)
        activities = with_participants(
            access.filter_visible(matched, by).prefetch_related(
                "countries", "regions", "themes", "partners"
            )
        )
        found.update((activity.pk, activity) for activity in activities)
        editable.update(access.filter_editable(matched, by).values_list("pk", flat=True))
    return found, editable


def _beneficiary_rows(ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    rows: dict[int, list[dict[str, Any]]] = {}
    for chunk in _chunks(sorted(ids)):
        for row in (
            BeneficiaryGroup.objects.filter(activity_id__in=chunk)
            .select_related("audience", "country")
            .order_by("activity_id", "pk")
        ):
            rows.setdefault(row.activity_id, []).append(
                {
                    "id": row.pk,
                    "audience": row.audience,
                    "country": row.country,
                    "note": row.note,
                    "from_attendance": row.from_attendance,
                }
            )
    return rows


def _check_scope(outcomes: list[RowOutcome], *, by: User) -> None:
    """Every new or changed activity says where (a country or a region), within the
    user's scope; a beneficiary row's country fits the activity's places."""
    everything = access.edits_everything(by)
    allowed_countries: set[int] = set()
    allowed_regions: set[int] = set()
    if not everything:
        allowed_countries = set(access.scope_countries(by).values_list("pk", flat=True))
        allowed_regions = set(access.scope_regions(by).values_list("pk", flat=True))
    for outcome in outcomes:
        if outcome.errors:
            outcome.status = "error"
            continue
        if outcome.status == "unchanged":
            continue
        activity = outcome.activity
        countries = outcome.relations.get(
            "countries", list(activity.countries.all()) if activity else []
        )
        regions = outcome.relations.get("regions", list(activity.regions.all()) if activity else [])
        try:
            validate_geographic_scope(countries, regions)
        except ValidationError as error:
            outcome.errors.append(
                _("Row %(row)s: %(message)s")
                % {"row": outcome.number, "message": error.messages[0]}
            )
        if not everything:
            outside = [c.name for c in countries if c.pk not in allowed_countries] + [
                r.name for r in regions if r.pk not in allowed_regions
            ]
            if outside:
                outcome.errors.append(
                    _("Row %(row)s: %(places)s lie outside your scope.")
                    % {"row": outcome.number, "places": ", ".join(outside)}
                )
        for row in outcome.beneficiary_rows or []:
            for message in services.row_country_errors(
                row_countries=[row["country"]], countries=countries, regions=regions
            ):
                if message:
                    outcome.errors.append(
                        _("Row %(row)s: %(message)s") % {"row": outcome.number, "message": message}
                    )
        if outcome.errors:
            outcome.status = "error"


# --- Applying -------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, preview: Preview) -> None:
        super().__init__("refused")
        self.preview = preview


def apply(*, data: bytes, filename: str = "", by: User, publish: bool = False) -> Result:
    """Write every new and changed row, or none: the preview is made again inside the
    transaction, and any row a service refuses (a closed reporting period, an edit made
    meanwhile) rolls the whole import back, its message added to the row. New
    activities are drafts; published when `publish` and the user may publish."""
    publish = publish and access.can_publish(by)
    try:
        with transaction.atomic():
            seen = preview(data=data, filename=filename, by=by)
            if not seen.ok:
                return Result(preview=seen, applied=False)
            result = Result(preview=seen, applied=True)
            _create_all(seen, by=by, publish=publish, result=result)
            for outcome in seen.rows:
                try:
                    _apply_row(outcome, by=by, publish=publish, result=result)
                except (ValidationError, services.StaleVersion) as error:
                    messages = getattr(error, "messages", None) or [str(error)]
                    outcome.errors.extend(
                        _("Row %(row)s: %(message)s") % {"row": outcome.number, "message": m}
                        for m in messages
                    )
                    outcome.status = "error"
                    raise _Refused(seen) from error
    except _Refused as refused:
        return Result(preview=refused.preview, applied=False)
    return result


def _create_all(seen: Preview, *, by: User, publish: bool, result: Result) -> None:
    """The new rows, in one bulk write (services.activity_create_many)."""
    new = [outcome for outcome in seen.rows if outcome.status == "new"]
    if not new:
        return
    try:
        created = services.activity_create_many(
            items=[
                {
                    "fields": outcome.fields,
                    "relations": outcome.relations,
                    "reference": outcome.reference,
                    "beneficiary_rows": []
                    if outcome.participations is None
                    else [
                        {"audience": None, "country": None, "note": "", **outcome.participations}
                    ],
                }
                for outcome in new
            ],
            by=by,
            status=Activity.Status.PUBLISHED if publish else Activity.Status.DRAFT,
        )
    except ValidationError as error:
        seen.errors.extend(error.messages)
        raise _Refused(seen) from error
    for outcome, activity in zip(new, created, strict=True):
        outcome.activity_id = activity.pk
        result.created.append(activity.pk)
    if publish:
        result.published = len(created)


def _apply_row(outcome: RowOutcome, *, by: User, publish: bool, result: Result) -> None:
    if outcome.status == "update":
        assert outcome.activity is not None
        services.activity_update(
            activity=outcome.activity,
            expected_version=outcome.expected_version,
            fields=outcome.fields,
            relations=outcome.relations,
            beneficiary_rows=outcome.beneficiary_rows,
            by=by,
        )
        result.updated.append(outcome.activity.pk)


# --- The template ---------------------------------------------------------------------


def template_headers() -> list[str]:
    """The headers of an empty sheet: the download's, without the columns it writes only
    for reading."""
    return [column for column in COLUMNS if column not in READ_ONLY_COLUMNS]
