"""Writing through the API: permissions, scope, validation, versions, attribution."""

from __future__ import annotations

import pytest

from activities.models import Activity, BeneficiaryGroup, Theme

pytestmark = pytest.mark.django_db

TRAINING = {
    "kind": "training",
    "title": "Santa Ana police on digital evidence",
    "start_date": "2021-06-07",
    "end_date": "2021-06-09",
    "date_precision": "day",
    "modality": "in_person",
    "countries": ["SV"],
    "themes": ["e-evidence"],
    "languages": ["es"],
    "beneficiaries": [
        {"audience": "police", "female": 8, "male": 14, "not_recorded": 3, "qualifier": "exact"}
    ],
    "source_paragraph": "",
}


def post(client, **changes):
    return client.post("/api/v1/activities/", {**TRAINING, **changes}, format="json")


def patch(client, activity_id: int, version: int, body: dict):
    """PATCH with the ETag of `version` in If-Match (api/concurrency.py)."""
    return client.patch(
        f"/api/v1/activities/{activity_id}/",
        body,
        format="json",
        HTTP_IF_MATCH=f'W/"activity-{activity_id}-v{version}"',
    )


def test_an_anonymous_write_is_a_401_asking_for_a_token(api):
    response = post(api)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_user_without_the_permission_cannot_log_an_activity(donor_api):
    assert post(donor_api).status_code == 403


def test_an_officer_logs_a_draft_in_their_scope_with_people_attributed(officer_api, officer):
    response = post(officer_api)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["version"] == 1
    assert body["participants"] == {
        "total": 25,
        "female": 8,
        "male": 14,
        "not_recorded": 3,
        "qualifier": "exact",
    }
    (row,) = body["beneficiaries"]
    assert row["total"] == 25
    assert row["attributed_to"] == {"type": "country", "code": "SV", "name": "El Salvador"}
    assert body["themes"] == [
        {"slug": "e-evidence", "name": "International cooperation to obtain electronic evidence"}
    ]
    assert Activity.objects.get(pk=body["id"]).created_by == officer


def test_an_officer_cannot_log_outside_their_scope(officer_api):
    response = post(officer_api, countries=["SN"])
    assert response.status_code == 403
    assert "Senegal" in response.json()["detail"]
    assert not Activity.objects.filter(title=TRAINING["title"]).exists()


@pytest.mark.parametrize(
    "changes, field, words",
    [
        (
            {"beneficiaries": [{"female": 8, "male": 14, "not_recorded": 0, "total": 25}]},
            "beneficiaries",
            # The same words as the officer form (services.sex_split_error).
            "Female (8) + male (14) + not recorded (0) = 22, not 25",
        ),
        # The same words as the officer form (services.period_errors).
        ({"end_date": "2021-06-01"}, "end_date", "The end (1 June 2021) is before the start"),
        ({"countries": [], "regions": []}, "countries", "at least one country or one region"),
        ({"countries": ["ZZ"]}, "countries", "Unknown country code ZZ"),
        ({"themes": ["knitting"]}, "themes", "Unknown theme knitting"),
        (
            {"date_precision": "year", "start_date": "2021-03-01", "end_date": "2021-12-31"},
            "date_precision",
            "1 January to 31 December",
        ),
        (
            {"beneficiaries": [{"country": "GT", "not_recorded": 5}]},
            "beneficiaries",
            "Guatemala is not among the activity's countries",
        ),
        ({"kind": "picnic"}, "kind", "picnic"),
    ],
)
def test_an_invalid_activity_is_a_400_naming_the_field(officer_api, changes, field, words):
    response = post(officer_api, **changes)
    assert response.status_code == 400
    body = response.json()
    assert field in body
    assert words in str(body[field])


