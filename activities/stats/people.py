"""The person-level measures (counting rule 9): `people`, distinct persons with their sex
split and the participations behind them, `learning`, the pre- and post-test scores
of the attended participations that have both, and `session_attendances` (rule 13), the
sessions those participations attended.

Each is one aggregate over the matched activities' attended attendance, joined to at
most one key of a dimension that places persons (their country, region, audience, sex,
or a single-valued property of the activity: kind, year...) and to each key of a
dimension that tags the whole activity (theme, partner, language). Persons who cannot be
placed in one group go to the row whose key is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F

from .. import counting
from . import results
from .dimensions import Dimension
from .matched import Matched
from .sql import fetch, group_key, relation

Cells = dict[tuple[Any, ...], dict[str, Any]]

_BOTH = counting.both_scores_sql("r.pre", "r.post")
_MEASURE_SQL = {
    "people": (
        "COUNT(DISTINCT r.p_id), "
        "COUNT(DISTINCT CASE WHEN r.sex = 'female' THEN r.p_id END), "
        "COUNT(DISTINCT CASE WHEN r.sex = 'male' THEN r.p_id END), "
        "COUNT(DISTINCT CASE WHEN r.sex = 'not_recorded' THEN r.p_id END), "
        "COUNT(*)"
    ),
    "learning": (
        f"SUM(CASE WHEN {_BOTH} THEN 1 ELSE 0 END), "
        f"COUNT(DISTINCT CASE WHEN {_BOTH} THEN r.p_id END), "
        f"AVG(CASE WHEN {_BOTH} THEN r.pre END), "
        f"AVG(CASE WHEN {_BOTH} THEN r.post END)"
    ),
    "session_attendances": "SUM(r.sessions_attended)",
}
_WIDTH = {"people": 5, "learning": 4, "session_attendances": 1}
# One person's part in a cell, for the rollups (activities/rollups/): their sex, their
# participations, the assessed ones and the sums of those scores.
PERSON_SUMS = (
    f"MAX(r.sex), COUNT(*), SUM(CASE WHEN {_BOTH} THEN 1 ELSE 0 END), "
    f"SUM(CASE WHEN {_BOTH} THEN r.pre END), SUM(CASE WHEN {_BOTH} THEN r.post END)"
)
PERSON_MEASURES = ("people", "learning", "session_attendances")


def person_statement(
    matched: Matched, dimensions: Sequence[Dimension], aggregates: str, *, sessions: bool = False
) -> tuple[str, list[Any], list[str]]:
    """SELECT the keys, then `aggregates` over the matched attended attendance as
    `r` (columns p_id, a_id, sex, pre, post, and sessions_attended with `sessions`),
    grouped by the dimensions' keys: (sql, params, the key columns)."""
    placed: dict[str, Any] = {}
    if sessions:
        # Each attendance (one person at one activity) with the number of its sessions
        # attended (counting rule 13): the person stays one row, counted once.
        placed["sessions_attended"] = counting.session_attendance_count()
    for index, dimension in enumerate(dimensions):
        if not dimension.tags_activity:
            placed[f"k{index}"] = dimension.person_key_expression(matched.restriction)
    attendance = relation(
        matched.attendance_in.values(
            p_id=F("participant_id"),
            a_id=F("activity_id"),
            sex=F("participant__sex"),
            pre=F("pre_score"),
            post=F("post_score"),
            **placed,
        )
    )
    joins: list[str] = []
    params = list(attendance.params)
    keys: list[str] = []
    for index, dimension in enumerate(dimensions):
        if f"k{index}" in placed:
            keys.append(f"r.k{index}")
        else:
            activity_keys = dimension.activity_keys(matched.restriction)
            joins.append(f"LEFT JOIN ({activity_keys.sql}) t{index} ON t{index}.a_id = r.a_id")
            params += activity_keys.params
            keys.append(f"t{index}.k")
    sql = (
        f"SELECT {''.join(key + ', ' for key in keys)}{aggregates} "
        f"FROM ({attendance.sql}) r {' '.join(joins)}"
        + (f" GROUP BY {', '.join(keys)}" if keys else "")
    )
    return sql, params, keys


def person_measures(
    matched: Matched, dimensions: Sequence[Dimension], measures: Sequence[str]
) -> Cells:
    """{cell: {"people": {...}, "learning": {...}, "session_attendances": {...}}} for
    the person-level measures asked."""
    asked = [measure for measure in PERSON_MEASURES if measure in measures]
    if not asked:
        return {}
    aggregates = ", ".join(_MEASURE_SQL[measure] for measure in asked)
    sql, params, keys = person_statement(
        matched, dimensions, aggregates, sessions="session_attendances" in asked
    )
    cells: Cells = {}
    for record in fetch(sql, params):
        key = tuple(group_key(value) for value in record[: len(keys)])
        values = list(record[len(keys) :])
        cell: dict[str, Any] = {}
        for measure in asked:
            width = _WIDTH[measure]
            part, values = values[:width], values[width:]
            if measure == "people":
                cell["people"] = results.persons(*part)
            elif measure == "learning":
                cell["learning"] = results.learning(*part)
            else:
                cell["session_attendances"] = results.session_attendances(*part)
        if keys or cell.get("people", {}).get("participations") or "people" not in cell:
            cells[key] = cell
    return cells
