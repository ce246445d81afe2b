"""Small person-level counts as each role gets them from /api/v1/stats/ (JSON, CSV, HXL):
suppressed for anonymous users, donor viewers and officers, exact for managers; and the
suppressed answer leaves no hidden cell that its visible numbers pin down."""

from __future__ import annotations

import csv
import io

import pytest
from rest_framework.test import APIClient

from tests.factories import ActivityFactory
from tests.people_factories import attend, person
from tests.test_people_suppression import pinned_cells

pytestmark = pytest.mark.django_db

QUESTION = {"measures": "people,learning", "group_by": "country"}


@pytest.fixture
def trainings():
    """El Salvador: 3 women and 9 men with scores; Guatemala: 1 woman, 7 men; Honduras:
    20 people of unrecorded sex. Each person belongs to their own country."""
    salvador = ActivityFactory(people=False, places=["SLV", "GTM", "HND"])
    attend(salvador, *[person(sex="female") for _ in range(3)], pre=40, post=70)
    attend(salvador, *[person(sex="male") for _ in range(9)], pre=50, post=60)
    attend(salvador, person(sex="female", country="GTM"))
    attend(salvador, *[person(sex="male", country="GTM") for _ in range(7)])
    attend(salvador, *[person(country="HND") for _ in range(20)])
    return salvador


def ask(user, **extra):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.get("/api/v1/stats/", {**QUESTION, **extra})


def by_country(body) -> dict[str, dict]:
    return {row["country"]["code"]: row for row in body["rows"] if row["country"]}


@pytest.mark.parametrize("role", ["anonymous", "donor viewer", "officer", "west africa officer"])
def test_those_who_may_not_see_people_get_small_counts_as_less_than_five(
    trainings, role_users, role
):
    body = ask(role_users.get(role)).json()
    rows = by_country(body)
    # 3 women of 12: hidden, and the 9 men with them, or 12 - 9 - 0 would give 3 back.
    assert rows["SV"]["people"]["female"] == "<5"
    assert rows["SV"]["people"]["male"] == "suppressed"
    assert rows["SV"]["people"]["total"] == 12
    assert rows["SV"]["people"]["suppressed"] is True
    assert rows["GT"]["people"]["female"] == "<5"
    assert rows["HN"]["people"] == {
        "total": 20,
        "female": 0,
        "male": 0,
        "not_recorded": 20,
        "participations": 20,
        "suppressed": False,
    }
    assert body["suppression"] == {"threshold": 5}
    assert pinned_cells(body) == []


def test_a_manager_gets_every_number_even_after_an_anonymous_visitor(trainings, role_users):
    # The engine's cache is shared: the anonymous answer must not change what it keeps.
    assert ask(None).json()["totals"]["people"]["female"] == "<5"
    body = ask(role_users["manager"]).json()
    assert body["totals"]["people"]["female"] == 4
    assert by_country(body)["SV"]["people"]["female"] == 3
    assert by_country(body)["SV"]["learning"]["people"] == 12
    assert "suppression" not in body
    assert "suppressed" not in body["totals"]["people"]


def test_learning_over_fewer_than_five_people_is_withheld(trainings):
    body = ask(None, group_by="sex").json()
    rows = {row["sex"]["code"]: row for row in body["rows"] if row["sex"]}
    # 3 women and 9 men have scores: the women's means are withheld, and so are the
    # men's, or the totals' mean and the men's would give the women's back.
    assert rows["female"]["learning"]["mean_pre"] is None
    assert rows["female"]["learning"]["people"] == "<5"
    assert rows["male"]["learning"]["suppressed"] is True
    assert rows["male"]["learning"]["mean_post"] is None
    assert body["totals"]["learning"]["people"] == 12
    assert body["totals"]["learning"]["mean_pre"] is not None


def test_the_csv_and_hxl_downloads_carry_the_suppressed_cells(trainings):
    for extra in ({"format": "csv"}, {"format": "csv", "hxl": "1"}):
        response = ask(None, **extra)
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        if "hxl" in extra:
            assert rows[0]["people.female"].startswith("#")
            rows = rows[1:]
        salvador = next(row for row in rows if row["country.code"] == "SV")
        assert salvador["people.female"] == "<5"
        assert salvador["people.male"] == "suppressed"
        assert salvador["people.total"] == "12"
        assert salvador["people.suppressed"] == "true"
        assert not any(row["people.female"] in {"1", "2", "3", "4"} for row in rows)


def test_pages_show_a_small_number_of_people_as_less_than_five(client, role_users):
    training = ActivityFactory(people=False, places=["GTM"])
    attend(training, *[person(sex="female", country="GTM") for _ in range(3)], pre=20, post=60)
    page = client.get("/countries/GT/").content.decode()
    assert '<dd class="people-count">&lt;5</dd>' in page
    assert "fewer than the threshold: not shown" in page
    client.force_login(role_users["manager"])
    page = client.get("/countries/GT/").content.decode()
    assert '<dd class="people-count">3</dd>' in page
    assert "20.0 → 60.0" in page
