"""The benchmark's analyst baseline (bench/duckdb_baseline.py) runs the hand-written SQL
of bench/queries.py in DuckDB. Every statement must run there, over tables shaped as the
models are, and the one written differently (the years an activity spans) must give a
row per year, as generate_series does in PostgreSQL. The smoke run (PostgreSQL) then
requires DuckDB's numbers to be the SQL's."""

from __future__ import annotations

import dataclasses

import duckdb
import pytest
from django.apps import apps
from django.db import models

from activities import counting
from bench import duckdb_baseline, queries

DUCKDB_TYPE_OF = {
    "BigAutoField": "BIGINT",
    "BooleanField": "BOOLEAN",
    "DateField": "DATE",
    "DateTimeField": "TIMESTAMPTZ",
    "FloatField": "DOUBLE",
    "PositiveIntegerField": "INTEGER",
    "PositiveSmallIntegerField": "SMALLINT",
}
# What `queries.resolve` would find in a database; any value binds.
RESOLVED = {
    "region_path": "001/019/013/",
    "country_id": 1,
    "theme_id": 1,
    "q": "%cryptocurrencies%",
    "year_start": "2020-01-01",
    "year_end": "2020-12-31",
}


def duckdb_type(field: models.Field) -> str:
    target = getattr(field, "target_field", None)
    if target is not None:  # a foreign key holds its target's type
        return duckdb_type(target)
    if isinstance(field, models.DecimalField):
        return f"DECIMAL({field.max_digits}, {field.decimal_places})"
    return DUCKDB_TYPE_OF.get(field.get_internal_type(), "VARCHAR")


@pytest.fixture
def baseline() -> duckdb_baseline.Baseline:
    """An in-memory DuckDB with an empty table for each table the SQL reads."""
    tables = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    connection = duckdb.connect(":memory:")
    for name in duckdb_baseline.tables_read():
        columns = ", ".join(
            f'"{field.column}" {duckdb_type(field)}' for field in tables[name]._meta.concrete_fields
        )
        connection.execute(f'CREATE TABLE "{name}" ({columns})')
    yield duckdb_baseline.Baseline(connection=connection, export_seconds=0, load_seconds=0)
    connection.close()


def resolved(query):
    """The query with its filters' parameters, as `queries.resolve` leaves them."""
    return dataclasses.replace(
        query, filters=dataclasses.replace(query.filters, params=dict(RESOLVED))
    )


def test_placeholders_become_duckdbs_and_like_patterns_keep_one_percent():
    sql = "SELECT 1 WHERE a.title LIKE %(q)s AND c.path LIKE %(region_path)s || '%%'"
    assert duckdb_baseline.to_duckdb(sql) == (
        "SELECT 1 WHERE a.title LIKE $q AND c.path LIKE $region_path || '%'"
    )


@pytest.mark.parametrize("query", queries.QUERIES, ids=lambda query: query.name)
def test_every_stats_statement_runs_in_duckdb(baseline, query):
    times, answer = baseline.stats(resolved(query), repetitions=1)
    assert len(times) == 1
    assert answer["totals"]["participants"] == (0, 0, 0, 0, "exact")


@pytest.mark.parametrize("query", queries.PEOPLE_QUERIES, ids=lambda query: query.name)
def test_every_people_statement_runs_in_duckdb(baseline, query):
    _, answer = baseline.people(resolved(query), repetitions=1)
    assert answer["totals"][0][0] == 0


def test_an_activity_over_three_years_counts_once_in_each_year_in_duckdb(baseline):
    baseline.connection.execute(
        "INSERT INTO activities_activity (id, kind, title, description, status, delivery,"
        " start_date, end_date) VALUES (1, 'workshop', 'A', '', 'published', ?,"
        " DATE '2019-05-01', DATE '2021-02-01')",
        [counting.COUNTED_BY_DEFAULT[0]],
    )
    by_year = queries.StatsQuery("by year", "group_by=year", queries.Filters(), ("year",))
    _, answer = baseline.stats(by_year, repetitions=1)
    assert {key: row[0] for key, row in answer["rows"].items()} == {
        (2019,): 1,
        (2020,): 1,
        (2021,): 1,
    }
