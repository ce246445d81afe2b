"""An empty sheet to fill in, with only its header row: the templates of the attendance
import (activities/people/) and of bulk entry (activities/bulk/), as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def header_only(
    headers: Sequence[str], *, file_format: str, title: str, filename: str
) -> HttpResponse:
    """A download of `headers` alone: CSV with a byte-order mark (Excel reads its accents
    then), or an XLSX sheet named `title` with its header bold and frozen."""
    if file_format == "csv":
        out = io.StringIO(newline="")
        csv.writer(out).writerow(headers)
        response = HttpResponse(
            out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
        )
    else:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = title[:31]  # Excel's limit on a sheet's name
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