def test_a_region_scoped_activity_may_name_a_country_below_it_in_a_row(officer_api):
    response = post(
        officer_api,
        countries=[],
        regions=["013"],
        beneficiaries=[{"country": "HN", "not_recorded": 40}, {"not_recorded": 60}],
    )
    assert response.status_code == 201, response.json()
    places = [row["attributed_to"] for row in response.json()["beneficiaries"]]
    assert places == [
        {"type": "country", "code": "HN", "name": "Honduras"},
        {"type": "region", "code": "013", "name": "Central America"},
    ]


def test_a_change_needs_the_etag_read_and_bumps_the_version(officer_api):
    created = post(officer_api).json()
    url = f"/api/v1/activities/{created['id']}/"
    missing = officer_api.patch(url, {"title": "Renamed"}, format="json")
    assert missing.status_code == 428
    etag = officer_api.get(url)["ETag"]
    changed = officer_api.patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.json()
    assert changed.json()["title"] == "Renamed"
    assert changed.json()["version"] == 2


def test_a_stale_etag_is_a_412_and_nothing_is_overwritten(officer_api):
    created = post(officer_api).json()
    assert patch(officer_api, created["id"], 1, {"title": "First"}).status_code == 200
    late = patch(officer_api, created["id"], 1, {"title": "Second"})
    assert late.status_code == 412
    assert late.json()["current_etag"] == f'W/"activity-{created["id"]}-v2"'
    assert Activity.objects.get(pk=created["id"]).title == "First"


def test_adding_a_country_moves_unsplit_people_to_the_smallest_common_region(officer_api):
    created = post(officer_api).json()
    response = patch(officer_api, created["id"], 1, {"countries": ["SV", "GT"]})
    assert response.status_code == 200, response.json()
    (row,) = response.json()["beneficiaries"]
    assert row["attributed_to"] == {"type": "region", "code": "013", "name": "Central America"}
    assert response.json()["scope_region"]["code"] == "013"


def test_beneficiary_rows_are_changed_by_id_added_without_and_dropped_when_left_out(
    officer_api,
):
    created = post(officer_api).json()
    row_id = created["beneficiaries"][0]["id"]
    response = patch(
        officer_api,
        created["id"],
        1,
        {
            "beneficiaries": [
                {"id": row_id, "audience": "police", "female": 9, "male": 14, "not_recorded": 3},
                {"audience": "prosecutors", "female": 2, "male": 1},
            ],
        },
    )
    assert response.status_code == 200, response.json()
    rows = response.json()["beneficiaries"]
    assert [(row["id"] == row_id, row["total"]) for row in rows] == [(True, 26), (False, 3)]
    assert response.json()["participants"]["total"] == 29
    left_out = patch(officer_api, created["id"], 2, {"beneficiaries": []})
    assert left_out.json()["participants"] is None
    assert not BeneficiaryGroup.objects.filter(activity_id=created["id"]).exists()


def test_a_row_id_of_another_activity_is_a_400(officer_api):
    created = post(officer_api).json()
    foreign = BeneficiaryGroup.objects.exclude(activity_id=created["id"]).first()
    response = patch(
        officer_api, created["id"], 1, {"beneficiaries": [{"id": foreign.pk, "not_recorded": 1}]}
    )
    assert response.status_code == 400
    assert "beneficiaries" in response.json()
    assert BeneficiaryGroup.objects.get(pk=foreign.pk).total == foreign.total


def test_an_officer_cannot_publish_but_a_manager_can(officer_api, manager_api, api):
    created = post(officer_api).json()
    url = f"/api/v1/activities/{created['id']}/"
    refused = patch(officer_api, created["id"], 1, {"status": "published"})
    assert refused.status_code == 403
    assert api.get(url).status_code == 404
    published = patch(manager_api, created["id"], 1, {"status": "published"})
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"
    assert api.get(url).status_code == 200


def test_an_officer_cannot_change_a_published_activity_outside_their_scope(officer_api):
    expert_group = Activity.objects.get(reference="report-2020/F30")
    response = patch(officer_api, expert_group.pk, expert_group.version, {"title": "Hacked"})
    assert response.status_code == 403
    assert Activity.objects.get(pk=expert_group.pk).title != "Hacked"


