"""People and learning (counting rule 9) against a brute-force count, on random small
programmes with attendance.

Hypothesis draws a pool of persons (a country among a handful in three M49 regions, or
none; a recorded sex) and activities as test_stats_properties does (single-country,
multi-country and region-scoped, periods of every precision, themes), each attended by
some of the persons, some marked absent, some with pre- and post-test scores. It writes
them through the ORM, derives the tallies with the service, asks `stats.compute` the way
the API does, and compares with a plain Python count written from the rules:

- people: distinct persons over attended attendance; a person belongs to their own
  country (no country: no place); in a year only when the activity lies within that one
  year; under each group of an activity tag (theme, kind, month) the activity is in; in
  a country or region filter only the persons from under it count;
- participations behind them: attended attendance rows;
- learning: attended attendance with both scores, their distinct persons, mean pre, mean
  post, and the gain between the two means;
- and the participations measure from the derived tallies equals the attended rows.
"""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from activities import stats
from activities.filters import ActivityFilterSet
from activities.models import Activity, Attendance, Country, Participant
from activities.people import tallies
from tests.test_stats_properties import (
    COUNTRIES,
    COUNTRIES_UNDER,
    PREFIX,
    Act,
    Geography,
    Row,
    _valid_grouping,
    activities,
    activity_keys,
    filters,
    key_of,
    matches,
    write,
)

pytestmark = pytest.mark.django_db

SEXES = ("female", "male", "not_recorded")
DIMENSIONS = ["region", "subregion", "country", "year", "month", "theme", "kind", "sex"]


@dataclass(frozen=True)
class Person:
    country: str | None
    sex: str


@dataclass(frozen=True)
class Seat:
    person: int  # index in the pool
    attended: bool
    pre: int | None
    post: int | None


@dataclass(frozen=True)
class Programme:
    pool: tuple[Person, ...]
    acts: tuple[Act, ...]
    seats: tuple[tuple[Seat, ...], ...]  # per activity


def _fits(act: Act, country: str | None) -> bool:
    if country is None:
        return False
    return country in act.countries or any(country in COUNTRIES_UNDER[r] for r in act.regions)


def _derived_rows(act: Act, pool: tuple[Person, ...], seats: tuple[Seat, ...]) -> tuple[Row, ...]:
    """The tallies the attendance gives (the service's rule, restated)."""
    sums: dict[str | None, dict[str, int]] = {}
    for seat in seats:
        if not seat.attended:
            continue
        person = pool[seat.person]
        country = person.country if _fits(act, person.country) else None
        sums.setdefault(country, dict.fromkeys(SEXES, 0))[person.sex] += 1
    return tuple(
        Row(country, parts["female"], parts["male"], parts["not_recorded"], "exact")
        for country, parts in sums.items()
    )


@st.composite
def programmes(draw) -> Programme:
    pool = tuple(
        draw(
            st.lists(
                st.builds(
                    Person,
                    country=st.one_of(st.none(), st.sampled_from(COUNTRIES)),
                    sex=st.sampled_from(SEXES),
                ),
                min_size=1,
                max_size=8,
            )
        )
    )
    acts, seats = [], []
    for _ in range(draw(st.integers(1, 5))):
        act = draw(activities())
        chosen = draw(st.lists(st.integers(0, len(pool) - 1), max_size=len(pool), unique=True))
        score = st.one_of(st.none(), st.integers(0, 100))
        its_seats = tuple(
            Seat(index, draw(st.sampled_from([True, True, True, False])), draw(score), draw(score))
            for index in chosen
        )
        rows = _derived_rows(act, pool, its_seats)
        acts.append(Act(**{**act.__dict__, "rows": rows, "reported_countries_count": None}))
        seats.append(its_seats)
    return Programme(pool, tuple(acts), tuple(seats))


# --- The brute force ------------------------------------------------------------------


def person_keys(geo: Geography, dimension: str, act: Act, person: Person, query) -> set:
    if dimension == "sex":
        return {person.sex}
    if dimension == "country":
        return {person.country}
    if dimension in ("region", "subregion"):
        if person.country is None:
            return {None}
        level = 1 if dimension == "region" else 2
        return {geo.level_key(geo.country_path[person.country], level)}
    if dimension == "year":
        return {act.start.year} if act.start.year == act.end.year else {None}
    return activity_keys(geo, dimension, act, query) or {None}


def _learning(scores: list[tuple[int, int, int]]) -> dict[str, Any]:
    if not scores:
        return {"assessed": 0, "people": 0, "mean_pre": None, "mean_post": None, "mean_gain": None}
    pre = round(sum(Decimal(s[1]) for s in scores) / len(scores), 2)
    post = round(sum(Decimal(s[2]) for s in scores) / len(scores), 2)
    return {
        "assessed": len(scores),
        "people": len({s[0] for s in scores}),
        "mean_pre": float(pre),
        "mean_post": float(post),
        "mean_gain": round(float(post) - float(pre), 2),
    }


