"""The benchmark: build a synthetic PostgreSQL database, serve it with gunicorn, measure.

    .venv/bin/python bench/run.py --activities 100000 --database tacbapp_bench   (make bench)
    .venv/bin/python bench/run.py --smoke                                        (make bench-smoke)

Writes results.json and results.md into --out. All traffic goes to 127.0.0.1; every loop
is bounded in count and in time. The smoke run also requires the API, the SQL and the
same SQL in DuckDB (bench/duckdb_baseline.py) to give identical numbers for every query,
and exits non-zero when they do not, or on any error.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The hand-written SQL takes its rule fragments from activities.counting, which needs
# Django's app registry (not a database connection: run.py talks to PostgreSQL itself).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tacbapp.settings")
import django  # noqa: E402

django.setup()

from bench import duckdb_baseline  # noqa: E402
from bench import iati as bench_iati  # noqa: E402
from bench import queries as bench_queries  # noqa: E402
from bench import report as bench_report  # noqa: E402
from bench import writes as bench_writes  # noqa: E402

PYTHON = sys.executable
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# The same session settings as the app (tacbapp/settings.py), so that SQL is a fair floor.
PG_OPTIONS = f"-c jit=off -c work_mem={os.environ.get('PG_WORK_MEM', '32MB')}"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- The database -----------------------------------------------------------------------


def database_url(name: str) -> str:
    return f"{SERVER}/{name}"


def count_of(connection: psycopg.Connection[Any], sql: str) -> int:
    """The number a `SELECT count(*)` returns (it always returns one row)."""
    row = connection.execute(sql).fetchone()
    if row is None:
        raise RuntimeError(f"No row from {sql!r}")
    return int(row[0])


def synthetic_count(name: str) -> int | None:
    try:
        with psycopg.connect(database_url(name)) as connection:
            return count_of(
                connection, "SELECT count(*) FROM activities_activity WHERE is_synthetic"
            )
    except psycopg.Error:
        return None


def build(name: str, activities: int, seed: int, env: dict[str, str]) -> None:
    log(f"creating database {name}")
    with psycopg.connect(database_url("postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([*manage, "load_reference"], env=env, check=True)
    started = time.monotonic()
    subprocess.run(
        [*manage, "generate_synthetic", "--activities", str(activities), "--seed", str(seed)],
        env=env,
        check=True,
    )
    log(f"generated {activities} activities in {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    subprocess.run([*manage, "refresh_rollups"], env=env, check=True)
    log(f"rolled up {activities} activities in {time.monotonic() - started:.0f} s")
    vacuum(name)


def vacuum(name: str) -> None:
    """VACUUM (ANALYZE) the whole database, as autovacuum would on a database that lived
    for a while. A bulk load leaves the visibility map empty (no index-only scans); a
    migrate's rebuild of the rollups, or an earlier run's imports, leave dead rows: with
    autovacuum off (as on the bench machine), 2.7 million dead cells beside 2.7 million
    live ones, and a catch-up's SQL twice as slow (bench/README.md section 10)."""
    started = time.monotonic()
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    log(f"vacuumed and analysed in {time.monotonic() - started:.0f} s")


def bench_env(name: str) -> dict[str, str]:
    """The environment of the app's processes (migrate, gunicorn) over database `name`."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(name),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_ANON_RATE": "100000000/second",  # on, with a short history
        "PYTHONPATH": str(ROOT),
    }


def size(name: str) -> dict[str, int]:
    with psycopg.connect(database_url(name)) as connection:
        activities = count_of(connection, "SELECT count(*) FROM activities_activity")
        rows = count_of(connection, "SELECT count(*) FROM activities_beneficiarygroup")
        persons = count_of(connection, "SELECT count(*) FROM activities_participant")
        attendance = count_of(connection, "SELECT count(*) FROM activities_attendance")
        with_attendance = count_of(
            connection, "SELECT count(DISTINCT activity_id) FROM activities_attendance"
        )
    return {
        "activities": activities,
        "beneficiary_rows": rows,
        "participants": persons,
        "attendance_rows": attendance,
        "activities_with_attendance": with_attendance,
    }


# --- The server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1, 2 sync workers, serving bench.wsgi (tacbapp + query count)."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 2):
        self.port = free_port()
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "bench.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "600",
                "--chdir",
                str(ROOT),
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(self.port, "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: see {log_path}")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def worker_peak_rss_mb(self) -> float:
        peaks = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return round(max(peaks), 1) if peaks else 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# What the last response said of itself: X-Counted-From (rollups, base tables, or "").
LAST: dict[str, str] = {"counted_from": ""}


def get(port: int, path: str) -> tuple[int, bytes, float, int | None]:
    """One GET to 127.0.0.1: (status, body, seconds, queries run by the app)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        count = response.getheader("X-Query-Count")
        LAST["counted_from"] = response.getheader("X-Counted-From") or ""
        return response.status, body, elapsed, int(count) if count else None
    finally:
        connection.close()


# --- Measuring ------------------------------------------------------------------------------


def median_ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 1)


def p95_ms(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return round(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000, 1)


# At most this long to let both workers compute the mixed workload's answers once.
WARM_SECONDS = 300.0
# Requests timed right after a write (the answer computed again), per query.
COLD_RUNS = 5
# Each measurement stops after its repetitions or this many seconds (at least 5 runs).
BUDGET_SECONDS = 40.0
MINIMUM_RUNS = 5


def _runs(repetitions: int):
    started = time.monotonic()
    for run in range(repetitions):
        if run >= MINIMUM_RUNS and time.monotonic() - started > BUDGET_SECONDS:
            return
        yield run


def warm(port: int, path: str, workers: int = 2) -> None:
    """Each worker keeps its own answers: as many requests at once as there are workers
    (a busy sync worker leaves the next connection to another), then one more."""
    with ThreadPoolExecutor(workers) as pool:
        answers = list(pool.map(lambda _: get(port, path), range(workers)))
    answers.append(get(port, path))
    for status, body, _, _ in answers:
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}: {body[:300]!r}")


