"""The persons' rollups (activities/rollups/, `PersonCell` and `PersonTotal`) answer the
public question about people and learning exactly as the base tables do.

Hypothesis draws a programme with attendance (tests/test_people_properties.py's
generator), writes it, and asks the public activities' people and learning, by each
grouping the rollups keep: the answer comes from the kept sums and equals a brute-force
count. Then it writes again, as officers and managers would, without telling the rollups
(only the triggers do): an attendance removed, a person's sex corrected, an activity
made a draft, a person's scores entered; the answers must still equal the engine's own
from the base tables.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings
from hypothesis import given, note
from hypothesis import strategies as st

from activities import rollups, stats
from activities.models import (
    Activity,
    Attendance,
    BeneficiaryGroup,
    Participant,
    RollupChange,
)
from activities.rollups import universe
from activities.rollups.shapes import PERSON_SHAPES
from tests.test_people_properties import (
    PROPERTY_SETTINGS,
    Geography,
    brute_force,
    programmes,
    write_programme,
)
from tests.test_stats_properties import PREFIX, key_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _readers_catch_up(settings):
    """As in production: a reader rolls up what writes left (tests/conftest.py)."""
    settings.ROLLUPS_READERS_CATCH_UP = True


MEASURES = ["people", "learning"]


@pytest.fixture(scope="module")
def geography(django_db_setup, django_db_blocker) -> Geography:
    with django_db_blocker.unblock():
        return Geography()


def public_answer(group_by: list[str], *, use_rollups: bool = True):
    with override_settings(ROLLUPS=use_rollups):
        return stats.compute(universe.public(), group_by=group_by, measures=MEASURES)


def same_as_base(group_by: list[str]) -> None:
    answer = public_answer(group_by)
    assert rollups.path() == rollups.PUBLIC_TOTALS
    assert answer == public_answer(group_by, use_rollups=False)


def change_a_few_things(data: st.DataObject) -> None:
    attendance = list(Attendance.objects.filter(activity__reference__startswith=PREFIX))
    if attendance and data.draw(st.booleans(), label="remove an attendance"):
        data.draw(st.sampled_from(attendance)).delete()
    persons = list(Participant.objects.filter(given_name__startswith="Property"))
    if persons and data.draw(st.booleans(), label="correct a sex"):
        person = data.draw(st.sampled_from(persons))
        person.sex = data.draw(st.sampled_from(["female", "male", "not_recorded"]))
        person.save(update_fields=["sex"])
    activities = list(Activity.objects.filter(reference__startswith=PREFIX))
    if activities and data.draw(st.booleans(), label="make a draft"):
        Activity.objects.filter(pk=data.draw(st.sampled_from(activities)).pk).update(status="draft")
    if activities and data.draw(st.booleans(), label="rewrite an activity's rows"):
        # Noted for its rows only: its people are not rolled up again, and must not
        # need to be.
        chosen = data.draw(st.sampled_from(activities))
        BeneficiaryGroup.objects.filter(activity=chosen).update(
            total=F("total") + 1, not_recorded=F("not_recorded") + 1
        )
    attendance = list(Attendance.objects.filter(activity__reference__startswith=PREFIX))
    if attendance and data.draw(st.booleans(), label="enter scores"):
        Attendance.objects.filter(pk=data.draw(st.sampled_from(attendance)).pk).update(
            pre_score=Decimal("12.5"), post_score=Decimal("87.25")
        )


@PROPERTY_SETTINGS
@given(
    programme=programmes(),
    group_by=st.sampled_from([list(shape) for shape in PERSON_SHAPES]),
    data=st.data(),
)
def test_public_people_equal_a_brute_force_count_before_and_after_writes(
    db, geography, programme, group_by, data
):
    note(f"programme={programme!r} group_by={group_by!r}")
    with transaction.atomic():
        write_programme(programme)
        assert RollupChange.objects.exists()
        answer = public_answer(group_by)
        assert rollups.path() == rollups.PUBLIC_TOTALS
        # Only the programme's persons attend anything: the seed has no attendance.
        expected = brute_force(geography, programme, {"delivery": "delivered,ongoing"}, group_by)
        if group_by:
            rows = {tuple(key_of(d, row[d]) for d in group_by): row for row in answer["rows"]}
            assert set(rows) == set(expected)
            for cell, values in expected.items():
                assert rows[cell]["people"] == values["people"], cell
                assert rows[cell]["learning"] == values["learning"], cell
        else:
            overall = expected.get(())
            if overall is not None:
                assert answer["totals"]["people"] == overall["people"]
                assert answer["totals"]["learning"] == overall["learning"]
        change_a_few_things(data)
        same_as_base(group_by)
        transaction.set_rollback(True)


def test_a_persons_write_is_noted_for_them(db):
    person = Participant.objects.create(given_name="Noted", family_name="Person", sex="female")
    rollups.catch_up()
    Participant.objects.filter(pk=person.pk).update(sex="male")
    assert RollupChange.objects.filter(participant_id=person.pk).exists()


def test_a_write_of_rows_only_does_not_roll_up_the_people_again(db, monkeypatch):
    activity = Activity.objects.create(
        reference=f"{PREFIX}rows-only",
        title="Rows only",
        kind="training",
        start_date="2020-03-01",
        end_date="2020-03-02",
        status="published",
        delivery="delivered",
    )
    person = Participant.objects.create(given_name="Attending", family_name="Person")
    Attendance.objects.create(activity=activity, participant=person)
    BeneficiaryGroup.objects.create(activity=activity, total=4, not_recorded=4)
    rollups.catch_up()
    refreshed: list[object] = []
    original = rollups.refresh._person_cells
    monkeypatch.setattr(
        rollups.refresh,
        "_person_cells",
        lambda using, batch: refreshed.append(batch) or original(using, batch),
    )
    BeneficiaryGroup.objects.filter(activity=activity).update(total=5, not_recorded=5)
    rollups.catch_up()
    assert refreshed == []
    Activity.objects.filter(pk=activity.pk).update(kind="workshop")
    rollups.catch_up()
    assert refreshed == [[person.pk]]


def test_people_of_other_activities_or_with_filters_go_to_the_base_tables(db):
    rollups.catch_up()
    stats.compute(Activity.objects.all(), measures=MEASURES)
    assert rollups.path() == rollups.BASE_TABLES
    stats.compute(universe.public(), measures=["people", "session_attendances"])
    assert rollups.path() == rollups.BASE_TABLES
    stats.compute(universe.public(), group_by=["audience"], measures=["people"])
    assert rollups.path() == rollups.BASE_TABLES
    stats.compute(universe.public(), group_by=["country"], measures=["people", "activities"])
    assert rollups.path() == rollups.PUBLIC_TOTALS


def test_batches_make_ranges_of_dense_ids_and_lists_of_the_rest():
    from activities.rollups.refresh import _batches

    dense = list(range(1000, 1300))
    assert _batches([5, 90, *dense, 5000]) == [(1000, 1299), [5, 90, 5000]]
    assert _batches([]) == []


def test_a_sheet_of_many_new_people_rolls_up_in_ranges(db):
    """250 new persons at one activity (an imported sheet): their ids run dense, are
    rolled up as a range, and count as the base tables count them."""
    from activities.people import tallies

    rollups.catch_up()
    activity = universe.public().first()
    people = Participant.objects.bulk_create(
        Participant(given_name=f"Sheet{n}", family_name="Person", sex=("female", "male")[n % 2])
        for n in range(250)
    )
    Attendance.objects.bulk_create(
        Attendance(activity=activity, participant=person, pre_score=40, post_score=70)
        for person in people
    )
    tallies.sync_tallies(activity=activity, by=None)
    assert rollups.catch_up()
    for group_by in ([], ["sex"], ["year"]):
        same_as_base(group_by)
    assert public_answer([])["totals"]["people"]["total"] >= 250
