"""Attendance sheets read: CSV or XLSX in, one list of rows of text out; then each row
checked and turned into the values of a person and their attendance.

What is refused, with a message that names the row and the column (all translatable):
- a file over ATTENDANCE_MAX_FILE_BYTES, a sheet of more than ATTENDANCE_MAX_ROWS rows
  or ATTENDANCE_MAX_COLUMNS columns;
- text that is neither UTF-8 (with or without BOM), UTF-16 (with BOM) nor Windows-1252 /
  Latin-1: a file is never decoded into garbled names;
- in an XLSX workbook: formulas and merged cells (an officer pastes values; a merged
  cell gives one value to several rows, silently); only the first sheet is read;
- an empty sheet, and a sheet without a column for the given name and the family name.

Headers are recognized in English, French and Spanish (HEADER_ALIASES); any other
header is answered as "unmapped", and the officer maps it to a field or leaves it out.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import AgeBand, Sex
from .names import fold, name_key

# --- Fields and the headers that name them ---------------------------------------------

FIELDS: dict[str, Any] = {
    "given_name": gettext_lazy("given name"),
    "family_name": gettext_lazy("family name"),
    "sex": gettext_lazy("sex"),
    "birth_year": gettext_lazy("year of birth"),
    "age_band": gettext_lazy("age band"),
    "institution": gettext_lazy("institution"),
    "audience": gettext_lazy("audience"),
    "country": gettext_lazy("country"),
    "email": gettext_lazy("e-mail"),
    "phone": gettext_lazy("phone"),
    "attended": gettext_lazy("attended"),
    "completed": gettext_lazy("completed"),
    "pre_score": gettext_lazy("pre-test score"),
    "post_score": gettext_lazy("post-test score"),
}
REQUIRED_FIELDS = ("given_name", "family_name")

# The template's headers, in each language it is offered in (and accepted on import).
TEMPLATE_HEADERS: dict[str, dict[str, str]] = {
    "en": {
        "given_name": "Given name",
        "family_name": "Family name",
        "sex": "Sex",
        "birth_year": "Year of birth",
        "age_band": "Age band",
        "institution": "Institution",
        "audience": "Audience",
        "country": "Country",
        "email": "Email",
        "phone": "Phone",
        "attended": "Attended",
        "completed": "Completed",
        "pre_score": "Pre-test",
        "post_score": "Post-test",
    },
    "fr": {
        "given_name": "Prénom",
        "family_name": "Nom",
        "sex": "Sexe",
        "birth_year": "Année de naissance",
        "age_band": "Tranche d'âge",
        "institution": "Institution",
        "audience": "Public",
        "country": "Pays",
        "email": "Courriel",
        "phone": "Téléphone",
        "attended": "Présent",
        "completed": "Terminé",
        "pre_score": "Pré-test",
        "post_score": "Post-test",
    },
    "es": {
        "given_name": "Nombre",
        "family_name": "Apellidos",
        "sex": "Sexo",
        "birth_year": "Año de nacimiento",
        "age_band": "Rango de edad",
        "institution": "Institución",
        "audience": "Público",
        "country": "País",
        "email": "Correo",
        "phone": "Teléfono",
        "attended": "Asistió",
        "completed": "Completó",
        "pre_score": "Prueba inicial",
        "post_score": "Prueba final",
    },
}

_ALIASES: dict[str, tuple[str, ...]] = {
    "given_name": (
        "given name", "given names", "first name", "first names", "forename", "forenames",
        "prenom", "prenoms", "nombre", "nombres", "primer nombre",
    ),
    "family_name": (
        "family name", "family names", "last name", "surname", "surnames", "nom",
        "nom de famille", "noms", "apellido", "apellidos",
    ),
    "sex": ("sex", "gender", "sexe", "genre", "sexo", "genero"),
    "birth_year": (
        "year of birth", "birth year", "born", "annee de naissance", "annee naissance",
        "ano de nacimiento", "ano nacimiento",
    ),
    "age_band": (
        "age band", "age group", "age range", "tranche d age", "tranche age",
        "groupe d age", "rango de edad", "grupo de edad", "grupo etario",
    ),
    "institution": (
        "institution", "organization", "organisation", "agency", "employer",
        "institucion", "organizacion", "organisme",
    ),
    "audience": ("audience", "public", "public cible", "publico", "publico objetivo",
                 "audiencia"),
    "country": ("country", "pays", "pais", "nationality", "nationalite", "nacionalidad"),
    "email": (
        "email", "e mail", "email address", "e mail address", "courriel", "mail",
        "adresse electronique", "correo", "correo electronico",
    ),
    "phone": ("phone", "telephone", "mobile", "telefono", "celular", "movil"),
    "attended": ("attended", "attendance", "present", "presence", "presente", "asistio",
                 "asistencia"),
    "completed": ("completed", "complete", "termine", "complete e", "acheve", "completo",
                  "termino"),
    "pre_score": ("pre test", "pretest", "pre test score", "prueba inicial", "pre prueba",
                  "test initial", "evaluacion inicial"),
    "post_score": ("post test", "posttest", "post test score", "prueba final",
                   "post prueba", "test final", "evaluacion final"),
}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def header_key(header: str) -> str:
    """A header as compared: folded, punctuation as spaces ("Pré-test:" -> "pre test")."""
    return " ".join(re.split(r"[^a-z0-9]+", fold(header))).strip()


HEADER_ALIASES: dict[str, str] = {}
for _field, _names in _ALIASES.items():
    for _name in _names:
        HEADER_ALIASES[header_key(_name)] = _field
for _language in TEMPLATE_HEADERS.values():
    for _field, _name in _language.items():
        HEADER_ALIASES.setdefault(header_key(_name), _field)

# "nom" is the family name in French, but "nombre" the given name in Spanish: both are
# in the table; a sheet using both "Nom" and "Prénom" maps as a French officer means.


class SheetError(Exception):
    """The file as a whole cannot be read: the messages say why and what to do."""

    def __init__(self, messages: Sequence[str]):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


# --- Reading the file -------------------------------------------------------------------


@dataclass
class RawSheet:
    """The header and the non-empty rows, as text, with their row number in the sheet."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass(frozen=True)
