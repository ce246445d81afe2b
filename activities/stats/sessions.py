"""The session measures (counting rule 13): `sessions`, the sessions of the distinct
activities in each cell (a session is in its activity's cells), and their total. The
`session_attendances` measure is a person-level one, computed with `people`
(people.person_measures) over the same attendance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import counting
from . import results
from .dimensions import Dimension
from .hours import per_distinct_activity
from .matched import Matched
from .sql import relation

Cells = dict[tuple[Any, ...], dict[str, Any]]


def session_measures(matched: Matched, dimensions: Sequence[Dimension]) -> Cells:
    """{cell: {"sessions": n}}: the sessions of the distinct activities of each cell."""
    activity = relation(
        matched.activities.annotate(session_count=counting.session_count()).values(
            "id", "session_count"
        )
    )
    return {
        key: {"sessions": results.sessions(*values)}
        for key, values in per_distinct_activity(
            matched, dimensions, activity, "SUM(a.session_count)"
        )
    }


def sessions_total(matched: Matched) -> int:
    return counting.sessions_of(matched.activities).count()
