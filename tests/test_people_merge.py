"""Merging two records of one person, and undoing it (activities/people/merging.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from activities.models import Attendance, Participant, ParticipantMerge
from activities.people.merging import merge, root_of, unmerge, unmerge_error

from .people_helpers import (
    activity_in,
    attend,
    make_person,
    participations,
    people_count,
    scored,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_records():
    """One prosecutor sheet-spelt two ways, at three trainings: the first record at A and
    B, the second at B (both attended B) and C."""
    a, b, c = activity_in("SLV"), activity_in("SLV"), activity_in("GTM")
    kept = make_person("José", "Pérez Gómez", sex="male")
    dup = make_person("Jose", "Perez", sex="male", email="jp@example.org")
    attend(kept, a, **scored("40", "70"))
    attend(kept, b, completed=True)
    attend(dup, b, completed=False, **scored("35.5", "80"))
    attend(dup, c, **scored("50", "90"))
    return {"kept": kept, "dup": dup, "activities": [a, b, c]}


def test_a_merge_makes_two_people_one_and_undoing_it_makes_them_two_again(two_records, manager):
    kept, dup, activities = two_records["kept"], two_records["dup"], two_records["activities"]
    assert people_count(activities) == 2
    assert participations(activities) == 4

    record = merge(kept=kept, merged=dup, by=manager)

    assert people_count(activities) == 1
    # B is one participation now: the duplicate's row there was set aside.
    assert participations(activities) == 3
    assert Participant.objects.get(pk=dup.pk).merged_into_id == kept.pk
    assert len(record.moved_attendance) == 1
    assert [row["activity_id"] for row in record.set_aside] == [activities[1].pk]

    unmerge(merge=record, by=manager)

    assert people_count(activities) == 2
    assert participations(activities) == 4


def test_undoing_a_merge_restores_every_row_exactly_including_the_set_aside_one(
    two_records, manager
):
    kept, dup = two_records["kept"], two_records["dup"]
    before = snapshot(kept, dup)

    record = merge(kept=kept, merged=dup, by=manager)
    assert snapshot(kept, dup) != before
    unmerge(merge=record, by=manager)

    assert snapshot(kept, dup) == before
    record.refresh_from_db()
    assert record.undone_at is not None


def test_a_merge_keeps_participations_when_the_two_never_attended_the_same_activity(manager):
    a, b = activity_in("SLV"), activity_in("SLV")
    first, second = make_person("Ana", "Lopez"), make_person("Ana", "López García")
    attend(first, a)
    attend(second, b)

    merge(kept=first, merged=second, by=manager)

    assert people_count([a, b]) == 1
    assert participations([a, b]) == 2


def test_the_tallies_follow_the_merge(two_records, manager):
    kept, dup, activities = two_records["kept"], two_records["dup"], two_records["activities"]
    both = activities[1]
    assert sum(row.total for row in both.beneficiaries.all()) == 2

    record = merge(kept=kept, merged=dup, by=manager)
    assert sum(row.total for row in both.beneficiaries.all()) == 1

    unmerge(merge=record, by=manager)
    assert sum(row.total for row in both.beneficiaries.all()) == 2


def test_a_person_cannot_be_merged_into_themselves(manager):
    person = make_person("Ana", "Lopez")
    with pytest.raises(ValidationError, match="themselves"):
        merge(kept=person, merged=person, by=manager)


def test_merging_into_a_merged_record_merges_into_its_person(manager):
    root, middle, third = (make_person("Ana", n) for n in ("Lopez", "Lopes", "Lópes"))
    merge(kept=root, merged=middle, by=manager)

    record = merge(kept=middle, merged=third, by=manager)

    assert record.kept_id == root.pk
    assert root_of(Participant.objects.get(pk=third.pk)) == root


def test_a_record_already_merged_is_not_merged_again(manager):
    root, dup, other = (make_person("Ana", n) for n in ("Lopez", "Lopes", "Lopis"))
    merge(kept=root, merged=dup, by=manager)
    with pytest.raises(ValidationError, match="already merged"):
        merge(kept=other, merged=Participant.objects.get(pk=dup.pk), by=manager)


def test_merging_a_person_into_a_record_merged_into_them_is_refused(manager):
    root, dup = make_person("Ana", "Lopez"), make_person("Ana", "Lopes")
    merge(kept=root, merged=dup, by=manager)
    with pytest.raises(ValidationError):
        merge(kept=Participant.objects.get(pk=dup.pk), merged=root, by=manager)


def test_undoing_is_refused_while_a_later_merge_of_the_same_person_stands(manager):
    root, dup, third = (make_person("Ana", n) for n in ("Lopez", "Lopes", "Lopis"))
    first = merge(kept=root, merged=dup, by=manager)
    second = merge(kept=root, merged=third, by=manager)

    assert "later merge" in unmerge_error(first)
    with pytest.raises(ValidationError, match="later merge"):
        unmerge(merge=first, by=manager)

    unmerge(merge=second, by=manager)
    unmerge(merge=first, by=manager)
    assert Participant.objects.filter(merged_into__isnull=False).count() == 0


def test_undoing_is_refused_when_moved_attendance_was_deleted_since(two_records, manager):
    record = merge(kept=two_records["kept"], merged=two_records["dup"], by=manager)
    Attendance.objects.filter(pk__in=record.moved_attendance).delete()

    with pytest.raises(ValidationError, match="cannot be undone exactly"):
        unmerge(merge=record, by=manager)
    assert Participant.objects.get(pk=two_records["dup"].pk).merged_into_id is not None


def test_undoing_twice_is_refused(two_records, manager):
    record = merge(kept=two_records["kept"], merged=two_records["dup"], by=manager)
    unmerge(merge=record, by=manager)
    with pytest.raises(ValidationError, match="undone already"):
        unmerge(merge=ParticipantMerge.objects.get(pk=record.pk), by=manager)


def test_an_erased_person_is_not_merged(manager):
    from activities.people.erasure import erase

    first, second = make_person("Ana", "Lopez"), make_person("Ana", "Lopes")
    erase(participant=second, by=manager, reason="request")
    with pytest.raises(ValidationError, match="erased"):
        merge(kept=first, merged=Participant.objects.get(pk=second.pk), by=manager)


def test_in_the_stats_engine_people_go_from_two_to_one_and_back(two_records, manager):
    from activities import stats
    from activities.models import Activity

    ids = [activity.pk for activity in two_records["activities"]]

    def people_total():
        answer = stats.compute(Activity.objects.filter(pk__in=ids), measures=["people"])
        return answer["totals"]["people"]["total"]

    assert people_total() == 2
    record = merge(kept=two_records["kept"], merged=two_records["dup"], by=manager)
    assert people_total() == 1
    unmerge(merge=record, by=manager)
    assert people_total() == 2