def timed_api(port: int, path: str, repetitions: int):
    warm(port, path)
    times, counts, body = [], [], b""
    for _ in _runs(repetitions):
        status, body, elapsed, count = get(port, path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        times.append(elapsed)
        counts.append(count)
    return times, counts, body


_WRITES = itertools.count(1)


def write_one(name: str) -> None:
    """A real committed write: one beneficiary row of one activity (a different one each
    time) saved again, as an officer's edit would, its counts unchanged so that the
    answers stay comparable with the SQL. The triggers move the data version (every cached
    answer misses) and note the activity for the rollups, which the next answer (no
    request wrote it, so no request rolled it up) must roll up before it reads them."""
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        rows = count_of(connection, "SELECT count(*) FROM activities_beneficiarygroup")
        connection.execute(
            "UPDATE activities_beneficiarygroup SET total = total WHERE id = "
            "(SELECT id FROM activities_beneficiarygroup ORDER BY id OFFSET %s LIMIT 1)",
            [next(_WRITES) * 7919 % max(rows, 1)],  # a row that exists, at any size
        )


def write_attendance(name: str) -> None:
    """A real committed write of a person's record: one attendance row (a different one
    each time) saved again, its scores unchanged. Unlike `write_one`, it moves the
    persons' rollups too: the next answer about people must roll up the activity and
    everyone who attends it before it reads them."""
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        rows = count_of(connection, "SELECT count(*) FROM activities_attendance")
        connection.execute(
            "UPDATE activities_attendance SET pre_score = pre_score WHERE id = "
            "(SELECT id FROM activities_attendance ORDER BY id OFFSET %s LIMIT 1)",
            [next(_WRITES) * 7919 % max(rows, 1)],
        )


def timed_cold(
    port: int, name: str, path: str, repetitions: int, writer: Callable[[str], None] = write_one
) -> tuple[list[float], int | None]:
    """Latency of the first request after a write (`writer`'s): the answer computed, not
    cached; and the queries the last one ran (None when the app does not say).
    LAST["cold_paths"]: where each answer was counted from."""
    times: list[float] = []
    count: int | None = 0
    paths = []
    for _ in range(repetitions):
        writer(name)
        status, _, elapsed, count = get(port, path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        times.append(elapsed)
        paths.append(LAST["counted_from"])
    LAST["cold_paths"] = ", ".join(sorted(set(paths)))
    # Each worker keeps its own cache: a cold run may leave the other worker cold too.
    return times, count


SQL_WARMUP = 2  # runs of each hand-written statement before it is timed


def timed_sql(connection, statements: list[str], params: dict, repetitions: int):
    results: list[list[tuple]] = []
    for _ in range(SQL_WARMUP):
        results = [connection.execute(sql, params).fetchall() for sql in statements]
    times = []
    for _ in _runs(repetitions):
        started = time.perf_counter()
        results = [connection.execute(sql, params).fetchall() for sql in statements]
        times.append(time.perf_counter() - started)
    return times, results


def ratio_to(milliseconds: float | None, baseline_ms: float | None) -> float | None:
    """milliseconds / baseline_ms to two decimals (None without a baseline)."""
    if milliseconds is None or not baseline_ms:
        return None
    return round(milliseconds / baseline_ms, 2)


def measure_stats(
    port: int, name: str, repetitions: int, baseline: duckdb_baseline.Baseline
) -> tuple[list[dict], list[dict]]:
    entries, checks = [], []
    with psycopg.connect(database_url(name), options=PG_OPTIONS, autocommit=True) as connection:
        for query in bench_queries.QUERIES:
            bench_queries.resolve(connection.cursor(), query.filters)
            api_times, _, body = timed_api(port, query.path, repetitions)
            cold_times, _ = timed_cold(port, name, query.path, COLD_RUNS)
            sql_times, results = timed_sql(
                connection,
                bench_queries.statements(query),
                query.filters.params,
                repetitions,
            )
            duckdb_times, duckdb_answer = baseline.stats(query, repetitions)
            api_median, sql_median = median_ms(api_times), median_ms(sql_times)
            duckdb_median = median_ms(duckdb_times)
            entries.append(
                {
                    "name": query.name,
                    "query": query.path,
                    "api_ms_median": api_median,
                    "api_ms_p95": p95_ms(api_times),
                    "sql_ms_median": sql_median,
                    # Two significant digits: a ratio far below 1 must not round to 0.
                    "ratio": float(f"{api_median / sql_median:.2g}") if sql_median else None,
                    "api_ms_cold_median": median_ms(cold_times),
                    "cold_ratio": (
                        round(median_ms(cold_times) / sql_median, 2) if sql_median else None
                    ),
                    "duckdb_ms_median": duckdb_median,
                    "cold_duckdb_ratio": ratio_to(median_ms(cold_times), duckdb_median),
                    "cold_counted_from": LAST.get("cold_paths", ""),
                }
            )
            api_answer = bench_queries.from_api(query, json.loads(body))
            sql_answer = bench_queries.from_sql(query, results)
            diff = bench_queries.differences(api_answer, sql_answer)
            duckdb_diff = bench_queries.differences(
                duckdb_answer, sql_answer, names=("DuckDB", "SQL")
            )
            checks.append(
                {
                    "name": query.name,
                    "identical": not diff,
                    "differences": diff,
                    "duckdb_identical": not duckdb_diff,
                    "duckdb_differences": duckdb_diff,
                    "hidden_cells": bench_queries.hidden_cells(api_answer),
                }
            )
            log(
                f"stats {query.name}: API {api_median} ms (p95 {entries[-1]['api_ms_p95']}), "
                f"after a write {entries[-1]['api_ms_cold_median']} ms, SQL {sql_median} ms, "
                f"DuckDB {duckdb_median} ms, "
                + ("identical" if not diff else "DIFFERENT: " + "; ".join(diff))
                + (", DuckDB identical" if not duckdb_diff else ", DuckDB DIFFERENT: ")
                + "; ".join(duckdb_diff)
                + f" ({checks[-1]['hidden_cells']} cells suppressed)"
            )
    return entries, checks


# The people measures' targets (issue 14): the answer computed after a write under 1 s,
# and no slower than the hand-written COUNT(DISTINCT ...).
PEOPLE_COLD_TARGET_MS = 1000.0


def measure_people(
    port: int, name: str, repetitions: int, baseline: duckdb_baseline.Baseline
) -> tuple[list[dict], list[dict]]:
    """The people queries: between writes (cached), right after a write (computed), the
    hand-written SQL and the same in DuckDB; the smoke run requires identical numbers."""
    entries, checks = [], []
    with psycopg.connect(database_url(name), options=PG_OPTIONS, autocommit=True) as connection:
        for query in bench_queries.PEOPLE_QUERIES:
            bench_queries.resolve(connection.cursor(), query.filters)
            api_times, _, body = timed_api(port, query.path, repetitions)
            cold_times, cold_queries = timed_cold(port, name, query.path, COLD_RUNS)
            cold_paths = LAST["cold_paths"]
            attendance_times, _ = timed_cold(
                port, name, query.path, COLD_RUNS, writer=write_attendance
            )
            sql_times, results = timed_sql(
                connection,
                bench_queries.people_statements(query),
                query.filters.params,
                repetitions,
            )
            duckdb_times, duckdb_answer = baseline.people(query, repetitions)
            api_median, sql_median = median_ms(api_times), median_ms(sql_times)
            cold_median, duckdb_median = median_ms(cold_times), median_ms(duckdb_times)
            entries.append(
                {
                    "name": query.name,
                    "query": query.path,
                    "api_ms_median": api_median,
                    "api_ms_p95": p95_ms(api_times),
                    "api_ms_cold_median": cold_median,
                    "api_ms_cold_max": round(max(cold_times) * 1000, 1),
                    "counted_from": cold_paths,
                    "api_ms_after_attendance_median": median_ms(attendance_times),
                    "api_ms_after_attendance_max": round(max(attendance_times) * 1000, 1),
                    "queries_cold": cold_queries,
                    "sql_ms_median": sql_median,
                    "ratio": float(f"{api_median / sql_median:.2g}") if sql_median else None,
                    "cold_ratio": round(cold_median / sql_median, 2) if sql_median else None,
                    "duckdb_ms_median": duckdb_median,
                    "cold_duckdb_ratio": ratio_to(cold_median, duckdb_median),
                }
            )
            api_answer = bench_queries.people_from_api(query, json.loads(body))
            sql_answer = bench_queries.people_from_sql(query, results)
            diff = bench_queries.people_differences(api_answer, sql_answer)
            duckdb_diff = bench_queries.people_differences(
                duckdb_answer, sql_answer, names=("DuckDB", "SQL")
            )
            checks.append(
                {
                    "name": query.name,
                    "identical": not diff,
                    "differences": diff,
                    "duckdb_identical": not duckdb_diff,
                    "duckdb_differences": duckdb_diff,
                    "hidden_cells": bench_queries.hidden_cells(api_answer),
                }
            )
            log(
                f"people {query.name}: API {api_median} ms, after a write {cold_median} ms "
                f"({cold_queries} queries, {cold_paths}), after an attendance write "
                f"{median_ms(attendance_times)} ms, SQL {sql_median} ms, "
                f"DuckDB {duckdb_median} ms, "
                + ("identical" if not diff else "DIFFERENT: " + "; ".join(diff))
                + (", DuckDB identical" if not duckdb_diff else ", DuckDB DIFFERENT: ")
                + "; ".join(duckdb_diff)
                + f" ({checks[-1]['hidden_cells']} cells suppressed)"
            )
    return entries, checks


# --- Importing an attendance sheet (issue 14) --------------------------------------------

IMPORT_TARGET_SECONDS = 30.0
BENCH_MANAGER = "bench-manager"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def manager_token(env: dict[str, str]) -> str:
    """A programme manager (create_role_user) and their API token (DRF's drf_create_token)."""
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "create_role_user", BENCH_MANAGER, "--role", "manager", "--no-password"],
        env=env,
        check=True,
        capture_output=True,
    )
    output = subprocess.run(
        [*manage, "drf_create_token", BENCH_MANAGER],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"Generated token (\w+) for user", output)
    if match is None:
        raise RuntimeError(f"drf_create_token said: {output!r}")
    return match.group(1)


