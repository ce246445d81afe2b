"""Attendance sheets made for the tests: CSV and XLSX bytes from rows of cells."""

from __future__ import annotations

import csv
import io
import random

from openpyxl import Workbook

HEADERS = [
    "Given name",
    "Family name",
    "Sex",
    "Year of birth",
    "Institution",
    "Country",
    "Email",
    "Attended",
    "Completed",
    "Pre-test",
    "Post-test",
]

GIVEN = ["Ana", "Luis", "María", "José", "Carmen", "Jorge", "Lucía", "Pedro", "Rosa", "Diego"]
FAMILY = ["Pérez", "Gómez", "López", "Hernández", "Martínez", "Ramírez", "Flores", "Castro"]


def csv_bytes(rows, headers=HEADERS, *, encoding="utf-8", delimiter=",") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS, *, setup=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    if setup:
        setup(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def people(count: int, *, seed: int = 7, country: str = "SV") -> list[list]:
    """`count` distinct persons (a number in the e-mail and in the family name keeps them
    apart), with plausible values in every column."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        given = rng.choice(GIVEN)
        family = f"{rng.choice(FAMILY)} Test{i:05d}"
        rows.append(
            [
                given,
                family,
                rng.choice(["F", "M", ""]),
                str(rng.randint(1960, 2000)),
                "Fiscalía General",
                country,
                f"person{i:05d}@example.org",
                "yes",
                rng.choice(["yes", "no"]),
                str(rng.randint(20, 70)),
                str(rng.randint(50, 100)),
            ]
        )
    return rows
