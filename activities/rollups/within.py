"""A public question restricted to one place, from kept sums by place.

The cells by place (places.py) answer a place for any set of matched activities, by
summing those activities' cells: the cost grows with the place's activities (Africa's
at 100,000 activities, about 25,000 of them: 0.2 s; at a million, seconds). For the
public activities, the question an anonymous visitor asks of a region or a country,
the rollups also keep, for every place each public activity is in (counting rule 3:
`counting.places_of`, every region above its countries and scope regions included):

- `IN`: the activity in that place, by its kind: 1 activity, and the participations of
  its rows attributed under the place (rule 4), with their largest qualifier;
- `OUT`: when some of its rows' people are not attributed under the place, their
  participations: the place's "unattributed" part, listed by activity.

Their kept sums (`RollupTotal`) answer "region=002&group_by=kind" or "country=SV"
from a few rows, whatever the number of activities. The cells are derived from the
activity's own cells (its countries, its cells by place, its kind), computed by the
engine in the same refresh, so no rule is computed twice; the property test compares
every place's answer with the base tables' (tests/test_rollups.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Value

from .. import counting
from ..models import Activity, Country, Region, RollupCell, RollupTotal
from ..models.rollups import NO_KEY
from ..stats import results
from ..stats.dimensions import DIMENSIONS, Dimension
from ..stats.request import Restriction
from ..stats.sql import fetch
from . import places, universe
from .read import Answer, _cell, _kept, _measured, _totals
from .read import _current as current
from .shapes import IN_PLACE, OUT_OF_PLACE
from .statements import Batch, owned

IN, OUT = IN_PLACE, OUT_OF_PLACE  # k0: the place's M49 path as JSON; IN's k1: the kind
_MEASURES = frozenset({"activities", "participants"})
_TOTALS = (
    "t.activities, t.total, t.female, t.male, t.not_recorded, t.with_people, "
    "CASE WHEN t.rank2 > 0 THEN 2 WHEN t.rank1 > 0 THEN 1 ELSE 0 END, t.named"
)
_CELL = (
    "c.activity_id, c.total, c.female, c.male, c.not_recorded, c.rank, "
    "CASE WHEN c.has_people THEN 1 ELSE 0 END, CASE WHEN c.named THEN 1 ELSE 0 END"
)


@dataclass
class Seen:
    """What the refresh computed of each public activity that its cells by place derive
    from: its kind's key and its participations by place."""

    public: set[int]
    kinds: dict[int, str] = field(default_factory=dict)
    by_place: dict[int, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, cell: Sequence[Any]) -> None:
        """Note one of the activity's cells (refresh.CELL_COLUMNS)."""
        shape, activity, k0 = cell[0], cell[1], cell[2]
        if activity not in self.public:
            return
        if shape == "kind":
            self.kinds[activity] = k0
        elif shape == "place":
            # (its place's path or None; total, female, male, not recorded, people, rank,
            # named)
            self.by_place[activity].append((json.loads(k0), *cell[6:13]))

    def cells(self, using: str, batch: Batch) -> Iterable[tuple[Any, ...]]:
        """(refresh.CELL_COLUMNS) of the noted activities' cells in and out of each
        place they are in. The links are read even when no activity of the batch is
        public: a roll-up then runs the same statements whatever the activity."""
        for activity, (countries, scopes) in _links(using, batch, self.public).items():
            kind = self.kinds.get(activity, NO_KEY)
            rows = self.by_place.get(activity, [])
            for place in sorted(counting.places_of(countries, scopes)):
                inside = [row for row in rows if _under(row[0], place)]
                outside = [row for row in rows if not _under(row[0], place)]
                yield (IN, activity, json.dumps(place), kind, True, 1, *_summed(inside))
                if outside:
                    yield (OUT, activity, json.dumps(place), NO_KEY, True, 1, *_summed(outside))


