"""Counts are never stale: a saved change shows in the very next /api/v1/stats/ response,
even for a client that sends the ETag of the previous one (If-None-Match).

Every change goes through the write services, as the officer pages and the API do;
tests/test_answer_cache.py covers the writes that bypass them (bulk updates, raw SQL).
"""

from __future__ import annotations

import datetime

import pytest

from activities import services
from activities.models import Activity, Country

# Transactional, as the app runs (autocommit): answers are cached under the data version,
# so these tests show that every kind of change misses the cache at once.
# They edit seeded 2020 records and are not about periods: without the seed's close of
# 2020, whose changes need a reason (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("seeded_transactional_db", "without_the_2020_close")

STATS = "/api/v1/stats/"
EL_SALVADOR_2020 = f"{STATS}?country=SV&year=2020"


def fetch(client, url: str, etag: str | None = None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(url, **headers)


def people(response) -> int:
    return response.json()["totals"]["participants"]["total"]


def el_salvador_it_staff() -> Activity:
    """The 650 IT staff and teachers trained in El Salvador (report paragraph 34)."""
    return Activity.objects.get(reference="report-2020/F28")


def test_an_unchanged_answer_is_not_sent_again(client):
    first = fetch(client, EL_SALVADOR_2020)
    assert first.status_code == 200
    assert first["ETag"]
    assert fetch(client, EL_SALVADOR_2020, first["ETag"]).status_code == 304


def test_new_people_show_in_the_next_response_despite_the_etag(client, superuser):
    first = fetch(client, EL_SALVADOR_2020)
    assert people(first) == 650
    activity = el_salvador_it_staff()
    (row,) = activity.beneficiaries.values("id", "audience", "not_recorded", "qualifier")
    services.activity_update(
        activity=activity,
        expected_version=activity.version,
        beneficiary_rows=[{**row, "not_recorded": 700}],
        by=superuser,
    )
    second = fetch(client, EL_SALVADOR_2020, first["ETag"])
    assert second.status_code == 200
    assert people(second) == 700
    assert second["ETag"] != first["ETag"]
    # ... and the new answer is stable until the next change.
    assert fetch(client, EL_SALVADOR_2020, second["ETag"]).status_code == 304


def test_a_new_country_moves_the_people_out_of_el_salvador_at_once(client, superuser):
    first = fetch(client, EL_SALVADOR_2020)
    assert people(first) == 650
    activity = el_salvador_it_staff()
    services.activity_update(
        activity=activity,
        expected_version=activity.version,
        relations={"countries": Country.objects.filter(iso2__in=["SV", "GT"])},
        by=superuser,
    )
    second = fetch(client, EL_SALVADOR_2020, first["ETag"])
    assert second.status_code == 200
    # The 650 now belong to Central America as a whole: no longer to El Salvador alone.
    assert people(second) == 0
    unattributed = second.json()["totals"]["unattributed"]
    (moved,) = [item for item in unattributed["activities"] if item["id"] == activity.pk]
    assert moved["participants"]["total"] == 650
    assert [place["code"] for place in moved["attributed_to"]] == ["013"]


def test_unpublishing_takes_an_activity_out_of_the_next_response(client, superuser):
    first = fetch(client, EL_SALVADOR_2020)
    activities = first.json()["totals"]["activities"]
    activity = el_salvador_it_staff()
    services.activity_unpublish(activity=activity, by=superuser)
    second = fetch(client, EL_SALVADOR_2020, first["ETag"])
    assert second.status_code == 200
    assert second.json()["totals"]["activities"] == activities - 1
    assert people(second) == 0


def test_a_new_activity_is_counted_in_its_country_row_in_the_next_response(client, superuser):
    url = f"{STATS}?year=2021&group_by=country"
    first = fetch(client, url)

    def guatemala(response) -> dict:
        rows = [r for r in response.json()["rows"] if r["country"] and r["country"]["code"] == "GT"]
        return rows[0] if rows else {"activities": 0, "participants": {"total": 0}}

    before = guatemala(first)
    activity = services.activity_create(
        fields={
            "title": "Training on digital evidence for prosecutors",
            "kind": "training",
            "start_date": datetime.date(2021, 3, 2),
            "end_date": datetime.date(2021, 3, 4),
        },
        relations={"countries": [Country.objects.get(iso2="GT")]},
        beneficiary_rows=[{"female": 12, "male": 9}],
        by=superuser,
    )
    # A draft is not public: the answer does not change, and is not sent again.
    assert fetch(client, url, first["ETag"]).status_code == 304
    services.activity_publish(activity=activity, by=superuser)
    second = fetch(client, url, first["ETag"])
    assert second.status_code == 200
    after = guatemala(second)
    assert after["activities"] == before["activities"] + 1
    assert after["participants"]["total"] == before["participants"]["total"] + 21
