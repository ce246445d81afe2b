"""Answers restricted to one place are kept until a write there (answer_cache/places.py).

A stats question of one region or country is kept under that place's version, which the
refresh of a write moves for every place the written activity was in and is in, and for
the regions above them (rollups/footprints.py). These tests show a write elsewhere
leaving the answer kept, a write there (moving an activity in, out, or changing it)
reaching the next answer, and the questions that stay under the data version. The
property test draws programmes and rewrites them: whenever an answer of a place changed,
that place's version moved.
"""

from __future__ import annotations

import datetime
import os

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, note, settings

from activities import rollups
from activities.answer_cache import places
from activities.models import (
    Activity,
    ActivityPlace,
    ActivityStamp,
    BeneficiaryGroup,
    Country,
    PlaceVersion,
    Region,
)
from activities.rollups import footprints
from tests.test_rollups import ask, rewrite
from tests.test_stats_properties import (
    COUNTRIES,
    FILTER_REGIONS,
    PROPERTY_SETTINGS,
    programmes,
    write,
)

# Each example asks 44 questions twice from the base tables: fewer than the other
# property tests, which ask one.
PLACE_EXAMPLES = int(os.environ.get("STATS_PROPERTY_EXAMPLES", "60")) // 3

AFRICA = "/api/v1/stats/?region=002&group_by=kind&measures=activities,participants"
NIGERIA = "/api/v1/stats/?country=NGA&measures=activities,participants"


@pytest.fixture(autouse=True)
def _readers_catch_up(settings):
    """As in production: a reader rolls up what writes left (tests/conftest.py)."""
    settings.ROLLUPS_READERS_CATCH_UP = True


def training(title: str, *countries: str, people: int = 10) -> Activity:
    """A published training in these countries (ISO alpha-2), one row of `people`."""
    activity = Activity.objects.create(
        reference=f"places-{title}",
        title=title,
        kind="training",
        start_date=datetime.date(2021, 3, 1),
        end_date=datetime.date(2021, 3, 2),
        status="published",
        delivery="delivered",
    )
    activity.countries.set(Country.objects.filter(iso2__in=countries))
    BeneficiaryGroup.objects.create(activity=activity, total=people, not_recorded=people)
    return activity