class SheetRules:
    """What a kind of sheet may be: its limits are the settings `<prefix>_MAX_FILE_BYTES`,
    `_MAX_ROWS` and `_MAX_COLUMNS` (read when a sheet is read, so tests may override
    them); `known_headers` (as header_key gives them) tell a CSV file's delimiter;
    `no_rows` is the message for a sheet with a header and nothing under it. The
    attendance sheets and the activity import (activities/bulk/) read
    their files with the same code, each with its rules."""

    prefix: str
    known_headers: Mapping[str, Any]
    no_rows: Any

    def limits(self) -> tuple[int, int, int]:
        return (
            getattr(settings, f"{self.prefix}_MAX_FILE_BYTES"),
            getattr(settings, f"{self.prefix}_MAX_ROWS"),
            getattr(settings, f"{self.prefix}_MAX_COLUMNS"),
        )

    def setting(self, name: str) -> str:
        return f"{self.prefix}_{name}"


ATTENDANCE_RULES = SheetRules(
    prefix="ATTENDANCE",
    known_headers=HEADER_ALIASES,
    no_rows=gettext_lazy("The sheet has a header row but no rows of people."),
)


def limits() -> tuple[int, int, int]:
    return ATTENDANCE_RULES.limits()


def read_sheet(
    data: bytes, filename: str = "", *, rules: SheetRules = ATTENDANCE_RULES
) -> RawSheet:
    """The sheet in `data` (XLSX when it is a zip, else CSV), or SheetError."""
    max_bytes, _rows, _columns = rules.limits()
    if len(data) > max_bytes:
        raise SheetError(
            [
                _(
                    "The file is %(size)s bytes, over the limit of %(limit)s bytes "
                    "(setting %(setting)s): split the sheet in parts."
                )
                % {
                    "size": len(data),
                    "limit": max_bytes,
                    "setting": rules.setting("MAX_FILE_BYTES"),
                }
            ]
        )
    if not data.strip():
        raise SheetError([_("The file is empty.")])
    if data[:4] == b"PK\x03\x04":
        sheet = _read_xlsx(data, rules)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SheetError([_("This is an old Excel file (.xls): save it as .xlsx or as CSV UTF-8.")])
    else:
        sheet = _read_csv(_decode(data), rules)
    return _checked(sheet, rules)


