"""Series and sessions (counting rule 13): a session belongs to its activity, a person
at several sessions is one participation of it, the stats count sessions and
person-session attendances, and the hours follow the sessions' durations."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from activities import series, services, stats
from activities.filters import ActivityFilterSet
from activities.models import (
    Activity,
    ActivitySession,
    Attendance,
    Country,
    Language,
    Participant,
    SessionAttendance,
)
from activities.people import merging

from . import factories
from .people_factories import attend, person
from .people_helpers import make_person

pytestmark = pytest.mark.django_db

MARCH = (datetime.date(2021, 3, 1), datetime.date(2021, 3, 31))


def series_of(count: int, *, hours: list[str | None] | None = None, places=("SLV",), **fields):
    """A published webinar series in March 2021 with `count` weekly sessions."""
    activity = factories.ActivityFactory(
        kind="webinar",
        start_date=MARCH[0],
        end_date=MARCH[1],
        places=list(places),
        **fields,
    )
    durations = hours if hours is not None else [None] * count
    series.activity_sessions_replace(
        activity=activity,
        sessions=[
            {
                "date": MARCH[0] + datetime.timedelta(days=7 * index),
                "hours": None if durations[index] is None else Decimal(durations[index]),
                "modality": "online",
                "language": Language.objects.get(code="es"),
            }
            for index in range(count)
        ],
        by=None,
    )
    activity.refresh_from_db()
    return activity


def present_at_every_session(activity: Activity, *people: Participant) -> None:
    attend(activity, *people)
    for session in activity.sessions.all():
        series.session_attendance_set(session=session, participants=people, by=None)


def stats_answer(client, **params) -> dict:
    response = client.get("/api/v1/stats/", params)
    assert response.status_code == 200, response.content
    return response.json()


# --- Counting: one participation, five session attendances -------------------------------


def test_a_person_at_five_sessions_is_one_participation_and_five_session_attendances(
    manager_api,
):
    webinars = series_of(5)
    present_at_every_session(webinars, person(sex="female"))
    answer = stats_answer(
        manager_api,
        q=webinars.title,
        measures="activities,participants,people,sessions,session_attendances",
    )
    totals = answer["totals"]
    assert totals["activities"] == 1
    assert totals["participants"]["total"] == 1
    assert totals["people"]["total"] == 1 and totals["people"]["participations"] == 1
    assert totals["sessions"] == 5
    assert totals["session_attendances"] == {"total": 5}
    assert Attendance.objects.filter(activity=webinars).count() == 1
    assert SessionAttendance.objects.filter(session__activity=webinars).count() == 5


def test_sessions_are_counted_once_per_activity_in_the_total_and_in_each_of_its_rows(api):
    series_of(3, places=("SLV", "GTM"), title="Made-up series in two countries")
    series_of(2, places=("SLV",), title="Made-up series in one country")
    answer = stats_answer(
        api, q="Made-up series", measures="activities,sessions", group_by="country"
    )
    rows = {(row["country"] or {}).get("code"): row["sessions"] for row in answer["rows"]}
    # The two-country series is in each of its countries' rows (and, its typed people
    # belonging to Central America as a whole, in the row of no one country).
    assert rows["SV"] == 5 and rows["GT"] == 3
    assert answer["totals"]["sessions"] == 5
    assert answer["additive"]["sessions"] is False


def test_session_attendances_follow_the_persons_place_and_split_by_sex(manager_api):
    webinars = series_of(2, places=("SLV", "GTM"))
    salvadoran = make_person("Ximena", "Quetzaltepec", "SLV", sex="female")
    guatemalan = make_person("Yolotl", "Huehuetenango", "GTM", sex="male")
    present_at_every_session(webinars, salvadoran, guatemalan)
    query = {"q": webinars.title, "measures": "sessions,session_attendances"}
    assert stats_answer(manager_api, **query)["totals"]["session_attendances"]["total"] == 4
    by_country = stats_answer(manager_api, **query, country="GT")["totals"]
    assert by_country["session_attendances"]["total"] == 2
    by_sex = stats_answer(
        manager_api, q=webinars.title, measures="session_attendances", group_by="sex"
    )
    totals = {row["sex"]["code"]: row["session_attendances"]["total"] for row in by_sex["rows"]}
    assert totals["female"] == 2 and totals["male"] == 2


def test_sessions_cannot_be_split_by_sex(api):
    response = api.get("/api/v1/stats/?measures=sessions&group_by=sex")
    assert response.status_code == 400
    assert "measures" in response.json()


# --- Hours from the sessions ---------------------------------------------------------------


def test_the_hours_of_a_series_are_the_sum_of_its_sessions(api):
    webinars = series_of(3, hours=["1.5", "2", "2.5"])
    assert (webinars.hours, webinars.hours_at_least) == (Decimal("6.00"), False)
    answer = stats_answer(api, q=webinars.title, measures="hours")
    assert answer["totals"]["hours"] == {
        "total": 6.0,
        "activities_without_hours": 0,
        "qualifier": "exact",
    }


def test_a_session_of_unknown_duration_makes_the_hours_at_least(api):
    webinars = series_of(3, hours=["2", None, "2"])
    assert (webinars.hours, webinars.hours_at_least) == (Decimal("4.00"), True)
    hours = stats_answer(api, q=webinars.title, measures="hours")["totals"]["hours"]
    assert hours == {"total": 4.0, "activities_without_hours": 0, "qualifier": "at_least"}
    person_hours = stats_answer(api, q=webinars.title, measures="person_hours")["totals"]
    assert person_hours["person_hours"]["qualifier"] == "at_least"


def test_without_durations_the_activitys_own_hours_stand_and_derived_ones_are_cleared():
    typed = factories.ActivityFactory(start_date=MARCH[0], end_date=MARCH[1], hours=Decimal(9))
    series.activity_sessions_replace(activity=typed, sessions=[{"date": MARCH[0]}], by=None)
    typed.refresh_from_db()
    assert typed.hours == Decimal(9)
    derived = series_of(2, hours=["3", "3"])
    series.activity_sessions_replace(
        activity=derived, sessions=[{"date": MARCH[0]}, {"date": MARCH[1]}], by=None
    )
    derived.refresh_from_db()
    assert (derived.hours, derived.hours_at_least) == (None, False)


def test_replacing_sessions_keeps_the_attendance_of_the_positions_kept():
    webinars = series_of(3)
    present_at_every_session(webinars, person())
    kept = [{"date": session.date} for session in webinars.sessions.all()][:2]
    series.activity_sessions_replace(activity=webinars, sessions=kept, by=None)
    assert webinars.sessions.count() == 2
    assert SessionAttendance.objects.filter(session__activity=webinars).count() == 2
    assert ActivitySession.history.filter(activity_id=webinars.pk, history_type="-").count() == 1


def test_the_services_refuse_a_session_outside_the_period_and_an_unknown_person():
    webinars = series_of(1)
    with pytest.raises(ValidationError) as error:
        series.activity_sessions_replace(
            activity=webinars, sessions=[{"date": datetime.date(2021, 4, 1)}], by=None
        )
    assert "outside the activity's period" in str(error.value)
    with pytest.raises(ValidationError):
        series.session_attendance_set(
            session=webinars.sessions.get(), participants=[person()], by=None
        )


def test_moving_the_period_away_from_its_sessions_is_refused():
    webinars = series_of(2)
    with pytest.raises(ValidationError) as error:
        services.activity_update(
            activity=webinars,
            expected_version=webinars.version,
            fields={"start_date": datetime.date(2021, 5, 1), "end_date": datetime.date(2021, 5, 2)},
            by=None,
        )
    assert "Sessions 1, 2 would fall outside" in error.value.message_dict["start_date"][0]
    webinars.refresh_from_db()
    assert webinars.start_date == MARCH[0]


def test_a_merge_gives_the_duplicates_sessions_to_the_kept_person_and_undoing_gives_them_back():
    webinars = series_of(2)
    kept, duplicate = person(given="Zacarias"), person(given="Zacarias2")
    attend(webinars, kept, duplicate)
    first, second = webinars.sessions.all()
    series.session_attendance_set(session=first, participants=[kept], by=None)
    series.session_attendance_set(session=second, participants=[duplicate], by=None)
    record = merging.merge(kept=kept, merged=duplicate, by=None)
    present = SessionAttendance.objects.filter(attendance__participant=kept)
    assert sorted(present.values_list("session__position", flat=True)) == [1, 2]
    merging.unmerge(merge=record, by=None)
    assert list(present.values_list("session__position", flat=True)) == [1]
    back = SessionAttendance.objects.filter(attendance__participant=duplicate)
    assert list(back.values_list("session__position", flat=True)) == [2]


def test_the_2020_seed_records_no_sessions_because_the_report_gives_none():
    # Paragraph 22 names "a series of webinars" and paragraph 23 a "12-week" course, but
    # neither gives a number of sessions or a date: nothing is invented.
    assert not ActivitySession.objects.filter(activity__reference__startswith="report-2020")


# --- The API: nested sessions, read and written ---------------------------------------------

TRAINING = {
    "kind": "webinar",
    "title": "Made-up webinar series on e-evidence",
    "start_date": "2021-06-01",
    "end_date": "2021-06-30",
    "date_precision": "day",
    "modality": "online",
    "countries": ["SV"],
}


def test_the_api_writes_and_reads_sessions(officer_api):
    sessions = [
        {"date": "2021-06-02", "hours": "1.5", "modality": "online", "language": "es"},
        {"date": "2021-06-09", "hours": "2", "title": "Second", "language": "en"},
    ]
    response = officer_api.post(
        "/api/v1/activities/", {**TRAINING, "sessions": sessions}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [session["position"] for session in body["sessions"]] == [1, 2]
    assert body["sessions"][1]["language"]["code"] == "en"
    assert body["hours"] == "3.50" and body["hours_at_least"] is False
    activity_id, version = body["id"], body["version"]
    changed = officer_api.patch(
        f"/api/v1/activities/{activity_id}/",
        {"sessions": [{"date": "2021-06-02"}]},
        format="json",
        HTTP_IF_MATCH=f'W/"activity-{activity_id}-v{version}"',
    )
    assert changed.status_code == 200, changed.content
    assert [session["date"] for session in changed.json()["sessions"]] == ["2021-06-02"]
    assert changed.json()["hours"] is None  # they were the sessions' sum: cleared


@pytest.mark.parametrize(
    "session, field, words",
    [
        ({"date": "2021-07-01"}, "date", "outside the activity's period"),
        ({"date": "2021-06-02", "hours": "-2"}, "hours", "0.01"),
        ({"date": "2021-06-02", "language": "xx"}, "language", "xx"),
    ],
)
def test_an_invalid_session_is_a_400_naming_the_field(officer_api, session, field, words):
    response = officer_api.post(
        "/api/v1/activities/", {**TRAINING, "sessions": [session]}, format="json"
    )
    assert response.status_code == 400
    # By the index of the session in the list, as DRF gives the errors of a list.
    error = response.json()["sessions"]["0"][field]
    assert words in str(error)
    assert not Activity.objects.filter(title=TRAINING["title"]).exists()


def test_hours_other_than_the_sessions_sum_are_a_400_on_hours(officer_api):
    body = {**TRAINING, "hours": "10", "sessions": [{"date": "2021-06-02", "hours": "2"}]}
    response = officer_api.post("/api/v1/activities/", body, format="json")
    assert response.status_code == 400
    assert "sum of the sessions" in str(response.json()["hours"])


# --- No N+1, no personal data ---------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 20])
def test_the_activity_list_and_detail_with_sessions_cost_the_same_queries(
    api, django_assert_num_queries, size
):
    made = [series_of(3, title=f"Made-up series {number}") for number in range(size)]
    # 1 COUNT; 2 the page; 3-16 the fourteen prefetches, sessions (with their language)
    # in one of them: never a query per activity or per session.
    with django_assert_num_queries(16):
        response = api.get("/api/v1/activities/", {"q": "Made-up series", "page_size": 50})
    assert all(len(item["sessions"]) == 3 for item in response.json()["results"])
    # 1 the activity; 2-15 the fourteen prefetches.
    with django_assert_num_queries(15):
        response = api.get(f"/api/v1/activities/{made[-1].pk}/")
    assert response.json()["sessions"][0]["language"]["code"] == "es"


def test_the_record_page_lists_sessions_for_everyone_and_who_came_only_to_those_who_may_see(
    client, donor_client, manager, donor_viewer, viewers_donor
):
    from .fixtures_roles import fund, logged_in

    webinars = series_of(2, hours=["1.5", None])
    fund(webinars, viewers_donor)
    present_at_every_session(webinars, make_person("Wenceslao", "Ilobasco", "SLV"))
    url = f"/activities/{webinars.pk}/"
    for visitor in (client, donor_client):
        page = visitor.get(url).content.decode()
        assert "Sessions" in page and "1 March 2021" in page and "at least" in page
        assert "Persons present" not in page and "Wenceslao" not in page
    page = logged_in(manager).get(url).content.decode()
    assert "Persons present" in page


def test_small_session_attendances_are_suppressed_for_the_public(api):
    webinars = series_of(2)
    present_at_every_session(webinars, person())
    answer = stats_answer(api, q=webinars.title, measures="session_attendances")
    assert answer["totals"]["session_attendances"] == {"total": "<5", "suppressed": True}
    detail = api.get(f"/api/v1/activities/{webinars.pk}/").json()
    assert set(detail["sessions"][0]) == {
        "position",
        "date",
        "title",
        "hours",
        "modality",
        "language",
    }


# --- Property: sessions and session attendances against a brute-force count ----------------

COUNTRIES = ("SV", "GT", "HN")
KINDS = ("training", "webinar", "course")

programme_activity = st.fixed_dictionaries(
    {
        "countries": st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=2, unique=True),
        "year": st.sampled_from((2020, 2021)),
        "kind": st.sampled_from(KINDS),
        "sessions": st.integers(min_value=0, max_value=4),
    }
)
programme = st.fixed_dictionaries(
    {
        "activities": st.lists(programme_activity, min_size=1, max_size=4),
        "persons": st.lists(st.sampled_from(("SV", "GT", None)), min_size=1, max_size=4),
        # (activity, person, attended, sessions present at, as a bit mask)
        "attendance": st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 3), st.booleans(), st.integers(0, 15)),
            max_size=10,
        ),
    }
)
questions = st.sampled_from(
    [
        ({}, []),
        ({}, ["year"]),
        ({}, ["kind"]),
        ({}, ["country"]),
        ({"country": "SV"}, []),
        ({"country": "GT"}, ["year"]),
        ({"country": "SV"}, ["kind"]),
    ]
)


def write_programme(data) -> tuple[list[Activity], list[Participant]]:
    countries = {c.iso2: c for c in Country.objects.filter(iso2__in=COUNTRIES)}
    activities = []
    for index, values in enumerate(data["activities"]):
        activity = Activity.objects.create(
            title=f"Property series {index}",
            kind=values["kind"],
            start_date=datetime.date(values["year"], 2, 1),
            end_date=datetime.date(values["year"], 2, 28),
            status="published",
        )
        activity.countries.set([countries[code] for code in values["countries"]])
        ActivitySession.objects.bulk_create(
            ActivitySession(activity=activity, position=n + 1, date=activity.start_date)
            for n in range(values["sessions"])
        )
        activities.append(activity)
    persons = [person(country=None) for _ in data["persons"]]
    for participant, code in zip(persons, data["persons"], strict=True):
        participant.country = countries[code] if code else None
        participant.save(update_fields=["country"])
    seen = set()
    for a, p, attended, mask in data["attendance"]:
        if a >= len(activities) or p >= len(persons) or (a, p) in seen:
            continue
        seen.add((a, p))
        row = Attendance.objects.create(
            activity=activities[a], participant=persons[p], attended=attended
        )
        sessions = list(activities[a].sessions.order_by("position"))
        SessionAttendance.objects.bulk_create(
            SessionAttendance(attendance=row, session=session)
            for bit, session in enumerate(sessions)
            if mask & (1 << bit)
        )
    return activities, persons


def brute_force(data, query: dict, group_by: list[str]):
    """Sessions of the matched activities and persons at sessions, by cell, in Python."""
    place = query.get("country")
    matched = [
        index
        for index, values in enumerate(data["activities"])
        if place in (None, *values["countries"])
    ]

    def cells(index: int) -> list[tuple]:
        values = data["activities"][index]
        if not group_by:
            return [()]
        name = group_by[0]
        if name == "country":
            return [(code,) for code in values["countries"]]
        return [(values["year"] if name == "year" else values["kind"],)]

    sessions: Counter = Counter()
    for index in matched:
        for cell in cells(index):
            sessions[cell] += data["activities"][index]["sessions"]
    total_sessions = sum(data["activities"][index]["sessions"] for index in matched)
    present: Counter = Counter()
    total_present = 0
    seen = set()
    for a, p, attended, mask in data["attendance"]:
        if a >= len(data["activities"]) or p >= len(data["persons"]) or (a, p) in seen:
            continue
        seen.add((a, p))
        if a not in matched or not attended:
            continue
        country = data["persons"][p]
        if place is not None and country != place:
            continue  # the person belongs to the place asked (rule 9)
        count = sum(1 for bit in range(data["activities"][a]["sessions"]) if mask & (1 << bit))
        total_present += count
        if group_by == ["country"]:
            # A person is in their own country's row, or in the None row without one.
            present[(country,)] += count
        else:
            for cell in cells(a):
                present[cell] += count
    return total_sessions, sessions, total_present, present


def key(dimension: str, value: dict | None):
    return None if value is None else value["code"]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=programme, question=questions)
def test_sessions_and_session_attendances_equal_a_brute_force_count(db, data, question):
    query, group_by = question
    note(f"data={data!r} query={query!r} group_by={group_by!r}")
    with transaction.atomic():
        activities, _persons = write_programme(data)
        filterset = ActivityFilterSet(
            query, queryset=Activity.objects.filter(pk__in=[a.pk for a in activities])
        )
        assert filterset.is_valid(), filterset.errors
        answer = stats.compute(
            filterset.qs,
            group_by=group_by,
            measures=["activities", "sessions", "session_attendances"],
            restriction=stats.restriction_from_filters(filterset.form.cleaned_data),
        )
        total_sessions, sessions, total_present, present = brute_force(data, query, group_by)
        assert answer["totals"]["sessions"] == total_sessions
        assert answer["totals"]["session_attendances"]["total"] == total_present
        transaction.set_rollback(True)
        if not group_by:
            return
        rows = {tuple(key(d, row[d]) for d in group_by): row for row in answer["rows"]}
        for cell, count in sessions.items():
            if count:
                assert rows[cell]["sessions"] == count, cell
        for cell, count in present.items():
            if count:
                assert rows[cell]["session_attendances"]["total"] == count, cell
        for cell, row in rows.items():
            assert row["sessions"] == sessions.get(cell, 0), cell
            assert row["session_attendances"]["total"] == present.get(cell, 0), cell
        transaction.set_rollback(True)


# --- The admin's sessions inline --------------------------------------------------------------


def test_the_admin_inline_refuses_a_session_outside_the_period_and_derives_the_hours(
    superuser_client,
):
    from .test_admin import activity_post, admin_url

    session = {
        "sessions-TOTAL_FORMS": "1",
        "sessions-0-position": "1",
        "sessions-0-date": "2020-03-09",
        "sessions-0-hours": "2.5",
        "sessions-0-modality": "online",
    }
    response = superuser_client.post(admin_url(Activity, "add"), activity_post(**session))
    assert response.status_code == 200
    assert "outside the activity&#x27;s period" in response.content.decode()
    session["sessions-0-date"] = "2020-03-03"
    response = superuser_client.post(admin_url(Activity, "add"), activity_post(**session))
    assert response.status_code == 302
    activity = Activity.objects.get(title="Digital evidence workshop")
    assert (activity.hours, activity.hours_at_least) == (Decimal("2.50"), False)
