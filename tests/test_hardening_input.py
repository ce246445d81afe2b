"""Hostile or careless input (issue 13): implausible dates, text search over drafts,
repeated or malformed parameters, unknown fields in a write. Each is a 400 naming what is
wrong, never a 500, and never an answer that silently means something else."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings

from activities.models import Activity

from .fixtures_roles import make_draft
from .test_api_writes import TRAINING, patch, post
from .test_officer_form import form_data

pytestmark = pytest.mark.django_db

FIRST_YEAR, LAST_YEAR = settings.PLAUSIBLE_YEARS


# --- Dates that make sense -------------------------------------------------------------


def test_the_plausible_years_run_from_1950_to_ten_years_ahead():
    assert (1950, datetime.date.today().year + 10) == settings.PLAUSIBLE_YEARS


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"start_date": "0231-01-01", "end_date": "0231-12-31", "date_precision": "year"},
            "start_date",
        ),
        ({"start_date": "2021-06-07", "end_date": "9999-12-31"}, "end_date"),
    ],
)
def test_an_api_write_dated_outside_the_plausible_years_is_a_400_naming_the_field(
    officer_api, changes, field
):
    response = post(officer_api, **changes)
    assert response.status_code == 400
    assert field in response.json()
    assert not Activity.objects.filter(title=TRAINING["title"]).exists()


def test_the_officer_form_refuses_a_date_outside_the_plausible_years(officer_client):
    response = officer_client.post(
        "/log/", form_data(start_date="2021-05-10", end_date="9999-12-31")
    )
    assert response.status_code == 400  # the form again, with the error next to the field
    assert response.context["form"].errors["end_date"]
    assert not Activity.objects.filter(title="Online child protection for prosecutors").exists()


def test_the_officer_form_refuses_the_last_month_of_9999_without_a_500(officer_client):
    data = form_data(date_precision="month", start_date="9999-12-01", end_date="")
    response = officer_client.post("/log/", data)
    assert response.status_code == 400
    assert response.context["form"].errors["start_date"]


def test_a_draft_dated_from_231_to_9999_changes_nothing_an_anonymous_user_gets(
    api, west_africa_officer
):
    before = api.get("/api/v1/stats/?group_by=year")
    assert before.status_code == 200
    # Written before the range was checked (or straight to the database): still harmless.
    draft = make_draft("Far-flung draft", ["SEN"], by=west_africa_officer)
    Activity.objects.filter(pk=draft.pk).update(
        start_date=datetime.date(231, 1, 1), end_date=datetime.date(9999, 12, 31)
    )
    after = api.get("/api/v1/stats/?group_by=year")
    assert after.status_code == 200
    assert after.json()["rows"] == before.json()["rows"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/activities/?month=9999-12",
        "/api/v1/stats/?month=9999-12",
        "/api/v1/stats/?group_by=year&month=9999-12",
        "/api/v1/activities/?month=0001-01",
        f"/api/v1/stats/?year={LAST_YEAR + 1}",
        f"/api/v1/activities/?year={FIRST_YEAR - 1}",
    ],
)
def test_a_month_or_year_filter_outside_the_plausible_years_is_a_400_on_the_api(api, url):
    response = api.get(url)
    assert response.status_code == 400
    name = "month" if "month=" in url else "year"
    assert name in response.json()


@pytest.mark.parametrize("path", ["/activities/", "/activities/download.csv"])
def test_a_month_of_the_year_9999_is_a_400_on_the_pages(client, path):
    assert client.get(f"{path}?month=9999-12").status_code == 400


@pytest.mark.parametrize(
    "url", [f"/api/v1/stats/?group_by=year&year={y}" for y in settings.PLAUSIBLE_YEARS]
)
def test_the_edges_of_the_plausible_years_answer(api, url):
    assert api.get(url).status_code == 200


# --- Free text over drafts only for users who may read them ---------------------------


def test_a_donor_viewer_cannot_search_the_text_of_drafts(
    donor_api, west_africa_officer, viewers_donor
):
    from tests.fixtures_roles import fund

    draft = make_draft("Zanzibarian xylophone workshop", ["SEN"], by=west_africa_officer)
    fund(draft, viewers_donor)  # theirs to count, not to read
    answer = donor_api.get("/api/v1/stats/?q=xylophone")
    assert answer.status_code == 200
    assert answer.json()["totals"]["activities"] == 0
    # The draft, which their donor funds, still counts in the donor's other numbers.
    all_ = donor_api.get("/api/v1/stats/").json()["totals"]["activities"]
    published = Activity.objects.filter(status=Activity.Status.PUBLISHED).delivered_as().count()
    assert all_ == published + 1  # what took place is counted by default (counting rule 10)


def test_a_manager_still_finds_a_draft_by_its_words(manager_api, west_africa_officer):
    make_draft("Zanzibarian xylophone workshop", ["SEN"], by=west_africa_officer)
    answer = manager_api.get("/api/v1/stats/?q=xylophone")
    assert answer.json()["totals"]["activities"] == 1


# --- Strict parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("year=2020&year=2011", "year"),
        ("region=013&region=011", "region"),
        ("year=2020.5", "year"),
        ("date_from=2021-01-01&date_to=2020-01-01", "date_from"),
        ("date_from=2020-01-01&date_from=2021-01-01", "date_from"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/activities/", "/api/v1/stats/"])
def test_a_repeated_malformed_or_inverted_parameter_is_a_400_naming_it_on_the_api(
    api, path, query, name
):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400
    assert name in response.json()


def test_a_repeated_paging_parameter_is_a_400_naming_it(api):
    response = api.get("/api/v1/activities/?page_size=5&page_size=500")
    assert response.status_code == 400
    assert "page_size" in response.json()


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("year=2020&year=2011", "year"),
        ("year=2020.5", "year"),
        ("date_from=2021-01-01&date_to=2020-01-01", "date_from"),
    ],
)
def test_a_repeated_malformed_or_inverted_parameter_is_a_form_error_on_the_list(
    client, query, name
):
    response = client.get(f"/activities/?{query}")
    assert response.status_code == 400
    assert response.context["filterset"].form.errors[name]


def test_one_day_is_a_valid_date_range(api):
    assert api.get("/api/v1/activities/?date_from=2020-05-01&date_to=2020-05-01").status_code == 200


def test_an_empty_filter_value_from_the_sidebar_form_is_still_no_filter(client):
    assert client.get("/activities/?year=&date_from=&date_to=&q=").status_code == 200


@pytest.mark.parametrize(
    ("extra", "name"),
    [
        ({"colour": "blue"}, "colour"),
        ({"id": 12345}, "id"),
        ({"version": 3}, "version"),
        ({"is_synthetic": True}, "is_synthetic"),
        ({"participants": {"total": 1}}, "participants"),
    ],
)
def test_an_unknown_or_read_only_field_in_a_post_is_a_400_naming_it(manager_api, extra, name):
    response = post(manager_api, **extra)
    assert response.status_code == 400, response.json()
    assert name in response.json()
    assert not Activity.objects.filter(title=TRAINING["title"]).exists()


def test_an_unknown_field_in_a_beneficiary_row_is_a_400_naming_it(manager_api):
    rows = [{**TRAINING["beneficiaries"][0], "shoe_size": 42}]
    response = post(manager_api, beneficiaries=rows)
    assert response.status_code == 400
    assert "shoe_size" in str(response.json()["beneficiaries"])


def test_an_unknown_field_in_a_patch_is_a_400_and_changes_nothing(manager_api, officer):
    created = post(manager_api).json()
    response = patch(manager_api, created["id"], created["version"], {"titel": "Typo"})
    assert response.status_code == 400
    assert "titel" in response.json()
    assert Activity.objects.get(pk=created["id"]).version == created["version"]


def test_an_unknown_field_in_a_reference_write_is_a_400(administrator_api):
    response = administrator_api.post(
        "/api/v1/partners/", {"name": "A partner", "websitee": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "websitee" in response.json()