def _checked(sheet: RawSheet, rules: SheetRules) -> RawSheet:
    _bytes, max_rows, max_columns = rules.limits()
    while sheet.headers and not sheet.headers[-1]:
        sheet.headers.pop()
    if not sheet.headers:
        raise SheetError([_("The sheet is empty: the first row should name the columns.")])
    if len(sheet.headers) > max_columns:
        raise SheetError(
            [
                _(
                    "The sheet has %(count)s columns, over the limit of %(limit)s (setting "
                    "%(setting)s): keep only the columns of the template."
                )
                % {
                    "count": len(sheet.headers),
                    "limit": max_columns,
                    "setting": rules.setting("MAX_COLUMNS"),
                }
            ]
        )
    if not sheet.rows:
        raise SheetError([str(rules.no_rows)])
    if len(sheet.rows) > max_rows:
        raise SheetError(
            [
                _(
                    "The sheet has %(count)s rows, over the limit of %(limit)s (setting "
                    "%(setting)s): split it in parts."
                )
                % {
                    "count": len(sheet.rows),
                    "limit": max_rows,
                    "setting": rules.setting("MAX_ROWS"),
                }
            ]
        )
    return sheet


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters a text sheet never holds (tab, line feed, carriage return excepted).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# UTF-8 read as Windows-1252 ("JosÃ©"): the text was already garbled once.
_MOJIBAKE = re.compile(r"[ÂÃ][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u017d\u017e]")


def _decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 (with BOM), else
    Windows-1252 (a superset of Latin-1 for text). Anything else is refused."""
    wrong = _(
        "The file is not text in UTF-8, UTF-16 or Windows-1252 (Latin-1), or not a CSV or "
        "XLSX file at all: in Excel, save it as “CSV UTF-8” or as .xlsx."
    )
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as error:
                raise SheetError([wrong]) from error
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as error:
                raise SheetError([wrong]) from error
    if _CONTROL.search(text):
        raise SheetError([wrong])
    if _MOJIBAKE.search(text):
        raise SheetError(
            [
                _(
                    "The file's accented letters are already garbled (such as “Ã©” for "
                    "“é”): it was converted twice. Export it again as “CSV UTF-8”."
                )
            ]
        )
    return text


_DELIMITERS = (",", ";", "\t")


def _dialect(text: str, rules: SheetRules) -> tuple[type[csv.Dialect], str]:
    """The CSV dialect, and the text without Excel's "sep=;" line if it has one. The
    delimiter that turns the first line into the most known headers wins (a French or
    Spanish Excel writes ";"); else the csv module's sniffer decides."""
    first, _newline, rest = text.partition("\n")
    marker = first.strip()
    if marker.lower().startswith("sep=") and len(marker) == 5:
        return type("_Given", (csv.excel,), {"delimiter": marker[4]}), rest
    known = {
        delimiter: sum(
            header_key(cell) in rules.known_headers
            for cell in next(csv.reader([first], delimiter=delimiter), [])
        )
        for delimiter in _DELIMITERS
    }
    best = max(_DELIMITERS, key=lambda delimiter: known[delimiter])
    if known[best]:
        return type("_Known", (csv.excel,), {"delimiter": best}), text
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters="".join(_DELIMITERS)), text
    except csv.Error:
        return csv.excel, text


