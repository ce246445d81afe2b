"""Time the DOCX draft of a full year against a database (issue 16: under 10 s).

    python bench/report.py                     # the database of DATABASE_URL, its last year
    python bench/report.py --year 2020         # the year the seed closed for its report
    python bench/report.py --activities 100000 # first fill it: the seed, then that many

`time_docx_draft()` is what `make bench` may call (it needs Django set up): it builds the
draft of the year for the public (published records) and renders it as DOCX, twice:
`cold` right after the data version moved (no answer kept: the engine computes every
statement), `warm` with the answers kept. The target applies to the cold time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 10.0


def time_docx_draft(year: int | None = None) -> dict[str, Any]:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from activities.models import Activity
    from activities.reports import build_draft
    from activities.reports.word import render_docx

    if year is None:
        last = Activity.objects.order_by("-start_date").values_list("start_date", flat=True)
        year = last[0].year if last else 2020
    with connection.cursor() as cursor:  # what any committed write does: nothing is kept
        cursor.execute("UPDATE activities_dataversion SET version = version + 1")
    seconds = []
    size = 0
    statements = 0
    for _ in range(2):
        started = time.monotonic()
        draft = build_draft(year=year, filters={}, user=AnonymousUser())
        body = render_docx(draft, lambda path: f"https://tacbapp.example{path}")
        seconds.append(time.monotonic() - started)
        size, statements = len(body), len(draft.statements)
    return {
        "year": year,
        "activities": Activity.objects.count(),
        "statements": statements,
        "docx_kb": round(size / 1024, 1),
        "cold_seconds": round(seconds[0], 2),
        "warm_seconds": round(seconds[1], 2),
        "target_seconds": TARGET_SECONDS,
        "met": seconds[0] <= TARGET_SECONDS,
    }


def measure(env: dict[str, str] | None = None, year: int | None = None) -> dict[str, Any]:
    """`time_docx_draft` in a process of its own against the database of `env`'s
    DATABASE_URL (what `make bench` calls, with the server stopped). The same keys, and
    "error" when the draft could not be made."""
    command = [sys.executable, str(Path(__file__).resolve())]
    if year is not None:
        command += ["--year", str(year)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    try:
        return dict(json.loads(done.stdout))
    except json.JSONDecodeError:
        return {"met": False, "error": (done.stderr or done.stdout).strip()[-2000:]}


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--activities", type=int, default=0, help="Generate this many first.")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    if options.activities:
        manage("migrate", "-v0")
        manage("load_reference")
        manage("load_seed")  # the 2020 report: its figures and its closed period
        manage(
            "generate_synthetic",
            "--activities",
            str(options.activities),
            "--seed",
            str(options.seed),
            "--allow-mixed",
        )
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tacbapp.settings")
    import django

    django.setup()
    result = time_docx_draft(options.year)
    result["database"] = os.environ.get("DATABASE_URL", "sqlite (default)")
    print(json.dumps(result, indent=2))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
