"""SQL building blocks of the engine: a relation is a subquery with its parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import QuerySet


@dataclass
class Relation:
    """A SQL subquery with its parameters, to be pasted into a larger statement."""

    sql: str
    params: list[Any] = field(default_factory=list)


def relation(queryset: QuerySet[Any]) -> Relation:
    sql, params = queryset.order_by().query.sql_with_params()
    return Relation(sql, list(params))


def union_all(*querysets: QuerySet[Any]) -> Relation:
    """UNION ALL of the querysets' rows. Only for relations that feed COUNT(DISTINCT)
    and MAX, which duplicates cannot change, so the sort a plain UNION needs is saved."""
    parts = [relation(qs) for qs in querysets]
    return Relation(
        " UNION ALL ".join(f"SELECT * FROM ({part.sql}) u{i}" for i, part in enumerate(parts)),
        [param for part in parts for param in part.params],
    )


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def group_key(value: Any) -> Any:
    """Group keys come back as int, str or (on PostgreSQL, for EXTRACT) Decimal."""
    if value is None or isinstance(value, str | int):
        return value
    return int(value)
