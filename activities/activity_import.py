"""Bulk entry: many activities from one sheet with the columns of the list's download.

The sheet (CSV or XLSX) has the headers of exports.COLUMNS, so the list's own download
comes back as it went out. It is read by the attendance sheets' reader
(people/sheets.py, with this import's limits: ACTIVITY_IMPORT_MAX_FILE_BYTES, _ROWS,
_COLUMNS): formulas, merged cells, old .xls files and unreadable text are refused there.

The rules, in plain words:
- A row is an activity, found by its `reference` (the key that makes a row import once),
  else, when the reference cell is empty, by the download's `id`. A row with neither is
  an error: a new activity needs a reference, or a second import would log it twice.
- Each row's outcome: new, update (the columns that change are listed), unchanged, or
  error (every reason, with the row and the column). Apply writes every row or none.
- Only the columns present are read: a sheet without a `modality` column leaves the
  modality as it is. `period`, `participations_label`, `status` and `url` are written by
  the download and never read back; new activities are drafts (a manager may choose to
  publish them), and the status of an existing one is never changed by an import.
- Places, themes, partners, the source document, the kind, the modality and the date
  precision are found by code or by name (in English, French or Spanish for the choices).
  When both `countries` and `country_codes` are filled they must name the same countries
  (likewise regions).
- Participations: the download's columns are the sum of an activity's beneficiary rows.
  A new activity gets one row (no audience, not split by country) with them. An existing
  activity's figures change only when it has at most one beneficiary row typed by hand
  (its audience, country and note are kept); one with several rows, or with figures
  derived from attendance, is an error when the sheet gives other figures. Empty
  participation cells, or figures shown hidden ("<5", as the download shows small
  figures resting on named people to some readers), leave the figures as they are. When
  only the total is given, the people are counted as "sex not recorded".
- Validation is the services' own (period_errors, sex_split_error, row_country_errors,
  validate_geographic_scope), and officers import only within their scope: a row naming
  a place outside it, or matching an activity outside it, is an error.
- Writes go through services.activity_create / activity_update (versioned, audited), only
  for new and changed rows: the same sheet applied again writes nothing at all.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, exports, services
from .models import (
    Activity,
    BeneficiaryGroup,
    Country,
    Partner,
    Region,
    SourceDocument,
    Theme,
    validate_geographic_scope,
)
from .models.precision import Qualifier
from .people import sheets
from .people.sheets import header_key

if TYPE_CHECKING:
    from django.contrib.auth.models import User

COLUMNS: list[str] = list(exports.COLUMNS)
# Written by the download, never read back (the status: see the module's docstring).
READ_ONLY_COLUMNS = ("period", "participations_label", "status", "url")
REQUIRED_COLUMNS = ("title", "start_date", "end_date")
KEY_COLUMNS = ("reference", "id")
# Plain fields read from the column of the same name.
CHOICE_FIELDS = ("kind", "modality", "date_precision")
TEXT_FIELDS = {"title": 300, "source_paragraph": 20}
PARTICIPATION_COLUMNS = {
    "participations_total": "total",
    "participations_female": "female",
    "participations_male": "male",
    "participations_sex_not_recorded": "not_recorded",
}
LIST_SEPARATOR = ";"

RULES = sheets.SheetRules(
    prefix="ACTIVITY_IMPORT",
    known_headers={header_key(column): column for column in COLUMNS},
    no_rows=gettext_lazy("The sheet has a header row but no rows of activities."),
)

Status = str  # "new", "update", "unchanged" or "error"


@dataclass
class RowOutcome:
    """One row: what applying it does, or why it cannot be applied."""

    number: int
    status: Status = "new"
    reference: str = ""
    activity_id: int | None = None
    title: str = ""
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # What apply writes (the values read, by field and relation name).
    fields: dict[str, Any] = field(default_factory=dict)
    relations: dict[str, list[Any]] = field(default_factory=dict)
    participations: dict[str, Any] | None = None
    beneficiary_rows: list[dict[str, Any]] | None = None
    activity: Activity | None = None
    expected_version: int | None = None


@dataclass
class Preview:
    filename: str
    rows: list[RowOutcome] = field(default_factory=list)
    # What is wrong with the file or its columns (then no row is read).
    errors: list[str] = field(default_factory=list)
    # Columns not read: the download's own (period, status...) and unknown headers.
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"rows": len(self.rows), "new": 0, "update": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        return not self.errors and all(row.status != "error" for row in self.rows)

    @property
    def all_errors(self) -> list[str]:
        return [*self.errors, *(message for row in self.rows for message in row.errors)]


@dataclass
class Result:
    preview: Preview
    applied: bool
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    published: int = 0


# --- Reading the sheet ----------------------------------------------------------------


def _columns(headers: Sequence[str], preview: Preview) -> dict[str, int]:
    """The index of each known column; unknown and read-only headers are noted."""
    index_of: dict[str, int] = {}
    for index, header in enumerate(headers):
        column = RULES.known_headers.get(header_key(header))
        if column is None:
            if header:
                preview.ignored_columns.append(header)
            continue
        if column in index_of:
            preview.errors.append(
                _("Columns “%(first)s” and “%(second)s” both give the %(field)s: keep one.")
                % {"first": headers[index_of[column]], "second": header, "field": column}
            )
            continue
        if column in READ_ONLY_COLUMNS:
            preview.ignored_columns.append(header)
        index_of[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in index_of]
    if not any(column in index_of for column in KEY_COLUMNS):
        missing.insert(0, "reference")
    if missing:
        preview.errors.append(
            _(
                "The sheet has no column %(columns)s: name the columns as in the template "
                "(the headers of the list's download)."
            )
            % {"columns": ", ".join(f"“{column}”" for column in missing)}
        )
    return index_of


def _hashtag_row(cells: Sequence[str]) -> bool:
    """An HXL row of hashtags under the header (`#activity+id`...)."""
    filled = [cell for cell in cells if cell]
    return bool(filled) and all(cell.startswith("#") for cell in filled)


def _unescaped(value: str) -> str:
    """A cell as typed: the download puts an apostrophe before text a spreadsheet would
    run as a formula ("'=HYPERLINK(...)"); it is taken off again."""
    if value.startswith("'") and value[1:2] and value[1:2] in exports.FORMULA_STARTS:
        return value[1:]
    return value


# --- Lookups: codes and names of the records a sheet names -----------------------------


@dataclass
class Lookups:
    countries: dict[str, Country]
    regions: dict[str, Region]
    themes: dict[str, Theme]
    partners: dict[str, Partner]
    sources: dict[str, SourceDocument]
    choices: dict[str, dict[str, Any]]


def _keyed(records: Iterable[Model], *attributes: str) -> dict[str, Any]:
    keyed: dict[str, Any] = {}
    for record in records:
        for attribute in attributes:
            value = getattr(record, attribute, None)
            if isinstance(value, Mapping):
                for name in value.values():
                    if name:
                        keyed.setdefault(header_key(str(name)), record)
            elif value:
                keyed.setdefault(header_key(str(value)), record)
        keyed.setdefault(header_key(str(record)), record)
    return keyed


def _choice_keys(name: str) -> dict[str, Any]:
    """A field's values by code and by label in each language, whether the field has
    choices or is a foreign key to a reference table (the value is then the record)."""
    model_field = Activity._meta.get_field(name)
    keys: dict[str, Any] = {}
    if getattr(model_field, "choices", None):
        for value, label in model_field.flatchoices:  # type: ignore[union-attr]
            keys[header_key(str(value))] = value
            for language in ("en", "fr", "es"):
                with translation.override(language):
                    keys.setdefault(header_key(str(label)), value)
    elif model_field.is_relation and model_field.related_model is not None:
        related: Any = model_field.related_model
        keys = _keyed(related.objects.all(), "pk", "code", "slug", "key", "name", "label")
    return keys


def build_lookups() -> Lookups:
    """Every record a sheet may name, by each of its codes and names: one query per
    table, whatever the number of rows."""
    return Lookups(
        countries=_keyed(Country.objects.all(), "iso2", "iso3", "m49_code", "name", "names"),
        regions=_keyed(Region.objects.all(), "code", "name"),
        themes=_keyed(Theme.objects.all(), "slug", "name"),
        partners=_keyed(Partner.objects.all(), "name", "short_name"),
        sources=_keyed(SourceDocument.objects.all(), "key", "symbol", "title"),
        choices={name: _choice_keys(name) for name in CHOICE_FIELDS},
    )


# --- One row: its values, or its errors -----------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?$")


class _Row:
    """Reads the cells of one row, collecting each error with its row and column."""

    def __init__(self, number: int, cells: list[str], headers: list[str], index_of: dict):
        self.outcome = RowOutcome(number=number)
        self.cells = cells
        self.headers = headers
        self.index_of = index_of

    def has(self, column: str) -> bool:
        return column in self.index_of

    def text(self, column: str) -> str:
        index = self.index_of.get(column)
        if index is None or index >= len(self.cells):
            return ""
        return _unescaped(self.cells[index].strip())

    def fail(self, column: str, message: str) -> None:
        index = self.index_of.get(column)
        header = self.headers[index] if index is not None else column
        self.outcome.errors.append(
            _("Row %(row)s, column “%(column)s”: %(message)s")
            % {"row": self.outcome.number, "column": header, "message": message}
        )

    def date(self, column: str) -> datetime.date | None:
        value = self.text(column)
        if not value:
            self.fail(column, _("give a date (YYYY-MM-DD)."))
            return None
        match = _ISO_DATE.match(value)
        try:
            if match is None:
                raise ValueError(value)
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            self.fail(
                column, _("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": value}
            )
            return None

    def count(self, column: str, *, positive: bool = False) -> int | None:
        value = "".join(self.text(column).split())
        if not value:
            return None
        if value.endswith(".0"):
            value = value[:-2]
        if not value.isdigit() or (positive and int(value) < 1):
            self.fail(
                column,
                _("“%(value)s” is not a whole number%(above)s.")
                % {"value": value, "above": _(" above 0") if positive else ""},
            )
            return None
        return int(value)

    def records(self, column: str, table: Mapping[str, Any], what: str) -> list[Any] | None:
        """The records the cell names ("; " between them), or None with an error."""
        found: list[Any] = []
        unknown: list[str] = []
        for name in self.text(column).split(LIST_SEPARATOR):
            name = name.strip()
            if not name:
                continue
            record = table.get(header_key(name))
            if record is None:
                unknown.append(name)
            elif record not in found:
                found.append(record)
        if unknown:
            self.fail(
                column,
                _("unknown %(what)s: %(names)s (give codes or names, separated by “;”).")
                % {"what": what, "names": ", ".join(f"“{name}”" for name in unknown)},
            )
            return None
        return found


def _places(row: _Row, names: str, codes: str, table: Mapping[str, Any], what: str) -> Any:
    """The places of the `codes` column, else the `names` one; both filled must agree."""
    by_code = row.records(codes, table, what) if row.has(codes) else None
    by_name = row.records(names, table, what) if row.has(names) else None
    both = by_code is not None and by_name is not None and row.text(codes) and row.text(names)
    if both and {p.pk for p in by_code or ()} != {p.pk for p in by_name or ()}:
        row.fail(
            codes,
            _(
                "the codes and the column “%(names)s” name different places: correct one "
                "of them, or empty one."
            )
            % {"names": names},
        )
        return None
    if row.text(codes):
        return by_code
    if row.text(names):
        return by_name
    if row.has(codes) or row.has(names):
        return []
    return None  # neither column: the activity's places are left as they are


def _qualifier(row: _Row) -> str:
    value = header_key(row.text("participations_qualifier"))
    if not value:
        return Qualifier.EXACT
    for qualifier in Qualifier:
        if value in (header_key(qualifier.value), header_key(str(qualifier.label))):
            return str(qualifier.value)
    if value in ("at least", "more than", "plus"):
        return Qualifier.MORE_THAN
    row.fail(
        "participations_qualifier",
        _("“%(value)s” is not a qualifier: give exact, more_than or about.")
        % {"value": row.text("participations_qualifier")},
    )
    return Qualifier.EXACT


def _participations(row: _Row) -> dict[str, Any] | None:
    """The participations given, or None (left as they are) when every participation
    cell is empty or a figure is shown hidden ("<5": small figures resting on named
    people, as the download shows them to some readers: people/suppression.py)."""
    if any(row.text(column).startswith("<") for column in PARTICIPATION_COLUMNS):
        return None
    numbers = {name: row.count(column) for column, name in PARTICIPATION_COLUMNS.items()}
    if all(value is None for value in numbers.values()):
        return None
    split = [numbers["female"], numbers["male"], numbers["not_recorded"]]
    total = numbers["total"]
    if total is not None and all(value is None for value in split):
        split = [0, 0, total]  # only a total: their sex is not recorded
    female, male, not_recorded = (value or 0 for value in split)
    error = services.sex_split_error(
        female=female,
        male=male,
        not_recorded=not_recorded,
        total=total,
        not_recorded_label="participations_sex_not_recorded",
    )
    if error:
        row.fail("participations_total", error)
    return {
        "total": female + male + not_recorded,
        "female": female,
        "male": male,
        "not_recorded": not_recorded,
        "qualifier": _qualifier(row),
    }


def _read_row(row: _Row, lookups: Lookups) -> None:
    outcome = row.outcome
    outcome.reference = row.text("reference")
    if len(outcome.reference) > 60:
        row.fail("reference", _("longer than %(limit)s characters.") % {"limit": 60})
    identifier = row.text("id")
    if identifier:
        if identifier.endswith(".0"):
            identifier = identifier[:-2]
        if identifier.isdigit():
            outcome.activity_id = int(identifier)
        else:
            row.fail("id", _("“%(value)s” is not an activity's id.") % {"value": identifier})
    elif not outcome.reference:
        row.fail(
            "reference",
            _("give a reference: it is the key that makes the row import once (a row "
              "from the list's download may give its id instead)."),
        )  # fmt: skip
    fields = outcome.fields
    for name, limit in TEXT_FIELDS.items():
        if row.has(name):
            value = " ".join(row.text(name).split())
            if len(value) > limit:
                row.fail(name, _("longer than %(limit)s characters.") % {"limit": limit})
            fields[name] = value
    outcome.title = fields.get("title", "")
    if not outcome.title:
        row.fail("title", _("give the title."))
    fields["start_date"] = row.date("start_date")
    fields["end_date"] = row.date("end_date")
    for name in CHOICE_FIELDS:
        if not row.has(name):
            continue
        value = row.text(name)
        if not value:
            fields[name] = Activity._meta.get_field(name).get_default()  # type: ignore[union-attr]
            continue
        chosen = lookups.choices[name].get(header_key(value))
        if chosen is None:
            row.fail(name, _("“%(value)s” is not a known value.") % {"value": value})
        fields[name] = chosen
    if row.has("reported_countries_count"):
        fields["reported_countries_count"] = row.count("reported_countries_count", positive=True)
    if row.has("source_document"):
        fields["source_document"] = None
        value = row.text("source_document")
        if value:
            source = lookups.sources.get(header_key(value))
            if source is None:
                row.fail(
                    "source_document",
                    _("unknown source document “%(value)s”.") % {"value": value},
                )
            fields["source_document"] = source
    relations = outcome.relations
    countries = _places(row, "countries", "country_codes", lookups.countries, _("countries"))
    regions = _places(row, "regions", "region_codes", lookups.regions, _("regions"))
    if countries is not None:
        relations["countries"] = countries
    if regions is not None:
        relations["regions"] = regions
    for column, table, what in (
        ("themes", lookups.themes, _("themes")),
        ("partners", lookups.partners, _("partners")),
    ):
        if row.has(column):
            found = row.records(column, table, what)
            if found is not None:
                relations[column] = found
    if any(row.has(column) for column in PARTICIPATION_COLUMNS):
        outcome.participations = _participations(row)
    if fields["start_date"] and fields["end_date"]:
        for name, message in services.period_errors(
            start=fields["start_date"],
            end=fields["end_date"],
            precision=fields.get("date_precision"),
        ).items():
            row.fail(name, message)


# --- Comparing with what is saved -----------------------------------------------------


def _saved_value(activity: Activity, name: str) -> Any:
    model_field = Activity._meta.get_field(name)
    if model_field.is_relation:
        return getattr(activity, model_field.attname)  # type: ignore[union-attr]
    return getattr(activity, name)


def _sheet_value(name: str, value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


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


def read(data: bytes, filename: str = "") -> tuple[Preview, sheets.RawSheet | None]:
    preview = Preview(filename=filename)
    try:
        sheet = sheets.read_sheet(data, filename, rules=RULES)
    except sheets.SheetError as error:
        preview.errors.extend(error.messages)
        return preview, None
    return preview, sheet


def preview(*, data: bytes, filename: str = "", by: User) -> Preview:
    """The outcome of every row; nothing is written."""
    seen, sheet = read(data, filename)
    if sheet is None:
        return seen
    index_of = _columns(sheet.headers, seen)
    if seen.errors:
        return seen
    lookups = build_lookups()
    rows = sheet.rows[1:] if sheet.rows and _hashtag_row(sheet.rows[0][1]) else sheet.rows
    read_rows: list[_Row] = []
    for number, cells in rows:
        row = _Row(number, cells, sheet.headers, index_of)
        _read_row(row, lookups)
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
    from .selectors import with_participants

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