def post_sheet(
    port: int, path: str, token: str, filename: str, content_type: str, data: bytes, dry_run: bool
) -> tuple[int, bytes, float]:
    """One multipart POST of a sheet (field `file`, and `dry_run`): (status, body, seconds)."""
    boundary = f"bench{time.monotonic_ns()}"
    parts = []
    if dry_run:
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            'name="dry_run"\r\n\r\ntrue\r\n'.encode()
        )
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        ).encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    body = b"".join(parts)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        started = time.perf_counter()
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                **({"Authorization": f"Token {token}"} if token else {}),
                "Accept": "application/json",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        response = connection.getresponse()
        answer = response.read()
        return response.status, answer, time.perf_counter() - started
    finally:
        connection.close()


def import_targets(name: str, count: int) -> list[tuple[int, str]]:
    """One published activity without attendance, in one country and no region, in each
    of the `count` countries with the most persons: (activity id, its country's ISO
    alpha-2). Each sheet then meets the persons the generator made, not the ones an
    earlier sheet of the run imported."""
    with psycopg.connect(database_url(name)) as connection:
        return [
            (int(pk), str(iso2))
            for pk, iso2 in connection.execute(
                """
                WITH home AS (
                    SELECT country_id, count(*) AS n FROM activities_participant
                    WHERE country_id IS NOT NULL
                    GROUP BY country_id ORDER BY count(*) DESC, country_id LIMIT %s)
                SELECT DISTINCT ON (home.n, home.country_id) a.id, c.iso2
                FROM activities_activity a
                JOIN activities_activity_countries ac ON ac.activity_id = a.id
                JOIN home ON home.country_id = ac.country_id
                JOIN activities_country c ON c.id = ac.country_id
                WHERE a.status = 'published'
                  AND NOT EXISTS (SELECT 1 FROM activities_attendance t WHERE t.activity_id = a.id)
                  AND NOT EXISTS (SELECT 1 FROM activities_activity_regions r
                                  WHERE r.activity_id = a.id)
                  AND (SELECT count(*) FROM activities_activity_countries o
                       WHERE o.activity_id = a.id) = 1
                ORDER BY home.n DESC, home.country_id, a.id""",
                [count],
            ).fetchall()
        ]


def sheet_for(name: str, rows: int, seed: int, home: str) -> list[list[str]]:
    from bench import sheet

    with psycopg.connect(database_url(name)) as connection:
        countries = [
            iso2
            for (iso2,) in connection.execute(
                "SELECT iso2 FROM activities_country WHERE iso2 <> '' ORDER BY iso2"
            )
        ]
        known = connection.execute(
            "SELECT p.given_name, p.family_name, c.iso2 FROM activities_participant p"
            " JOIN activities_country c ON c.id = p.country_id WHERE c.iso2 = %s"
            " ORDER BY p.id LIMIT %s",
            [home, rows],
        ).fetchall()
        taken = connection.execute(
            "SELECT p.name_key, c.iso2 FROM activities_participant p"
            " LEFT JOIN activities_country c ON c.id = p.country_id"
        ).fetchall()
    return sheet.rows(rows, seed, home=home, countries=countries, known=known, taken=taken)


def measure_import(port: int, name: str, env: dict[str, str], rows: int) -> dict[str, Any]:
    """Upload a sheet of `rows` rows as XLSX into one activity and as CSV into another:
    the preview (dry run), then the confirmed import, timed end to end. An endpoint that
    answers 404 or 405 (not built yet) is recorded as not measured."""
    from bench import sheet

    targets = import_targets(name, 2)
    if len(targets) < 2:
        return {"measured": False, "reason": "no activity to import into"}
    # Is the endpoint there? Without credentials it answers 401 (or 403); a 404 or 405 says
    # it is not (a route of a branch not merged yet): nothing more to do.
    status, _, _ = post_sheet(
        port, f"/api/v1/activities/{targets[0][0]}/attendance/import/", "", "x.csv", "text/csv",
        b"", dry_run=True,
    )  # fmt: skip
    if status in (404, 405):
        log(f"import: the endpoint answers {status}: not measured (endpoint missing)")
        return {"measured": False, "reason": f"endpoint missing (HTTP {status})"}
    token = manager_token(env)
    result: dict[str, Any] = {"measured": True, "rows": rows, "formats": []}
    for (activity, home), (label, filename, content_type, encode) in zip(
        targets,
        (
            ("XLSX", "attendance.xlsx", XLSX_TYPE, sheet.as_xlsx),
            ("CSV", "attendance.csv", "text/csv", sheet.as_csv),
        ),
        strict=True,
    ):
        started = time.perf_counter()
        data = encode(sheet_for(name, rows, len(result["formats"]) + 1, home))
        made = time.perf_counter() - started
        path = f"/api/v1/activities/{activity}/attendance/import/"
        entry: dict[str, Any] = {
            "format": label,
            "activity": activity,
            "bytes": len(data),
            "sheet_made_s": round(made, 2),
        }
        status, body, preview_s = post_sheet(
            port, path, token, filename, content_type, data, dry_run=True
        )
        if status in (404, 405):
            log(f"import: {path} answers {status}: not measured (endpoint missing)")
            return {"measured": False, "reason": f"endpoint missing (HTTP {status})"}
        entry.update(preview_status=status, preview_s=round(preview_s, 2))
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {}
        entry["preview_counts"] = answer.get("counts")
        entry["preview_bytes"] = len(body)
        if status != 200:
            entry["errors"] = (answer.get("errors") or [body[:300].decode(errors="replace")])[:5]
            log(f"import {label}: preview HTTP {status}: {entry['errors']}")
            result["formats"].append(entry)
            continue
        status, body, confirm_s = post_sheet(
            port, path, token, filename, content_type, data, dry_run=False
        )
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {}
        entry.update(
            confirm_status=status,
            confirm_s=round(confirm_s, 2),
            total_s=round(preview_s + confirm_s, 2),
            created=answer.get("created"),
            matched=answer.get("matched"),
            attendance_created=answer.get("attendance_created"),
        )
        if status != 201:
            entry["errors"] = (answer.get("errors") or [body[:300].decode(errors="replace")])[:5]
        with psycopg.connect(database_url(name)) as connection:
            entry["attendance_rows_after"] = count_of(
                connection,
                f"SELECT count(*) FROM activities_attendance WHERE activity_id = {activity:d}",
            )
        log(
            f"import {label} ({rows} rows, {len(data):,} bytes): preview {preview_s:.1f} s "
            f"(HTTP 200, {entry['preview_counts']}), confirm {confirm_s:.1f} s (HTTP {status}), "
            f"end to end {preview_s + confirm_s:.1f} s; {entry['attendance_rows_after']} "
            "attendance rows"
        )
        # Its people are rolled up after the response (RollupMiddleware): the next sheet
        # is timed once that is done, in the conditions this one had, and how long it
        # took is reported beside.
        entry["rolled_up_after_s"] = wait_for_roll_up(name)
        log(f"import {label}: rolled up {entry['rolled_up_after_s']} s after its response")
        result["formats"].append(entry)
    return result


