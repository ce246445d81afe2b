"""Projects in /api/v1/: the list and one project with its money and results framework,
the results (planned against achieved), indicators, writes for managers, activities
taking projects; and the query counts of the list, the detail and the results."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities import rollups, services
from activities.models import Activity, Audience, Country, Project
from tests import factories
from tests.project_factories import CODE, make_project, make_wide_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return make_project()


def test_the_list_gives_each_project_with_its_fundings_per_currency(api, project):
    response = api.get("/api/v1/projects/")
    assert response.status_code == 200
    (listed,) = [row for row in response.json()["results"] if row["code"] == CODE]
    assert listed["title"] == "Cybercrime investigation capacity in El Salvador"
    assert listed["start_date"] == "2021-01-01"
    assert listed["activity_count"] == 2
    assert listed["activities_href"].endswith(f"/api/v1/activities/?project={CODE}")
    assert listed["results_href"].endswith(f"/api/v1/projects/{CODE}/results/")
    fundings = {(f["donor"]["name"], f["currency"]): f for f in listed["fundings"]}
    union = fundings[("Made-up Union", "EUR")]
    assert union["committed_amount"] == "1200000.00"
    assert union["disbursed"] == "750000.50"
    assert [d["date"] for d in union["disbursements"]] == ["2021-02-01", "2022-02-01"]
    assert fundings[("Made-up State", "USD")]["disbursed"] is None
    assert [country["code"] for country in listed["countries"]] == ["SV"]


def test_the_detail_nests_outcomes_and_indicators_with_targets(api, project):
    response = api.get(f"/api/v1/projects/{CODE}/")
    assert response.status_code == 200
    body = response.json()
    assert [outcome["code"] for outcome in body["outcomes"]] == ["1", "2"]
    indicators = {indicator["code"]: indicator for indicator in body["indicators"]}
    participations = indicators["1.1"]
    assert participations["outcome"] == "1"
    assert participations["kind"] == "computed"
    assert participations["measure"] == "participants"
    assert {(t["period_label"], t["sex"], t["value"]) for t in participations["targets"]} == {
        ("2021", "", 50),
        ("2021", "female", 30),
        ("2021", "male", 20),
    }
    assert indicators["2.1"]["outcome"] is None
    (value,) = indicators["1.2"]["values"]
    assert value["evidence"] == "Handover minutes, ref. SV-2021-14"


@pytest.mark.parametrize(
    "query, listed",
    [({"country": "SV"}, True), ({"country": "SN"}, False), ({"year": "2019"}, False)],
)
def test_the_list_takes_the_same_filters_as_the_page(api, project, query, listed):
    response = api.get("/api/v1/projects/", query)
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert (CODE in codes) is listed


def test_an_unknown_filter_value_is_a_400_naming_it(api, project):
    response = api.get("/api/v1/projects/", {"donor": "999999"})
    assert response.status_code == 400
    assert "donor" in response.json()


def test_the_results_give_target_actual_qualifier_percent_status_and_the_activities(api, project):
    response = api.get(f"/api/v1/projects/{CODE}/results/")
    assert response.status_code == 200
    results = {entry["indicator"]["code"]: entry for entry in response.json()}
    assert set(results) == {"1.1", "1.2", "2.1"}
    (whole_2021,) = [
        cell for cell in results["1.1"]["cells"] if cell["year"] == 2021 and cell["part"] == ""
    ]
    assert whole_2021["target"] == 50
    assert whole_2021["actual"]["value"] == 60
    assert whole_2021["actual"]["qualifier"] == "exact"
    assert whole_2021["percent"] == 120
    assert whole_2021["status"] == "met"
    assert "60 against a target of 50" in whole_2021["status_text"]
    assert f"project={CODE}" in whole_2021["activities_href"]
    assert results["1.1"]["baseline"]["value"] == 0
    entered = results["1.2"]["cells"][0]
    assert entered["actual"]["value"] == 3
    assert entered["evidence"] == "Handover minutes, ref. SV-2021-14"


def test_a_more_than_row_makes_the_actual_a_lower_bound(api, project):
    activity = project.activities.first()
    activity.beneficiaries.update(qualifier="more_than")
    response = api.get(f"/api/v1/projects/{CODE}/results/")
    (entry,) = [e for e in response.json() if e["indicator"]["code"] == "1.1"]
    (whole,) = [c for c in entry["cells"] if c["year"] == 2021 and c["part"] == ""]
    assert whole["actual"]["qualifier"] == "at_least"
    assert whole["actual"]["text"].startswith("at least")


def test_indicators_read_on_their_own(api, project):
    listing = api.get("/api/v1/indicators/", {"project": CODE})
    assert listing.status_code == 200
    rows = listing.json()["results"]
    assert [row["code"] for row in rows] == ["1.1", "1.2", "2.1"]
    one = api.get(f"/api/v1/indicators/{rows[0]['id']}/")
    assert one.status_code == 200
    assert one.json()["project"] == {"code": CODE, "title": project.title}
    assert api.post("/api/v1/indicators/", {}, format="json").status_code in (401, 405)


# --- Writes --------------------------------------------------------------------------


NEW_PROJECT = {
    "code": "NEW-PROJ",
    "title": "A new project",
    "start_date": "2023-01-01",
    "end_date": "2023-12-31",
    "countries": ["GT"],
    "themes": [],
}


def test_a_manager_creates_and_changes_a_project(manager_api):
    created = manager_api.post("/api/v1/projects/", NEW_PROJECT, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["countries"][0]["code"] == "GT"
    changed = manager_api.patch("/api/v1/projects/NEW-PROJ/", {"title": "Renamed"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert Project.objects.get(code="NEW-PROJ").title == "Renamed"


def test_a_project_ending_before_it_starts_is_a_400(manager_api):
    body = {**NEW_PROJECT, "end_date": "2022-01-01"}
    response = manager_api.post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400
    assert "end_date" in response.json()


def test_anonymous_users_and_officers_may_not_write_projects(api, officer_api):
    assert api.post("/api/v1/projects/", NEW_PROJECT, format="json").status_code == 401
    assert officer_api.post("/api/v1/projects/", NEW_PROJECT, format="json").status_code == 403


def test_a_project_with_activities_cannot_be_deleted(manager_api, project):
    response = manager_api.delete(f"/api/v1/projects/{CODE}/")
    assert response.status_code == 409
    assert Project.objects.filter(code=CODE).exists()


def test_an_activity_is_put_in_a_project_by_code_through_the_api(manager_api, project):
    body = {
        "kind": "training",
        "title": "Digital evidence in Santa Ana",
        "start_date": "2021-06-07",
        "end_date": "2021-06-09",
        "date_precision": "day",
        "modality": "in_person",
        "countries": ["SV"],
        "projects": [CODE],
    }
    created = manager_api.post("/api/v1/activities/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["projects"] == [{"code": CODE, "title": project.title}]
    assert Activity.objects.get(pk=created.json()["id"]).projects.get() == project
    unknown = manager_api.post(
        "/api/v1/activities/", {**body, "projects": ["NO-SUCH"]}, format="json"
    )
    assert unknown.status_code == 400
    assert "projects" in unknown.json()


# --- Query counts --------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 50])
def test_the_project_list_query_count_stays_flat(api, django_assert_num_queries, size):
    for number in range(size):
        make_wide_project(f"FLAT-{number}", indicators=2, years=2)
    # 1 COUNT for the page; 2 the page of projects, with the number of visible activities
    # as a subquery; then one prefetch each: 3 countries, 4 regions, 5 themes,
    # 6 fundings (+ donor, with the sum disbursed), 7 their disbursements, 8 outcomes,
    # 9 indicators (+ outcome), 10 their targets (+ country), 11 their values (+ country)
    with django_assert_num_queries(11):
        response = api.get("/api/v1/projects/", {"page_size": 100})
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 50])
def test_the_project_list_page_query_count_stays_flat(client, django_assert_num_queries, size):
    for number in range(size):
        make_wide_project(f"FLAT-{number}", indicators=1, years=1)
    # 1-3 the filter form's options (regions, countries, themes), 4 its donors;
    # 5 the projects, with the number of visible activities as a subquery; 6 their
    # themes, 7 their fundings (+ donor); 8 the committed sums per project and currency
    with django_assert_num_queries(8):
        response = client.get("/projects/")
    assert response.status_code == 200
    assert len(response.context["rows"]) >= size


def test_the_project_detail_page_query_count_does_not_grow_with_its_activities(
    client, django_assert_num_queries
):
    """1 the project with its activity count; 2-10 its countries, regions, themes,
    fundings (+ donor, sum disbursed), disbursements, outcomes, indicators, targets,
    values; 11 the committed sums per currency; then the engine's totals and people for
    its activities, the same statements for 1 activity as for 21."""
    small = make_project("SMALL", activities=1)
    big = make_project("BIG", activities=1)
    for _ in range(20):
        factories.ActivityFactory().projects.add(big)
    rollups.catch_up()  # as the writing request does (RollupMiddleware)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/projects/{small.code}/").status_code == 200
    with django_assert_num_queries(len(queries.captured_queries)):
        response = client.get(f"/projects/{big.code}/")
    assert response.context["totals"]["activities"] == 21


def results_queries(client, code: str) -> int:

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/projects/{code}/results/")
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_results_page_query_count_does_not_grow_with_indicators_periods_or_targets(
    client, django_assert_num_queries
):
    """Ten indicators over three yearly periods, each with its targets, cost the page as
    many queries as one indicator over one period: the results are computed in batches,
    never a question per indicator, period or target (issue #15)."""
    make_wide_project("ONE", indicators=1, years=1)
    make_wide_project("WIDE", indicators=10, years=3)
    # Seen at the merge of the lead's compute: 14 for both. 1 the project; 2-4 its
    # indicators, their targets and values; 5 the project again, as the questions'
    # `project=` filter; 6-13 the engine, once for all the questions (savepoint,
    # temporary table, analyse, sums by question, totals, count, drop, release);
    # 14 the outcomes.
    one = results_queries(client, "ONE")
    with django_assert_num_queries(one):
        response = client.get("/projects/WIDE/results/")
    assert response.content.decode().count('class="results-table"') == 10


def test_the_results_api_query_count_does_not_grow_with_indicators_periods_or_targets(
    api, django_assert_num_queries
):

    make_wide_project("ONE", indicators=1, years=1)
    make_wide_project("WIDE", indicators=10, years=3)
    # Seen at the merge: 13 for both (the page's, without the outcomes).
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/projects/ONE/results/").status_code == 200
    with django_assert_num_queries(len(queries.captured_queries)):
        response = api.get("/api/v1/projects/WIDE/results/")
    assert len(response.json()) == 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_transactional_db")
def test_an_actual_changes_in_the_very_next_answer_after_a_beneficiary_row_changes(
    client, superuser
):
    """Answers are cached under the data version (transactional here, as the app runs):
    a write to an activity's beneficiary rows shows in the next results, page and API."""

    project = make_project(activities=1)

    def actual_2021(response) -> int:
        (entry,) = [e for e in response.json() if e["indicator"]["code"] == "1.1"]
        (whole,) = [c for c in entry["cells"] if c["year"] == 2021 and c["part"] == ""]
        return whole["actual"]["value"]

    api_url = f"/api/v1/projects/{project.code}/results/"
    first = client.get(api_url)
    assert actual_2021(first) == 30
    # Kept by the answer cache: the same answer, not sent again to who has it.
    assert client.get(api_url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    page = client.get(f"/projects/{project.code}/results/").content.decode()
    assert "30 against a target of 50" in page
    activity = project.activities.get()
    row = activity.beneficiaries.get()
    services.activity_update(
        activity=activity,
        expected_version=activity.version,
        beneficiary_rows=[
            {
                "id": row.pk,
                "audience": row.audience,
                "country": row.country,
                "female": 40,
                "male": row.male,
                "not_recorded": 0,
                "qualifier": row.qualifier,
            }
        ],
        by=superuser,
    )
    second = client.get(api_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert actual_2021(second) == 60
    page = client.get(f"/projects/{project.code}/results/").content.decode()
    assert "60 against a target of 50" in page
    # A new activity put in the project (a many-to-many link) counts at once too.

    another = services.activity_create(
        fields={
            "kind": Activity.Kind.TRAINING,
            "title": "Another training of the project",
            "start_date": datetime.date(2021, 9, 1),
            "end_date": datetime.date(2021, 9, 2),
            "date_precision": "day",
            "modality": Activity.Modality.IN_PERSON,
        },
        relations={"countries": [Country.objects.get(iso2="SV")], "projects": [project]},
        beneficiary_rows=[
            {
                "audience": Audience.objects.order_by("pk").first(),
                "country": None,
                "female": 5,
                "male": 5,
                "not_recorded": 0,
                "qualifier": "exact",
            }
        ],
        by=superuser,
    )
    assert actual_2021(client.get(api_url)) == 60  # a draft: not counted for visitors
    services.activity_publish(activity=another, by=superuser)
    third = client.get(api_url, HTTP_IF_NONE_MATCH=second["ETag"])
    assert third.status_code == 200
    assert actual_2021(third) == 70
