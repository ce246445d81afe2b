"""Hours of delivery and person-hours (counting rule 12), asked for by name."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from activities import services
from activities.models import BeneficiaryGroup

from . import factories

pytestmark = pytest.mark.django_db


def training(title: str, hours: str | None, total: int, qualifier: str = "exact"):
    activity = factories.ActivityFactory(
        title=title,
        places=["MNG"],
        start_date=datetime.date(2020, 5, 4),
        end_date=datetime.date(2020, 5, 5),
        hours=Decimal(hours) if hours else None,
    )
    activity.beneficiaries.all().delete()
    BeneficiaryGroup.objects.create(
        activity=activity, not_recorded=total, total=total, qualifier=qualifier
    )
    services.refresh_attribution(activity=activity)
    return activity


def stats(client, query: str) -> dict:
    response = client.get(f"/api/v1/stats/?country=MN&{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_person_hours_multiply_participations_by_hours_and_carry_the_qualifier(client):
    training("Eight hours", "8", 130, "more_than")
    training("Two and a half hours", "2.5", 10)
    totals = stats(client, "measures=hours,person_hours")["totals"]
    assert totals["hours"] == {"total": 10.5, "activities_without_hours": 0, "qualifier": "exact"}
    assert totals["person_hours"] == {
        "total": 130 * 8 + 10 * 2.5,
        "participations_without_hours": 0,
        "qualifier": "at_least",  # "more than 130" for 8 hours: at least 1,040
    }


def test_an_activity_without_hours_adds_none_and_makes_a_lower_bound(client):
    training("Eight hours", "8", 20)
    training("Hours not recorded", None, 30)
    totals = stats(client, "measures=hours,person_hours")["totals"]
    assert totals["hours"] == {"total": 8.0, "activities_without_hours": 1, "qualifier": "at_least"}
    assert totals["person_hours"] == {
        "total": 160.0,
        "participations_without_hours": 30,
        "qualifier": "at_least",
    }


def test_hours_are_counted_once_per_activity_in_the_rows(client):
    training("Eight hours", "8", 20)
    answer = stats(client, "measures=activities,hours,person_hours&group_by=year")
    (row,) = answer["rows"]
    assert row["hours"]["total"] == 8.0 and row["person_hours"]["total"] == 160.0
    assert answer["additive"] == {"activities": True, "hours": True, "person_hours": True}


def test_hours_cannot_be_split_by_sex(client):
    response = client.get("/api/v1/stats/?measures=hours&group_by=sex")
    assert response.status_code == 400
    assert "measures" in response.json()


@pytest.mark.parametrize("size", [1, 20])
def test_the_hours_measures_cost_the_same_queries_for_1_and_20_activities(client, size):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(size):
        training(f"Training {number}", "8" if number % 2 else None, 10)
    with CaptureQueriesContext(connection) as queries:
        answer = stats(client, "measures=hours,person_hours&group_by=year")
    assert answer["totals"]["hours"]["total"] == 8.0 * (size // 2)
    # The same 13 for 1 and 20 activities: the view's own reads (the data version, the
    # filter's country), the matched ids written once into their table, and one
    # statement per measure and per total (hours, person-hours and the participations'
    # named-people flag): never one per activity.
    assert len(queries) == 13