def wait_for_roll_up(name: str, timeout: float = 300.0) -> float | None:
    """Seconds until no rollup note is left (None: still some after `timeout`)."""
    started = time.monotonic()
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        while time.monotonic() - started < timeout:
            if not count_of(connection, "SELECT count(*) FROM activities_rollupchange"):
                return round(time.monotonic() - started, 1)
            time.sleep(0.25)
    return None


# --- Writes (issue 18) ----------------------------------------------------------------

# A write of an activity with 10 rows, the rollup maintenance included: median under this.
WRITE_TARGET_MS = 30.0
# The mixed throughput while one activity is written a second: at least this x trivial.
WRITES_THROUGHPUT_TARGET_RATIO = 0.5


def statuses(codes: list[int]) -> dict[str, int]:
    """How many answers had each HTTP status ("0": no answer), as JSON keys."""
    return {str(code): codes.count(code) for code in sorted(set(codes))}


def in_words(counted: dict[str, int]) -> str:
    """{"201": 10, "0": 1} as "201 x 10, 0 x 1"; "none" when empty."""
    return ", ".join(f"{code} x {count}" for code, count in counted.items()) or "none"


def delete_written(port: int, token: str, written: list[bench_writes.Written]) -> dict[str, Any]:
    """Delete every activity the writes made, through the API (a write too: its history,
    its rollups), so that the database is again what the generator made: the IATI
    export and the report draft after the server stops, and a later --reuse run, see
    none of them. Their statuses and times."""
    deleted = [
        bench_writes.delete_activity(port, token, entry) for entry in written if entry.activity
    ]
    return {
        "deleted": len(deleted),
        "delete_ms_median": median_ms([s for _, s in deleted]) if deleted else None,
        "delete_statuses": statuses([status for status, _ in deleted]),
        "delete_errors": sum(status != 204 for status, _ in deleted),
    }


def rows_and_notes(name: str, written: list[bench_writes.Written]) -> tuple[int, int]:
    """The beneficiary rows the writes saved, and the rollup notes left: none when each
    writing request rolled up what it wrote before it answered."""
    ids = [entry.activity for entry in written if entry.activity]
    with psycopg.connect(database_url(name)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM activities_beneficiarygroup WHERE activity_id = ANY(%s)",
            [ids],
        ).fetchone()
        notes = count_of(connection, "SELECT count(*) FROM activities_rollupchange")
    return (int(row[0]) if row else 0), notes


def measure_writes(port: int, name: str, env: dict[str, str], repetitions: int) -> dict[str, Any]:
    """POST `repetitions` published activities with ten beneficiary rows each, one after
    another, as a manager's API client: each timed end to end (the writing request rolls
    up what it wrote before it answers). Then delete them all again. Runs after every
    answer the bench compares with the SQL, as the import does, because each write
    changes the public answers until its activity is deleted."""
    token = manager_token(env)
    # The first write of each worker imports and prepares what writes need: two at once.
    with ThreadPoolExecutor(2) as pool:
        warm_up = list(pool.map(lambda n: bench_writes.post_activity(port, token, n), (1, 2)))
    timed = [bench_writes.post_activity(port, token, 3 + n) for n in range(repetitions)]
    ok = [entry for entry in timed if entry.status == 201]
    rows, notes_left = rows_and_notes(name, ok)
    seconds = [entry.seconds for entry in ok]
    queries = [entry.queries for entry in ok if entry.queries is not None]
    result: dict[str, Any] = {
        "writes": len(timed),
        "rows_per_activity": bench_writes.ROWS,
        "ms_median": median_ms(seconds) if seconds else None,
        "ms_p95": p95_ms(seconds) if seconds else None,
        "ms_max": round(max(seconds) * 1000, 1) if seconds else None,
        "statuses": statuses([entry.status for entry in timed]),
        "errors": len(timed) - len(ok) + sum(e.status != 201 for e in warm_up),
        "error_bodies": [entry.error for entry in [*warm_up, *timed] if entry.error][:3],
        "queries_median": statistics.median_low(queries) if queries else None,
        "queries_min": min(queries, default=None),
        "queries_max": max(queries, default=None),
        "rows_written": rows,
        "rollup_notes_left": notes_left,
    }
    if rows != bench_writes.ROWS * len(ok):
        result["errors"] += 1
        result["error_bodies"].append(f"{rows} rows saved for {len(ok)} activities")
    result.update(delete_written(port, token, [*warm_up, *timed]))
    log(
        f"writes: {len(ok)} of {len(timed)} activities of {bench_writes.ROWS} rows, median "
        f"{result['ms_median']} ms (p95 {result['ms_p95']}), {result['queries_median']} "
        f"queries ({result['queries_min']}-{result['queries_max']}), HTTP {result['statuses']},"
        f" {notes_left} rollup notes left; deleted {result['deleted']} "
        f"(median {result['delete_ms_median']} ms, HTTP {result['delete_statuses']})"
    )
    return result


def measure_throughput_with_writes(
    port: int, env: dict[str, str], seconds: float, trivial_rps: float
) -> dict[str, Any]:
    """The mixed workload of measure_throughput, 16 clients, while one more thread POSTs
    one activity of ten rows a second: every write moves the data version, so both
    workers compute the answers again after each. Compared with the trivial endpoint's
    rate measured without writes; the activities are deleted afterwards."""
    token = manager_token(env)
    writer = bench_writes.Writer(port, token, first_number=1001)
    writer.start()
    try:
        mixed_rps, done, read_errors = load(port, mixed_paths(), 16, seconds, limit=200_000)
    finally:
        written = writer.stop()
    ok = [entry for entry in written if entry.status == 201]
    write_errors = len(written) - len(ok)
    result: dict[str, Any] = {
        "mixed_rps": mixed_rps,
        "trivial_rps": trivial_rps,
        "ratio": float(f"{mixed_rps / trivial_rps:.2g}") if trivial_rps else None,
        "read_errors": read_errors,
        "writes": len(written),
        "writes_per_second": writer.rate,
        "write_errors": write_errors,
        "write_statuses": statuses([entry.status for entry in written]),
        "write_ms_median": median_ms([e.seconds for e in ok]) if ok else None,
        "write_ms_max": round(max(e.seconds for e in ok) * 1000, 1) if ok else None,
        "errors": read_errors + write_errors,
    }
    result.update(delete_written(port, token, written))
    log(
        f"throughput with one write a second: mixed {mixed_rps} rps ({done} ok, "
        f"{read_errors} errors), ratio {result['ratio']} to trivial; {len(written)} writes "
        f"(HTTP {result['write_statuses']}, median {result['write_ms_median']} ms)"
    )
    return result


DETAIL_LINK = re.compile(rb'href="/activities/(\d+)/"')


def measure_lists(port: int, name: str, repetitions: int) -> tuple[list[dict], list[str]]:
    entries, notes = [], []
    for label, base in (
        ("API activities", "/api/v1/activities/"),
        ("HTML activities", "/activities/"),
    ):
        for page_size in (20, 100):
            path = f"{base}?page_size={page_size}"
            times, counts, body = timed_api(port, path, repetitions)
            cold_times, cold_queries = timed_cold(port, name, path, COLD_RUNS)
            served = page_size
            if base.startswith("/api/"):
                served = len(json.loads(body)["results"])
            else:
                served = len(set(DETAIL_LINK.findall(body)))
            # The same page further on must cost the same number of queries, computed.
            # Asked once before the write, as page 1 was: an API page keeps each
            # activity's representation (answer_cache/records.py), and a page never seen
            # would serialise all of them, which page 1 after its write did not.
            get(port, f"{path}&page=3")
            write_one(name)
            _, _, _, later = get(port, f"{path}&page=3")
            # A repeated request is a cache hit, unless it reached the worker that had not
            # computed it yet: then it costs what a computed one costs.
            if len(set(counts) - {cold_queries}) > 1 or later != cold_queries:
                notes.append(
                    f"{label} {page_size}: queries vary: {sorted(set(counts))}, computed "
                    f"page 1: {cold_queries}, page 3: {later}"
                )
            if served != page_size:
                notes.append(f"{label}: asked for {page_size} per page, served {served}")
            entries.append(
                {
                    "name": label,
                    "page_size": served,
                    "ms_median": median_ms(times),
                    "queries": statistics.median_low(counts),
                    "ms_cold_median": median_ms(cold_times),
                    "queries_cold": cold_queries,
                }
            )
            log(
                f"list {label} page_size={page_size}: {median_ms(times)} ms, "
                f"{statistics.median_low(counts)} queries; after a write "
                f"{median_ms(cold_times)} ms, {cold_queries} queries; {served} rows"
            )
    return entries, notes


