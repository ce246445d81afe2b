"""The benchmark: build a synthetic PostgreSQL database, serve it with gunicorn, measure.

    .venv/bin/python bench/run.py --activities 100000 --database tacbapp_bench   (make bench)
    .venv/bin/python bench/run.py --smoke                                        (make bench-smoke)

Writes results.json and results.md into --out. All traffic goes to 127.0.0.1; every loop
is bounded in count and in time. The smoke run also requires the API and the SQL to give
identical numbers for every query, and exits non-zero when they do not, or on any error.
"""

from __future__ import annotations

import argparse
import http.client
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

from bench import queries as bench_queries  # noqa: E402

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
    # A bulk load leaves the visibility map empty: VACUUM sets it, so that index-only
    # scans can work, as they would on a database that lived for a while.
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    log("vacuumed and analysed")


def size(name: str) -> dict[str, int]:
    with psycopg.connect(database_url(name)) as connection:
        activities = count_of(connection, "SELECT count(*) FROM activities_activity")
        rows = count_of(connection, "SELECT count(*) FROM activities_beneficiarygroup")
    return {"activities": activities, "beneficiary_rows": rows}


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
                "120",
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


def bump_version(name: str) -> None:
    """What any committed write does to the data version: every cached answer misses."""
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        connection.execute("UPDATE activities_dataversion SET version = version + 1")


def timed_cold(port: int, name: str, path: str, repetitions: int) -> tuple[list[float], int | None]:
    """Latency of the first request after a write: the answer computed, not cached; and
    the queries the last one ran (None when the app does not say)."""
    times: list[float] = []
    count: int | None = 0
    for _ in range(repetitions):
        bump_version(name)
        status, _, elapsed, count = get(port, path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        times.append(elapsed)
    # Each worker keeps its own cache: a cold run may leave the other worker cold too.
    return times, count


def timed_sql(connection, statements: list[str], params: dict, repetitions: int, warmup: int = 2):
    results: list[list[tuple]] = []
    for _ in range(warmup):
        results = [connection.execute(sql, params).fetchall() for sql in statements]
    times = []
    for _ in _runs(repetitions):
        started = time.perf_counter()
        results = [connection.execute(sql, params).fetchall() for sql in statements]
        times.append(time.perf_counter() - started)
    return times, results


def measure_stats(port: int, name: str, repetitions: int) -> tuple[list[dict], list[dict]]:
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
            api_median, sql_median = median_ms(api_times), median_ms(sql_times)
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
                }
            )
            diff = bench_queries.differences(
                bench_queries.from_api(query, json.loads(body)),
                bench_queries.from_sql(query, results),
            )
            checks.append({"name": query.name, "identical": not diff, "differences": diff})
            log(
                f"stats {query.name}: API {api_median} ms (p95 {entries[-1]['api_ms_p95']}), "
                f"after a write {entries[-1]['api_ms_cold_median']} ms, SQL {sql_median} ms, "
                + ("identical" if not diff else "DIFFERENT: " + "; ".join(diff))
            )
    return entries, checks


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
            bump_version(name)
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


def measure_throughput(port: int, seconds: float) -> dict:
    mixed = [query.path for query in bench_queries.QUERIES] + [
        "/api/v1/activities/?page_size=20",
        "/api/v1/activities/?page_size=100",
        "/activities/?page_size=20",
    ]
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


def markdown(results: dict, checks: list[dict], notes: list[str]) -> str:
    size = results["size"]
    lines = [
        "# Benchmark results",
        "",
        f"{size['activities']:,} activities, {size['beneficiary_rows']:,} beneficiary rows; "
        "gunicorn (2 sync workers) on 127.0.0.1, PostgreSQL on the same 2-core machine. "
        "Written by `bench/run.py`; see bench/README.md for what each figure means.",
        "",
        "## /api/v1/stats/ against hand-written SQL",
        "",
        "The API's figures are those a client sees between writes (the answer cached under the"
        " data version); *after a write* is the first request after the data version moved,"
        " when the answer is computed again from the base tables.",
        "",
        "| query | API median ms | API p95 ms | after a write ms | SQL median ms | API / SQL "
        "| after a write / SQL | same numbers |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    identical = {check["name"]: check["identical"] for check in checks}
    for entry in results["stats"]:
        lines.append(
            f"| {entry['name']} (`{entry['query']}`) | {entry['api_ms_median']} | "
            f"{entry['api_ms_p95']} | {entry.get('api_ms_cold_median')} | "
            f"{entry['sql_ms_median']} | {entry['ratio']} | {entry.get('cold_ratio')} | "
            f"{'yes' if identical[entry['name']] else 'NO'} |"
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
        "- mixed throughput at least 0.5x trivial: "
        + ("met" if (throughput["ratio"] or 0) >= 0.5 else "missed"),
        f"- zero errors: {'met' if throughput['errors'] == 0 else 'missed'}",
        "",
        "Not targets, but what the first request after a write costs (the answer computed"
        " from the base tables): stats "
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
        "--reuse", action="store_true", help="Keep the database if it holds the size asked."
    )
    parser.add_argument(
        "--shared-cache",
        metavar="REDIS_URL",
        default="",
        help="Serve with ANSWER_CACHE_SHARED_URL set to this (flushed first).",
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
        args.out = ROOT / "bench" / "data" / "smoke"
    args.out.mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "data").mkdir(exist_ok=True)

    env = {
        **os.environ,
        "DATABASE_URL": database_url(args.database),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_ANON_RATE": "100000000/second",  # on, with a short history
        "PYTHONPATH": str(ROOT),
    }
    if args.shared_cache:
        import redis

        redis.Redis.from_url(args.shared_cache).flushdb()  # no answers of an earlier run
        env["ANSWER_CACHE_SHARED_URL"] = args.shared_cache
    if not (args.reuse and synthetic_count(args.database) == args.activities):
        build(args.database, args.activities, args.seed, env)
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    results: dict = {"size": size(args.database)}
    log(f"size: {results['size']}")
    server = Server(env, ROOT / "bench" / "data" / "gunicorn.log")
    try:
        results["stats"], checks = measure_stats(server.port, args.database, args.repetitions)
        results["list"], notes = measure_lists(server.port, args.database, args.repetitions)
        results["throughput"] = measure_throughput(server.port, args.seconds)
        results["worker_peak_rss_mb"] = server.worker_peak_rss_mb()
    finally:
        server.stop()
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(markdown(results, checks, notes))
    log(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    failures = [c for c in checks if not c["identical"]]
    if failures:
        log(
            "API and SQL disagree: "
            + "; ".join(f"{c['name']}: {c['differences']}" for c in failures)
        )
    if results["throughput"]["errors"]:
        log(f"{results['throughput']['errors']} errors under load")
    if args.smoke and (failures or results["throughput"]["errors"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
