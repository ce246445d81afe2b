"""Bulk entry, reading: a sheet's rows as the values of activities, or their errors.

The rules are in activities/bulk/__init__.py. The file is read by the attendance sheets'
reader (people/sheets.py) with this import's limits (RULES); each row's cells are turned
into fields and related records (found by code or by name), each error naming its row
and column. Nothing here reads the activities the rows may match (importing.py does).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import exports, services
from ..models import Activity, Country, Partner, Region, SourceDocument, Theme
from ..models.precision import Qualifier
from ..people import sheets
from ..people.sheets import header_key

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


def column_indexes(headers: Sequence[str], preview: Preview) -> dict[str, int]:
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


def is_hashtag_row(cells: Sequence[str]) -> bool:
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


class RowReader:
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


def _places(row: RowReader, names: str, codes: str, table: Mapping[str, Any], what: str) -> Any:
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


def _qualifier(row: RowReader) -> str:
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


def _participations(row: RowReader) -> dict[str, Any] | None:
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


def read_row(row: RowReader, lookups: Lookups) -> None:
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


def read(data: bytes, filename: str = "") -> tuple[Preview, sheets.RawSheet | None]:
    preview = Preview(filename=filename)
    try:
        sheet = sheets.read_sheet(data, filename, rules=RULES)
    except sheets.SheetError as error:
        preview.errors.extend(error.messages)
        return preview, None
    return preview, sheet