def asked(client, url: str) -> tuple[dict, int]:
    """The answer, and how many statements it took (1: served from the cache)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.json(), len(captured)


def activities_in(answer: dict) -> int:
    return answer["totals"]["activities"]


# --- Over HTTP, as the public asks ------------------------------------------------------


@pytest.mark.usefixtures("seeded_transactional_db")
def test_a_write_elsewhere_leaves_a_places_answer_kept(client):
    everywhere = "/api/v1/stats/?measures=activities"
    training("lagos", "NG")
    rollups.catch_up()
    first, _ = asked(client, AFRICA)
    assert asked(client, AFRICA)[1] == 1  # at the front door: the place's version read
    assert asked(client, everywhere)[1] > 1
    assert asked(client, everywhere)[1] == 1
    training("san-salvador", "SV", people=25)  # a write in Central America
    assert rollups.catch_up()
    again, statements = asked(client, AFRICA)
    assert statements == 1 and again == first  # still kept
    # The data version moved: a question of the whole programme is computed again.
    assert asked(client, everywhere)[1] > 1


@pytest.mark.usefixtures("seeded_transactional_db")
def test_a_write_in_the_place_or_below_it_reaches_the_next_answer(client):
    lagos = training("lagos", "NG")
    rollups.catch_up()
    before = activities_in(asked(client, AFRICA)[0])
    nigeria = activities_in(asked(client, NIGERIA)[0])
    training("accra", "GH")  # a country under Africa, not Nigeria
    after, statements = asked(client, AFRICA)  # rolled up by the reader, then computed
    assert statements > 1 and activities_in(after) == before + 1
    kept, statements = asked(client, NIGERIA)
    assert statements == 1 and activities_in(kept) == nigeria  # Nigeria's: kept
    # Moved out of Africa: both places it left are computed again.
    lagos.countries.set(Country.objects.filter(iso2="FR"))
    assert activities_in(asked(client, AFRICA)[0]) == before
    assert activities_in(asked(client, NIGERIA)[0]) == nigeria - 1
    # Its rows naming a country put it back under Africa (counting rule 3).
    BeneficiaryGroup.objects.filter(activity=lagos).update(country=Country.objects.get(iso2="NG"))
    assert activities_in(asked(client, AFRICA)[0]) == before + 1


@pytest.mark.usefixtures("seeded_transactional_db")
def test_a_places_answer_of_one_year_is_kept_until_a_write_there_in_that_year(client):
    in_2021 = f"{NIGERIA}&year=2021"
    in_2025 = f"{NIGERIA}&year=2025"
    lagos = training("lagos", "NG")  # 2021
    rollups.catch_up()
    first, _ = asked(client, in_2021)
    assert asked(client, in_2025)[1] > 1
    training("abuja", "NG")  # Nigeria in 2021: both Nigeria and Nigeria in 2021 move on
    assert rollups.catch_up()
    assert activities_in(asked(client, in_2021)[0]) == activities_in(first) + 1
    assert asked(client, in_2025)[1] == 1  # Nigeria in 2025: kept
    # Moved from 2021 to 2025: both years' answers are computed again.
    Activity.objects.filter(pk=lagos.pk).update(
        start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2025, 1, 2)
    )
    again, statements = asked(client, in_2021)
    assert statements > 1 and activities_in(again) == activities_in(first)
    assert activities_in(asked(client, in_2025)[0]) == 1
    # A year the versions do not keep: the place's own version serves.
    assert places.place_of({"country": "NG", "year": "1066"}, authenticated=False).year == ""
    assert places.place_of({"country": "NG", "year": "2025"}, authenticated=False).year == "2025"
    for odd in ("²⁰²⁰", "9" * 5000, " 2025", "-2025"):  # never an error: the filter says
        assert places.place_of({"country": "NG", "year": odd}, authenticated=False).year == ""
    assert client.get(f"{NIGERIA}&year=²⁰²⁰").status_code == 400


@pytest.mark.usefixtures("seeded_transactional_db")
def test_a_write_that_waits_to_be_rolled_up_is_never_missed(client, settings):
    training("lagos", "NG")
    rollups.catch_up()
    before = activities_in(asked(client, AFRICA)[0])
    settings.ROLLUPS_READERS_CATCH_UP = False  # the note stays: the data version serves
    training("accra", "GH")
    assert activities_in(asked(client, AFRICA)[0]) == before + 1
    assert activities_in(asked(client, AFRICA)[0]) == before + 1


@pytest.mark.usefixtures("seeded_transactional_db")
def test_other_questions_stay_under_the_data_version(client, django_user_model):
    for params in (
        {"region": "002", "measures": "people"},  # persons are written apart
        {"region": "002", "project": "X"},  # a project is not the activity's own record
        {"region": "002", "country": "NG"},  # two places
        {"region": "002", "group_by": "partner"},
        {"region": "002", "hub": "SN"},  # a hub's coverage is not the activity's record
        {"region": "002", "donor": "1"},
        {"region": "002", "figure": "F1"},
        {"region": "002", "mentor": "1"},
        {"region": "002", "measures": "activities,hours"},
        {"year": "2021"},  # no place
    ):
        assert places.place_of(params, authenticated=False) is None, params
    assert places.place_of({"region": "002"}, authenticated=True) is None
    assert places.place_of({"region": "002", "group_by": "kind"}, authenticated=False)
    # A code that finds no place is kept under the data version (the filter refuses it).
    assert client.get("/api/v1/stats/?country=QQ").status_code == 400


# --- What the refresh keeps --------------------------------------------------------------


def test_the_places_above_a_place(db):
    assert footprints.above("/001/019/419/013/SLV/") == [
        "/001/",
        "/001/019/",
        "/001/019/419/",
        "/001/019/419/013/",
        "/001/019/419/013/SLV/",
    ]


def test_the_refresh_keeps_where_an_activity_is_and_moves_those_places_on(db):
    rollups.catch_up()
    versions = dict(PlaceVersion.objects.values_list("path", "version"))
    activity = training("lagos", "NG")
    rollups.catch_up()
    nigeria = Country.objects.get(iso2="NG").path
    assert set(
        ActivityPlace.objects.filter(activity_id=activity.pk).values_list("path", flat=True)
    ) == {nigeria}
    moved = {
        path
        for path, version in PlaceVersion.objects.values_list("path", "version")
        if version != versions.get(path, 0)
    }
    # Nigeria and the regions above it, alone and in 2021, the year of its period.
    above = footprints.above(nigeria)
    assert moved == {*above, *(f"{path}2021" for path in above)}
    stamp = ActivityStamp.objects.get(activity_id=activity.pk)
    assert (stamp.first_year, stamp.last_year) == (2021, 2021)
    # Deleted: the places it was in move on once more, and it is in none.
    Activity.objects.filter(pk=activity.pk).delete()
    rollups.catch_up()
    assert not ActivityPlace.objects.filter(activity_id=activity.pk).exists()
    assert PlaceVersion.objects.get(path=nigeria).version == versions.get(nigeria, 0) + 2


# --- The property ------------------------------------------------------------------------


# The years the programmes' periods fall in (tests/test_stats_properties.py), and one
# before them.
YEARS = ("", "2018", "2019", "2020", "2021", "2022")


def answers_by_place() -> dict[tuple[str, ...], object]:
    """The public answer of every place the programmes use, ungrouped and by kind, and
    ungrouped in each year, from the base tables."""
    answers = {}
    for param, codes in (("region", FILTER_REGIONS), ("country", [*COUNTRIES, "FR"])):
        for code in codes:
            for group_by in ([], ["kind"]):
                _, answer = ask({param: code}, group_by, use_rollups=False)
                answers[(param, code, "", *group_by)] = answer
            for year in YEARS[1:]:
                _, answer = ask({param: code, "year": year}, [], use_rollups=False)
                answers[(param, code, year)] = answer
    return answers


def place_versions() -> dict[tuple[str, str, str], int]:
    """The version of every place the programmes use, alone and in each year, by its
    filter, code and year (as answer_cache/places.py keeps it)."""
    paths = {("region", r.code): r.path for r in Region.objects.filter(code__in=FILTER_REGIONS)}
    paths.update(
        {("country", c.iso2): c.path for c in Country.objects.filter(iso2__in=[*COUNTRIES, "FR"])}
    )
    versions = dict(PlaceVersion.objects.values_list("path", "version"))
    return {
        (*place, year): versions.get(path + year, 0)
        for place, path in paths.items()
        for year in YEARS
    }


@settings(PROPERTY_SETTINGS, max_examples=PLACE_EXAMPLES)
@given(first=programmes, second=programmes)
def test_a_places_answer_changes_only_with_its_version(db, first, second):
    note(f"first={first!r}\nsecond={second!r}")
    with transaction.atomic():
        ids = write(first)
        assert rollups.catch_up()
        before, versions = answers_by_place(), place_versions()
        rewrite(ids, second)
        assert rollups.catch_up()
        after, moved = answers_by_place(), place_versions()
        for question, answer in after.items():
            place = question[:3]
            if moved[place] == versions[place]:
                assert answer == before[question], question
        transaction.set_rollback(True)