# The projects whose results are measured: the first two synthetic projects of seed 1.
RESULTS_PROJECTS = ("synthetic-1-1", "synthetic-1-2")


def measure_results(port: int, name: str, repetitions: int) -> tuple[list[dict], list[str]]:
    """The results of a project with ten indicators over three periods (issue 15), HTML
    and API: between writes and right after one, with the queries each costs. A second
    project, computed after a write, must cost the same number of queries as the first;
    and each computed indicator's first actual must be what /api/v1/stats/ answers."""
    entries, notes = [], []
    first, second = RESULTS_PROJECTS
    for label, template in (
        ("HTML results", "/projects/{code}/results/"),
        ("API results", "/api/v1/projects/{code}/results/"),
    ):
        path = template.format(code=first)
        times, counts, body = timed_api(port, path, repetitions)
        cold_times, cold_queries = timed_cold(port, name, path, COLD_RUNS)
        write_one(name)
        _, _, _, other = get(port, template.format(code=second))
        if other != cold_queries:
            notes.append(
                f"{label}: queries vary between projects: {cold_queries} for {first}, "
                f"{other} for {second}"
            )
        if label.startswith("API"):
            notes += _results_agree_with_stats(port, first, json.loads(body))
        entries.append(
            {
                "name": label,
                "ms_median": median_ms(times),
                "queries": statistics.median_low(counts),
                "ms_cold_median": median_ms(cold_times),
                "queries_cold": cold_queries,
                "queries_cold_other_project": other,
            }
        )
        log(
            f"{label}: {median_ms(times)} ms, {statistics.median_low(counts)} queries; after "
            f"a write {median_ms(cold_times)} ms, {cold_queries} queries ({other} for {second})"
        )
    return entries, notes


def _results_agree_with_stats(port: int, code: str, answer: Any) -> list[str]:
    """Each computed indicator's whole actual for each year equals the stats API's."""
    items = answer["results"] if isinstance(answer, dict) and "results" in answer else answer
    notes = []
    for item in items:
        indicator = item["indicator"]
        if indicator["kind"] != "computed":
            continue
        for cell in item["cells"]:
            if cell["part"] or cell["quarter"] or cell["actual"] is None:
                continue
            params = {**indicator["filters"], "project": code, "year": cell["year"]}
            params["measures"] = indicator["measure"]
            query = "&".join(f"{key}={value}" for key, value in sorted(params.items()))
            status, body, _, _ = get(port, f"/api/v1/stats/?{query}")
            if status != 200:
                notes.append(f"results check: /api/v1/stats/?{query}: HTTP {status}")
                continue
            value = json.loads(body)["totals"][indicator["measure"]]
            expected = (
                value if isinstance(value, int) else value.get("total", value.get("at_least"))
            )
            if cell["actual"]["value"] != expected:
                notes.append(
                    f"results check: indicator {indicator['code']} {cell['year']}: results "
                    f"{cell['actual']['value']}, stats {expected}"
                )
    return notes


def load(
    port: int, paths: list[str], clients: int, seconds: float, limit: int
) -> tuple[float, int, int]:
    """`clients` threads GET `paths` in turn for `seconds` (at most `limit` requests)."""
    done = errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(offset: int) -> None:
        nonlocal done, errors
        index = offset
        while time.monotonic() < stop_at:
            with lock:
                if done + errors >= limit:
                    return
            try:
                status = get(port, paths[index % len(paths)])[0]
                ok = status == 200
            except OSError:
                ok = False
            with lock:
                if ok:
                    done += 1
                else:
                    errors += 1
            index += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return round(done / elapsed, 1), done, errors


def mixed_paths() -> list[str]:
    """The mixed workload: the ten stats queries, the API lists at 20 and 100, the HTML list."""
    return [query.path for query in bench_queries.QUERIES] + [
        "/api/v1/activities/?page_size=20",
        "/api/v1/activities/?page_size=100",
        "/activities/?page_size=20",
    ]


def measure_throughput(port: int, seconds: float) -> dict:
    mixed = mixed_paths()
    # Between writes every worker answers from its cache; right after one, each computes
    # each answer once. Warm both workers first, and say how long that took.
    started = time.monotonic()
    _, _, warm_errors = load(port, mixed, 16, WARM_SECONDS, limit=16 * 2 * len(mixed))
    warm_seconds = round(time.monotonic() - started, 1)
    log(f"warm-up after the last write: {warm_seconds} s, {warm_errors} errors")
    mixed_rps, mixed_done, mixed_errors = load(port, mixed, 16, seconds, limit=200_000)
    trivial_rps, trivial_done, trivial_errors = load(port, ["/healthz"], 16, seconds, limit=200_000)
    log(
        f"throughput: mixed {mixed_rps} rps ({mixed_done} ok, {mixed_errors} errors), "
        f"trivial {trivial_rps} rps ({trivial_done} ok, {trivial_errors} errors)"
    )
    return {
        "mixed_rps": mixed_rps,
        "trivial_rps": trivial_rps,
        # Two significant digits: a ratio far below 1 must not round to 0.
        "ratio": float(f"{mixed_rps / trivial_rps:.2g}") if trivial_rps else None,
        "errors": mixed_errors + trivial_errors,
        "warm_up_seconds": warm_seconds,
        "warm_up_errors": warm_errors,
    }


# --- Reporting ------------------------------------------------------------------------------


def people_targets(results: dict) -> list[str]:
    """The issue-14 target lines: people computed under 1 s and no slower than the SQL,
    and the import under 30 s end to end."""
    people = results.get("people", [])
    slow = [e["name"] for e in people if e["api_ms_cold_median"] >= PEOPLE_COLD_TARGET_MS]
    over_sql = [e["name"] for e in people if e["cold_ratio"] is None or e["cold_ratio"] > 1.0]
    lines = [
        "- people, computed answer (after a write) under 1 s: "
        + ("met" if not slow else "missed by " + ", ".join(slow)),
        "- people, computed answer no slower than the hand-written SQL: "
        + ("met" if not over_sql else "missed by " + ", ".join(over_sql)),
    ]
    imported = results.get("import") or {}
    if not imported.get("measured"):
        lines.append(
            f"- import of a 50,000-row sheet under 30 s end to end: not measured "
            f"({imported.get('reason', 'not run')})"
        )
    else:
        missed = [
            f"{e['format']} ({e.get('total_s')} s)"
            for e in imported["formats"]
            if e.get("confirm_status") != 201 or (e.get("total_s") or 1e9) >= IMPORT_TARGET_SECONDS
        ]
        lines.append(
            f"- import of a {imported['rows']:,}-row sheet under 30 s end to end: "
            + ("met" if not missed else "missed by " + ", ".join(missed))
        )
    return lines


