"""Erasure of a person on request, and after the retention period
(activities/people/erasure.py)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from activities.models import (
    Attendance,
    Participant,
    ParticipantMerge,
    PersonErasure,
    PlaceVersion,
)
from activities.people.erasure import erase, expired_people
from activities.people.merging import merge, unmerge_error

from .people_helpers import activity_in, attend, make_person, participations, people_count, scored

pytestmark = pytest.mark.django_db

GIVEN, FAMILY = "Xiomara", "Quetzaltenango-Wrzesniewska"
EMAIL, PHONE = "xiomara.q@example.org", "+503 7000 1234"


@pytest.fixture
def person():
    return make_person(
        GIVEN,
        FAMILY,
        sex="female",
        email=EMAIL,
        phone=PHONE,
        birth_year=1984,
        institution="Fiscalía General de Tegucigalpa-Xochimilco",
    )


# Counters keyed by a place and a year, for every plausible year ("/001/019/1984": the
# answer cache's place versions, rollups/footprints.py): no one's data, but the birth
# year below among their keys.
NOT_PERSONAL = {PlaceVersion._meta.db_table}


def everything_stored() -> str:
    """Every text value of every table of the database, as one string."""
    values = []
    with connection.cursor() as cursor:
        for table in set(connection.introspection.table_names()) - NOT_PERSONAL:
            cursor.execute(f'SELECT * FROM "{table}"')
            values += [str(value) for row in cursor.fetchall() for value in row]
    return "\n".join(values)


def test_an_erased_person_leaves_the_counts_unchanged(person, manager):
    activities = [activity_in("SLV"), activity_in("GTM")]
    other = make_person("Ana", "Lopez", sex="female")
    for activity in activities:
        attend(person, activity, **scored("40", "75"))
    attend(other, activities[0])
    tallies_before = [
        list(a.beneficiaries.values("audience", "country", "female", "male", "not_recorded"))
        for a in activities
    ]

    erase(participant=person, by=manager, reason="request by e-mail")

    assert people_count(activities) == 2
    assert participations(activities) == 3
    assert Participant.objects.get(pk=person.pk).sex == "female"
    assert [
        list(a.beneficiaries.values("audience", "country", "female", "male", "not_recorded"))
        for a in activities
    ] == tallies_before


def test_an_erased_persons_name_contacts_age_and_scores_are_gone_from_every_table(person, manager):
    activity = activity_in("SLV")
    attend(person, activity, **scored("40", "75"))
    assert GIVEN in everything_stored()

    erase(participant=person, by=manager, reason="request by e-mail")

    stored = everything_stored()
    for value in (GIVEN, FAMILY, EMAIL, PHONE, "Tegucigalpa-Xochimilco"):
        assert value not in stored, value
    # The birth year as a number of its own: the digits may appear inside a timestamp's
    # microseconds ("12:18:05.031984"), seen once in CI.
    assert re.search(r"(?<!\d)1984(?!\d)", stored) is None
    record = Participant.objects.get(pk=person.pk)
    assert (record.name_key, record.birth_year, record.age_band) == ("", None, "")
    assert record.erased_at is not None
    row = Attendance.objects.get(participant=person)
    assert (row.pre_score, row.post_score, row.attended) == (None, None, True)


def test_the_erasure_is_recorded_without_personal_data(person, manager):
    erase(participant=person, by=manager, reason="request of 3 March")

    erasure = PersonErasure.objects.get()
    assert (erasure.participant_id, erasure.erased_by, erasure.reason) == (
        person.pk,
        manager,
        "request of 3 March",
    )
    assert GIVEN not in str(erasure)


def test_erasing_a_person_erases_the_records_merged_into_them_and_their_set_aside_scores(
    person, manager
):
    activity = activity_in("SLV")
    duplicate = make_person(GIVEN, "Quetzaltenango", email="other@example.org")
    attend(person, activity)
    attend(duplicate, activity, **scored("12.5", "99"))
    record = merge(kept=person, merged=duplicate, by=manager)
    assert record.set_aside[0]["post_score"] == "99.00"

    erase(participant=person, by=manager, reason="request")

    assert Participant.objects.filter(erased_at__isnull=True).count() == 0
    assert PersonErasure.objects.count() == 2
    stored = everything_stored()
    assert GIVEN not in stored and "99.00" not in stored
    assert unmerge_error(ParticipantMerge.objects.get()) is not None


def test_erasing_a_merged_record_erases_its_person(person, manager):
    duplicate = make_person(GIVEN, "Quetzaltenango")
    merge(kept=person, merged=duplicate, by=manager)

    erase(participant=duplicate, by=manager, reason="request")

    assert Participant.objects.get(pk=person.pk).erased_at is not None


def test_a_person_is_not_erased_twice(person, manager):
    erase(participant=person, by=manager, reason="request")
    with pytest.raises(ValidationError, match="erased already"):
        erase(participant=person, by=manager, reason="again")
    assert PersonErasure.objects.count() == 1


def test_an_erased_person_is_never_matched_again(person, manager):
    erase(participant=person, by=manager, reason="request")
    from activities.people.names import name_key

    assert not Participant.objects.filter(name_key=name_key(GIVEN, FAMILY)).exists()


def test_participants_keep_no_audit_history():
    # A history table would keep every earlier version of a name after an erasure.
    assert not hasattr(Participant, "history")
    assert not any(
        "participant" in t for t in connection.introspection.table_names() if "historical" in t
    )


def test_persons_past_the_retention_period_are_erased_by_the_command(manager):
    old_activity = activity_in(
        "SLV", start_date=datetime.date(2010, 3, 1), end_date=datetime.date(2010, 3, 3)
    )
    today = timezone.localdate()
    recent_activity = activity_in(
        "SLV",
        start_date=today - datetime.timedelta(days=40),
        end_date=today - datetime.timedelta(days=38),
    )
    old, recent, both = (make_person("Ana", n) for n in ("Antigua", "Reciente", "Ambas"))
    attend(old, old_activity)
    attend(recent, recent_activity)
    attend(both, old_activity)
    attend(both, recent_activity)
    assert expired_people(years=7, today=today) == [old.pk]

    call_command("erase_expired_people", "--dry-run")
    assert Participant.objects.get(pk=old.pk).erased_at is None

    call_command("erase_expired_people")

    assert list(Participant.objects.filter(erased_at__isnull=False)) == [old]
    assert PersonErasure.objects.get().reason.startswith("retention period")
    assert people_count([old_activity, recent_activity]) == 3


def test_people_are_not_in_the_admin_and_the_erasure_log_is_read_only(superuser_client, person):
    from django.contrib import admin

    from activities.models import Attendance as AttendanceModel

    assert Participant not in admin.site._registry
    assert AttendanceModel not in admin.site._registry
    assert ParticipantMerge not in admin.site._registry
    erase(participant=person, by=None, reason="request")
    response = superuser_client.get("/admin/activities/personerasure/")
    assert response.status_code == 200
    assert b"request" in response.content
    assert superuser_client.get("/admin/activities/personerasure/add/").status_code == 403


def test_in_the_stats_engine_an_erasure_keeps_people_and_participations_and_drops_learning(
    manager,
):
    from activities import stats
    from activities.models import Activity

    training = activity_in("SLV", title="Made-up erasure training")
    first = make_person("Ana", "Lopez", sex="female")
    second = make_person("Bea", "Ruiz", sex="female")
    attend(first, training, **scored("40", "70"))
    attend(second, training, **scored("60", "80"))

    def totals():
        answer = stats.compute(
            Activity.objects.filter(pk=training.pk),
            measures=["participants", "people", "learning"],
        )
        return answer["totals"]

    before = totals()
    erase(participant=first, by=manager, reason="request")
    after = totals()

    assert after["people"] == before["people"]
    assert after["participants"] == before["participants"]
    assert before["learning"]["assessed"] == 2
    assert after["learning"]["assessed"] == 1
    assert after["learning"]["mean_pre"] == 60.0
