"""Importing an attendance sheet: preview every row's outcome, then confirm (atomic).

- `preview(...)` reads the sheet (activities/people/sheets.py), checks every row and
  says who each row is (activities/people/matching.py): a new person, the same as a
  known person, a possible match for the officer to confirm, or an error with its
  reason. It writes nothing.
- `confirm(...)` does the same inside one transaction and, when no row has an error,
  writes every row: new persons and attendance with bulk_create, attendance of persons
  already at the activity updated in place (one person attends an activity once), the
  import recorded with the digest of its rows, and the activity's tallies derived again
  (activities/people/tallies.py). Any error: nothing is written and the errors come back.
- The digest is the SHA-256 of the rows as read (not of the file's bytes), so the same
  sheet saved again by Excel, or as CSV rather than XLSX, is the same sheet: importing
  it a second time changes nothing and says when it was imported.
- A possible match is a new person unless `decisions` names one of its candidates:
  nothing is merged without the officer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Literal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import Activity, Attendance, AttendanceImport, Audience, Country, Participant
from . import matching, sheets, tallies
from .names import name_key

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Status = Literal["new", "same", "possible", "error"]
NEW = "new"


@dataclass
class RowOutcome:
    """One row of the sheet and who it is."""

    number: int
    status: Status
    row: sheets.CleanRow
    participant_id: int | None = None
    candidates: list[matching.Candidate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # For a possible match, what the officer decided: a candidate's id, or None (new).
    chosen: int | None = None
    country_names: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def country_name(self) -> str:
        return self.country_names.get(self.row.country_id or 0, "")

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.row.given_name, self.row.family_name) if part)


@dataclass
class Preview:
    """Every row's outcome, and what is wrong with the file or its columns."""

    filename: str
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header -> field
    unmapped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the file's or the columns'
    rows: list[RowOutcome] = field(default_factory=list)
    digest: str = ""
    already: AttendanceImport | None = None
    country_names: dict[int, str] = field(default_factory=dict)

    @property
    def row_errors(self) -> list[str]:
        return [message for outcome in self.rows for message in outcome.errors]

    @property
    def all_errors(self) -> list[str]:
        return [*self.errors, *self.row_errors]

    @property
    def ok(self) -> bool:
        return not self.errors and not any(outcome.errors for outcome in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"rows": len(self.rows), "new": 0, "same": 0, "possible": 0, "error": 0}
        for outcome in self.rows:
            counts[outcome.status] += 1
        return counts

    @property
    def already_message(self) -> str:
        if self.already is None:
            return ""
        return _("This sheet was already imported on %(date)s: nothing changed.") % {
            "date": date_format(timezone.localtime(self.already.imported_at), "j F Y H:i")
        }


@dataclass
class Result:
    """What confirm did: "imported", "already" (the same sheet before: nothing changed)
    or "refused" (errors: nothing written)."""

    status: Literal["imported", "already", "refused"]
    preview: Preview
    record: AttendanceImport | None = None
    created: int = 0
    matched: int = 0
    attendance_created: int = 0
    attendance_updated: int = 0


def _read(data: IO[bytes] | bytes) -> bytes:
    if isinstance(data, bytes):
        return data
    if hasattr(data, "seek"):
        data.seek(0)
    limit = sheets.limits()[0]
    return data.read(limit + 1)


