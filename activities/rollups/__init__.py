"""Rollups: each activity's counts kept cell by cell, so that a computed answer sums a
few thousand summary rows instead of a million beneficiary rows.

What is kept (activities/models/rollups.py, `RollupCell`): for every activity, drafts
included, and for each grouping in `shapes.SHAPES` (none, region, country, year, theme,
year and theme, kind, modality, audience, sex), the cells the activity is in and its
participations in each. The cells are computed by the stats engine itself, grouped by
the activity first (`shapes.ACTIVITY`), so the counting rules are never written twice:
an activity counts once in each cell it is in (counting rule 3), its rows' people in
the cell they are attributed to (rule 4), qualifiers combine by their largest rank
(rule 6). Summed over the activities a question matched, the cells give exactly what
the engine computes from the base tables; the property test says so after random
writes (tests/test_rollups.py).

When it is current: database triggers (triggers.py) note, in the writing transaction,
every activity a write touches (`RollupChange`), whatever makes the write (ORM, bulk
update, COPY, raw SQL, the admin); a write to the places or themes notes them all.
`refresh.catch_up()` rolls the noted activities up again and removes the notes, in one
transaction; the writing request runs it as it ends (RollupMiddleware), and so does the
first question after a write that has not (on the primary). An answer reads the rollups
only when, in its own snapshot, no note is left: otherwise, and on a replica that is
behind, it counts from the base tables. Either way the numbers are the same.

What they answer (read.py): the measures `activities` and `participants`, for any set
of matched activities (any filter of activities, any visibility), grouped by one of the
shapes, when no grouping reads the question's restriction (a theme filter grouped by
theme keeps one theme's key; grouped by year, it only narrows the activities). A place
changes which rows count, row by row: the participations are also kept by the place
each row is attributed to (places.py), which answers a place ungrouped, by kind,
modality or theme. From the kept sums alone, two anonymous questions more: one
thematic area's activities and participations, ungrouped, by year or by theme (its
cells of the groupings by theme), and one country's people and learning, in a year or
in all (the persons' cells by home country, `shapes.HOME_SHAPES`). The rest goes to the
base tables: an audience, a place grouped otherwise, `countries` grouped (distinct
across activities) or within a place, the people measures of any other set, hours and
sessions. `path()` says which way the last answer of this thread went.

A question of people only waits for the notes that move a person's cells: a write of
beneficiary rows alone moves none, unless a row's country came or went (rule 3 then
moves the activity's home cells), which its trigger says (`RollupChange.people`).
"""

from .read import (
    BASE_TABLES,
    PUBLIC_TOTALS,
    ROLLUPS,
    answer,
    answerable,
    home_answer,
    needs_catch_up,
    note_path,
    path,
    persons_current,
    public_answer,
    public_count,
    theme_answer,
)
from .refresh import before_reading, catch_up, pending, rebuild
from .shapes import PERSON_MEASURES
from .within import answer as place_answer

__all__ = [
    "BASE_TABLES",
    "PERSON_MEASURES",
    "PUBLIC_TOTALS",
    "ROLLUPS",
    "answer",
    "answerable",
    "before_reading",
    "catch_up",
    "home_answer",
    "needs_catch_up",
    "note_path",
    "path",
    "pending",
    "persons_current",
    "place_answer",
    "public_answer",
    "public_count",
    "rebuild",
    "theme_answer",
]
