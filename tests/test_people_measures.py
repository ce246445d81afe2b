"""The person-level measures (counting rule 9): people and learning, in the engine and in
GET /api/v1/stats/."""

import pytest

from activities import stats
from activities.models import Activity, BeneficiaryGroup
from activities.people import tallies
from tests.factories import ActivityFactory
from tests.people_factories import attend, person

pytestmark = pytest.mark.django_db


def _made_up():
    return Activity.objects.filter(title__startswith="Made-up")


def _answer(**kwargs):
    kwargs.setdefault("measures", ["participants", "people", "learning"])
    return stats.compute(_made_up(), **kwargs)


def test_one_person_at_three_activities_is_three_participations_and_one_person():
    prosecutor = person(sex="female")
    for _ in range(3):
        attend(ActivityFactory(people=False), prosecutor)
    totals = _answer()["totals"]
    assert totals["participants"]["total"] == 3
    assert totals["participants"]["female"] == 3
    assert totals["people"] == {
        "total": 1,
        "female": 1,
        "male": 0,
        "not_recorded": 0,
        "participations": 3,
    }


def test_attendance_derives_the_tallies_and_they_are_marked_so():
    training = ActivityFactory(people=False)
    attend(training, person(sex="female"), person(sex="male"), person(sex="male"))
    attend(training, person(sex="female", country="GTM"), attended=False)
    rows = list(BeneficiaryGroup.objects.filter(activity=training))
    assert [(r.female, r.male, r.not_recorded, r.from_attendance) for r in rows] == [
        (1, 2, 0, True)
    ]
    assert rows[0].country.iso3 == "SLV"  # the persons' country, which the activity lists


def test_typed_tallies_are_refused_once_attendance_exists():
    from django.core.exceptions import ValidationError

    from activities import services

    training = ActivityFactory(people=False)
    attend(training, person(sex="female"))
    with pytest.raises(ValidationError, match="attendance sheet"):
        services.activity_update(
            activity=training,
            expected_version=None,
            beneficiary_rows=[{"female": 40, "male": 0, "not_recorded": 0}],
            by=None,
        )
    assert (
        tallies.typed_rows_error(
            training,
            list(
                BeneficiaryGroup.objects.filter(activity=training).values(
                    "audience", "country", "female", "male", "not_recorded"
                )
            ),
        )
        is None
    )


def test_a_person_counts_under_their_own_country_not_the_activity_scope():
    workshop = ActivityFactory(places=["SLV", "GTM", "HND"], people=False)
    attend(workshop, person(country="SLV"), person(country="GTM"), person(country=None))
    answer = _answer(group_by=["country"])
    by_country = {
        (row["country"] or {}).get("code"): row["people"]["total"] for row in answer["rows"]
    }
    assert by_country == {"SV": 1, "GT": 1, None: 1}
    assert answer["totals"]["people"]["total"] == 3
    assert answer["additive"]["people"] is False


def test_a_place_restriction_counts_the_people_from_under_it():
    from activities.models import Country, Region

    workshop = ActivityFactory(places=["SLV", "GTM"], people=False)
    attend(workshop, person(country="SLV"), person(country="GTM"), person(country=None))
    salvador = Country.objects.get(iso3="SLV")
    central_america = Region.objects.get(code="013")
    assert _answer(place=salvador)["totals"]["people"]["total"] == 1
    assert _answer(place=central_america)["totals"]["people"]["total"] == 2


def test_people_are_not_added_across_groups_of_an_activity_tag():
    from activities.models import Theme

    first, second = ActivityFactory(people=False), ActivityFactory(people=False)
    theme_a, theme_b = Theme.objects.filter(parent__isnull=True).order_by("pk")[:2]
    first.themes.set([theme_a])
    second.themes.set([theme_b])
    judge = person(sex="male")
    attend(first, judge)
    attend(second, judge)
    answer = _answer(group_by=["theme"])
    assert [row["people"]["total"] for row in answer["rows"]] == [1, 1]
    assert answer["totals"]["people"]["total"] == 1
    assert answer["totals"]["participants"]["total"] == 2


def test_people_split_by_sex():
    training = ActivityFactory(people=False)
    attend(training, person(sex="female"), person(sex="female"), person(sex="male"))
    answer = _answer(group_by=["sex"], measures=["people"])
    assert {row["sex"]["code"]: row["people"]["total"] for row in answer["rows"]} == {
        "female": 2,
        "male": 1,
    }


