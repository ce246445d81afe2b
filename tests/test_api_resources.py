"""Reading the resources of /api/v1/: what a consumer's script sees, from the seed."""

from __future__ import annotations

import pytest

from activities.models import Activity

pytestmark = pytest.mark.django_db


def refs(response) -> set[str]:
    return {row["reference"].removeprefix("report-2020/") for row in response.json()["results"]}


def test_the_activity_list_has_a_total_count_and_pages_of_results(api):
    response = api.get("/api/v1/activities/", {"page_size": 10})
    assert response.status_code == 200
    body = response.json()
    # The 24 seeded activities that took place: not the postponed session (F31) nor the
    # planned seventh Expert Group meeting (counting rule 10).
    assert body["count"] == 24
    assert len(body["results"]) == 10
    assert body["next"].endswith("page=2&page_size=10")
    assert body["previous"] is None
    assert response["X-Total-Count"] == "24"


def test_an_activity_shows_where_whom_how_many_and_its_source(api):
    teachers = Activity.objects.get(reference="report-2020/F16")
    body = api.get(f"/api/v1/activities/{teachers.pk}/").json()
    assert [c["code"] for c in body["countries"]] == ["SV", "GT", "HN"]
    assert body["period_label"] == "2020"
    assert body["date_precision"] == "year"
    assert body["scope_region"] == {"code": "013", "name": "Central America"}
    assert body["participants"] == {
        "total": 5600,
        "female": 0,
        "male": 0,
        "not_recorded": 5600,
        "qualifier": "at_least",
    }
    (row,) = body["beneficiaries"]
    assert row["qualifier"] == "more_than"
    assert row["audience"] == {"slug": "teachers", "name": "Teachers"}
    assert row["country"] is None
    # Three countries, no split by country: the people belong to Central America.
    assert row["attributed_to"] == {"type": "region", "code": "013", "name": "Central America"}
    assert body["source_paragraph"] == "25"
    assert body["source_document"]["key"] == "report-2020-cybercrime-ta"
    # The figures it backs: the delivery itself and its outcome (13 children safeguarded).
    assert body["figures"] == [
        {"code": "F16", "role": "delivery"},
        {"code": "F17", "role": "outcome"},
    ]
    assert body["version"] >= 1


def test_a_single_country_activity_attributes_its_people_to_the_country(api):
    it_staff = Activity.objects.get(reference="report-2020/F28")
    (row,) = api.get(f"/api/v1/activities/{it_staff.pk}/").json()["beneficiaries"]
    assert row["attributed_to"] == {"type": "country", "code": "SV", "name": "El Salvador"}


def test_an_activity_without_people_recorded_has_null_participants_not_zero(api):
    assessment = Activity.objects.get(reference="report-2020/F03")
    body = api.get(f"/api/v1/activities/{assessment.pk}/").json()
    assert body["participants"] is None
    assert body["beneficiaries"] == []


def test_the_activity_list_uses_the_shared_filters(api):
    response = api.get("/api/v1/activities/", {"region": "013", "year": "2020"})
    assert refs(response) == {"F04", "F12", "F16", "F18", "F19", "F26-SLV", "F26-GTM", "F28"}
    assert refs(api.get("/api/v1/activities/", {"country": "SLV"})) == {
        "F16",
        "F18",
        "F19",
        "F26-SLV",
        "F28",
    }


def test_a_draft_is_invisible_to_the_public_and_visible_to_its_officer(
    api, officer_api, salvador_draft
):
    assert api.get(f"/api/v1/activities/{salvador_draft.pk}/").status_code == 404
    assert api.get("/api/v1/activities/").json()["count"] == 24  # that took place
    assert officer_api.get(f"/api/v1/activities/{salvador_draft.pk}/").status_code == 200
    assert officer_api.get("/api/v1/activities/").json()["count"] == 25


def test_a_draft_outside_the_officers_scope_is_a_404_for_them(officer_api, sahel_draft):
    assert officer_api.get(f"/api/v1/activities/{sahel_draft.pk}/").status_code == 404


def test_activities_can_be_ordered_and_the_order_is_stable(api):
    body = api.get("/api/v1/activities/", {"ordering": "-participants", "page_size": 3}).json()
    assert [row["participants"]["total"] for row in body["results"]] == [24400, 7832, 5600]
    oldest = api.get("/api/v1/activities/", {"ordering": "start_date", "page_size": 1}).json()
    assert oldest["results"][0]["reference"] == "report-2020/F29-2011"


