"""The activities and countries measures: which cells (combinations of group keys) each
matched activity is in, and COUNT(DISTINCT) over them.

An activity is in every combination of its own keys (None for a dimension in which it
has none), and in the cell of each of its counted beneficiary rows: a row whose people
cannot be placed in a dimension puts its activity in that dimension's None group,
combined with the row's keys in the other dimensions (so an activity in El Salvador and
Guatemala whose people belong to Central America is in (None, 2020), not in
(El Salvador, None)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce

from .. import counting
from ..models import Activity, Country
from . import results
from .dimensions import Dimension, country_links
from .matched import Matched
from .sql import Relation, Rows, Statement, group_key, relation, union_all

Cells = dict[tuple[Any, ...], dict[str, Any]]


def activity_measures(
    matched: Matched, dimensions: Sequence[Dimension], *, countries: bool = True
) -> Cells:
    """{cell: {"activities": n, "countries": {...}}}; the cell () without dimensions.
    `countries=False`: the activities alone (a rollup of a grouping whose countries no
    answer reads), without the statement's costliest part."""
    return activity_statement(matched, dimensions, countries=countries).run()


def activity_statement(
    matched: Matched, dimensions: Sequence[Dimension], *, countries: bool = True
) -> Statement:
    """The statement of activity_measures, and how to read its rows."""
    if countries:
        activity = relation(
            matched.activities.annotate(
                region_scoped=Exists(
                    Activity.regions.through.objects.filter(activity_id=OuterRef("pk"))
                ),
                scope_path=Coalesce(F("scope_region__path"), Value("")),
            ).values("id", "reported_countries_count", "region_scoped", "scope_path")
        )
    else:
        activity = relation(matched.activities.values("id"))
    keys = [f"c.k{index}" for index in range(len(dimensions))]
    from_params: list[Any] = []
    if dimensions:
        cells = activity_cells(matched, dimensions)
        source = f"({cells.sql}) c JOIN ({activity.sql}) a ON a.id = c.a_id"
        from_params += cells.params
    else:
        source = f"({activity.sql}) a"
    from_params += activity.params
    if not countries:
        sql = f"SELECT {''.join(key + ', ' for key in keys)}COUNT(DISTINCT a.id) FROM {source}" + (
            f" GROUP BY {', '.join(keys)}" if keys else ""
        )
        width = len(keys)

        def read_activities(records: Rows) -> Cells:
            return {
                tuple(group_key(v) for v in record[:width]): {"activities": record[width]}
                for record in records
            }

        return Statement(sql, from_params, read_activities)
    # The countries each matched activity is in (counting rule 3), under the restriction's
    # place, computed once (MATERIALIZED): as a subquery, PostgreSQL may run it again for
    # every cell (10 s for Central America in 2020 at 100,000 activities, against 25 ms).
    ids = matched.activities.values("pk")
    placed = union_all(
        *(links.filter(activity_id__in=ids) for links in country_links(matched.restriction))
    )
    country_join = "LEFT JOIN ac ON ac.a_id = a.id"
    scope_ok, select_params = reported_scope_condition(matched)
    geographic = [i for i, d in enumerate(dimensions) if d.geographic]
    if geographic:
        # Within a place's row, only the countries under that place count.
        i = geographic[0]
        country_join += f" AND (c.k{i} IS NULL OR {counting.under_column_sql('ac.kp', 'c.kp')})"
        scope_ok.append(f"(c.k{i} IS NULL OR {counting.under_column_sql('a.scope_path', 'c.kp')})")
    reported = "a.reported_countries_count"
    reported_max = (
        f"MAX(CASE WHEN {' AND '.join(scope_ok)} THEN {reported} END)"
        if scope_ok
        else f"MAX({reported})"
    )
    sql = (
        f"WITH ac AS MATERIALIZED ({placed.sql}) "
        f"SELECT {''.join(key + ', ' for key in keys)}COUNT(DISTINCT a.id), "
        f"COUNT(DISTINCT ac.k), {reported_max}, "
        f"MAX(CASE WHEN a.region_scoped THEN 1 ELSE 0 END) "
        f"FROM {source} {country_join}" + (f" GROUP BY {', '.join(keys)}" if keys else "")
    )
    width = len(keys)

    def read_countries(records: Rows) -> Cells:
        result: Cells = {}
        for record in records:
            key = tuple(group_key(v) for v in record[:width])
            n_activities, named, reported_max_value, region_scoped = record[width:]
            result[key] = {
                "activities": n_activities,
                "countries": results.countries(named, reported_max_value, bool(region_scoped)),
            }
        return result

    return Statement(sql, placed.params + select_params + from_params, read_countries)


