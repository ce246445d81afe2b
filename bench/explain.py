"""EXPLAIN ANALYZE the SQL that one /api/v1/stats/ request runs, slowest statement first.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tacbapp_bench \\
        .venv/bin/python bench/explain.py "group_by=country" [--plans 1]

The request runs in-process through the Django test client (the real view, filters and
engine); each statement it sends is captured, then run again under
EXPLAIN (ANALYZE, BUFFERS). Used to choose the indexes recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tacbapp.settings")
os.environ.setdefault("API_ANON_RATE", "100000000/second")

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("query", help="the query string of /api/v1/stats/")
    parser.add_argument("--plans", type=int, default=1, help="how many plans to print")
    parser.add_argument("--path", default="/api/v1/stats/")
    args = parser.parse_args()

    captured: list[tuple[str, object, float]] = []

    plans: dict[int, str] = {}

    def capture(execute, sql, params, many, context):
        started = time.perf_counter()
        result = execute(sql, params, many, context)
        captured.append((sql, params, time.perf_counter() - started))
        if sql.lstrip().upper().startswith("SELECT"):
            # Explained at once: a statement may read the request's temporary table of
            # matched activities, which is gone once the request ends.
            # (A cursor of the driver's own, so that this is not captured in its turn.)
            with psycopg.ClientCursor(connection.connection) as explain:
                explain.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plans[len(captured) - 1] = "\n".join(row[0] for row in explain.fetchall())
        return result

    client = Client()
    started = time.perf_counter()
    with connection.execute_wrapper(capture):
        response = client.get(f"{args.path}?{args.query}", HTTP_ACCEPT="application/json")
    total = time.perf_counter() - started
    print(
        f"HTTP {response.status_code} in {total * 1000:.1f} ms (each SELECT run twice: itself"
        f" and explained), {len(captured)} statements"
    )
    ranked = sorted(enumerate(captured), key=lambda item: item[1][2], reverse=True)
    for _, (sql, _, seconds) in ranked:
        print(f"  {seconds * 1000:8.1f} ms  {' '.join(sql.split())[:150]}")
    for index, (sql, _, seconds) in ranked[: args.plans]:
        print(f"\n-- {seconds * 1000:.1f} ms --\n{sql}\n")
        print(plans.get(index, "(not a SELECT: not explained)"))


if __name__ == "__main__":
    main()