def brute_force(geo: Geography, programme: Programme, query, group_by: list[str]):
    place = None
    if "country" in query:
        place = geo.country_path.get(query["country"], "/nowhere/")
    elif "region" in query:
        place = geo.region_path[query["region"]]
    persons: dict[tuple, set[int]] = defaultdict(set)
    by_sex: dict[tuple, dict[str, set[int]]] = defaultdict(lambda: {s: set() for s in SEXES})
    participations: dict[tuple, int] = defaultdict(int)
    scores: dict[tuple, list[tuple[int, int, int]]] = defaultdict(list)
    attended_rows = 0
    for act, seats in zip(programme.acts, programme.seats, strict=True):
        if not matches(geo, act, query):
            continue
        for seat in seats:
            if not seat.attended:
                continue
            person = programme.pool[seat.person]
            if place is not None and (
                person.country is None or not geo.country_path[person.country].startswith(place)
            ):
                continue
            attended_rows += 1
            key_sets = [sorted(person_keys(geo, d, act, person, query), key=str) for d in group_by]
            for cell in itertools.product(*key_sets):
                persons[cell].add(seat.person)
                by_sex[cell][person.sex].add(seat.person)
                participations[cell] += 1
                if seat.pre is not None and seat.post is not None:
                    scores[cell].append((seat.person, seat.pre, seat.post))
    return {
        cell: {
            "people": {
                "total": len(persons[cell]),
                **{s: len(by_sex[cell][s]) for s in SEXES},
                "participations": participations[cell],
            },
            "learning": _learning(scores[cell]),
        }
        for cell in persons
    }


# --- Writing and asking ---------------------------------------------------------------


def write_programme(programme: Programme) -> None:
    ids = write(list(programme.acts))
    countries = {c.iso2: c for c in Country.objects.filter(iso2__in=COUNTRIES)}
    people = Participant.objects.bulk_create(
        Participant(
            given_name=f"Property{number}",
            family_name="Person",
            sex=person.sex,
            country=countries[person.country] if person.country else None,
            is_synthetic=True,
        )
        for number, person in enumerate(programme.pool)
    )
    for pk, seats in zip(ids, programme.seats, strict=True):
        Attendance.objects.bulk_create(
            Attendance(
                activity_id=pk,
                participant=people[seat.person],
                attended=seat.attended,
                pre_score=seat.pre,
                post_score=seat.post,
            )
            for seat in seats
        )
        # The tallies the service derives are the ones the generator restated.
        tallies.sync_tallies(activity=Activity.objects.get(pk=pk), by=None)


def ask_engine(query: dict[str, Any], group_by: list[str], measures: list[str]):
    params = {name: str(value) for name, value in query.items()}
    filterset = ActivityFilterSet(
        params, queryset=Activity.objects.filter(reference__startswith=PREFIX)
    )
    assert filterset.is_valid(), filterset.errors
    return stats.compute(
        filterset.qs,
        group_by=group_by,
        measures=measures,
        restriction=stats.restriction_from_filters(filterset.form.cleaned_data),
    )


def check(geography: Geography, programme: Programme, query, group_by: list[str]) -> None:
    note(f"programme={programme!r}")
    note(f"query={query!r} group_by={group_by!r}")
    write_programme(programme)
    expected = brute_force(geography, programme, query, [])
    overall = expected.get((), {"people": None, "learning": None})
    result = ask_engine(query, [], ["people", "learning"])
    empty = {"total": 0, "female": 0, "male": 0, "not_recorded": 0, "participations": 0}
    assert result["totals"]["people"] == (overall["people"] or empty)
    assert result["totals"]["learning"] == (overall["learning"] or _learning([]))
    if not query:
        # The derived tallies count exactly the attended participations.
        participants = ask_engine({}, [], ["participants"])["totals"]["participants"]
        assert participants["total"] == result["totals"]["people"]["participations"]
    if not group_by:
        return
    grouped = ask_engine(query, group_by, ["people", "learning"])
    rows = {tuple(key_of(d, row[d]) for d in group_by): row for row in grouped["rows"]}
    cells = brute_force(geography, programme, query, group_by)
    assert set(rows) == set(cells), (sorted(map(str, rows)), sorted(map(str, cells)))
    for cell, values in cells.items():
        assert rows[cell]["people"] == values["people"], cell
        assert rows[cell]["learning"] == values["learning"], cell
    assert grouped["additive"] == {"people": False, "learning": False}


def run(geography, programme, query, group_by) -> None:
    with transaction.atomic():
        check(geography, programme, query, group_by)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def geography(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return Geography()


PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("STATS_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
one_dimension = st.lists(st.sampled_from(DIMENSIONS), min_size=1, max_size=1)
two_dimensions = st.lists(st.sampled_from(DIMENSIONS), min_size=2, max_size=2, unique=True).filter(
    _valid_grouping
)


@PROPERTY_SETTINGS
@given(programme=programmes(), query=filters)
def test_people_and_learning_totals_equal_a_brute_force_count(db, geography, programme, query):
    run(geography, programme, query, [])


@PROPERTY_SETTINGS
@given(programme=programmes(), query=filters, group_by=one_dimension)
def test_people_by_one_dimension_equal_a_brute_force_count(
    db, geography, programme, query, group_by
):
    run(geography, programme, query, group_by)


@PROPERTY_SETTINGS
@given(programme=programmes(), query=filters, group_by=two_dimensions)
def test_people_by_two_dimensions_equal_a_brute_force_count(
    db, geography, programme, query, group_by
):
    run(geography, programme, query, group_by)
