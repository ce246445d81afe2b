"""Downloads of the activity list: exactly the filtered activities, one row per activity.

The rows are the same for CSV and Excel. The `participations_*` columns are each
activity's own beneficiary rows (selectors.with_participants), with the qualifier in its
own column and in the label ("5,600+"), so that "more than" stays a lower bound in a
spreadsheet too. The sex split is given in full: "not recorded" is a column, never
dropped. They count participations, not distinct people: a person at two activities is
in both rows, so a column's sum over activities is not a number of people (counting
rule 1); the headers say so until person-level records exist.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .people import suppression
from .templatetags.figures import format_count

if TYPE_CHECKING:
    from .selectors import ActivityWithParticipants

COLUMNS = [
    "id",
    "reference",
    "title",
    "kind",
    "period",
    "start_date",
    "end_date",
    "date_precision",
    "modality",
    "status",
    "countries",
    "country_codes",
    "regions",
    "region_codes",
    "reported_countries_count",
    "participations_total",
    "participations_qualifier",
    "participations_label",
    "participations_female",
    "participations_male",
    "participations_sex_not_recorded",
    "themes",
    "partners",
    "source_document",
    "source_paragraph",
    "url",
]


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection:
# a title "=HYPERLINK(...)" in a download). Such text gets a leading apostrophe, which
# spreadsheets show as text; numbers, dates and empty cells are left alone.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _joined(values: Iterable[str]) -> str:
    return "; ".join(values)


def activity_rows(
    activities: QuerySet[ActivityWithParticipants], *, base_url: str = "", user: Any = None
) -> Iterator[list[Any]]:
    """One list of cells per activity, in COLUMNS order. `activities` comes from
    selectors.activity_list (places, themes, partners prefetched; participations
    annotated)."""
    # In chunks, each with its own prefetch queries, so a large export stays in memory
    # bounds.
    for activity in activities.iterator(chunk_size=500):
        countries = list(activity.countries.all())
        regions = list(activity.regions.all())
        # Small participations resting on named people, hidden from those who may not
        # see people (people/suppression.py).
        suppression.hide_activity_figures(activity, user)
        total = activity.participants_total
        qualifier = activity.participants_qualifier if total is not None else ""
        # Exports are machine outputs: English labels and plain digits whatever the
        # reader's language (the page around the download link is translated).
        with translation.override("en"):
            row = [
                activity.pk,
                activity.reference or "",
                activity.title,
                activity.kind.display_name,
                activity.period_label,
                activity.start_date,
                activity.end_date,
                activity.date_precision,
                activity.modality.display_name,
                activity.status,
                _joined(country.name for country in countries),
                _joined(country.iso2 for country in countries),
                _joined(region.name for region in regions),
                _joined(region.code for region in regions),
                activity.reported_countries_count,
                total,
                qualifier,
                format_count(total, qualifier) if total is not None else "",
                activity.participants_female,
                activity.participants_male,
                activity.participants_not_recorded,
                _joined(theme.name for theme in activity.themes.all()),
                _joined(str(partner) for partner in activity.partners.all()),
                str(activity.source_document) if activity.source_document else "",
                activity.source_paragraph,
                base_url + reverse("pages:activity_detail", args=[activity.pk]),
            ]
        yield row


# Columns as wide as their longest cell (in characters), but a long title or list of
# countries wraps at this width rather than pushing the next columns off the screen.
MAX_WIDTH = 60


def _shown_length(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.date):
        return 10
    return len(str(value))


def _file_name(extension: str) -> str:
    return f"tacbapp-activities-{datetime.date.today():%Y-%m-%d}.{extension}"


def activities_csv(
    activities: QuerySet[ActivityWithParticipants], *, request: HttpRequest
) -> HttpResponse:
    base_url = request.build_absolute_uri("/").rstrip("/")
    buffer = io.StringIO()
    # A byte-order mark so that Excel opens accents (Curaçao, Côte d'Ivoire) right.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in activity_rows(activities, base_url=base_url, user=request.user):
        writer.writerow(["" if cell is None else spreadsheet_cell(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_name("csv")}"'
    return response


def activities_xlsx(
    activities: QuerySet[ActivityWithParticipants], *, request: HttpRequest
) -> HttpResponse:
    base_url = request.build_absolute_uri("/").rstrip("/")
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet, and it is active
    sheet.title = "Activities"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(column) for column in COLUMNS]
    for row in activity_rows(activities, base_url=base_url, user=request.user):
        sheet.append([spreadsheet_cell(cell) for cell in row])
        widths = [max(width, _shown_length(cell)) for width, cell in zip(widths, row, strict=True)]
    # The header stays in view while scrolling, and every column can be filtered.
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{sheet.max_row}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_file_name("xlsx")}"'
    return response
