"""The benchmark at a million activities (issue 18, `make bench-large`).

    .venv/bin/python bench/large.py [--activities 1000000] [--database tacbapp_bench_large]
                                    [--reuse]

Builds the database as `make bench` does (run.build: migrate, the reference data,
`generate_synthetic`, `refresh_rollups`, VACUUM ANALYZE), timing each step, then serves
it with gunicorn and measures what issue 18 asks of this size: the ten stats queries and
the people queries (between writes, right after a write, the hand-written SQL and the
same in DuckDB, and whether the numbers are the same), the lists, and the writes of an
activity with ten rows. The import, the IATI export, the report draft and the throughput
runs are `make bench`'s: at this size they would add an hour and say nothing new.

At this size a hand-written statement can take tens of seconds, so each is run once
after no warm-up, and each computed answer three times (run.py runs five, after two
warm-ups). Writes bench/large/results.json and results.md.

Targets: the build under 15 minutes; every answer computed after a write under 1 s;
every answer identical to the SQL and DuckDB.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tacbapp.settings")
import django  # noqa: E402

django.setup()

from bench import duckdb_baseline, run  # noqa: E402

BUILD_TARGET_SECONDS = 15 * 60
COMPUTED_TARGET_MS = 1000.0


def timed_build(name: str, activities: int, seed: int, env: dict[str, str]) -> dict[str, Any]:
    """run.build, with the seconds of each step (from its log lines) and of the whole."""
    started = time.monotonic()
    run.build(name, activities, seed, env)
    return {"seconds": round(time.monotonic() - started, 1), "activities": activities}


def _computed(results: dict[str, Any]) -> list[tuple[str, float | None]]:
    """(what, ms) of every answer computed right after a write."""
    return [
        *((f"stats: {e['name']}", e.get("api_ms_cold_median")) for e in results["stats"]),
        *((f"people: {e['name']}", e.get("api_ms_cold_median")) for e in results["people"]),
        *(
            (f"list: {e['name']} {e['page_size']}", e.get("ms_cold_median"))
            for e in results["list"]
        ),
    ]


def markdown(results: dict[str, Any], checks: list[dict], notes: list[str]) -> str:
    size = results["size"]
    build = results.get("build")
    identical = {c["name"]: c["identical"] for c in checks}
    as_duckdb = {c["name"]: c.get("duckdb_identical") for c in checks}
    lines = [
        "# Benchmark results at a million activities (`make bench-large`)",
        "",
        f"{size['activities']:,} activities, {size['beneficiary_rows']:,} beneficiary rows, "
        f"{size.get('participants', 0):,} persons, {size.get('attendance_rows', 0):,} "
        "attendance rows; gunicorn (2 sync workers) on 127.0.0.1, PostgreSQL on the same "
        "2-core machine. Written by `bench/large.py`; the columns are those of "
        "bench/results.md (bench/README.md says what each means), each computed answer the "
        "median of 3, each SQL and DuckDB statement run once.",
        "",
        (
            f"Built in {build['seconds']:,} s ({build['seconds'] / 60:.1f} min): migrate, "
            "reference data, `generate_synthetic`, `refresh_rollups`, VACUUM ANALYZE."
            if build
            else "Built by an earlier run (`--reuse`): its build time is in that run's log."
        ),
        "",
        f"DuckDB: {run.duckdb_summary(results)}.",
        "",
        "## /api/v1/stats/",
        "",
        "| query | between writes ms | after a write ms | counted from | SQL ms | DuckDB ms "
        "| after a write / SQL | same numbers | same as DuckDB |",
        "|---|---:|---:|---|---:|---:|---:|---|---|",
    ]
    for e in results["stats"]:
        lines.append(
            f"| {e['name']} | {e['api_ms_median']} | {e['api_ms_cold_median']} "
            f"| {e.get('cold_counted_from', '')} | {e['sql_ms_median']} "
            f"| {e.get('duckdb_ms_median')} | {e.get('cold_ratio')} "
            f"| {run.yes_no(identical[e['name']])} | {run.yes_no(as_duckdb[e['name']])} |"
        )
    lines += [
        "",
        "## People",
        "",
        "| query | between writes ms | after a write ms | SQL ms | DuckDB ms "
        "| after a write / SQL | same numbers | same as DuckDB |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for e in results["people"]:
        lines.append(
            f"| {e['name']} | {e['api_ms_median']} | {e['api_ms_cold_median']} "
            f"| {e['sql_ms_median']} | {e.get('duckdb_ms_median')} | {e.get('cold_ratio')} "
            f"| {run.yes_no(identical[e['name']])} | {run.yes_no(as_duckdb[e['name']])} |"
        )
    lines += [
        "",
        "## Lists",
        "",
        "| list | page size | between writes ms | after a write ms | queries after a write |",
        "|---|---:|---:|---:|---:|",
    ]
    for e in results["list"]:
        lines.append(
            f"| {e['name']} | {e['page_size']} | {e['ms_median']} | {e.get('ms_cold_median')} "
            f"| {e.get('queries_cold')} |"
        )
    lines += ["", "## Writes", "", *run.writes_lines(results), "", "## Targets", ""]
    slow = [f"{what} ({ms} ms)" for what, ms in _computed(results) if (ms or 0) >= 1000]
    different = [c["name"] for c in checks if not c["identical"]]
    different_duckdb = [c["name"] for c in checks if not c.get("duckdb_identical")]
    if build:
        met = build["seconds"] < BUILD_TARGET_SECONDS
        lines.append(
            f"- built in under 15 minutes: {'met' if met else 'missed'} "
            f"({build['seconds'] / 60:.1f} min)"
        )
    lines += [
        "- every answer computed after a write under 1 s: "
        + ("met" if not slow else "missed by " + "; ".join(slow)),
        "- every answer identical to the SQL: "
        + ("met" if not different else "missed by " + ", ".join(different)),
        "- every answer identical to DuckDB: "
        + ("met" if not different_duckdb else "missed by " + ", ".join(different_duckdb)),
    ]
    if notes:
        lines += ["", "## Notes", "", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--database", default="tacbapp_bench_large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "large")
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database if it holds the size asked."
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # One run of each statement, no warm-up; three computed answers (see the docstring).
    run.MINIMUM_RUNS, run.BUDGET_SECONDS, run.SQL_WARMUP, run.COLD_RUNS = 1, 5.0, 0, 3
    duckdb_baseline.MINIMUM_RUNS, duckdb_baseline.WARMUP_RUNS = 1, 0
    duckdb_baseline.BUDGET_SECONDS = 5.0
    repetitions = 3
    args.out.mkdir(parents=True, exist_ok=True)
    env = run.bench_env(args.database)
    results: dict[str, Any] = {}
    if not (args.reuse and run.synthetic_count(args.database) == args.activities):
        results["build"] = timed_build(args.database, args.activities, args.seed, env)
        run.log(f"built in {results['build']['seconds']} s")
    subprocess.run(
        [run.PYTHON, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
    )
    results["size"] = run.size(args.database)
    baseline = duckdb_baseline.Baseline.from_postgres(
        run.database_url(args.database), ROOT / "bench" / "data" / "duckdb" / args.database
    )
    results["duckdb"] = baseline.describe()
    run.log(f"DuckDB baseline: {run.duckdb_summary(results)}")
    server = run.Server(env, ROOT / "bench" / "data" / "gunicorn-large.log")
    try:
        results["stats"], checks = run.measure_stats(
            server.port, args.database, repetitions, baseline
        )
        results["people"], people_checks = run.measure_people(
            server.port, args.database, repetitions, baseline
        )
        checks += people_checks
        baseline.close()
        results["list"], notes = run.measure_lists(server.port, args.database, repetitions)
        results["writes"] = run.measure_writes(server.port, args.database, env, args.writes)
    finally:
        server.stop()
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(markdown(results, checks, notes))
    run.log(f"wrote {args.out / 'results.md'}")
    return 1 if any(not c["identical"] for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