def reported_scope_condition(matched: Matched) -> tuple[list[str], list[Any]]:
    """A "from N countries" count holds for a place only if the activity's whole scope
    lies within it; for a single country the named country says it all."""
    place = matched.restriction.place
    if place is None:
        return [], []
    if isinstance(place, Country):
        return ["1 = 0"], []
    sql, params = counting.under_sql("a.scope_path", place.path)
    return [sql], list(params)


def activity_cells(matched: Matched, dimensions: Sequence[Dimension]) -> Relation:
    """(a_id, k0, k1..., kp): the cells each activity is in; `kp` is the M49 path of the
    geographic key, for the countries measure."""
    restriction = matched.restriction
    geographic = [i for i, d in enumerate(dimensions) if d.geographic]
    # 1. The combinations of the activity's own keys.
    single = {}
    for index, dimension in enumerate(dimensions):
        expression = dimension.activity_key_expression()
        if expression is not None:
            single[f"k{index}"] = expression
    base = relation(matched.activities.values(a_id=F("id"), **single))
    kp = f"j{geographic[0]}.kp" if geographic else "NULL"
    own = _cells_from(matched, base, "b", single, dimensions, kp)
    # 2. The cells of the activity's people.
    placed: dict[str, Any] = {}
    for index, dimension in enumerate(dimensions):
        if not dimension.tags_activity:
            placed[f"k{index}"] = dimension.row_key_expression(restriction)
    if geographic:
        placed["kp"] = dimensions[geographic[0]].row_key_path_expression()
    # Distinct, and a UNION, not UNION ALL: the cells feed COUNT(DISTINCT) and MAX only,
    # which duplicates cannot change, and most of a programme's million beneficiary rows
    # repeat their activity's cell. Collapsed here (hashing two or three narrow columns),
    # they are not multiplied by each activity's themes and countries and then sorted on
    # disk for the COUNT(DISTINCT): 1.9 million rows become 0.3.
    rows = relation(matched.rows_in.values(a_id=F("activity_id"), **placed).distinct())
    people = _cells_from(matched, rows, "r", placed, dimensions, "r.kp" if geographic else "NULL")
    return Relation(f"{own.sql} UNION {people.sql}", own.params + people.params)


def _cells_from(
    matched: Matched,
    source: Relation,
    alias: str,
    present: dict[str, Any],
    dimensions: Sequence[Dimension],
    kp: str,
) -> Relation:
    """SELECT a_id, k0, k1..., kp from `source`: the keys it carries itself (`present`)
    and, for the others, the activity's keys joined in (None where it has none)."""
    joins: list[str] = []
    params = list(source.params)
    columns: list[str] = []
    for index, dimension in enumerate(dimensions):
        if f"k{index}" in present:
            columns.append(f"{alias}.k{index} AS k{index}")
            continue
        keys = dimension.activity_keys(matched.restriction)
        joins.append(f"LEFT JOIN ({keys.sql}) j{index} ON j{index}.a_id = {alias}.a_id")
        params += keys.params
        columns.append(f"j{index}.k AS k{index}")
    return Relation(
        f"SELECT {alias}.a_id AS a_id, {', '.join(columns)}, {kp} AS kp "
        f"FROM ({source.sql}) {alias} {' '.join(joins)}",
        params,
    )
