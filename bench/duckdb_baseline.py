"""An analyst's baseline: the hand-written SQL of bench/queries.py, run by DuckDB.

What a user who does not want the app would pick instead: export the tables from
PostgreSQL, load them into DuckDB (in memory, columnar, every core) and aggregate there.
The benchmark prints its times beside the API's and PostgreSQL's, and requires its
numbers to be the hand-written SQL's.

- **Export** (`Baseline.from_postgres`): each table the hand-written statements name,
  whole, with psycopg's `COPY ... TO STDOUT (FORMAT csv, HEADER)` into
  `bench/data/duckdb/<database>/<table>.csv` (git-ignored). DuckDB's own `postgres`
  extension would read PostgreSQL directly, but DuckDB downloads it on first use, and
  this machine has no internet.
- **Load**: one DuckDB table per file, typed as in PostgreSQL (`PG_TYPES`: bigint as
  BIGINT, numeric(5,2) as DECIMAL(5,2), jsonb as text), no index (DuckDB scans). A
  quoted empty string stays an empty string, as in PostgreSQL (`allow_quoted_nulls`).
  Both steps are timed once.
- **Query** (`Baseline.stats`, `Baseline.people`): the same statements as PostgreSQL's
  (`queries.statements(query, dialect="duckdb")`: only the years an activity spans are
  written differently), with psycopg's `%(name)s` placeholders as DuckDB's `$name`. Each
  query is timed as the PostgreSQL side is: two warm-up runs, then its repetitions (at
  least 5, at most about 40 seconds); the answer goes through `queries.from_sql` /
  `people_from_sql`, the shape the smoke run compares.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from bench import queries as bench_queries

# PostgreSQL's information_schema data_type -> DuckDB's type. numeric keeps its precision
# and scale (below); any type not named here is read as text.
PG_TYPES = {
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "smallint": "SMALLINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp with time zone": "TIMESTAMPTZ",
    "timestamp without time zone": "TIMESTAMP",
    "double precision": "DOUBLE",
    "real": "REAL",
    "uuid": "UUID",
    "character varying": "VARCHAR",
    "text": "VARCHAR",
}

BUDGET_SECONDS = 40.0
MINIMUM_RUNS = 5
WARMUP_RUNS = 2

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TABLE_NAME = re.compile(r"\bactivities_\w+")


def to_duckdb(sql: str) -> str:
    """psycopg's `%(name)s` placeholders as DuckDB's `$name`, and `%%` as `%`."""
    return PLACEHOLDER.sub(r"$\1", sql).replace("%%", "%")


def tables_read() -> list[str]:
    """The tables the hand-written statements of every query name (sorted)."""
    statements: list[str] = []
    for query in bench_queries.QUERIES:
        statements += bench_queries.statements(query)
    for people_query in bench_queries.PEOPLE_QUERIES:
        statements += bench_queries.people_statements(people_query)
    return sorted({name for sql in statements for name in TABLE_NAME.findall(sql)})


def _duckdb_type(data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        return f"DECIMAL({precision}, {scale})" if precision is not None else "DOUBLE"
    return PG_TYPES.get(data_type, "VARCHAR")


@dataclass
class Baseline:
    """An in-memory DuckDB holding the exported tables, and what exporting them cost."""

    connection: duckdb.DuckDBPyConnection
    export_seconds: float  # PostgreSQL COPY to the CSV files
    load_seconds: float  # the CSV files into DuckDB tables
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    csv_bytes: int = 0

    @classmethod
    def from_postgres(cls, database_url: str, directory: Path) -> Baseline:
        """Export the tables the hand-written SQL reads from `database_url` into
        `directory` (replacing earlier files) and load them into a new DuckDB."""
        directory.mkdir(parents=True, exist_ok=True)
        names = tables_read()
        columns: dict[str, list[str]] = {}
        started = time.perf_counter()
        with psycopg.connect(database_url) as source:
            source.execute("SET TIME ZONE 'UTC'")
            for table in names:
                described = source.execute(
                    "SELECT column_name, data_type, numeric_precision, numeric_scale"
                    " FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = %s"
                    " ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                columns[table] = [
                    f'"{name}" {_duckdb_type(data_type, precision, scale)}'
                    for name, data_type, precision, scale in described
                ]
                with (
                    (directory / f"{table}.csv").open("wb") as file,
                    source.cursor().copy(
                        f'COPY "{table}" TO STDOUT (FORMAT csv, HEADER)'  # table from our SQL
                    ) as copy,
                ):
                    for chunk in copy:
                        file.write(chunk)
        export_seconds = time.perf_counter() - started

        started = time.perf_counter()
        connection = duckdb.connect(":memory:")
        for table in names:
            connection.execute(f'CREATE TABLE "{table}" ({", ".join(columns[table])})')
            connection.execute(
                f"COPY \"{table}\" FROM '{directory / f'{table}.csv'}'"
                " (FORMAT csv, HEADER, allow_quoted_nulls false)"
            )
        load_seconds = time.perf_counter() - started
        tables = {table: _count(connection, table) for table in names}
        return cls(
            connection=connection,
            export_seconds=round(export_seconds, 2),
            load_seconds=round(load_seconds, 2),
            tables=tables,
            csv_bytes=sum((directory / f"{table}.csv").stat().st_size for table in names),
        )

    def describe(self) -> dict[str, Any]:
        """What results.json records of the baseline."""
        return {
            "duckdb_version": duckdb.__version__,
            "threads": int(_one(self.connection, "SELECT current_setting('threads')")),
            "export_seconds": self.export_seconds,
            "load_seconds": self.load_seconds,
            "csv_mb": round(self.csv_bytes / 1e6, 1),
            "tables": self.tables,
        }

    def timed(
        self, statements: list[str], params: dict[str, Any], repetitions: int
    ) -> tuple[list[float], list[list[tuple[Any, ...]]]]:
        """Each run executes every statement; (seconds per run, the last run's rows)."""
        prepared = [
            (to_duckdb(sql), {k: params[k] for k in set(PLACEHOLDER.findall(sql))})
            for sql in statements
        ]
        results: list[list[tuple[Any, ...]]] = []
        for _ in range(WARMUP_RUNS):
            results = [self.connection.execute(sql, used).fetchall() for sql, used in prepared]
        times: list[float] = []
        began = time.monotonic()
        for run in range(repetitions):
            if run >= MINIMUM_RUNS and time.monotonic() - began > BUDGET_SECONDS:
                break
            started = time.perf_counter()
            results = [self.connection.execute(sql, used).fetchall() for sql, used in prepared]
            times.append(time.perf_counter() - started)
        return times, results

    def stats(
        self, query: bench_queries.StatsQuery, repetitions: int
    ) -> tuple[list[float], dict[str, Any]]:
        """A stats query's times and its answer in `queries.from_sql`'s shape. The query's
        filters must be resolved (`queries.resolve`) against the exported database."""
        times, results = self.timed(
            bench_queries.statements(query, dialect="duckdb"), query.filters.params, repetitions
        )
        return times, bench_queries.from_sql(query, results)

    def people(
        self, query: bench_queries.PeopleQuery, repetitions: int
    ) -> tuple[list[float], dict[str, Any]]:
        """A people query's times and its answer in `queries.people_from_sql`'s shape."""
        times, results = self.timed(
            bench_queries.people_statements(query), query.filters.params, repetitions
        )
        return times, bench_queries.people_from_sql(query, results)

    def close(self) -> None:
        self.connection.close()


def _one(connection: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = connection.execute(sql).fetchone()
    if row is None:
        raise RuntimeError(f"No row from {sql!r}")
    return row[0]


def _count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(_one(connection, f'SELECT count(*) FROM "{table}"'))
