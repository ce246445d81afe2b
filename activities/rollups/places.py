"""Questions restricted to a place, from the cells by place (`shapes.PLACE_SHAPES`).

Each activity's participations are kept by the place its rows' people are attributed to
(counting rule 4: a country's M49 path, or a region's), alone and with its kind,
modality or themes. A question restricted to a place sums, over the matched activities,
the cells whose place lies under it: the people who certainly belong there (the rows
`stats.matched.belongs_q` keeps). The other cells are the people who do not: the
"unattributed" part of the totals, listed by activity and place as
`stats.participants.unattributed` lists them from the rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .. import counting
from ..models import Activity, Country, Region, RollupCell
from ..models.rollups import NO_KEY
from ..stats import results
from ..stats.participants import part_order
from ..stats.sql import fetch
from .shapes import place_shape_name

Cells = dict[tuple[Any, ...], dict[str, Any]]
Among = tuple[str, list[Any]]  # the condition on cells `c` of being the matched ones
_SUMS = (
    "SUM(c.total), SUM(c.female), SUM(c.male), SUM(c.not_recorded), MAX(c.rank), "
    "MAX(CASE WHEN c.has_people THEN 1 ELSE 0 END), MAX(CASE WHEN c.named THEN 1 ELSE 0 END)"
)


def _under(place: Country | Region) -> tuple[str, list[Any]]:
    """The cell's place (its key k0, a JSON string: the path after the opening quote)
    lies under `place`, by the rule's own SQL (counting.under_sql)."""
    return counting.under_sql("SUBSTR(c.k0, 2)", place.path)


def participants(
    among: Among, place: Country | Region, group_by: Sequence[str], *, with_overall: bool = False
) -> tuple[Cells, Cells]:
    """({cell: {"participants", NAMED}} of the people under `place`, grouped as
    `group_by` (one of PLACE_SHAPES; () for the totals); and, `with_overall`, their
    totals as the cells' sums, for a grouping whose groups split the activities (by
    kind), else {})."""
    condition, params = among
    under, under_params = _under(place)
    keys = ["c.k1"][: len(group_by)]
    sql = (
        f"SELECT {''.join(key + ', ' for key in keys)}{_SUMS} "
        f"FROM {RollupCell._meta.db_table} c "
        f"WHERE c.shape = %s AND {under} AND {condition}"
        + (f" GROUP BY {', '.join(keys)}" if keys else "")
    )
    records = fetch(sql, [place_shape_name(group_by), *under_params, *params])
    width = len(keys)
    cells = _people_cells(
        [(tuple(json.loads(part) for part in r[:width]), r[width:]) for r in records]
    )
    overall: Cells = {}
    if with_overall and records:
        overall = _people_cells([((), added([r[width:] for r in records], counts=4))])
    return cells, overall


def _people_cells(records: Sequence[tuple[tuple[Any, ...], Sequence[Any]]]) -> Cells:
    cells: Cells = {}
    for key, (total, female, male, not_recorded, rank, has_people, named) in records:
        if not has_people:
            continue  # no row under the place (an aggregate without GROUP BY still answers)
        cells[key] = {
            "participants": results.people(total, female, male, not_recorded, rank),
            results.NAMED: bool(named),
        }
    return cells


def added(records: Sequence[Sequence[Any]], counts: int) -> tuple[Any, ...]:
    """Records of sums over groups that split the activities (by kind), as the one
    ungrouped record would give them: the first `counts` columns added (totals by sex),
    the others at their most (ranks and flags). At least one record."""
    columns = list(zip(*records, strict=True)) if records else []
    return tuple(
        sum(value or 0 for value in column) if index < counts else max(column)
        for index, column in enumerate(columns)
    )