def writes_lines(results: dict) -> list[str]:
    writes = results.get("writes")
    loaded = results.get("throughput_with_writes")  # not measured by bench/large.py
    if not writes:
        return ["Not measured."]
    lines = [
        f"A published activity with {writes['rows_per_activity']} beneficiary rows POSTed to"
        " `/api/v1/activities/` with a manager's token, timed end to end: the writing request"
        " rolls up what it wrote before it answers (RollupMiddleware), so the time and the"
        " queries include the rollup maintenance. Every activity written is deleted again"
        " through the API afterwards.",
        "",
        "| write | activities | median ms | p95 ms | max ms | queries per request | HTTP |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| POST, one after another | {writes['writes']} | {writes['ms_median']} "
        f"| {writes['ms_p95']} | {writes['ms_max']} | {writes['queries_median']} "
        f"({writes['queries_min']}-{writes['queries_max']}) | {in_words(writes['statuses'])} |",
    ]
    if loaded:
        lines.append(
            f"| POST, one a second under the mixed load ({loaded['writes_per_second']} a "
            f"second) | {loaded['writes']} | {loaded['write_ms_median']} | | "
            f"{loaded['write_ms_max']} | | {in_words(loaded['write_statuses'])} |"
        )
    lines += [
        f"| DELETE of the activities POSTed one after another | {writes['deleted']} "
        f"| {writes['delete_ms_median']} | | | | {in_words(writes['delete_statuses'])} |",
        "",
        f"Rows saved by the POSTs one after another: {writes['rows_written']}; rollup notes"
        f" left after them: {writes['rollup_notes_left']} (0: each request rolled up what it"
        " wrote).",
    ]
    if not loaded:
        return lines
    return [
        *lines[:-1],
        lines[-1] + f" The {loaded['deleted']} activities written under load were deleted too"
        f" ({in_words(loaded['delete_statuses'])}).",
        "",
        "| throughput, 16 concurrent clients | requests per second |",
        "|---|---:|",
        f"| mixed, with one write a second | {loaded['mixed_rps']} |",
        f"| trivial (`/healthz`, without writes) | {loaded['trivial_rps']} |",
        f"| ratio | {loaded['ratio']} |",
        f"| errors (reads, writes) | {loaded['read_errors']}, {loaded['write_errors']} |",
    ]


def writes_targets(results: dict) -> list[str]:
    """Issue 18's write targets: the write's median, and the mixed throughput with writes."""
    writes = results.get("writes")
    loaded = results.get("throughput_with_writes")
    if not writes or not loaded:
        return [
            "- write of an activity with 10 rows: median under 30 ms (including the rollup "
            "maintenance): not measured",
            "- mixed throughput with one write per second at least 0.5x trivial, 0 errors: "
            "not measured",
        ]
    fast = (
        writes["ms_median"] is not None
        and writes["ms_median"] < WRITE_TARGET_MS
        and not writes["errors"]
    )
    held = (loaded["ratio"] or 0) >= WRITES_THROUGHPUT_TARGET_RATIO and not loaded["errors"]
    return [
        "- write of an activity with 10 rows: median under 30 ms (including the rollup "
        f"maintenance): {'met' if fast else 'missed'} ({writes['ms_median']} ms, "
        f"{writes['errors']} errors)",
        "- mixed throughput with one write per second at least 0.5x trivial, 0 errors: "
        f"{'met' if held else 'missed'} ({loaded['ratio']}x, {loaded['errors']} errors)",
    ]


def iati_lines(results: dict) -> list[str]:
    iati = results.get("iati")
    if not iati:
        return ["Not measured."]
    if not iati["valid"]:
        return ["The file did not pass validation: " + "; ".join(iati["problems"])]
    return [
        "`manage.py export_iati` (bench/iati.py) in its own process, the server stopped: the"
        " file the feed builds on its first poll after a write, each iati-activity checked"
        " against the XSD and the rules as it is written.",
        "",
        "| iati-activity elements | of them projects | seconds | CPU seconds of the export "
        "| peak memory MB | file MB |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {iati['activities']:,} | {iati['projects']} | {iati['seconds']} "
        f"| {iati.get('cpu_seconds')} | {iati['peak_rss_mb']} | {iati['file_mb']} |",
        "",
        "The CPU seconds are the export process's own; the database's (the projects' results"
        " above all) are not in them.",
    ]


def report_lines(results: dict) -> list[str]:
    draft = results.get("report_draft")
    if not draft:
        return ["Not measured."]
    if "error" in draft:
        return ["The draft failed: " + draft["error"]]
    return [
        "bench/report.py in its own process, the server stopped: the draft of the year for"
        " the public, built and rendered as DOCX right after a write (cold: every statement"
        " computed) and again with its answers kept (warm).",
        "",
        "| year | activities in the database | statements | DOCX KB | cold s | warm s |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {draft['year']} | {draft['activities']:,} | {draft['statements']} "
        f"| {draft['docx_kb']} | {draft['cold_seconds']} | {draft['warm_seconds']} |",
    ]


def report_target(results: dict) -> str:
    draft = results.get("report_draft")
    if not draft:
        return "- DOCX draft of a year under 10 s: not measured"
    if "error" in draft:
        return "- DOCX draft of a year under 10 s: missed (the draft failed)"
    outcome = "met" if draft["met"] else "missed"
    return f"- DOCX draft of a year under 10 s: {outcome} ({draft['cold_seconds']} s after a write)"


def iati_target(results: dict) -> str:
    iati = results.get("iati")
    targets = "under 60 s and 300 MB, valid"
    if not iati:
        return f"- IATI export {targets}: not measured"
    if not iati["valid"]:
        return f"- IATI export {targets}: missed (the file is invalid)"
    outcome = "met" if iati["met"] else "missed"
    return (
        f"- IATI export {targets}: {outcome} ({iati['seconds']} s, {iati['peak_rss_mb']} MB, "
        f"{iati['activities']:,} elements)"
    )


def _results_target(results: dict, notes: list[str]) -> str:
    entries = results.get("results", [])
    if not entries:
        return "not measured"
    slow = [e["name"] for e in entries if e["ms_median"] >= 50]
    varying = [note for note in notes if "queries vary between projects" in note]
    disagree = [note for note in notes if note.startswith("results check")]
    if not (slow or varying or disagree):
        return "met"
    return "missed (" + "; ".join([*slow, *varying, *disagree]) + ")"


def yes_no(identical: bool | None) -> str:
    return "not measured" if identical is None else ("yes" if identical else "NO")


def duckdb_summary(results: dict) -> str:
    """The baseline's setup in a phrase: version, threads, what the export cost."""
    baseline = results.get("duckdb")
    if not baseline:
        return "not measured"
    return (
        f"DuckDB {baseline['duckdb_version']}, in memory, {baseline['threads']} threads;"
        f" {len(baseline['tables'])} tables, {baseline['csv_mb']} MB of CSV, exported by"
        f" COPY in {baseline['export_seconds']} s and loaded in {baseline['load_seconds']} s,"
        " once"
    )


# An analyst's alternative (issue 18): the app's first answer after a write within this
# many times DuckDB's over the same tables.
DUCKDB_COLD_TARGET_RATIO = 2.0


def duckdb_targets(results: dict) -> list[str]:
    """One line each for the stats and the people queries: the first answer after a write
    within 2x DuckDB's time, and the queries that miss it with their ratio."""
    lines = []
    for part, label in (("stats", "stats"), ("people", "people")):
        entries = results.get(part, [])
        if not entries or "cold_duckdb_ratio" not in entries[0]:
            lines.append(
                f"- {label}, first answer after a write within {DUCKDB_COLD_TARGET_RATIO:g}x"
                " DuckDB: not measured"
            )
            continue
        missed = [
            f"{e['name']} ({e['cold_duckdb_ratio']}x)"
            for e in entries
            if e["cold_duckdb_ratio"] is None or e["cold_duckdb_ratio"] > DUCKDB_COLD_TARGET_RATIO
        ]
        met = len(entries) - len(missed)
        lines.append(
            f"- {label}, first answer after a write within {DUCKDB_COLD_TARGET_RATIO:g}x DuckDB: "
            + ("met" if not missed else f"met by {met} of {len(entries)}, missed by ")
            + ", ".join(missed)
        )
    return lines


