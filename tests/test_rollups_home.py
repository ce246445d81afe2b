"""A country's people (and a year's) from the persons' cells by home country
(activities/rollups/shapes.py, `HOME_SHAPES`): "country=SV" or "country=SV&year=2020"
over the public activities reads one kept sum, and equals what the base tables count.

The home cells follow two rules at once: the activities are those in the country
(counting rule 3: its countries, scope regions, and the countries its beneficiary rows
name), the people those from the country (rule 9). So a write of beneficiary rows alone,
which moves no other person's cell, may move these: a row naming a country puts its
activity in it. The tests write such rows without telling the rollups.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test.utils import override_settings
from hypothesis import given, note
from hypothesis import strategies as st

from activities import rollups, stats
from activities.filters import ActivityFilterSet
from activities.models import (
    Activity,
    Attendance,
    BeneficiaryGroup,
    Country,
    Participant,
    RollupChange,
)
from tests.test_people_properties import (
    PROPERTY_SETTINGS,
    Geography,
    brute_force,
    programmes,
    write_programme,
)
from tests.test_rollups_people import change_a_few_things
from tests.test_stats_properties import COUNTRIES, PREFIX

pytestmark = pytest.mark.django_db

MEASURES = ["people", "learning"]


@pytest.fixture(autouse=True)
def _readers_catch_up(settings):
    """As in production: a reader rolls up what writes left (tests/conftest.py)."""
    settings.ROLLUPS_READERS_CATCH_UP = True


@pytest.fixture(scope="module")
def geography(django_db_setup, django_db_blocker) -> Geography:
    with django_db_blocker.unblock():
        return Geography()


def ask(params: dict[str, Any], *, use_rollups: bool = True, user=None) -> dict[str, Any]:
    """What /api/v1/stats/ computes for these parameters: the FilterSet over what the
    user may count, and the restriction the filters imply."""
    activities = Activity.objects.aggregated_for(user or AnonymousUser())
    filterset = ActivityFilterSet({k: str(v) for k, v in params.items()}, queryset=activities)
    assert filterset.is_valid(), filterset.errors
    with override_settings(ROLLUPS=use_rollups):
        return stats.compute(
            filterset.qs,
            measures=MEASURES,
            restriction=stats.restriction_from_filters(filterset.form.cleaned_data),
        )


def same_as_base(params: dict[str, Any]) -> None:
    answer = ask(params)
    assert rollups.path() == rollups.PUBLIC_TOTALS, params
    assert answer == ask(params, use_rollups=False), params


@PROPERTY_SETTINGS
@given(
    programme=programmes(),
    country=st.sampled_from(COUNTRIES),
    year=st.one_of(st.none(), st.integers(2018, 2023)),
    data=st.data(),
)
def test_a_countrys_people_equal_a_brute_force_count_before_and_after_writes(
    db, geography, programme, country, year, data
):
    params: dict[str, Any] = {"country": country, **({"year": year} if year else {})}
    note(f"programme={programme!r} params={params!r}")
    with transaction.atomic():
        write_programme(programme)
        assert RollupChange.objects.exists()
        answer = ask(params)
        assert rollups.path() == rollups.PUBLIC_TOTALS
        # Only the programme's persons attend anything: the seed has no attendance.
        expected = brute_force(
            geography, programme, {"delivery": "delivered,ongoing", **params}, []
        ).get(())
        if expected is not None:
            assert answer["totals"]["people"] == expected["people"]
            assert answer["totals"]["learning"] == expected["learning"]
        else:
            assert answer["totals"]["people"]["total"] == 0
        change_a_few_things(data)
        activities = list(Activity.objects.filter(reference__startswith=PREFIX))
        if activities and data.draw(st.booleans(), label="a row naming a country"):
            chosen = data.draw(st.sampled_from(activities))
            named = Country.objects.get(iso2=data.draw(st.sampled_from(COUNTRIES)))
            BeneficiaryGroup.objects.create(activity=chosen, country=named, total=1, male=1)
        same_as_base(params)
        transaction.set_rollback(True)


def _activity(reference: str, country: str) -> Activity:
    activity = Activity.objects.create(
        reference=f"{PREFIX}{reference}",
        title=reference,
        kind="training",
        start_date="2020-03-01",
        end_date="2021-02-01",
        status="published",
        delivery="delivered",
    )
    activity.countries.add(Country.objects.get(iso2=country))
    return activity


def test_a_row_naming_the_country_brings_its_people_in(db):
    """A training for Guatemala attended by a Salvadoran: not El Salvador's, until a
    beneficiary row names El Salvador (rule 3). Such a row's note concerns the people of
    its activity; a row saved again with other counts, or without a country, does not."""
    activity = _activity("home-row", "GT")
    el_salvador, guatemala = Country.objects.get(iso2="SV"), Country.objects.get(iso2="GT")
    salvadoran = Participant.objects.create(
        given_name="Home", family_name="Person", sex="female", country=el_salvador
    )
    Attendance.objects.create(
        activity=activity, participant=salvadoran, pre_score=40, post_score=70
    )
    row = BeneficiaryGroup.objects.create(activity=activity, country=guatemala, total=2, male=2)
    BeneficiaryGroup.objects.create(activity=activity, total=1, male=1)
    rollups.catch_up()
    restriction = stats.Restriction(place=el_salvador, year_from=2020, year_to=2020)

    def people_now(counted: dict[int | None, int]) -> None:
        for year, total in counted.items():
            params = {"country": "SV", **({"year": year} if year else {})}
            answer = ask(params)
            assert rollups.path() == rollups.PUBLIC_TOTALS
            assert answer["totals"]["people"]["total"] == total, params
            assert answer == ask(params, use_rollups=False), params

    people_now({None: 0, 2020: 0, 2021: 0})
    # Other counts, the same countries: the people's cells cannot move.
    BeneficiaryGroup.objects.filter(activity=activity).update(total=3, male=3)
    assert not RollupChange.objects.filter(people=True).exists()
    assert not rollups.needs_catch_up([], MEASURES, restriction)
    people_now({2020: 0})
    assert RollupChange.objects.exists()  # answered without rolling the rows up
    # The row's country corrected to El Salvador: a pair comes, one goes.
    BeneficiaryGroup.objects.filter(pk=row.pk).update(country=el_salvador)
    assert RollupChange.objects.filter(activity_id=activity.pk, people=True).exists()
    assert rollups.needs_catch_up([], MEASURES, restriction)
    people_now({None: 1, 2020: 1, 2021: 1, 2022: 0})
    assert not RollupChange.objects.exists()
    # The row deleted: out of El Salvador again.
    BeneficiaryGroup.objects.filter(pk=row.pk).delete()
    assert RollupChange.objects.filter(activity_id=activity.pk, people=True).exists()
    people_now({None: 0, 2020: 0})
    # A new row without a country moves no pair; one naming El Salvador does.
    BeneficiaryGroup.objects.create(activity=activity, total=1, female=1)
    assert not RollupChange.objects.filter(people=True).exists()
    BeneficiaryGroup.objects.create(activity=activity, country=el_salvador, total=1, female=1)
    assert RollupChange.objects.filter(people=True).exists()
    people_now({None: 1, 2021: 1})


def test_a_persons_write_waits_for_the_roll_up(db):
    activity = _activity("home-person", "SV")
    person = Participant.objects.create(
        given_name="Home", family_name="Person", sex="male", country=Country.objects.get(iso2="SV")
    )
    Attendance.objects.create(activity=activity, participant=person)
    rollups.catch_up()
    Participant.objects.filter(pk=person.pk).update(sex="female")
    brazil = Country.objects.get(iso2="BR")
    assert rollups.needs_catch_up([], MEASURES, stats.Restriction(place=brazil))
    answer = ask({"country": "SV", "year": 2020})
    assert answer["totals"]["people"]["female"] == 1
    assert rollups.path() == rollups.PUBLIC_TOTALS
    assert answer == ask({"country": "SV", "year": 2020}, use_rollups=False)


def test_other_questions_of_a_country_go_elsewhere(db, django_user_model):
    rollups.catch_up()
    manager = django_user_model.objects.create_superuser("home-manager", "m@example.org", "x")
    asked = [
        ({"country": "SV", "year": 2020, "kind": "training"}, None),  # another filter
        ({"country": "SV", "date_from": "2020-01-01"}, None),  # not a whole year
        ({"region": "013", "year": 2020}, None),  # a region: people from several homes
        ({"country": "SV", "year": 2020, "delivery": "all"}, None),  # planned ones too
        ({"country": "SV", "year": 2020}, manager),  # drafts count for a manager
    ]
    for params, user in asked:
        ask(params, user=user)
        assert rollups.path() == rollups.BASE_TABLES, params