def _read_csv(text: str, rules: SheetRules) -> RawSheet:
    dialect, text = _dialect(text, rules)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    _bytes, max_rows, max_columns = rules.limits()
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    formulas: list[str] = []
    try:
        for number, row in enumerate(reader, start=1):
            cells = [cell.strip() for cell in row]
            for index, cell in enumerate(cells):
                if cell.startswith("="):
                    formulas.append(f"{_column_letter(index)}{number}")
                    cells[index] = ""
            if headers is None:
                if not any(cells):
                    continue
                headers = cells
                if len(headers) > max_columns:
                    break
                continue
            if any(cells):
                rows.append((number, cells))
                if len(rows) > max_rows:
                    break
    except csv.Error as error:
        raise SheetError(
            [_("The CSV file cannot be read (%(reason)s).") % {"reason": error}]
        ) from error
    _refuse_formulas(formulas)
    return RawSheet(headers=headers or [], rows=rows)


def _refuse_formulas(cells: list[str]) -> None:
    if cells:
        raise SheetError(
            [
                _(
                    "The sheet has formulas (cells %(cells)s): copy the sheet and paste "
                    "values only, then upload it again."
                )
                % {"cells": ", ".join(cells[:10]) + ("…" if len(cells) > 10 else "")}
            ]
        )


# XLSX is read by python-calamine (Rust): openpyxl's read-only mode took 11 to 16 s for
# the cells of a 50,000-row sheet alone, calamine under one. Calamine gives the cached
# values and the merged ranges; the formulas are found in the sheet's XML (<f> elements).
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]+[0-9]+)\"")
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# An XLSX file is a zip: its first sheet's XML may unpack to at most this many times the
# file limit (a "zip bomb" of a few kilobytes could otherwise fill the memory).
_UNPACK_FACTOR = 40


def _unreadable() -> SheetError:
    return SheetError(
        [_("The file is not an XLSX workbook that can be read: save it again as .xlsx.")]
    )


def _read_xlsx(data: bytes, rules: SheetRules) -> RawSheet:
    from python_calamine import CalamineWorkbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        sheet_xml = _first_sheet_xml(archive, rules)
    except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError, OSError) as error:
        raise _unreadable() from error
    formulas = _formula_cells(sheet_xml)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise SheetError([_("The workbook has no sheet.")])
        sheet = workbook.get_sheet_by_index(0)
        merged = [
            f"{_column_letter(a[1])}{a[0] + 1}:{_column_letter(b[1])}{b[0] + 1}"
            for a, b in (sheet.merged_cell_ranges or [])
        ]
        if merged:
            raise SheetError(
                [
                    _(
                        "The first sheet has merged cells (%(cells)s): a merged cell gives "
                        "one value to several rows. Unmerge them and fill each row."
                    )
                    % {"cells": ", ".join(merged[:10])}
                ]
            )
        _refuse_formulas(formulas)
        return _xlsx_rows(sheet, rules)
    except SheetError:
        raise
    except Exception as error:  # calamine's own errors (CalamineError, ValueError...)
        raise _unreadable() from error


def _first_sheet_xml(archive: zipfile.ZipFile, rules: SheetRules) -> bytes:
    """The XML of the workbook's first sheet (the one calamine reads at index 0)."""
    import xml.etree.ElementTree as ElementTree

    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    first = workbook.find(f"{_NS_MAIN}sheets/{_NS_MAIN}sheet")
    if first is None:
        raise SheetError([_("The workbook has no sheet.")])
    rel_id = first.get(f"{_NS_REL}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(
        (rel.get("Target", "") for rel in rels.iter(f"{_NS_PKG}Relationship")
         if rel.get("Id") == rel_id),
        "",
    )  # fmt: skip
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    info = archive.getinfo(path)
    if info.file_size > _UNPACK_FACTOR * rules.limits()[0]:
        raise SheetError(
            [
                _(
                    "The first sheet unpacks to %(size)s bytes, far over the limit "
                    "(setting %(setting)s): split the sheet in parts."
                )
                % {"size": info.file_size, "setting": rules.setting("MAX_FILE_BYTES")}
            ]
        )
    return archive.read(path)