def shared_cache(asked: str) -> str:
    """The Redis URL of the answers' shared tier to serve with, or "" for none."""
    if asked == "none":
        return ""
    if asked != "auto":
        return asked
    import redis

    url = "redis://127.0.0.1:6379/2"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        log("no Redis at 127.0.0.1:6379: served without the shared tier")
        return ""
    return url


def markdown(results: dict, checks: list[dict], notes: list[str]) -> str:
    size = results["size"]
    shared = results.get("shared_cache")
    tier = f"the answers' shared tier in Redis ({shared})" if shared else "no shared tier"
    lines = [
        "# Benchmark results",
        "",
        f"{size['activities']:,} activities, {size['beneficiary_rows']:,} beneficiary rows; "
        f"gunicorn (2 sync workers, {tier}) on 127.0.0.1, PostgreSQL on the same 2-core "
        "machine. Written by `bench/run.py`; see bench/README.md for what each figure means.",
        "",
        "## /api/v1/stats/ against hand-written SQL",
        "",
        "The API's figures are those a client sees between writes (the answer cached under the"
        " data version); *after a write* is the first request after a real write (one"
        " beneficiary row saved again): the answer computed again, from the rollups when they"
        " hold the question (the request first rolls up the written activity) or else from"
        " the base tables, as *counted from* says. *DuckDB* is an analyst's"
        " baseline: the same hand-written SQL in DuckDB over the tables exported from"
        f" PostgreSQL ({duckdb_summary(results)}). *Same numbers*: the API's answer is the"
        " SQL's; *same as DuckDB*: DuckDB's answer is the SQL's.",
        "",
        "| query | API median ms | API p95 ms | after a write ms | after a write counted from "
        "| SQL median ms | DuckDB median ms | API / SQL | after a write / SQL "
        "| after a write / DuckDB | same numbers | same as DuckDB |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    identical = {check["name"]: check["identical"] for check in checks}
    as_duckdb = {check["name"]: check.get("duckdb_identical") for check in checks}
    for entry in results["stats"]:
        lines.append(
            f"| {entry['name']} (`{entry['query']}`) | {entry['api_ms_median']} | "
            f"{entry['api_ms_p95']} | {entry.get('api_ms_cold_median')} | "
            f"{entry.get('cold_counted_from', '')} | "
            f"{entry['sql_ms_median']} | {entry.get('duckdb_ms_median')} | {entry['ratio']} | "
            f"{entry.get('cold_ratio')} | {entry.get('cold_duckdb_ratio')} | "
            f"{'yes' if identical[entry['name']] else 'NO'} | "
            f"{yes_no(as_duckdb[entry['name']])} |"
        )
    lines += [
        "",
        "## People (counting rule 9) against hand-written COUNT(DISTINCT ...)",
        "",
        f"{size.get('participants', 0):,} synthetic persons, "
        f"{size.get('attendance_rows', 0):,} attendance rows at "
        f"{size.get('activities_with_attendance', 0):,} activities. *Computed* is the first"
        " request after a real write (one beneficiary row saved straight into PostgreSQL,"
        " its counts unchanged): it answers from the persons' rollups (the public questions,"
        " and a country's, with or without a year) or from the base tables (the others"
        " restricted to a place), as *counted from* says. Such a write moves no person's"
        " cells, so it need not be rolled up first. *After an attendance write* is the first"
        " request after one attendance row is saved straight into PostgreSQL: the request"
        " first rolls up its activity and everyone who attends it, then answers. The SQL"
        " counts the same persons straight from the tables.",
        "",
        "| query | API median ms (cached) | computed ms (median of 5) | computed max ms "
        "| counted from | after an attendance write ms (median of 5; max) "
        "| SQL median ms | DuckDB median ms | computed / SQL | after a write / DuckDB "
        "| same numbers | same as DuckDB |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for entry in results.get("people", []):
        lines.append(
            f"| {entry['name']} (`{entry['query']}`) | {entry['api_ms_median']} | "
            f"{entry['api_ms_cold_median']} | {entry['api_ms_cold_max']} | "
            f"{entry.get('counted_from')} | {entry.get('api_ms_after_attendance_median')}; "
            f"{entry.get('api_ms_after_attendance_max')} | "
            f"{entry['sql_ms_median']} | {entry.get('duckdb_ms_median')} | "
            f"{entry['cold_ratio']} | {entry.get('cold_duckdb_ratio')} | "
            f"{'yes' if identical[entry['name']] else 'NO'} | "
            f"{yes_no(as_duckdb[entry['name']])} |"
        )
    imported = results.get("import") or {}
    lines += ["", "## Importing an attendance sheet", ""]
    if not imported.get("measured"):
        lines.append(f"Not measured: {imported.get('reason', 'not run')}.")
    else:
        lines += [
            f"{imported['rows']:,} rows, POSTed with a manager's token to"
            " `/api/v1/activities/{id}/attendance/import/`: the preview (`dry_run=true`), then"
            " the import; end to end is the two requests' time. Each sheet's people are"
            " rolled up after its response; the next sheet is timed once that is done"
            " (*rolled up s after*), so that each is timed alone.",
            "",
            "| format | bytes | preview s | import s | end to end s | preview counts "
            "| created | matched | HTTP | rolled up s after |",
            "|---|---:|---:|---:|---:|---|---:|---:|---|---:|",
        ]
        for entry in imported["formats"]:
            lines.append(
                f"| {entry['format']} | {entry['bytes']:,} | {entry.get('preview_s')} | "
                f"{entry.get('confirm_s')} | {entry.get('total_s')} | "
                f"{entry.get('preview_counts')} | {entry.get('created')} | "
                f"{entry.get('matched')} | {entry.get('preview_status')}, "
                f"{entry.get('confirm_status')} | {entry.get('rolled_up_after_s')} |"
            )
    lines += [
        "",
        "## Activities list",
        "",
        "| list | page size | median ms | queries per request | after a write ms "
        "| queries after a write |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for entry in results["list"]:
        lines.append(
            f"| {entry['name']} | {entry['page_size']} | {entry['ms_median']} "
            f"| {entry['queries']} | {entry.get('ms_cold_median')} "
            f"| {entry.get('queries_cold')} |"
        )
    lines += [
        "",
        "## Results of a project (ten indicators over three periods)",
        "",
        "| page | median ms | queries per request | after a write ms | queries after a write "
        "| another project after a write |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for entry in results.get("results", []):
        lines.append(
            f"| {entry['name']} | {entry['ms_median']} | {entry['queries']} "
            f"| {entry['ms_cold_median']} | {entry['queries_cold']} "
            f"| {entry['queries_cold_other_project']} |"
        )
    lines += ["", "## IATI export of every published activity", "", *iati_lines(results)]
    lines += ["", "## The DOCX report draft of a year", "", *report_lines(results)]
    throughput = results["throughput"]
    lines += [
        "",
        "## Throughput, 16 concurrent clients",
        "",
        "| workload | requests per second |",
        "|---|---:|",
        "| mixed (the ten stats queries, API lists at 20 and 100, HTML list) "
        f"| {throughput['mixed_rps']} |",
        f"| trivial (`/healthz`) | {throughput['trivial_rps']} |",
        f"| ratio | {throughput['ratio']} |",
        f"| errors | {throughput['errors']} |",
        "",
        "Before the run, 16 clients sent each request of the mix twice, so that both workers"
        " had computed every answer once, as after any write: that took "
        f"{throughput.get('warm_up_seconds')} s ({throughput.get('warm_up_errors')} errors).",
        "",
        f"Peak resident memory of a worker (VmHWM): {results['worker_peak_rss_mb']} MB.",
        "",
        "## Writes",
        "",
        *writes_lines(results),
        "",
        "## Targets",
        "",
    ]
    slow = [e["name"] for e in results["stats"] if e["api_ms_median"] >= 100]
    over_sql = [e["name"] for e in results["stats"] if e["ratio"] and e["ratio"] > 1.0]
    at_20 = [e for e in results["list"] if e["page_size"] == 20]
    lines += [
        f"- stats under 100 ms median: {'met' if not slow else 'missed by ' + ', '.join(slow)}",
        "- stats at most 1.0x SQL: "
        + ("met" if not over_sql else "missed by " + ", ".join(over_sql)),
        "- lists (API and HTML) under 50 ms at page size 20: "
        + ("met" if at_20 and all(e["ms_median"] < 50 for e in at_20) else "missed"),
        "- lists: the same number of queries on every request and every page: "
        + ("met" if not any("queries vary" in note for note in notes) else "missed"),
        "- results of a project under 50 ms (as the lists), the same queries for every "
        "project: " + _results_target(results, notes),
        "- mixed throughput at least 0.5x trivial: "
        + ("met" if (throughput["ratio"] or 0) >= 0.5 else "missed"),
        f"- zero errors: {'met' if throughput['errors'] == 0 else 'missed'}",
        *writes_targets(results),
        *people_targets(results),
        *duckdb_targets(results),
        iati_target(results),
        report_target(results),
        "",
        "Not targets, but what the first request after a write costs (the write went"
        " straight into PostgreSQL, so this request first rolls it up, then computes the"
        " answer from the rollups or the base tables, as the stats table says): stats "
        + ", ".join(f"{e['name']} {e.get('api_ms_cold_median')} ms" for e in results["stats"])
        + "; lists "
        + ", ".join(
            f"{e['name']} {e['page_size']} {e.get('ms_cold_median')} ms" for e in results["list"]
        )
        + ".",
    ]
    if notes:
        lines += ["", "## Notes", "", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--database", default="tacbapp_bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0, help="Of each throughput run.")
    parser.add_argument(
        "--sheet-rows", type=int, default=50_000, help="Rows of the imported attendance sheet."
    )
    parser.add_argument(
        "--writes", type=int, default=30, help="Activities of ten rows POSTed, timed."
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database if it holds the size asked."
    )
    parser.add_argument(
        "--shared-cache",
        metavar="REDIS_URL",
        default="auto",
        help="Serve with ANSWER_CACHE_SHARED_URL set to this (flushed first): 'auto' (the "
        "default) takes redis://127.0.0.1:6379/2 when it answers, 'none' serves without.",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="3,000 activities in tacbapp_bench_ci, few repetitions, results in bench/data/smoke;"
        " fails unless API and SQL agree.",
    )
    args = parser.parse_args()
    # Stopped from outside: still stop gunicorn (the `finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.smoke:
        args.activities, args.database = 3000, "tacbapp_bench_ci"
        args.repetitions, args.seconds = 5, 3.0
        args.sheet_rows = 2_000
        args.writes = 10
        args.out = ROOT / "bench" / "data" / "smoke"
    args.out.mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "data").mkdir(exist_ok=True)

    env = bench_env(args.database)
    shared = shared_cache(args.shared_cache)
    if shared:
        import redis

        redis.Redis.from_url(shared).flushdb()  # no answers of an earlier run
        env["ANSWER_CACHE_SHARED_URL"] = shared
        # The API throttles stay in each worker's memory: the bench measures answers, and
        # its rate limit is out of reach anyway (bench_env); a deployment on several
        # machines counts them in Redis too (README, "Scale").
        env["THROTTLE_CACHE_URL"] = ""
    if not (args.reuse and synthetic_count(args.database) == args.activities):
        build(args.database, args.activities, args.seed, env)
    else:
        vacuum(args.database)  # what a migrate or the last run left (vacuum's docstring)
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    results: dict = {"size": size(args.database), "shared_cache": shared}
    log(f"size: {results['size']}")
    # An analyst's baseline: the tables the hand-written SQL reads, exported once into an
    # in-memory DuckDB, before the server starts (nothing else reads the database then).
    baseline = duckdb_baseline.Baseline.from_postgres(
        database_url(args.database), ROOT / "bench" / "data" / "duckdb" / args.database
    )
    results["duckdb"] = baseline.describe()
    log(f"DuckDB baseline: {duckdb_summary(results)}")
    server = Server(env, ROOT / "bench" / "data" / "gunicorn.log")
    try:
        results["stats"], checks = measure_stats(
            server.port, args.database, args.repetitions, baseline
        )
        results["people"], people_checks = measure_people(
            server.port, args.database, args.repetitions, baseline
        )
        checks += people_checks
        baseline.close()
        results["list"], notes = measure_lists(server.port, args.database, args.repetitions)
        results["results"], result_notes = measure_results(
            server.port, args.database, args.repetitions
        )
        notes += result_notes
        results["throughput"] = measure_throughput(server.port, args.seconds)
        results["worker_peak_rss_mb"] = server.worker_peak_rss_mb()
        # Writes change the public answers until their activities are deleted: after
        # every answer compared with the SQL, as the import.
        results["throughput_with_writes"] = measure_throughput_with_writes(
            server.port, env, args.seconds, results["throughput"]["trivial_rps"]
        )
        results["writes"] = measure_writes(server.port, args.database, env, args.writes)
        # Last: an import writes, and every answer cached before it is then stale.
        results["import"] = measure_import(server.port, args.database, env, args.sheet_rows)
    finally:
        server.stop()
    # The IATI export of every published activity (issue 16), with the server stopped: its
    # own process, timed with its peak memory, as the feed's first poll after a write.
    log("IATI export")
    results["iati"] = bench_iati.measure(env)
    log(f"IATI export: {results['iati']}")
    # The DOCX report draft of the last year, right after a write (issue 16: under 10 s).
    log("report draft")
    results["report_draft"] = bench_report.measure(env)
    log(f"report draft: {results['report_draft']}")
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(markdown(results, checks, notes))
    log(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    failures = [c for c in checks if not c["identical"]]
    if failures:
        log(
            "API and SQL disagree: "
            + "; ".join(f"{c['name']}: {c['differences']}" for c in failures)
        )
    duckdb_failures = [c for c in checks if not c["duckdb_identical"]]
    if duckdb_failures:
        log(
            "DuckDB and SQL disagree: "
            + "; ".join(f"{c['name']}: {c['duckdb_differences']}" for c in duckdb_failures)
        )
    if results["throughput"]["errors"]:
        log(f"{results['throughput']['errors']} errors under load")
    write_errors = (
        results["writes"]["errors"]
        + results["writes"]["delete_errors"]
        + results["throughput_with_writes"]["errors"]
        + results["throughput_with_writes"]["delete_errors"]
    )
    if write_errors:
        log(
            f"{write_errors} write errors: {results['writes']['error_bodies']}, under load "
            f"{results['throughput_with_writes']['write_statuses']}"
        )
    failed_imports = [
        f for f in results["import"].get("formats", []) if f.get("confirm_status") != 201
    ]
    if failed_imports:
        log(f"import failed: {failed_imports}")
    disagreeing = [note for note in notes if note.startswith("results check")]
    if disagreeing:
        log("results and stats disagree: " + "; ".join(disagreeing))
    if not results["iati"]["valid"]:
        log(f"the IATI file is invalid: {results['iati']['problems']}")
    draft_failed = "error" in results["report_draft"]
    if draft_failed:
        log(f"the report draft failed: {results['report_draft']['error']}")
    if args.smoke and (
        failures
        or duckdb_failures
        or results["throughput"]["errors"]
        or write_errors
        or failed_imports
        or disagreeing
        or not results["iati"]["valid"]
        or draft_failed
    ):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
