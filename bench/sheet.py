"""The attendance sheet the benchmark imports: made-up persons, in XLSX and CSV.

Headers are the English template's (given name, family name, sex, year of birth,
institution, country as ISO alpha-2, e-mail, attended, pre-test, post-test). A tenth of
the rows are persons the database already holds (the same name and country: exact
matches); the others are new, with made-up names that no known person of their country
has, and none twice in the sheet (a sheet naming one person twice is refused). Most rows
come from the activity's country, some from elsewhere, a few from no country.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable

from activities.people.names import name_key
from activities.synthetic.people import SYLLABLES

HEADERS = [
    "Given name",
    "Family name",
    "Sex",
    "Year of birth",
    "Institution",
    "Country",
    "Email",
    "Attended",
    "Pre-test",
    "Post-test",
]
KNOWN_SHARE = 0.10


def rows(
    count: int,
    seed: int,
    *,
    home: str,
    countries: list[str],
    known: list[tuple[str, str, str]],
    taken: Iterable[tuple[str, str | None]],
) -> list[list[str]]:
    """`count` rows: persons of `known` ((given, family, iso2), each at most once), and
    new made-up persons whose (name key, country) is not in `taken`."""
    rng = random.Random(f"bench-sheet/{seed}")
    used: set[tuple[str, str | None]] = set(taken)
    known = list(known)
    rng.shuffle(known)
    pending = known[: int(count * KNOWN_SHARE)]
    result: list[list[str]] = []
    for number in range(count):
        if pending and rng.random() < KNOWN_SHARE * 1.5:
            given, family, country = pending.pop()
            email = ""
        else:
            draw = rng.random()
            country = "" if draw < 0.05 else rng.choice(countries) if draw < 0.15 else home
            while True:
                given = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
                family = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
                key = (name_key(given, family), country or None)
                if key not in used:
                    used.add(key)
                    break
            email = f"{given}.{family}.{number}@sheet.invalid".lower() if rng.random() < 0.3 else ""
        attended = rng.random() >= 0.05
        pre = post = ""
        if attended and rng.random() < 0.3:
            before = rng.uniform(15, 85)
            pre, post = f"{before:.1f}", f"{min(100.0, before + rng.uniform(-5, 30)):.1f}"
        result.append(
            [
                given,
                family,
                rng.choice(("female", "male", "female", "male", "")),
                str(rng.randint(1955, 2004)) if rng.random() < 0.7 else "",
                f"Synthetic institution {rng.randint(1, 400)}",
                country,
                email,
                "yes" if attended else "no",
                pre,
                post,
            ]
        )
    return result


def as_csv(sheet: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(sheet)
    return out.getvalue().encode("utf-8")


def as_xlsx(sheet: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet("Attendance")
    worksheet.append(HEADERS)
    for row in sheet:
        # Numbers as numbers, as a spreadsheet program saves them.
        worksheet.append(
            [
                int(v) if i == 3 and v else float(v) if i in (8, 9) and v else v
                for i, v in enumerate(row)
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