def _formula_cells(xml: bytes) -> list[str]:
    """The cells of the sheet that hold a formula (<c r="J2"><f>40+2</f>...)."""
    cells: list[str] = []
    for match in _FORMULA.finditer(xml):
        opening = xml.rfind(b"<", 0, match.start())
        while opening > 0 and not re.match(rb"<(?:\w+:)?c\b", xml[opening : opening + 8]):
            opening = xml.rfind(b"<", 0, opening)
        ref = _CELL_REF.match(xml, opening) if opening >= 0 else None
        cells.append(ref.group(1).decode() if ref else "?")
        if len(cells) > 10:
            break
    return cells


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value).strip()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _xlsx_rows(sheet: Any, rules: SheetRules) -> RawSheet:
    _bytes, max_rows, max_columns = rules.limits()
    if sheet.width > max_columns and sheet.height:
        # Read the header only: the message counts its named columns.
        first: list[Any] = next(iter(sheet.iter_rows()), [])
        return RawSheet(headers=[_cell_text(value) for value in first], rows=[])
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    offset = (sheet.start or (0, 0))[0]
    formulas: list[str] = []
    for number, values in enumerate(sheet.iter_rows(), start=offset + 1):
        texts = [_cell_text(value) for value in values]
        for index, text in enumerate(texts):
            if text.startswith("="):  # a formula typed as text: refused as in CSV
                formulas.append(f"{_column_letter(index)}{number}")
        if headers is None:
            if not any(texts):
                continue
            headers = texts
            continue
        if any(texts):
            rows.append((number, texts))
            if len(rows) > max_rows:
                break
    _refuse_formulas(formulas)
    return RawSheet(headers=headers or [], rows=rows)


# --- Columns: which header gives which field --------------------------------------------


@dataclass
class Columns:
    """Which column gives which field; the headers left unmapped; what is wrong."""

    field_of: dict[int, str]
    unmapped: list[str]
    errors: list[str]

    @property
    def mapping(self) -> dict[str, str]:
        return {str(index): name for index, name in self.field_of.items()}


def map_columns(headers: Sequence[str], chosen: Mapping[str, str] | None = None) -> Columns:
    """The field of each column: the officer's choice for its header (`chosen`, header ->
    field, "" to leave it out) first, else the header's known name."""
    chosen = dict(chosen or {})
    field_of: dict[int, str] = {}
    unmapped: list[str] = []
    errors: list[str] = []
    for index, header in enumerate(headers):
        if header in chosen:
            target = chosen[header]
            if target and target not in FIELDS:
                errors.append(
                    _("Column “%(header)s”: “%(field)s” is not a field of the sheet.")
                    % {"header": header, "field": target}
                )
            elif target:
                field_of[index] = target
            continue
        known = HEADER_ALIASES.get(header_key(header))
        if known:
            field_of[index] = known
        elif header:
            unmapped.append(header)
    seen: dict[str, int] = {}
    for index, name in sorted(field_of.items()):
        if name in seen:
            errors.append(
                _("Columns “%(first)s” and “%(second)s” both give the %(field)s: keep one.")
                % {
                    "first": headers[seen[name]],
                    "second": headers[index],
                    "field": FIELDS[name],
                }
            )
        seen[name] = index
    missing = [name for name in REQUIRED_FIELDS if name not in seen]
    if missing:
        errors.append(
            _(
                "The sheet has no column for the %(fields)s: name the columns as in the "
                "template, or choose below which column gives them."
            )
            % {"fields": _(" and ").join(str(FIELDS[name]) for name in missing)}
        )
    return Columns(field_of=field_of, unmapped=unmapped, errors=errors)


# --- Rows: the values of one person and their attendance ------------------------------


@dataclass
class Lookups:
    """Countries and audiences by every name a sheet may give them."""

    countries: dict[str, int]
    country_names: dict[int, str]
    audiences: dict[str, int]


