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

from .importing import apply, preview, template_headers
from .rows import COLUMNS, READ_ONLY_COLUMNS, RULES, Preview, Result, RowOutcome

__all__ = [
    "COLUMNS",
    "READ_ONLY_COLUMNS",
    "RULES",
    "Preview",
    "Result",
    "RowOutcome",
    "apply",
    "preview",
    "template_headers",
]
