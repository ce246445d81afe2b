"""Caching that is correct (ETag from the data, 304) and a throttle for anonymous clients."""

from __future__ import annotations

import pytest
from rest_framework.throttling import AnonRateThrottle

from activities.models import Activity, BeneficiaryGroup, Theme

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/activities/",
    "/api/v1/countries/",
    "/api/v1/regions/",
    "/api/v1/themes/",
    "/api/v1/partners/",
    "/api/v1/mentors/",
    "/api/v1/mandates/",
    "/api/v1/donors/",
    "/api/v1/figures/",
    "/api/v1/audiences/",
    "/api/v1/languages/",
    "/api/v1/projects/",
    "/api/v1/indicators/",
]


@pytest.mark.parametrize("url", LISTS)
def test_every_list_sends_an_etag_and_answers_a_conditional_get_with_304(api, url):
    first = api.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""


def test_the_etag_changes_as_soon_as_a_beneficiary_row_changes(api):
    url = "/api/v1/activities/"
    etag = api.get(url)["ETag"]
    row = BeneficiaryGroup.objects.get(activity__reference="report-2020/F28")
    BeneficiaryGroup.objects.filter(pk=row.pk).update(not_recorded=651, total=651)
    fresh = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag


def test_the_etag_changes_when_a_related_record_is_renamed(api):
    url = "/api/v1/activities/"
    etag = api.get(url)["ETag"]
    Theme.objects.filter(slug="e-evidence").update(name="Electronic evidence across borders")
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_csv_download_has_its_own_etag(api):
    json_etag = api.get("/api/v1/figures/")["ETag"]
    csv_response = api.get("/api/v1/figures/", {"format": "csv"})
    assert csv_response["ETag"] != json_etag
    assert (
        api.get(
            "/api/v1/figures/", {"format": "csv"}, HTTP_IF_NONE_MATCH=csv_response["ETag"]
        ).status_code
        == 304
    )


def test_a_published_draft_changes_the_public_list_etag(api, manager, salvador_draft):
    from activities import services

    etag = api.get("/api/v1/activities/")["ETag"]
    services.activity_publish(activity=salvador_draft, by=manager)
    response = api.get("/api/v1/activities/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["count"] == 25  # 24 seeded that took place, and this one


@pytest.fixture
def three_per_minute(monkeypatch):
    """DRF reads the rates into the throttle class when it is imported: override_settings
    alone would not reach them, so the class attribute is patched."""
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})


def test_an_anonymous_client_is_throttled_with_a_429_and_retry_after(api, three_per_minute):
    statuses = [api.get("/api/v1/regions/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/activities/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


def test_signed_in_clients_are_not_throttled_as_anonymous(manager_api, three_per_minute):
    statuses = {manager_api.get("/api/v1/regions/").status_code for _ in range(5)}
    assert statuses == {200}


def test_the_rate_comes_from_api_anon_rate():
    from django.conf import settings

    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]
    assert rate
    assert AnonRateThrottle().get_rate() == rate


def test_a_draft_stays_out_of_every_etagged_list(api, salvador_draft):
    body = api.get("/api/v1/activities/", {"page_size": 100}).json()
    assert salvador_draft.pk not in {row["id"] for row in body["results"]}
    assert Activity.objects.filter(pk=salvador_draft.pk, status="draft").exists()