@dataclass
class CleanRow:
    """One row, checked: the person's and the attendance's values, or its errors."""

    number: int
    given_name: str = ""
    family_name: str = ""
    sex: str = Sex.NOT_RECORDED
    birth_year: int | None = None
    age_band: str = ""
    institution: str = ""
    audience_id: int | None = None
    country_id: int | None = None
    email: str = ""
    phone: str = ""
    attended: bool = True
    completed: bool | None = None
    pre_score: Decimal | None = None
    post_score: Decimal | None = None
    errors: list[str] = field(default_factory=list)
    # The normalized name (names.name_key), computed once the names are read.
    name_key: str = ""

    def normalized(self) -> list[Any]:
        """The row's values as the digest reads them (the same sheet saved again, as CSV
        or XLSX, gives the same list)."""
        return [
            self.given_name,
            self.family_name,
            self.sex,
            self.birth_year,
            self.age_band,
            self.institution,
            self.audience_id,
            self.country_id,
            self.email,
            self.phone,
            self.attended,
            self.completed,
            None if self.pre_score is None else str(self.pre_score.normalize()),
            None if self.post_score is None else str(self.post_score.normalize()),
        ]


_SEX = {
    Sex.FEMALE: ("f", "female", "woman", "w", "femme", "feminin", "mujer", "femenino", "fem"),
    Sex.MALE: ("m", "male", "man", "homme", "h", "masculin", "hombre", "masculino", "masc"),
    Sex.NOT_RECORDED: ("", "not recorded", "unknown", "non renseigne", "no registrado",
                       "nr", "n a", "na"),
}  # fmt: skip
_SEX_OF = {header_key(word): sex for sex, words in _SEX.items() for word in words}
_TRUE = {"yes", "y", "true", "1", "x", "oui", "o", "si", "s", "vrai", "verdadero", "ok"}
_FALSE = {"no", "n", "false", "0", "non", "faux", "falso"}
_BAND_BY_LOWER = {
    18: AgeBand.FROM_18,
    25: AgeBand.FROM_25,
    35: AgeBand.FROM_35,
    45: AgeBand.FROM_45,
    55: AgeBand.FROM_55,
    65: AgeBand.FROM_65,
}


def clean_rows(
    sheet: RawSheet, columns: Columns, lookups: Lookups, *, this_year: int
) -> list[CleanRow]:
    """Every row of the sheet, checked (a row's errors name its row and column)."""
    return [
        _clean(number, cells, sheet.headers, columns, lookups, this_year)
        for number, cells in sheet.rows
    ]


def _clean(
    number: int,
    cells: list[str],
    headers: list[str],
    columns: Columns,
    lookups: Lookups,
    this_year: int,
) -> CleanRow:
    row = CleanRow(number=number)

    def fail(index: int, message: str) -> None:
        row.errors.append(
            _("Row %(row)s, column “%(column)s”: %(message)s")
            % {"row": number, "column": headers[index], "message": message}
        )

    for index, name in columns.field_of.items():
        value = cells[index] if index < len(cells) else ""
        if "\x00" in value:
            fail(index, _("the cell holds a NUL character."))
            continue
        _set(row, name, value, index, fail, lookups, this_year)
    if extra := [cell for cell in cells[len(headers) :] if cell]:
        row.errors.append(
            _("Row %(row)s: %(count)s cells lie beyond the last named column.")
            % {"row": number, "count": len(extra)}
        )
    row.name_key = name_key(row.given_name, row.family_name)
    if not row.name_key:
        row.errors.append(
            _("Row %(row)s: no name (give the given name, the family name, or both).")
            % {"row": number}
        )
    return row


