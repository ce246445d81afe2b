"""What a stats question is: its groupings, its measures and its restriction, parsed and
validated from the request. Nothing here touches the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from django.db import models

from ..models import Audience, Country, Language, Partner, Region, Theme

MEASURES = (
    "activities",
    "participants",
    "countries",
    "people",
    "learning",
    "hours",
    "person_hours",
    "sessions",
    "session_attendances",
)
# What an answer holds when `measures` is not given: the person-level measures are asked
# for by name (they cost a pass over the attendance, and most records have none), and so
# are the hours and the sessions (most records of the 2020 report give none).
DEFAULT_MEASURES = ("activities", "participants", "countries")
MAX_GROUP_BY = 3


class StatsError(ValueError):
    """A request the engine cannot answer honestly; the message says why."""

    def __init__(self, message: str, *, param: str = "group_by"):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Restriction:
    """What the people counted must certainly belong to (from the request's filters)."""

    place: Country | Region | None = None
    audience: Audience | None = None
    theme: Theme | None = None
    partner: Partner | None = None
    language: Language | None = None
    year_from: int | None = None
    year_to: int | None = None

    # The fields that decide which beneficiary rows and which persons count (matched.py:
    # `belongs_q`, `persons_belong_q`); the others narrow only the keys of the dimension
    # that reads them (`Dimension.reads`: a theme filter keeps one theme).
    OF_ROWS: ClassVar[tuple[str, ...]] = ("place", "audience")

    def given(self) -> frozenset[str]:
        """The names of the fields set."""
        return frozenset(f.name for f in fields(self) if getattr(self, f.name) is not None)

    def restricts_rows(self) -> bool:
        return bool(self.given() & set(self.OF_ROWS))

    def cache_key(self) -> tuple[Any, ...]:
        """The fields the engine reads from these records, not only their keys: a
        region's path or a theme's parent read before the answer's snapshot is part of
        the question."""
        return tuple(
            (
                type(value).__name__,
                value.pk,
                getattr(value, "path", None),
                getattr(value, "parent_id", None),
            )
            if isinstance(value, models.Model)
            else value
            for value in (getattr(self, f.name) for f in fields(self))
        )


def parse_group_by(text: str | None) -> list[str]:
    """'country,year' -> ['country', 'year'], or StatsError naming what is wrong."""
    from .dimensions import DIMENSIONS

    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    unknown = [name for name in names if name not in DIMENSIONS]
    if unknown:
        raise StatsError(
            f"Unknown group_by value {', '.join(unknown)}: use up to {MAX_GROUP_BY} of "
            f"{', '.join(DIMENSIONS)}."
        )
    if len(names) > MAX_GROUP_BY:
        raise StatsError(f"group_by takes at most {MAX_GROUP_BY} dimensions, not {len(names)}.")
    if len(set(names)) != len(names):
        raise StatsError("group_by names a dimension twice.")
    geographic = [name for name in names if DIMENSIONS[name].geographic]
    if len(geographic) > 1:
        raise StatsError(
            f"group_by takes one geographic dimension at a time, not {' and '.join(geographic)}."
        )
    return names


def parse_measures(text: str | None, group_by: Sequence[str]) -> list[str]:
    """The measures asked for, or by default all that the grouping can split."""
    from .dimensions import DIMENSIONS

    splittable = [
        measure
        for measure in DEFAULT_MEASURES
        if all(measure in DIMENSIONS[name].splits_measures for name in group_by)
    ]
    if not text:
        return splittable
    asked = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in asked if name not in MEASURES]
    if unknown:
        raise StatsError(
            f"Unknown measure {', '.join(unknown)}: use {', '.join(MEASURES)}.", param="measures"
        )
    for measure in asked:
        for name in group_by:
            if measure not in DIMENSIONS[name].splits_measures:
                raise StatsError(
                    f"{measure} cannot be split by {name}: "
                    f"only {', '.join(DIMENSIONS[name].splits_measures)} can.",
                    param="measures",
                )
    return [measure for measure in MEASURES if measure in asked]


def place_from_filters(cleaned_data: Mapping[str, Any]) -> Country | Region | None:
    """The most specific place a request filters by: its country, else its region."""
    place: Country | Region | None = cleaned_data.get("country") or cleaned_data.get("region")
    return place


def restriction_from_filters(cleaned_data: Mapping[str, Any]) -> Restriction:
    """The restriction that the filters of a request imply (see ActivityFilterSet)."""
    year = cleaned_data.get("year")
    date_from = cleaned_data.get("date_from")
    date_to = cleaned_data.get("date_to")
    lower = [int(year) if year else None, date_from.year if date_from else None]
    upper = [int(year) if year else None, date_to.year if date_to else None]
    return Restriction(
        place=place_from_filters(cleaned_data),
        audience=cleaned_data.get("audience"),
        theme=cleaned_data.get("theme"),
        partner=cleaned_data.get("partner"),
        language=cleaned_data.get("language"),
        year_from=max((y for y in lower if y is not None), default=None),
        year_to=min((y for y in upper if y is not None), default=None),
    )