def _digest(rows: list[sheets.CleanRow]) -> str:
    payload = json.dumps([row.normalized() for row in rows], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _decision(value: Any) -> int | str | None:
    """A decision as sent: a candidate's id, or "new"; anything else is kept as text."""
    if value in (None, "", NEW):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip().lstrip("#")
    return int(text) if text.isdigit() else str(value)


def preview(
    *,
    activity: Activity,
    file: IO[bytes] | bytes,
    filename: str = "",
    mapping: Mapping[str, str] | None = None,
    decisions: Mapping[str, Any] | None = None,
    by: User | None,
) -> Preview:
    """Every row's outcome, without writing anything."""
    result = Preview(filename=filename[:200])
    try:
        sheet = sheets.read_sheet(_read(file), filename)
    except sheets.SheetError as error:
        result.errors = error.messages
        return result
    columns = sheets.map_columns(sheet.headers, mapping)
    result.headers = sheet.headers
    result.mapping = {sheet.headers[i]: name for i, name in columns.field_of.items()}
    result.unmapped = columns.unmapped
    result.errors = columns.errors
    if columns.errors:
        return result
    lookups = sheets.build_lookups(Country.objects.all(), Audience.objects.all())
    result.country_names = lookups.country_names
    this_year = timezone.now().year
    rows = sheets.clean_rows(sheet, columns, lookups, this_year=this_year)
    result.digest = _digest(rows)
    if activity.pk is not None:
        result.already = AttendanceImport.objects.filter(
            activity=activity, digest=result.digest
        ).first()
    _repeats(rows)
    found = matching.match_rows([row for row in rows if not row.errors], activity_id=activity.pk)
    found_of = iter(found)
    decided = {str(key): _decision(value) for key, value in (decisions or {}).items()}
    for row in rows:
        if row.errors:
            result.rows.append(
                RowOutcome(
                    number=row.number,
                    status="error",
                    row=row,
                    errors=row.errors,
                    country_names=lookups.country_names,
                )
            )
            continue
        match = next(found_of)
        outcome = RowOutcome(
            number=row.number,
            status=match.kind,
            row=row,
            participant_id=match.participant_id,
            candidates=match.candidates,
            country_names=lookups.country_names,
        )
        choice = decided.get(str(row.number))
        if match.kind == "possible" and choice is not None:
            ids = {candidate.participant_id for candidate in match.candidates}
            if choice in ids:
                outcome.chosen = int(choice)
            else:
                outcome.status = "error"
                outcome.errors.append(
                    _("Row %(row)s: “%(choice)s” is not one of the persons proposed.")
                    % {"row": row.number, "choice": choice}
                )
        result.rows.append(outcome)
    _same_person_twice(result.rows)
    return result


def _same_person_twice(outcomes: list[RowOutcome]) -> None:
    """Two rows that would be one known person (as matched, or as the officer chose)."""
    first_of: dict[int, int] = {}
    for outcome in outcomes:
        pid = outcome.participant_id if outcome.status == "same" else outcome.chosen
        if pid is None:
            continue
        if pid in first_of:
            outcome.status = "error"
            outcome.errors.append(
                _("Row %(row)s: the same person (#%(id)s) as row %(first)s.")
                % {"row": outcome.number, "id": pid, "first": first_of[pid]}
            )
        else:
            first_of[pid] = outcome.number


def _repeats(rows: list[sheets.CleanRow]) -> None:
    """A person named twice in one sheet (same e-mail, or same name and country) is an
    error on the later row: one person attends an activity once."""
    first_of: dict[tuple[str, Any], int] = {}
    for row in rows:
        if row.errors:
            continue
        keys: list[tuple[str, Any]] = [("name", (row.name_key, row.country_id))]
        if row.email:
            keys.append(("email", row.email))
        for key in keys:
            if key in first_of:
                row.errors.append(
                    _(
                        "Row %(row)s: the same person as row %(first)s (same %(what)s). Keep "
                        "one row, or tell the two apart (e-mail, country)."
                    )
                    % {
                        "row": row.number,
                        "first": first_of[key],
                        "what": _("e-mail") if key[0] == "email" else _("name and country"),
                    }
                )
                break
        else:
            for key in keys:
                first_of[key] = row.number


_FILLED = ("birth_year", "age_band", "institution", "audience_id", "country_id", "email", "phone")


def confirm(
    *,
    activity: Activity,
    file: IO[bytes] | bytes,
    filename: str = "",
    mapping: Mapping[str, str] | None = None,
    decisions: Mapping[str, Any] | None = None,
    by: User | None,
    change_reason: str | None = None,
) -> Result:
    """Import every row, or none: see the module's docstring. The tallies it derives
    change the activity's figures: in a closed reporting period it needs
    `change_reason` (else results.periods.ReasonRequired, and nothing is imported)."""
    from ..services import reason_for_change

    with transaction.atomic():
        # One import at a time per activity: the row lock orders concurrent confirms.
        Activity.objects.select_for_update().filter(pk=activity.pk).first()
        reason = reason_for_change(activity, change_reason=change_reason)
        seen = preview(
            activity=activity,
            file=file,
            filename=filename,
            mapping=mapping,
            decisions=decisions,
            by=by,
        )
        if seen.already is not None:
            return Result(status="already", preview=seen, record=seen.already)
        if not seen.ok:
            return Result(status="refused", preview=seen)
        try:
            with transaction.atomic():
                return _write(activity=activity, seen=seen, by=by, change_reason=reason)
        except IntegrityError:
            # The same sheet, confirmed at the same moment by another request, won the
            # race (unique activity and digest): nothing of this one was written.
            seen.already = AttendanceImport.objects.filter(
                activity=activity, digest=seen.digest
            ).first()
            if seen.already is None:
                raise
            return Result(status="already", preview=seen, record=seen.already)


def _write(
    *, activity: Activity, seen: Preview, by: User | None, change_reason: str | None
) -> Result:
    record = AttendanceImport.objects.create(
        activity=activity,
        digest=seen.digest,
        filename=seen.filename,
        rows=len(seen.rows),
        imported_by=by,
    )
    person_of: dict[int, int] = {}  # row number -> participant id
    fresh: list[sheets.CleanRow] = []
    known: dict[int, sheets.CleanRow] = {}
    for outcome in seen.rows:
        pid = outcome.participant_id if outcome.status == "same" else outcome.chosen
        if pid is not None:
            person_of[outcome.number] = pid
            known[pid] = outcome.row
        else:
            fresh.append(outcome.row)
    created = _insert_participants(fresh, by=by)
    for row, pk in zip(fresh, created, strict=True):
        person_of[row.number] = pk
    _fill_blanks(known)

    existing = (
        {
            attendance.participant_id: attendance
            for attendance in Attendance.objects.filter(activity=activity)
        }
        if known
        else {}
    )
    new_attendance: list[tuple[int, sheets.CleanRow]] = []
    changed: list[Attendance] = []
    fields = ("attended", "completed", "pre_score", "post_score")
    for outcome in seen.rows:
        row, pid = outcome.row, person_of[outcome.number]
        if pid in existing:
            attendance = existing[pid]
            values = {name: getattr(row, name) for name in fields}
            if any(getattr(attendance, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(attendance, name, value)
                attendance.imported_by = record
                changed.append(attendance)
        else:
            new_attendance.append((pid, row))
    _insert_attendance(new_attendance, activity=activity, record=record)
    if changed:
        Attendance.objects.bulk_update(changed, [*fields, "imported_by"], batch_size=2000)
    record.created = len(created)
    record.matched = len(seen.rows) - len(created)
    AttendanceImport.objects.filter(pk=record.pk).update(
        created=record.created, matched=record.matched
    )
    tallies.sync_tallies(activity=activity, by=by, change_reason=change_reason)
    return Result(
        status="imported",
        preview=seen,
        record=record,
        created=record.created,
        matched=record.matched,
        attendance_created=len(new_attendance),
        attendance_updated=len(changed),
    )


# --- Bulk inserts ----------------------------------------------------------------------
# Multi-row INSERTs written here rather than bulk_create: Django's per-field compilation
# took three quarters of a 50,000-row import (12 of 16 s in bulk_create, 1.3 s in the
# database). The columns are the model's own (from its _meta, so a renamed field fails
# loudly); the answer-cache triggers see these writes as any other.

_PARTICIPANT_FIELDS = (
    "given_name", "family_name", "sex", "birth_year", "age_band", "institution",
    "audience", "country", "email", "phone", "name_key", "merged_into", "erased_at",
    "is_synthetic", "created_at", "created_by",
)  # fmt: skip
_ATTENDANCE_FIELDS = (
    "activity", "participant", "attended", "completed", "pre_score", "post_score",
    "imported_by",
)  # fmt: skip


def _insert(
    model: Any, names: tuple[str, ...], rows: list[tuple[Any, ...]], *, ids: bool
) -> list[int]:
    """INSERT the rows (values in the order of `names`), in batches; their new ids, in
    order, when `ids` (RETURNING, as bulk_create does on SQLite and PostgreSQL)."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    columns = ", ".join(quote(field.column) for field in fields)
    returning = f" RETURNING {quote(model._meta.pk.column)}" if ids else ""
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        # One array a column (as Django's own bulk_create on PostgreSQL): a statement of
        # a few parameters, however many rows. A VALUES list of 16,000 placeholders cost
        # psycopg more to parse than PostgreSQL to insert (12 of a 30 s import).
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
        by_column = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}){returning}"
        batch = 5000

        def statement(chunk: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
            return by_column, [list(column) for column in zip(*chunk, strict=True)]

    else:
        per_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        limit = connection.features.max_query_params or 30000
        batch = max(1, min(1000, limit // len(fields)))

        def statement(chunk: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
            values = ", ".join([per_row] * len(chunk))
            sql = f"INSERT INTO {table} ({columns}) VALUES {values}{returning}"
            return sql, [value for row in chunk for value in row]

    new_ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.execute(*statement(rows[start : start + batch]))
            if ids:
                new_ids.extend(int(found[0]) for found in cursor.fetchall())
    return new_ids


def _insert_participants(rows: list[sheets.CleanRow], *, by: User | None) -> list[int]:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    by_id = by.pk if by is not None else None
    values = [
        (
            r.given_name, r.family_name, r.sex, r.birth_year, r.age_band, r.institution,
            r.audience_id, r.country_id, r.email, r.phone,
            r.name_key or name_key(r.given_name, r.family_name), None, None, False, now, by_id,
        )
        for r in rows
    ]  # fmt: skip
    return _insert(Participant, _PARTICIPANT_FIELDS, values, ids=True)


def _insert_attendance(
    rows: list[tuple[int, sheets.CleanRow]], *, activity: Activity, record: AttendanceImport
) -> None:
    adapt = connection.ops.adapt_decimalfield_value

    def score(value: Any) -> Any:
        return None if value is None else adapt(value, 5, 2)

    values = [
        (
            activity.pk, pid, r.attended, r.completed, score(r.pre_score), score(r.post_score),
            record.pk,
        )
        for pid, r in rows
    ]  # fmt: skip
    _insert(Attendance, _ATTENDANCE_FIELDS, values, ids=False)


def _fill_blanks(known: dict[int, sheets.CleanRow]) -> None:
    """A known person's empty fields take the sheet's values; nothing is overwritten
    (a sheet is not the authority on a person already recorded)."""
    if not known:
        return
    updates: dict[int, dict[str, Any]] = {}
    ids = list(known)
    for start in range(0, len(ids), matching.CHUNK):
        stored = Participant.objects.filter(pk__in=ids[start : start + matching.CHUNK])
        for pk, sex, *values in stored.values_list("pk", "sex", *_FILLED):
            row = known[pk]
            update = {
                name: getattr(row, name)
                for name, value in zip(_FILLED, values, strict=True)
                if value in (None, "") and getattr(row, name) not in (None, "")
            }
            if sex == "not_recorded" and row.sex != "not_recorded":
                update["sex"] = row.sex
            if update:
                updates[pk] = update
    if not updates:
        return
    changed = list(Participant.objects.in_bulk(list(updates)).values())
    names: set[str] = set()
    for person in changed:
        for name, value in updates[person.pk].items():
            setattr(person, name, value)
            names.add(name.removesuffix("_id"))
    Participant.objects.bulk_update(changed, sorted(names), batch_size=2000)


def template_rows(language: str) -> list[str]:
    """The template's headers in `language` (English when it is not offered)."""
    headers = sheets.TEMPLATE_HEADERS.get(language[:2], sheets.TEMPLATE_HEADERS["en"])
    return [headers[name] for name in sheets.FIELDS]
