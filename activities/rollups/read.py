"""Answers from the rollups: the sums, over the matched activities, of their cells."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from ..models import Activity, RollupCell, RollupChange
from ..stats import results
from ..stats.dimensions import Dimension
from ..stats.request import Restriction
from ..stats.sql import fetch, relation
from .shapes import kept, shape_name

Cells = dict[tuple[Any, ...], dict[str, Any]]

ROLLUPS = "rollups"
BASE_TABLES = "base tables"
_last = threading.local()


def path() -> str | None:
    """Which way this thread's last computed answer went: ROLLUPS or BASE_TABLES."""
    return getattr(_last, "path", None)


def note_path(value: str) -> None:
    _last.path = value


def answerable(
    dimensions: Sequence[Dimension], measures: Sequence[str], restriction: Restriction
) -> bool:
    """Whether the rollups hold this question (not whether they are current)."""
    if not getattr(settings, "ROLLUPS", True):
        return False
    return restriction == Restriction() and kept(dimensions, measures)


def answer(
    activities: QuerySet[Activity],
    dimensions: Sequence[Dimension],
    measures: Sequence[str],
    restriction: Restriction,
    *,
    with_totals: bool,
) -> tuple[Cells, dict[str, Any]] | None:
    """(the cells of the rows, the totals) as the engine's base-table statements give
    them, or None when the rollups do not hold the question or, in this snapshot, a
    write is not rolled up yet."""
    if not answerable(dimensions, measures, restriction):
        return None
    using = activities.db
    if RollupChange.objects.using(using).exists():
        return None
    rows = _sums(activities, shape_name([d.name for d in dimensions]), len(dimensions))
    totals: dict[str, Any] = {}
    if with_totals:
        overall = _sums(activities, "", 0).get((), {})
        if "activities" in measures:
            totals["activities"] = overall.get("activities", 0)
        if "participants" in measures:
            totals["participants"] = overall.get("participants", results.no_people())
            totals[results.NAMED] = overall.get(results.NAMED, False)
            totals["unattributed"] = None  # a restriction is never answered here
    return rows, totals


def _sums(activities: QuerySet[Activity], shape: str, width: int) -> Cells:
    matched = relation(activities.values("pk"))
    keys = ["c.k0", "c.k1"][:width]
    sql = (
        f"SELECT {''.join(key + ', ' for key in keys)}SUM(c.activities), SUM(c.total), "
        "SUM(c.female), SUM(c.male), SUM(c.not_recorded), "
        "MAX(CASE WHEN c.has_people THEN 1 ELSE 0 END), MAX(c.rank), "
        "MAX(CASE WHEN c.named THEN 1 ELSE 0 END) "
        f"FROM {RollupCell._meta.db_table} c "
        f"WHERE c.shape = %s AND c.activity_id IN ({matched.sql})"
        + (f" GROUP BY {', '.join(keys)}" if keys else "")
    )
    cells: Cells = {}
    for record in fetch(sql, [shape, *matched.params]):
        key = tuple(None if part is None else json.loads(part) for part in record[:width])
        n, total, female, male, not_recorded, has_people, rank, named = record[width:]
        if n is None:
            continue  # no cell at all: an aggregate without GROUP BY still answers
        cell: dict[str, Any] = {"activities": int(n)}
        if has_people:
            cell["participants"] = results.people(total, female, male, not_recorded, rank)
            cell[results.NAMED] = bool(named)
        cells[key] = cell
    return cells


__all__ = ["BASE_TABLES", "ROLLUPS", "answer", "answerable", "path"]
