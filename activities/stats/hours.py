"""The hours measures (counting rule 12): `hours` of delivery of the distinct activities
in each cell, and their totals; `person_hours` per cell is computed with the
participations (participants.participant_measures, the same placement of rows), its
total here.

An activity without recorded hours adds nothing and makes a sum a lower bound: each
answer says how many activities (or participations) had none. An activity whose hours
are the sum of its sessions' known durations, some unknown (`hours_at_least`, counting
rule 13), makes it a lower bound too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import Coalesce

from .. import counting
from . import results
from .cells import activity_cells
from .dimensions import Dimension
from .matched import Matched
from .sql import Relation, fetch, group_key, relation

Cells = dict[tuple[Any, ...], dict[str, Any]]


def per_distinct_activity(
    matched: Matched, dimensions: Sequence[Dimension], activity: Relation, aggregates: str
) -> list[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """[(cell, values)]: `aggregates` (SQL over the alias `a`, one row per activity of
    the relation `activity`, with its `id`) over the distinct activities of each cell:
    the cells of the activities measure, so that the measures always agree. An activity
    counts once per cell, whatever the number of its keys' combinations leading there
    (countries, rows)."""
    keys = [f"c.k{index}" for index in range(len(dimensions))]
    if dimensions:
        cells = activity_cells(matched, dimensions)
        columns = ", ".join(f"c0.k{index}" for index in range(len(dimensions)))
        distinct = f"SELECT DISTINCT c0.a_id AS a_id, {columns} FROM ({cells.sql}) c0"
        source = f"({distinct}) c JOIN ({activity.sql}) a ON a.id = c.a_id"
        params = list(cells.params) + list(activity.params)
    else:
        source = f"({activity.sql}) a"
        params = list(activity.params)
    sql = f"SELECT {''.join(key + ', ' for key in keys)}{aggregates} FROM {source}" + (
        f" GROUP BY {', '.join(keys)}" if keys else ""
    )
    return [
        (tuple(group_key(v) for v in record[: len(keys)]), tuple(record[len(keys) :]))
        for record in fetch(sql, params)
    ]


def hour_measures(matched: Matched, dimensions: Sequence[Dimension]) -> Cells:
    """{cell: {"hours": {...}}}: SUM of hours over the distinct activities of each cell."""
    activity = relation(matched.activities.values("id", "hours", "hours_at_least"))
    aggregates = (
        "SUM(a.hours), SUM(CASE WHEN a.hours IS NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN a.hours_at_least THEN 1 ELSE 0 END)"
    )
    return {
        key: {"hours": results.hours(*values)}
        for key, values in per_distinct_activity(matched, dimensions, activity, aggregates)
    }


def hours_total(matched: Matched) -> dict[str, Any]:
    values = matched.activities.aggregate(
        hours_sum=Sum("hours"),
        without_hours=Count("pk", filter=Q(hours__isnull=True)),
        at_least=Count("pk", filter=Q(hours_at_least=True)),
    )
    return results.hours(values["hours_sum"], values["without_hours"], values["at_least"])


def person_hours_total(matched: Matched) -> dict[str, Any]:
    """Participations x hours over the rows whose people belong to the restriction."""
    with_hours = Q(activity__hours__isnull=False)
    values = matched.rows_in.aggregate(
        person_hours=Sum(
            ExpressionWrapper(
                F("total") * F("activity__hours"),
                output_field=DecimalField(max_digits=20, decimal_places=2),
            )
        ),
        participations_without_hours=Coalesce(Sum("total", filter=~with_hours), 0),
        qualifier_rank=Max(counting.rank(), filter=with_hours),
        rows_at_least=Count("pk", filter=Q(activity__hours_at_least=True)),
    )
    return results.person_hours(
        values["person_hours"],
        values["participations_without_hours"],
        values["qualifier_rank"],
        values["rows_at_least"],
    )
