"""What took place is what is counted (counting rule 10); where an activity was held is
not whom it served (rule 11).

A training only scheduled is in no count, list, map or download by default, and is
found through the `delivery` filter; a postponed activity shows the dates it moved
from; a training in Bangkok for Cambodian and Lao officers counts its people for
Cambodia and Laos, not Thailand, and is found by "held in Thailand".
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest

from activities import counting, services
from activities.models import Activity, ActivityPostponement, BeneficiaryGroup, Country

from . import factories

pytestmark = pytest.mark.django_db

MONGOLIA = "MN"  # no seeded activity serves it: what shows for it comes from the test


@pytest.fixture
def scheduled():
    """A training in Mongolia planned for 2020 that has not taken place."""
    return factories.ActivityFactory(
        title="Planned training for Mongolia",
        places=["MNG"],
        start_date=datetime.date(2020, 11, 2),
        end_date=datetime.date(2020, 11, 4),
        delivery=Activity.Delivery.SCHEDULED,
    )


@pytest.fixture
def bangkok():
    """Held in Bangkok, for officers of Cambodia (12) and Laos (8)."""
    activity = factories.ActivityFactory(
        title="Regional training in Bangkok",
        places=["KHM", "LAO"],
        start_date=datetime.date(2020, 2, 10),
        end_date=datetime.date(2020, 2, 12),
        venue_country=Country.objects.get(iso2="TH"),
        venue_city="Bangkok",
        modality=Activity.Modality.IN_PERSON,
    )
    activity.beneficiaries.all().delete()
    for iso2, total in (("KH", 12), ("LA", 8)):
        BeneficiaryGroup.objects.create(
            activity=activity,
            country=Country.objects.get(iso2=iso2),
            not_recorded=total,
            total=total,
        )
    services.refresh_attribution(activity=activity)
    return activity


def stats(client, query: str) -> dict:
    response = client.get(f"/api/v1/stats/?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def csv_titles(response) -> set[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return {row["title"] for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))}


# --- A scheduled activity is counted nowhere by default ---------------------------------


def test_a_scheduled_training_is_in_no_count_by_default(client, scheduled):
    assert stats(client, f"country={MONGOLIA}")["totals"]["activities"] == 0
    by_country = stats(client, "year=2020&group_by=country")
    assert MONGOLIA not in {row["country"]["code"] for row in by_country["rows"] if row["country"]}
    assert by_country["delivery"]["counted"] == ["delivered", "ongoing"]


def test_a_scheduled_training_is_in_no_list_by_default(client, scheduled):
    assert client.get("/api/v1/activities/", {"country": MONGOLIA}).json()["count"] == 0
    page = client.get("/activities/", {"country": MONGOLIA})
    assert page.status_code == 200
    assert page.context["totals"]["activities"] == 0
    assert "Planned training for Mongolia" not in page.content.decode()
    assert "Counting the activities delivered or ongoing" in page.content.decode()
    country_page = client.get(f"/countries/{MONGOLIA}/")
    assert "Planned training for Mongolia" not in country_page.content.decode()
    assert country_page.context["totals"]["activities"] == 0


def test_a_scheduled_training_paints_no_country_on_the_map(client, scheduled):
    dashboard = client.get("/")
    shapes = [s for s in dashboard.context["world_map"]["shapes"] if s["href"] == "/countries/MN/"]
    assert [shape["title"] for shape in shapes] == ["Mongolia: nothing recorded"]
    assert "Counting the activities delivered or ongoing" in dashboard.content.decode()


def test_a_scheduled_training_is_in_no_download_by_default(client, scheduled):
    assert "Planned training for Mongolia" not in csv_titles(client.get("/activities/download.csv"))
    assert "Planned training for Mongolia" not in csv_titles(
        client.get("/api/v1/activities/", {"format": "csv"})
    )


def test_the_delivery_filter_finds_the_scheduled_training_everywhere(client, scheduled):
    asked = f"country={MONGOLIA}&delivery=scheduled"
    answer = stats(client, asked)
    assert answer["totals"]["activities"] == 1
    assert answer["delivery"] == {
        "counted": ["scheduled"],
        "in_words": "planned (scheduled)",
        "is_default": False,
    }
    # The drill-down link keeps the filter, so the list holds the same activity.
    assert "delivery=scheduled" in answer["totals"]["activities_href"]
    listed = client.get("/api/v1/activities/", {"country": MONGOLIA, "delivery": "scheduled"})
    assert [item["title"] for item in listed.json()["results"]] == ["Planned training for Mongolia"]
    page = client.get(f"/activities/?{asked}")
    assert page.context["totals"]["activities"] == 1
    assert "as the Delivery filter asks" in page.content.decode()
    assert "Planned training for Mongolia" in csv_titles(
        client.get(f"/activities/download.csv?{asked}")
    )
    assert stats(client, f"country={MONGOLIA}&delivery=all")["totals"]["activities"] == 1


def test_the_answer_cache_keeps_the_default_and_the_asked_answers_apart(client, scheduled):
    # The same question asked twice each way: the second of each comes from the cache.
    for _ in range(2):
        assert stats(client, f"country={MONGOLIA}")["totals"]["activities"] == 0
        assert stats(client, f"country={MONGOLIA}&delivery=all")["totals"]["activities"] == 1


@pytest.mark.parametrize("value", ["planned", "delivered,soon", "ALL,delivered", ","])
def test_an_unknown_delivery_status_is_an_error_naming_the_parameter(client, value):
    response = client.get("/api/v1/stats/", {"delivery": value})
    assert response.status_code == 400
    assert "delivery" in response.json()


def test_an_empty_delivery_filter_is_the_default():
    assert counting.delivered_as(None) == counting.delivered_as(counting.COUNTED_BY_DEFAULT)
    assert counting.delivered_as(counting.ALL_DELIVERY_STATUSES) == counting.delivered_as(
        ["cancelled", "delivered", "ongoing", "postponed", "scheduled"]
    )


def test_the_database_refuses_an_unknown_delivery_status(scheduled):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=scheduled.pk).update(delivery="imagined")


# --- A postponed activity shows its history ---------------------------------------------


def test_the_sixth_expert_group_meeting_shows_its_postponement_on_its_page(client):
    meeting = Activity.objects.get(reference="report-2020/F30")
    page = client.get(f"/activities/{meeting.pk}/").content.decode()
    assert "Postponed from 6–8 April 2020 to 27–29 July 2020" in page
    assert "Owing to the COVID-19 pandemic." in page


def test_the_ad_hoc_committee_session_shows_both_moves_and_is_not_counted(client):
    session = Activity.objects.get(reference="report-2020/F31")
    page = client.get(f"/activities/{session.pk}/").content.decode()
    assert "Postponed from August 2020 to 20–22 January 2021" in page
    assert "Postponed from 20–22 January 2021 to 10–12 May 2021" in page
    assert "not counted by default" in page
    assert "New York, United States of America" in page
    read = client.get(f"/api/v1/activities/{session.pk}/").json()
    assert read["delivery"] == "postponed"
    assert [move["in_words"] for move in read["postponements"]] == [
        "postponed from August 2020 to 20–22 January 2021",
        "postponed from 20–22 January 2021 to 10–12 May 2021",
    ]
    assert read["venue_country"]["code"] == "US"
    assert stats(client, "country=US")["totals"]["activities"] == 0
    assert stats(client, "held_in=US&delivery=postponed")["totals"]["activities"] == 1


def test_postponing_keeps_the_dates_moved_from(manager, scheduled):
    moved = services.activity_postpone(
        activity=scheduled,
        expected_version=scheduled.version,
        start=datetime.date(2021, 3, 1),
        end=datetime.date(2021, 3, 3),
        precision="day",
        reason="The venue was closed.",
        by=manager,
        change_reason="Postponed: the venue was closed.",  # 2020 is closed
    )
    assert moved.delivery == Activity.Delivery.POSTPONED
    assert (moved.start_date, moved.end_date) == (
        datetime.date(2021, 3, 1),
        datetime.date(2021, 3, 3),
    )
    (move,) = ActivityPostponement.objects.filter(activity=moved)
    assert move.label == "postponed from 2–4 November 2020 to 1–3 March 2021"
    assert move.reason == "The venue was closed."
    assert move.recorded_by == manager


# --- Held in is not benefiting ----------------------------------------------------------


def test_a_bangkok_training_counts_its_people_for_cambodia_and_laos_not_thailand(client, bangkok):
    rows = stats(client, "year=2020&region=035&group_by=country")["rows"]
    people = {
        row["country"]["code"]: row["participants"]["total"] for row in rows if row["country"]
    }
    assert people.get("KH") == 12 and people.get("LA") == 8
    assert "TH" not in people or people["TH"] == 0
    assert stats(client, "country=TH&year=2020")["totals"]["activities"] == 0
    assert stats(client, "country=KH")["totals"]["participants"]["total"] == 12


def test_held_in_thailand_finds_the_bangkok_training(client, bangkok):
    held = stats(client, "held_in=TH")
    assert held["totals"]["activities"] == 1
    assert held["totals"]["participants"]["total"] == 20
    assert stats(client, "held_in=035")["totals"]["activities"] == 1  # South-eastern Asia
    listed = client.get("/api/v1/activities/", {"held_in": "THA"}).json()
    assert [item["title"] for item in listed["results"]] == ["Regional training in Bangkok"]
    assert listed["results"][0]["venue_label"] == "Bangkok, Thailand"
    page = client.get("/activities/", {"held_in": "TH"})
    assert page.context["totals"]["activities"] == 1


def test_the_record_page_says_where_it_was_held_and_whom_it_served(client, bangkok):
    page = client.get(f"/activities/{bangkok.pk}/").content.decode()
    assert "Held in" in page and "Bangkok, Thailand" in page
    assert "Benefiting" in page and "Cambodia" in page and "Lao" in page


def test_an_unknown_held_in_place_is_an_error(client):
    response = client.get("/api/v1/activities/", {"held_in": "XX"})
    assert response.status_code == 400
    assert "held_in" in response.json()


def test_the_database_refuses_a_city_without_its_country(bangkok):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=bangkok.pk).update(venue_country=None)


def test_the_api_takes_the_venue_apart_from_the_places_served(manager_api):
    response = manager_api.post(
        "/api/v1/activities/",
        {
            "kind": "training",
            "title": "Regional training for Cambodia and Laos",
            "start_date": "2021-06-07",
            "end_date": "2021-06-09",
            "date_precision": "day",
            "modality": "in_person",
            "delivery": "scheduled",
            "venue_country": "TH",
            "venue_city": "Bangkok",
            "countries": ["KH", "LA"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["venue_country"]["code"] == "TH"
    assert body["venue_label"] == "Bangkok, Thailand"
    assert [country["code"] for country in body["countries"]] == ["KH", "LA"]
    assert body["delivery"] == "scheduled"
    assert body["postponements"] == []


def test_the_officer_form_refuses_a_city_without_its_country(officer):
    from activities.forms.activity import ActivityForm

    form = ActivityForm(
        data={
            "kind": "training",
            "title": "Somewhere",
            "date_precision": "day",
            "start_date": "2021-06-07",
            "modality": "in_person",
            "delivery": "delivered",
            "venue_city": "Bangkok",
            "countries": [Country.objects.get(iso2="SV").pk],
        },
        user=officer,
    )
    assert not form.is_valid()
    assert form.errors["venue_country"] == ["Give the country of Bangkok."]


def test_changing_the_dates_of_a_postponed_activity_records_the_move(officer, salvador_draft):
    moved = services.activity_update(
        activity=salvador_draft,
        expected_version=salvador_draft.version,
        fields={
            "delivery": Activity.Delivery.POSTPONED,
            "start_date": datetime.date(2021, 9, 6),
            "end_date": datetime.date(2021, 9, 8),
        },
        by=officer,
    )
    (move,) = moved.postponements.all()
    assert move.to_label == "6–8 September 2021"
    assert move.recorded_by == officer
    # A change that moves nothing records nothing.
    services.activity_update(
        activity=moved, expected_version=moved.version, fields={"title": "Renamed"}, by=officer
    )
    assert moved.postponements.count() == 1