def _links(using: str, batch: Batch, public: set[int]) -> dict[int, tuple[list[str], list[str]]]:
    """{activity: (the paths of its countries, of its scope regions)} for the public
    activities of the batch, from the links counting rule 3 reads (one statement)."""
    which = owned("activity_id", batch)
    countries = [
        link.using(using)
        .filter(**which)
        .order_by()
        .values_list("activity_id", "country__path", Value(0))
        for link in counting.country_links()
    ]
    scopes = Activity.regions.through.objects.using(using).filter(**which).order_by()
    regions = scopes.values_list("activity_id", "region__path", Value(1))
    links: dict[int, tuple[list[str], list[str]]] = {}
    # UNION, not UNION ALL: a country named by many rows once.
    for activity, path, is_region in countries[0].union(*countries[1:], regions):
        if activity in public and path is not None:
            links.setdefault(activity, ([], []))[is_region].append(path)
    return links


def _under(path: str | None, place: str) -> bool:
    return path is not None and counting.lies_under(path, place)


def _summed(rows: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    """(total, female, male, not recorded, has people, rank, named, reported, countries
    exact) of participations by place, as one cell holds them."""
    return (
        sum(row[1] for row in rows),
        sum(row[2] for row in rows),
        sum(row[3] for row in rows),
        sum(row[4] for row in rows),
        any(row[5] for row in rows),
        max((row[6] for row in rows), default=0),
        any(row[7] for row in rows),
        None,
        True,
    )


def question(
    dimensions: Sequence[Dimension], measures: Sequence[str], restriction: Restriction
) -> Country | Region | None:
    """The place of a question the kept sums by place hold: activities and
    participants, ungrouped or by kind, of one place and nothing else. None for any
    other."""
    place = restriction.place
    if not getattr(settings, "ROLLUPS", True) or place is None:
        return None
    if restriction.given() != {"place"} or not measures or not _MEASURES.issuperset(measures):
        return None
    names = tuple(d.name for d in dimensions)
    if names not in ((), ("kind",)):
        return None
    if any(DIMENSIONS.get(n) is not d for n, d in zip(names, dimensions, strict=True)):
        return None
    return place


def answer(
    activities: QuerySet[Activity],
    dimensions: Sequence[Dimension],
    measures: Sequence[str],
    restriction: Restriction,
    *,
    with_totals: bool,
) -> Answer | None:
    """The public activities of one place (what an anonymous "region=" or "country="
    matches), from the kept sums of their cells in that place; None when the question
    is not exactly that one, or a write waits to be rolled up."""
    place = question(dimensions, measures, restriction)
    if place is None:
        return None
    if isinstance(place, Country):
        filters = {"country": place.iso2 or place.iso3}
    else:
        filters = {"region": place.code}
    if not universe.is_public_with(activities, filters, place.pk, place.path):
        return None
    if not current(activities):
        return None
    key = json.dumps(place.path)
    records = _kept(RollupTotal._meta.db_table, _TOTALS, IN, 2, {0: key})
    by_kind = {(json.loads(record[1]),): _cell(*record[2:]) for record in records}
    sums = [record[2:] for record in records]
    overall = {(): _cell(*places.added(sums, counts=6))} if sums else {}
    rows = by_kind if dimensions else overall
    totals = _totals(overall, measures, with_totals)
    if with_totals and "participants" in measures:
        totals["unattributed"] = unattributed(activities.db, key)
    return _measured(rows, measures), totals


def unattributed(using: str, key: str) -> dict[str, Any]:
    """The place's unattributed people (`places.unattributed`'s answer) from the kept
    sums of the public activities' cells out of it, the largest first from an index."""
    kept = fetch(
        f"SELECT t.activities, t.total, t.female, t.male, t.not_recorded, "
        f"CASE WHEN t.rank2 > 0 THEN 2 WHEN t.rank1 > 0 THEN 1 ELSE 0 END "
        f"FROM {RollupTotal._meta.db_table} t WHERE t.shape = %s AND t.k0 = %s",
        [OUT, key],
    )
    count, *sums = kept[0] if kept else (0, 0, 0, 0, 0, 0)
    listed = fetch(
        f"SELECT {_CELL} FROM {RollupCell._meta.db_table} c "
        "WHERE c.shape = %s AND c.k0 = %s AND c.public "
        "ORDER BY c.total DESC, c.activity_id LIMIT %s",
        [OUT, key, results.UNATTRIBUTED_LISTED],
    )
    return places.described(sums, count, listed, json.loads(key))