def test_deleting_needs_the_permission(officer_api, manager_api):
    created = post(officer_api).json()
    url = f"/api/v1/activities/{created['id']}/"
    etag = f'W/"activity-{created["id"]}-v1"'
    assert officer_api.delete(url, HTTP_IF_MATCH=etag).status_code == 403
    assert manager_api.delete(url, HTTP_IF_MATCH=etag).status_code == 204
    assert not Activity.objects.filter(pk=created["id"]).exists()


def test_a_session_works_as_well_as_a_token(manager):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(manager)
    assert post(client).status_code == 201


def test_reference_records_are_written_by_code(administrator_api):
    theme = administrator_api.post(
        "/api/v1/themes/",
        {"slug": "topic-ransomware", "name": "Ransomware", "parent": "investigations-forensics"},
        format="json",
    )
    assert theme.status_code == 201, theme.json()
    assert theme.json()["parent"]["slug"] == "investigations-forensics"
    partner = administrator_api.post(
        "/api/v1/partners/", {"name": "Made-up NGO", "kind": "ngo", "country": "hnd"}, format="json"
    )
    assert partner.status_code == 201, partner.json()
    assert partner.json()["country"]["code"] == "HN"
    figure = administrator_api.post(
        "/api/v1/figures/",
        {
            "code": "X001",
            "role": "context",
            "category": "context",
            "subject": "Made-up statistic",
            "value": 12,
            "qualifier": "about",
            "countries": ["SV"],
            "source_paragraph": "3",
        },
        format="json",
    )
    assert figure.status_code == 201, figure.json()
    assert figure.json()["countries"][0]["code"] == "SV"


def test_countries_and_regions_are_read_only_reference_data(administrator_api):
    assert administrator_api.delete("/api/v1/countries/SV/").status_code == 405
    assert administrator_api.post("/api/v1/regions/", {"code": "999"}).status_code == 405


def test_a_theme_still_holding_topics_cannot_be_deleted(administrator_api):
    from tests.factories import ThemeFactory

    area = ThemeFactory()
    ThemeFactory(parent=area)
    response = administrator_api.delete(f"/api/v1/themes/{area.slug}/")
    assert response.status_code == 409
    assert "themes" in response.json()["detail"]
    assert Theme.objects.filter(pk=area.pk).exists()


def test_a_figure_value_needs_a_qualifier(administrator_api):
    response = administrator_api.patch(
        "/api/v1/figures/F02/", {"value": 3, "qualifier": ""}, format="json"
    )
    assert response.status_code == 400
    assert "qualifier" in response.json()


def test_a_partner_still_named_by_activities_cannot_be_deleted(administrator_api):
    from activities.models import Partner

    partner = Partner.objects.filter(activities__isnull=False).first()
    response = administrator_api.delete(f"/api/v1/partners/{partner.pk}/")
    assert response.status_code == 409
    assert "activities" in response.json()["detail"]
    assert Partner.objects.filter(pk=partner.pk).exists()


def test_an_unused_record_can_be_deleted(administrator_api):
    from tests.factories import DonorFactory

    donor = DonorFactory()
    assert administrator_api.delete(f"/api/v1/donors/{donor.pk}/").status_code == 204


def test_a_number_where_text_is_expected_is_a_400_not_a_string(administrator_api):
    """schemathesis found `{"name": 0}` accepted as the name "0" on reference writes."""
    from activities.models import Audience

    before = Audience.objects.count()
    response = administrator_api.post(
        "/api/v1/audiences/", {"name": 0, "slug": "zero"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "name" in response.json()
    assert Audience.objects.count() == before
    response = administrator_api.patch(
        "/api/v1/activities/1/", {"title": 12}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code in (400, 404, 412, 428), response.content