def _set(
    row: CleanRow,
    name: str,
    value: str,
    index: int,
    fail: Any,
    lookups: Lookups,
    this_year: int,
) -> None:
    if name in ("given_name", "family_name", "institution"):
        limit = 200 if name == "institution" else 150
        if len(value) > limit:
            fail(index, _("longer than %(limit)s characters.") % {"limit": limit})
        else:
            setattr(row, name, " ".join(value.split()))
    elif name == "sex":
        sex = _SEX_OF.get(header_key(value))
        if sex is None:
            fail(
                index,
                _("“%(value)s” is not a sex: give F or M (or leave the cell empty).")
                % {"value": value},
            )
        else:
            row.sex = sex
    elif name == "birth_year":
        if value:
            year = _integer(value)
            if year is None or not 1900 <= year <= this_year:
                fail(
                    index,
                    _("“%(value)s” is not a year of birth (1900 to %(year)s).")
                    % {"value": value, "year": this_year},
                )
            else:
                row.birth_year = year
    elif name == "age_band":
        if value:
            band = _age_band(value)
            if band is None:
                fail(
                    index,
                    _("“%(value)s” is not an age band (such as 18-24, 25-34, 65+).")
                    % {"value": value},
                )
            else:
                row.age_band = band
    elif name == "audience":
        if value:
            audience = lookups.audiences.get(header_key(value))
            if audience is None:
                fail(index, _("“%(value)s” is not a known audience.") % {"value": value})
            row.audience_id = audience
    elif name == "country":
        if value:
            country = lookups.countries.get(header_key(value))
            if country is None:
                fail(
                    index,
                    _("“%(value)s” is not a known country (give its name or ISO code).")
                    % {"value": value},
                )
            row.country_id = country
    elif name == "email":
        email = value.strip().casefold()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                fail(index, _("“%(value)s” is not an e-mail address.") % {"value": value})
            else:
                row.email = email
    elif name == "phone":
        if len(value) > 40:
            fail(index, _("longer than %(limit)s characters.") % {"limit": 40})
        else:
            row.phone = value
    elif name in ("attended", "completed"):
        if value:
            flag = header_key(value)
            if flag in _TRUE:
                setattr(row, name, True)
            elif flag in _FALSE:
                setattr(row, name, False)
            else:
                fail(index, _("“%(value)s” is not yes or no.") % {"value": value})
    elif name in ("pre_score", "post_score") and value:
        score = _score(value)
        if score is None:
            fail(index, _("“%(value)s” is not a score from 0 to 100.") % {"value": value})
        else:
            setattr(row, name, score)


def _integer(value: str) -> int | None:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None
    return int(number) if number == number.to_integral_value() else None


def _score(value: str) -> Decimal | None:
    text = value.strip().rstrip("%").strip().replace(",", ".")
    try:
        score = Decimal(text)
    except InvalidOperation:
        return None
    if not score.is_finite() or not 0 <= score <= 100:
        return None
    return score.quantize(Decimal("0.01"))


def _age_band(value: str) -> str | None:
    key = header_key(value)
    for band in AgeBand:
        if key in (header_key(band.value), header_key(str(band.label))):
            return str(band.value)
    numbers = [int(n) for n in re.findall(r"\d+", key)]
    if not numbers:
        return None
    under = value.strip().startswith("<") or any(
        word in key.split() for word in ("under", "moins", "menos", "below")
    )
    if under and numbers[0] == 18:
        return str(AgeBand.UNDER_18)
    lower = _BAND_BY_LOWER.get(numbers[0])
    return str(lower) if lower is not None else None


def build_lookups(countries: Iterable[Any], audiences: Iterable[Any]) -> Lookups:
    """Countries by ISO2, ISO3 and every name (UN languages); audiences by slug and name."""
    by_name: dict[str, int] = {}
    names: dict[int, str] = {}
    for country in countries:
        names[country.pk] = country.name
        keys = [country.iso2, country.iso3, country.name, *(country.names or {}).values()]
        for key in keys:
            if key:
                by_name.setdefault(header_key(str(key)), country.pk)
    by_audience: dict[str, int] = {}
    for audience in audiences:
        by_audience[header_key(audience.slug)] = audience.pk
        by_audience[header_key(audience.name)] = audience.pk
    return Lookups(countries=by_name, country_names=names, audiences=by_audience)