def test_countries_are_looked_up_by_iso_code_in_any_case(api):
    body = api.get("/api/v1/countries/SV/").json()
    assert body["name"] == "El Salvador"
    assert body["iso3"] == "SLV"
    assert body["region"] == {"code": "013", "name": "Central America"}
    assert body["m49_subregion"] == {"code": "419", "name": "Latin America and the Caribbean"}
    assert api.get("/api/v1/countries/slv/").json()["code"] == "SV"
    assert api.get("/api/v1/countries/XX/").status_code == 404


def test_countries_can_be_listed_by_region(api):
    body = api.get("/api/v1/countries/", {"region": "013"}).json()
    assert [row["code"] for row in body["results"]] == [
        "BZ",
        "CR",
        "SV",
        "GT",
        "HN",
        "MX",
        "NI",
        "PA",
    ]


def test_regions_are_looked_up_by_m49_code(api):
    body = api.get("/api/v1/regions/013/").json()
    assert body == {
        "code": "013",
        "name": "Central America",
        "level": 3,
        "level_name": "intermediate region",
        "parent": {"code": "419", "name": "Latin America and the Caribbean"},
    }
    assert api.get("/api/v1/regions/999/").status_code == 404
    children = api.get("/api/v1/regions/", {"parent": "419"}).json()["results"]
    assert {row["code"] for row in children} == {"005", "013", "029"}


def test_figures_are_looked_up_by_code_and_filtered_by_role(api):
    umbrella = api.get("/api/v1/figures/", {"role": "umbrella"}).json()["results"]
    assert [(row["code"], row["value"], row["countries_count"]) for row in umbrella] == [
        ("F05", 2440, 64)
    ]
    teachers = api.get("/api/v1/figures/F16/").json()
    assert teachers["qualifier"] == "more_than"
    assert [a["reference"] for a in teachers["activities"]] == ["report-2020/F16"]
    assert teachers["source_paragraph"] == "25"


def test_figures_can_be_filtered_by_country_region_and_theme(api):
    def codes(**params):
        return {row["code"] for row in api.get("/api/v1/figures/", params).json()["results"]}

    assert codes(country="HN") == {"F10", "F16", "F17", "F18", "F19"}
    assert codes(role="context", region="013") == {"F09", "F10", "F11"}
    # A thematic area matches the figures tagged with its topics.
    assert "F05" in codes(theme="investigations-forensics")


def test_a_figure_lists_only_the_activities_the_reader_may_see(api, manager, salvador_draft):
    from activities.models import ReportedFigure

    ReportedFigure.objects.get(code="F28").activities.add(salvador_draft)
    listed = api.get("/api/v1/figures/F28/").json()["activities"]
    assert [a["reference"] for a in listed] == ["report-2020/F28"]


def test_themes_partners_mentors_mandates_donors_audiences_languages_are_listed(api):
    themes = api.get("/api/v1/themes/", {"parent": "investigations-forensics"}).json()
    assert themes["count"] == 15
    assert api.get("/api/v1/themes/ocsea/").json()["parent"] is None
    mentors = api.get("/api/v1/mentors/", {"hub_country": "SV"}).json()["results"]
    assert [m["display_name"] for m in mentors] == [
        "Mentor at the El Salvador hub (name not published)"
    ]
    assert api.get("/api/v1/partners/").json()["count"] == 22
    assert api.get("/api/v1/mandates/").json()["count"] == 8
    assert api.get("/api/v1/donors/").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    assert api.get("/api/v1/audiences/teachers/").json()["name"] == "Teachers"
    assert api.get("/api/v1/languages/es/").json()["name"] == "Spanish"


def test_the_api_root_lists_every_resource(api):
    body = api.get("/api/v1/").json()
    assert set(body) >= {
        "activities",
        "countries",
        "regions",
        "themes",
        "partners",
        "mentors",
        "mandates",
        "donors",
        "figures",
        "audiences",
        "languages",
    }


def test_the_browsable_api_renders_its_forms_for_a_writer(manager):
    """The HTML forms list related records by code (a nested object is no form value)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(manager)
    teachers = Activity.objects.get(reference="report-2020/F16")
    for url in ["/api/v1/activities/", f"/api/v1/activities/{teachers.pk}/"]:
        response = client.get(url, {"format": "api"})
        assert response.status_code == 200, url
        assert '<option value="SV"' in response.content.decode()