def test_learning_is_over_participations_with_both_scores():
    training = ActivityFactory(people=False)
    attend(training, person(), pre=40, post=70)
    attend(training, person(), pre=60, post=80)
    attend(training, person(), pre=50)  # no post-test: not assessed
    attend(training, person(), post=99)  # no pre-test: not assessed
    learning = _answer(measures=["learning"])["totals"]["learning"]
    assert learning == {
        "assessed": 2,
        "people": 2,
        "mean_pre": 50.0,
        "mean_post": 75.0,
        "mean_gain": 25.0,
    }


def test_without_attendance_there_are_participations_and_no_people():
    ActivityFactory()
    totals = _answer()["totals"]
    assert totals["participants"]["total"] == 30
    assert totals["people"]["total"] == 0
    assert totals["people"]["participations"] == 0


def test_person_measures_are_asked_for_by_name():
    ActivityFactory()
    assert stats.compute(_made_up())["measures"] == ["activities", "participants", "countries"]


def test_the_stats_api_answers_people_and_learning(manager_client, client):
    training = ActivityFactory(people=False)
    attend(training, person(sex="female"), person(sex="male"), pre=10, post=30)
    question = {"measures": "people,learning", "group_by": "year", "year": 2021}
    # A manager sees every number (activities/people/privacy.py) ...
    response = manager_client.get("/api/v1/stats/", question)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totals"]["people"]["total"] == 2
    assert body["totals"]["learning"]["mean_gain"] == 20.0
    # ... an anonymous visitor gets two people as "<5" (activities/people/suppression.py).
    body = client.get("/api/v1/stats/", question).json()
    assert body["totals"]["people"]["total"] == "<5"
    assert body["totals"]["learning"]["mean_gain"] is None


def test_pages_show_people_beside_participations_with_the_named_share(client):
    from django.test import override_settings

    training = ActivityFactory(people=False, places=["GTM"])
    ActivityFactory(places=["GTM"])  # 30 typed participations, no names
    team = [person(sex="female", country="GTM") for _ in range(6)]
    attend(training, *team)
    with override_settings(PERSON_COUNT_THRESHOLD=5):
        page = client.get("/countries/GT/").content.decode()
    assert "People" in page
    assert '<dd class="people-count">6</dd>' in page
    assert "17 % of these participations rest on people named" in page  # 6 of 36


def test_pages_say_people_are_not_recorded_without_attendance(client):
    page = client.get("/").content.decode()
    assert "people, each counted once" in page
    assert "No attendance sheet is recorded yet" in page


def test_stats_csv_and_hxl_carry_people_and_learning(client, manager):
    import csv
    import io

    client.force_login(manager)  # exact numbers: two people are "<5" to the public

    training = ActivityFactory(people=False)
    attend(training, person(sex="female"), person(sex="male"), pre=20, post=50)
    params = {"measures": "people,learning", "group_by": "country", "format": "csv", "hxl": "1"}
    response = client.get("/api/v1/stats/", params)
    assert response.status_code == 200
    header, tags, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "#reached+unique+total" in tags
    assert "#indicator+score+gain+mean" in tags
    salvador = next(row for row in rows if "SV" in row)
    assert salvador[header.index("people.total")] == "2"
    assert salvador[header.index("learning.mean_gain")] == "30.0"


def test_the_officer_form_shows_derived_tallies_and_keeps_them(client, manager):
    from activities import services
    from activities.models import Country

    training = ActivityFactory(people=False, status="draft", places=["SLV", "GTM"])
    attend(training, person(sex="female", country="GTM"), person(sex="male", country="SLV"))
    client.force_login(manager)
    page = client.get(f"/activities/{training.pk}/edit/")
    assert page.status_code == 200
    assert 'id="rows-from-attendance"' in page.content.decode()
    # The officer drops Guatemala from the activity's places: the Guatemalan's row no
    # longer names it (the activity's scope attributes it), and nobody is lost.
    services.activity_update(
        activity=training,
        expected_version=None,
        relations={"countries": [Country.objects.get(iso3="SLV")]},
        by=manager,
    )
    rows = BeneficiaryGroup.objects.filter(activity=training).order_by("country")
    assert [(r.country_id is not None, r.total) for r in rows] in (
        [(False, 1), (True, 1)],
        [(True, 1), (False, 1)],
    )
    assert sum(r.total for r in rows) == 2


def test_a_new_attendance_shows_in_the_next_answer():
    from activities import answer_cache

    assert "activities_attendance" in answer_cache.versioned_tables()
    assert "activities_participant" in answer_cache.versioned_tables()
    training = ActivityFactory(people=False)
    attend(training, person())
    assert _answer()["totals"]["people"]["total"] == 1
    attend(training, person())
    assert _answer()["totals"]["people"]["total"] == 2
