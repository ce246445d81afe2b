"""The hours measures (counting rule 12): `hours` of delivery of the distinct activities
in each cell, and their totals; `person_hours` per cell is computed with the
participations (participants.participant_measures, the same placement of rows), its
total here.

An activity without recorded hours adds nothing and makes a sum a lower bound: each
answer says how many activities (or participations) had none.
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
from .sql import fetch, group_key, relation

Cells = dict[tuple[Any, ...], dict[str, Any]]


def hour_measures(matched: Matched, dimensions: Sequence[Dimension]) -> Cells:
    """{cell: {"hours": {...}}}: SUM of hours over the distinct activities of each cell
    (the cells of the activities measure, so the two always agree)."""
    activity = relation(matched.activities.values("id", "hours"))
    keys = [f"c.k{index}" for index in range(len(dimensions))]
    if dimensions:
        cells = activity_cells(matched, dimensions)
        columns = ", ".join(f"c0.k{index}" for index in range(len(dimensions)))
        # An activity counts its hours once per cell, whatever the number of its keys'
        # combinations leading there (countries, rows).
        distinct = f"SELECT DISTINCT c0.a_id AS a_id, {columns} FROM ({cells.sql}) c0"
        source = f"({distinct}) c JOIN ({activity.sql}) a ON a.id = c.a_id"
        params = list(cells.params) + list(activity.params)
    else:
        source = f"({activity.sql}) a"
        params = list(activity.params)
    sql = (
        f"SELECT {''.join(key + ', ' for key in keys)}SUM(a.hours), "
        f"SUM(CASE WHEN a.hours IS NULL THEN 1 ELSE 0 END) "
        f"FROM {source}" + (f" GROUP BY {', '.join(keys)}" if keys else "")
    )
    result: Cells = {}
    for record in fetch(sql, params):
        key = tuple(group_key(v) for v in record[: len(keys)])
        total, without = record[len(keys) :]
        result[key] = {"hours": results.hours(total, without)}
    return result


def hours_total(matched: Matched) -> dict[str, Any]:
    values = matched.activities.aggregate(
        hours_sum=Sum("hours"), without_hours=Count("pk", filter=Q(hours__isnull=True))
    )
    return results.hours(values["hours_sum"], values["without_hours"])


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
    )
    return results.person_hours(
        values["person_hours"],
        values["participations_without_hours"],
        values["qualifier_rank"],
    )