def unattributed(among: Among, place: Country | Region) -> dict[str, Any]:
    """The people of the matched activities who do not certainly belong to `place`:
    their sum, the activities they come from (the largest first) and, for each, the
    places where they do belong; `stats.participants.unattributed`'s answer."""
    condition, params = among
    under, under_params = _under(place)
    by_activity = fetch(
        f"SELECT c.activity_id, {_SUMS} FROM {RollupCell._meta.db_table} c "
        f"WHERE c.shape = %s AND NOT ({under}) AND {condition} "
        "GROUP BY c.activity_id ORDER BY SUM(c.total) DESC, c.activity_id",
        [place_shape_name(()), *under_params, *params],
    )
    total, female, male, not_recorded, rank = 0, 0, 0, 0, 0
    for record in by_activity:
        total, female, male = total + record[1], female + record[2], male + record[3]
        not_recorded, rank = not_recorded + record[4], max(rank, record[5])
    sums = (total, female, male, not_recorded, rank)
    listed = by_activity[: results.UNATTRIBUTED_LISTED]
    return described(sums, len(by_activity), listed, place.path)


def described(
    sums: Sequence[Any], count: int, listed: Sequence[Sequence[Any]], path: str
) -> dict[str, Any]:
    """The unattributed people of a place (at `path`) as the answer gives them: `sums`
    (total, female, male, not recorded, rank) over `count` activities, and the `listed`
    ones ((id, _SUMS...), the largest first) with the places where they do belong."""
    table = RollupCell._meta.db_table
    ids = [record[0] for record in listed]
    parts: dict[int, list[tuple[Any, ...]]] = {pk: [] for pk in ids}
    titles: dict[int, str] = {}
    if ids:
        titles = dict(Activity.objects.filter(pk__in=ids).values_list("pk", "title"))
        under, under_params = counting.under_sql("SUBSTR(c.k0, 2)", path)
        marks = ", ".join(["%s"] * len(ids))
        for record in fetch(
            f"SELECT c.activity_id, c.k0, {_SUMS} FROM {table} c "
            f"WHERE c.shape = %s AND NOT ({under}) AND c.activity_id IN ({marks}) "
            "GROUP BY c.activity_id, c.k0",
            [place_shape_name(()), *under_params, *ids],
        ):
            parts[record[0]].append(record[1:])
    places = _places({part[0] for listed_parts in parts.values() for part in listed_parts})

    def attributed_to(activity: int) -> list[dict[str, Any]]:
        """(key, sums...) of the activity's places, ordered as the rows' answer."""
        ordered = sorted(parts[activity], key=lambda p: part_order(p[1], places[p[0]][1]))
        return [{**places[p[0]][0], "participants": _people(p[1:])} for p in ordered]

    return {
        "participants": results.people(*sums[:5]),
        "activities_count": count,
        "activities": [
            {
                "id": record[0],
                "title": titles.get(record[0], ""),
                "participants": _people(record[1:]),
                "attributed_to": attributed_to(record[0]),
            }
            for record in listed
        ],
    }


def _people(sums: Sequence[Any]) -> dict[str, Any]:
    """results.people of (total, female, male, not recorded, rank, ...) as _SUMS reads them."""
    total, female, male, not_recorded, rank = sums[:5]
    return results.people(total, female, male, not_recorded, rank)


def _places(keys: set[str]) -> dict[str, tuple[dict[str, Any], tuple[int | None, int | None]]]:
    """Each place key (JSON of an M49 path, or "null") as the rows' answer names it,
    with its (country id, region id) for the order of the parts."""
    paths = {json.loads(key): key for key in keys if key != NO_KEY}
    places: dict[str, tuple[dict[str, Any], tuple[int | None, int | None]]] = {
        NO_KEY: ({"type": None, "code": None, "name": "no place recorded"}, (None, None))
    }
    for pk, path, code, name in Country.objects.filter(path__in=paths).values_list(
        "pk", "path", "iso2", "name"
    ):
        places[paths[path]] = ({"type": "country", "code": code, "name": name}, (pk, None))
    for pk, path, code, name in Region.objects.filter(path__in=paths).values_list(
        "pk", "path", "code", "name"
    ):
        places[paths[path]] = ({"type": "region", "code": code, "name": name}, (None, pk))
    return places
