"""OpenAPI 3 at /api/v1/schema/, Swagger UI at /api/v1/docs/ (offline), and schemathesis
fuzzing every operation the schema lists: no 5xx, no response outside the schema."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import AnonRateThrottle
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from activities.api.params import filterset_params
from activities.filters import ActivityFilterSet

pytestmark = pytest.mark.django_db

JSON_SCHEMA = "application/vnd.oai.openapi+json"


@pytest.fixture
def openapi(api) -> dict:
    response = api.get("/api/v1/schema/", HTTP_ACCEPT=JSON_SCHEMA)
    assert response.status_code == 200
    return response.json()


def test_the_schema_validates_with_no_warning(tmp_path):
    # --fail-on-warn: an undocumented filter type or a clashing component is a failure.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_every_activity_filter_is_documented_with_its_help_text(openapi):
    parameters = {
        parameter["name"]: parameter
        for parameter in openapi["paths"]["/api/v1/activities/"]["get"]["parameters"]
    }
    for name, filter_ in ActivityFilterSet.base_filters.items():
        assert name in parameters, name
        assert parameters[name].get("description"), name
        help_text = filter_.extra.get("help_text")
        if help_text:
            assert str(help_text) in parameters[name]["description"]
    assert {"page", "page_size", "ordering", "format", "hxl"} <= set(parameters)
    assert parameters["region"]["schema"]["pattern"] == "^[0-9]{3}$"


def test_every_resource_is_in_the_schema_with_its_errors(openapi):
    paths = openapi["paths"]
    for resource in [
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
        "projects",
        "indicators",
    ]:
        assert f"/api/v1/{resource}/" in paths, resource
        listing = paths[f"/api/v1/{resource}/"]["get"]["responses"]
        assert {"200", "400", "404", "429"} <= set(listing), resource
        assert listing["200"]["content"]["text/csv"]["schema"] == {"type": "string"}
    assert "/api/v1/countries/{code}/" in paths
    assert "/api/v1/regions/{code}/" in paths
    assert "/api/v1/projects/{code}/" in paths
    assert "/api/v1/projects/{code}/results/" in paths


def test_the_schema_is_openapi_3_1_with_nullable_references_strict_readers_accept(openapi):
    assert openapi["openapi"].startswith("3.1")
    assert '"nullable"' not in json.dumps(openapi)  # 3.0's keyword, which 3.1 ignores
    scope_region = openapi["components"]["schemas"]["Activity"]["properties"]["scope_region"]
    assert {"type": "null"} in scope_region["oneOf"]
    following = openapi["components"]["schemas"]["PaginatedActivityList"]["properties"]["next"]
    assert following["type"] == ["string", "null"]


def test_anonymous_access_is_declared_where_it_is_allowed(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            anonymous = {} in operation["security"]
            if path.endswith(("/history/", "/attendance/")) or method != "get":
                assert not anonymous, f"{method} {path}"
            else:
                assert anonymous, f"{method} {path}"
            assert {"tokenAuth": []} in operation["security"]


def test_stats_documents_every_filter_format_and_hxl(openapi):
    operation = openapi["paths"]["/api/v1/stats/"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(filterset_params(ActivityFilterSet)) <= set(parameters)
    assert {"group_by", "measures", "format", "hxl"} <= set(parameters)
    assert parameters["region"]["schema"]["pattern"] == "^[0-9]{3}$"
    assert parameters["year"]["schema"]["type"] == "integer"
    assert "page" not in parameters  # the stats are not paged


def test_bodies_document_413_and_every_operation_503_with_retry_after(openapi):
    activities = openapi["paths"]["/api/v1/activities/"]
    assert "413" in activities["post"]["responses"]
    assert "413" not in activities["get"]["responses"]
    for item in openapi["paths"].values():
        for operation in item.values():
            unavailable = operation["responses"]["503"]
            assert "Retry-After" in unavailable["headers"]
    changes = openapi["paths"]["/api/v1/activities/{id}/"]["patch"]["parameters"]
    (if_match,) = [parameter for parameter in changes if parameter["name"] == "If-Match"]
    assert if_match["in"] == "header" and if_match["required"]


def test_a_boolean_filter_refuses_a_word_that_is_not_a_boolean(api):
    assert api.get("/api/v1/themes/", {"top_level": "true"}).status_code == 200
    response = api.get("/api/v1/themes/", {"top_level": "perhaps"})
    assert response.status_code == 400
    assert "top_level" in response.json()


def test_requests_name_related_records_by_code_and_responses_nest_them(openapi):
    schemas = openapi["components"]["schemas"]
    request_countries = schemas["ActivityRequest"]["properties"]["countries"]
    assert request_countries["items"]["type"] == "string"
    response_countries = schemas["Activity"]["properties"]["countries"]
    assert response_countries["items"]["$ref"] == "#/components/schemas/CountryRef"


def test_the_participants_figures_are_described_as_participations(openapi):
    """The field keeps its name (a contract), but every description says what it counts:
    participations, a person at two activities counting twice (counting rule 1)."""
    schemas = openapi["components"]["schemas"]
    stats = " ".join(openapi["paths"]["/api/v1/stats/"]["get"]["description"].split())
    assert "`participants`: **participations**" in stats
    assert "a person at two activities counts twice" in stats
    assert "people reached" not in stats
    assert "ActivityParticipants" not in schemas  # one shape for participations
    for component in ("Participants",):
        assert schemas[component]["description"].startswith("Participations"), component
        total = schemas[component]["properties"]["total"]["description"]
        assert "a person at two activities counts twice" in total, component
    activity_participants = schemas["Activity"]["properties"]["participants"]
    assert "Participations, not distinct people" in activity_participants["description"]
    formats = {
        parameter["name"]: parameter
        for parameter in openapi["paths"]["/api/v1/activities/"]["get"]["parameters"]
    }
    assert "count participations" in formats["format"]["description"]


def test_the_docs_page_loads_nothing_from_another_site(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page references its scripts and styles"
    for url in urls:
        assert not re.match(r"^(https?:)?//", url), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file"
    script = api.get("/api/v1/docs/", {"script": ""}).content.decode()
    assert "validatorUrl" in script and '"validatorUrl": null' in script
    assert not re.search(r"https?://", script)


@pytest.mark.browser
def test_swagger_ui_renders_offline_in_a_browser(browser_page):
    """Every request the page makes goes to the site itself (no CDN, no validator)."""
    from urllib.parse import urlsplit

    seen: list[str] = []
    browser_page.on("request", lambda request: seen.append(request.url))
    browser_page.goto(browser_page.url_for("/api/v1/docs/"))
    browser_page.wait_for_selector(".swagger-ui .info .title")
    assert "tacbapp API" in browser_page.inner_text(".swagger-ui .info .title")
    browser_page.wait_for_selector("text=/api/v1/activities/")
    own = urlsplit(browser_page.url_for("/")).netloc
    outside = [url for url in seen if urlsplit(url).netloc not in {own, ""}]
    assert outside == []
    assert any("/api/v1/schema/" in url for url in seen)


# --- schemathesis ------------------------------------------------------------------------


@pytest.fixture
def api_schema(db, monkeypatch):
    """The live schema, served by the WSGI application in this test's transaction.

    Django closes the database connection at the end of each request; the test client
    stops that, and so does this fixture, so that every request sees the seed inside
    the test transaction. The anonymous throttle is lifted: schemathesis sends hundreds
    of requests a minute.
    """
    from django.core.wsgi import get_wsgi_application

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": None})
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/v1/schema/", get_wsgi_application(), headers={"Accept": JSON_SCHEMA}
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Per operation and mode: enough to walk every parameter, few enough for a minute or two.
EXAMPLES = 12


def run_operation(operation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case):
        # The WSGI client does not inflate gzip: ask for the plain body (compression is
        # tested in test_settings.py).
        case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity", **headers})

    run()


@pytest.mark.parametrize("who", ["anonymous", "manager"])
def test_no_operation_answers_a_server_error_or_breaks_its_schema(who, api_schema, request):
    """Every operation of the schema, with valid and invalid inputs, anonymously (writes
    are refused: 401) and with a programme manager's token (activity writes answer 201,
    400, 404, 412; reference data is refused: 403): no 5xx, and every answer matches
    what the schema documents. scripts/schemathesis.sh runs more cases on gunicorn."""
    headers = {}
    if who == "manager":
        token, _created = Token.objects.get_or_create(user=request.getfixturevalue("manager"))
        headers = {"Authorization": f"Token {token.key}"}
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 40
    labels = {operation.label for operation in operations}
    assert {"GET /api/v1/activities/", "POST /api/v1/activities/", "GET /api/v1/stats/"} <= labels
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode, headers)
            except (Exception, BaseExceptionGroup) as failure:  # one report for all
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert not failures, "\n\n".join(failures)
