"""The counts engine behind /api/v1/stats/, the dashboard, and the region and country pages.

It applies the rules of `activities/counting.py` in SQL. Every measure of every group is
one aggregate query over relations that each hold one row per (record, group key), so
nothing is multiplied by a join and nothing is counted in a Python loop:

- `activities`: COUNT(DISTINCT activity) per group. An activity in five countries is in
  five country rows and counts once in the totals.
- `participants`: participations, SUM over beneficiary rows (a person at two activities
  counts twice), each row placed by the attribution rule.
- `countries`: COUNT(DISTINCT country) the group's activities are in, and the largest
  "from N countries" count the source gives where it names none. Both are lower bounds,
  so they combine as `at_least = max(named, reported_max)`; they are never summed.

Totals are computed over the whole filtered set, never by adding rows, and `additive`
says whether the rows happen to add up to them. A restriction (a country, a region, an
audience) limits the people counted to those who certainly belong to it; the others are
reported apart as `unattributed`, with the activities they come from.

The modules, in the order a question flows through them:
- `request`: parse and validate `group_by`, `measures` and the restriction;
- `dimensions`: which groups an activity and a beneficiary row are in, per dimension;
- `matched`: the matched activities and their rows, computed once per answer;
- `cells`, `participants`: the SQL of each measure;
- `results`: the shapes of the numbers;
- `engine`: `compute`, which puts them together under the answer cache, and
  `compute_by` for groupings of a caller's own (a results batch's questions; the
  dashboard's `ATTRIBUTED_REGION`, the region a row's people are counted for when no one
  country holds them all, which the API does not offer).
"""

from .dimensions import ATTRIBUTED_REGION, DIMENSIONS, SEXES, Dimension
from .engine import compute, compute_by, roll_up_first
from .request import (
    MAX_GROUP_BY,
    MEASURES,
    Restriction,
    StatsError,
    parse_group_by,
    parse_measures,
    place_from_filters,
    restriction_from_filters,
)
from .sql import Relation, relation, stored, union_all

__all__ = [
    "ATTRIBUTED_REGION",
    "DIMENSIONS",
    "MAX_GROUP_BY",
    "MEASURES",
    "SEXES",
    "Dimension",
    "Relation",
    "Restriction",
    "StatsError",
    "compute",
    "compute_by",
    "parse_group_by",
    "parse_measures",
    "place_from_filters",
    "relation",
    "restriction_from_filters",
    "roll_up_first",
    "stored",
    "union_all",
]
