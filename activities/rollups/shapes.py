"""The groupings the rollups keep, and the dimension that splits cells by activity."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from django.db.models import F
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce

from ..stats.dimensions import DIMENSIONS, Dimension, YearDimension
from ..stats.request import Restriction

# The measures the rollups hold: sums over activities of what each activity counts.
MEASURES = ("activities", "participants")

# The groupings kept, by the names of their dimensions. Each costs one pass per write.
SHAPES: tuple[tuple[str, ...], ...] = (
    (),
    ("region",),
    ("country",),
    ("year",),
    ("theme",),
    ("year", "theme"),
    ("kind",),
    ("modality",),
    ("audience",),
    ("sex",),
)


# The groupings kept by the place each beneficiary row's people are attributed to (the
# first key, `PLACE`): a question restricted to a place sums the cells under it. Only
# groupings in which an activity's keys do not depend on the place (its kind, its
# themes): the activities of each cell are then those of the grouping's own cells.
PLACE_SHAPES: tuple[tuple[str, ...], ...] = ((), ("kind",), ("modality",), ("theme",))

# The public activities' cells in each place they are in, by kind, and out of it
# (within.py): a public question of one place reads their kept sums.
IN_PLACE = "in,kind"
OUT_OF_PLACE = "out"

# The groupings of the people measures kept, over the public activities only.
PERSON_MEASURES = ("people", "learning")
PERSON_SHAPES: tuple[tuple[str, ...], ...] = (
    (),
    ("region",),
    ("country",),
    ("year",),
    ("theme",),
    ("kind",),
    ("sex",),
)


# The persons' cells by home country (counting rule 9 under a country): a person counts
# for their own country at the public activities in it (rule 3), ungrouped and by each
# year the activity overlaps (as the `year` filter). "country=SV" or "country=SV&year=
# 2020" over the public activities then reads one kept sum. A person is in one country,
# so that is one cell per person and year, not one per place above it: a region's
# people still count from the base tables.
HOME = "home"
HOME_SHAPES: tuple[tuple[str, ...], ...] = ((), ("years",))


class OverlapYearDimension(YearDimension):
    """Each calendar year an activity's period overlaps, for its people too: the years
    the `year` filter finds it in (not the `year` grouping's, which places people only
    when their activity lies within one year). Never asked for by a client."""

    name = "years"
    param = ""

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return None  # tags the whole activity: its people count in each of its years


YEARS = OverlapYearDimension()


def home_shape_name(group_by: Sequence[str]) -> str:
    return shape_name((HOME, *group_by))


class ActivityDimension(Dimension):
    """Each activity its own group: the engine's cells, one activity at a time. Never
    asked for by a client (not in DIMENSIONS)."""

    name = "activity"

    def activity_key_expression(self) -> Combinable | None:
        return F("id")

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return F("activity_id")


ACTIVITY = ActivityDimension()


class PersonDimension(Dimension):
    """Each person their own group (counting rule 9, one person at a time)."""

    name = "person"

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return F("participant_id")


PERSON = PersonDimension()


class RowPlaceDimension(Dimension):
    """The place a beneficiary row's people are attributed to (counting rule 4): its
    country's M49 path, or its region's when no one country holds them all; None when
    the row is unplaced. Never asked for by a client (not in DIMENSIONS): the rollups'
    first key of `PLACE_SHAPES`."""

    name = "place"
    splits_measures = ("participants",)

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return Coalesce(F("place_country__path"), F("place_region__path"))


PLACE = RowPlaceDimension()


def place_shape_name(group_by: Sequence[str]) -> str:
    return shape_name((PLACE.name, *group_by))


# The row of the totals that says which groupings the rollups were last built with
# (refresh.rebuild writes it): code that keeps other groupings than the database holds
# (served before the `migrate` that rebuilds them) counts from the base tables.
LAYOUT_SHAPE = "layout"


def layout() -> str:
    """A fingerprint of the groupings this code keeps."""
    kept = json.dumps([SHAPES, PLACE_SHAPES, IN_PLACE, OUT_OF_PLACE, PERSON_SHAPES, HOME_SHAPES])
    return hashlib.sha256(kept.encode()).hexdigest()[:16]


def shape_name(group_by: Sequence[str]) -> str:
    return ",".join(group_by)


def measures_of(shape: Sequence[str]) -> tuple[str, ...]:
    """The rollup measures every dimension of the shape splits (sex: participants)."""
    return tuple(
        m for m in MEASURES if all(m in DIMENSIONS[name].splits_measures for name in shape)
    )


def _names(dimensions: Sequence[Dimension]) -> tuple[str, ...] | None:
    """The dimensions' names, if they are the fixed dimensions of those names."""
    names = tuple(dimension.name for dimension in dimensions)
    if any(DIMENSIONS.get(n) is not d for n, d in zip(names, dimensions, strict=True)):
        return None
    return names


def kept(dimensions: Sequence[Dimension], measures: Sequence[str]) -> bool:
    """Whether the activities' rollups hold this grouping and these measures: distinct
    countries only without grouping (the countries cells of the activities counted)."""
    names = _names(dimensions)
    if names is None or names not in SHAPES:
        return False
    held = (*measures_of(names), *(("countries",) if not names else ()))
    return bool(measures) and all(measure in held for measure in measures)


def places_kept(
    dimensions: Sequence[Dimension], measures: Sequence[str], restriction: Restriction
) -> bool:
    """Whether the cells by place hold a question restricted to a place (and nothing else
    that moves rows): the activities and participants, grouped as one of PLACE_SHAPES."""
    names = _names(dimensions)
    if names is None or names not in PLACE_SHAPES or restriction.place is None:
        return False
    if restriction.given() & set(restriction.OF_ROWS) != {"place"}:
        return False
    return bool(measures) and all(measure in measures_of(names) for measure in measures)


def persons_kept(dimensions: Sequence[Dimension], measures: Sequence[str]) -> bool:
    """Whether the persons' rollups hold this grouping and these measures."""
    names = _names(dimensions)
    if names is None or names not in PERSON_SHAPES:
        return False
    return bool(measures) and all(measure in PERSON_MEASURES for measure in measures)
