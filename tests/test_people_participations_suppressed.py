"""Participations counted from attendance are person-level data: the small numbers the
people measure hides are hidden in the participations beside them too."""

import pytest

from tests.factories import ActivityFactory
from tests.people_factories import attend, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_sheet():
    """Three women from Guatemala at a Guatemala training, named in its attendance."""
    training = ActivityFactory(people=False, places=["GTM"])
    attend(training, *(person(sex="female", country="GTM") for _ in range(3)))
    return training


def _guatemala(client, **params):
    response = client.get("/api/v1/stats/", {"country": "GT", **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_anonymous_participations_from_a_small_sheet_are_suppressed(client, small_sheet):
    body = _guatemala(client, measures="participants,people")
    assert body["totals"]["people"]["female"] == "<5"
    participations = body["totals"]["participants"]
    assert participations["female"] == "<5"
    assert participations["total"] == "<5"
    assert participations["suppressed"] is True
    assert "_named" not in body["totals"]


def test_grouped_by_sex_no_hidden_participation_is_given_back(client, small_sheet):
    body = _guatemala(client, measures="participants", group_by="sex")
    shown = [row["participants"]["total"] for row in body["rows"]]
    assert all(not isinstance(value, int) or value == 0 or value >= 5 for value in shown)
    assert not isinstance(body["totals"]["participants"]["total"], int)
    assert all("_named" not in row for row in body["rows"])


def test_typed_tallies_alone_are_never_suppressed(client):
    training = ActivityFactory(people=False, places=["GTM"], title="Quokkaunique workshop")
    from activities.models import BeneficiaryGroup

    BeneficiaryGroup.objects.filter(activity=training).delete()  # the factory's 30
    BeneficiaryGroup.objects.create(activity=training, female=3, male=0, total=3)
    from activities import services

    services.refresh_attribution(activity=training)
    body = _guatemala(client, measures="participants", q="Quokkaunique")
    assert body["totals"]["participants"]["female"] == 3
    assert "suppression" not in body


def test_a_manager_sees_the_participations_exactly(client, manager, small_sheet):
    client.force_login(manager)
    body = _guatemala(client, measures="participants,people")
    assert body["totals"]["participants"]["female"] == 3
    assert body["totals"]["people"]["female"] == 3
    assert "_named" not in body["totals"]


def test_pages_render_suppressed_participations(client, small_sheet):
    for url in ("/", "/countries/GT/", "/regions/013/", "/activities/?country=GT"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "&lt;5" in response.content.decode(), url


def test_one_activitys_own_small_figures_are_hidden_everywhere_it_is_shown(
    client, manager, small_sheet
):
    import csv
    import io

    record = client.get(f"/api/v1/activities/{small_sheet.pk}/").json()
    assert record["participants"]["female"] == "<5"
    assert {row["female"] for row in record["beneficiaries"]} == {"<5"}
    listed = client.get("/api/v1/activities/", {"q": small_sheet.title}).json()
    assert all(
        item["participants"]["total"] == "<5"
        for item in listed["results"]
        if item["id"] == small_sheet.pk
    )
    page = client.get(f"/activities/{small_sheet.pk}/").content.decode()
    assert "&lt;5" in page
    download = client.get("/activities/download.csv", {"country": "GT"})
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    ours = [row for row in rows if row["id"] == str(small_sheet.pk)]
    assert ours and ours[0]["participations_female"] == "<5"
    client.force_login(manager)
    assert client.get(f"/api/v1/activities/{small_sheet.pk}/").json()["participants"]["female"] == 3
