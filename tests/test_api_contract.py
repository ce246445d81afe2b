"""The OpenAPI contract, read by strict clients (issue #13).

- openapi-core validates the requests and the real responses of every GET operation of
  the schema, anonymously and with a programme manager's token (lists, one record of
  each, CSV, HXL, errors), and the activity writes with the manager's token. A request
  the schema does not allow (an anonymous read of the audit history) is refused by it.
- openapi-python-client generates a client from the schema, and that client asks a live
  server for Central America (M49 013) in 2020: the figures are the API's own.

schemathesis, over every operation with generated inputs, is in test_api_schema.py and
scripts/schemathesis.sh.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from django.test import Client
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest
from openapi_core.validation.request.exceptions import (
    MissingRequiredParameter,
    SecurityValidationError,
)
from rest_framework.authtoken.models import Token

from tests.factories import DonorFactory

pytestmark = pytest.mark.django_db

JSON_SCHEMA = "application/vnd.oai.openapi+json"
HOST = "http://testserver"
# A record to read at each detail path: its path parameter is this field of a list row.
DETAIL = "{"


@pytest.fixture
def schema_dict(api) -> dict:
    response = api.get("/api/v1/schema/", HTTP_ACCEPT=JSON_SCHEMA)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def contract(schema_dict) -> OpenAPI:
    # CSV is text (UTF-8, with a BOM unless hxl=1); openapi-core reads only JSON and forms
    # by itself.
    csv_text = {"text/csv": lambda data, **_: data.decode("utf-8-sig")}
    return OpenAPI.from_dict(schema_dict, config=Config(extra_media_type_deserializers=csv_text))


@pytest.fixture
def manager_headers(manager) -> dict[str, str]:
    token, _created = Token.objects.get_or_create(user=manager)
    return {"Authorization": f"Token {token.key}"}


def call(contract, method, path, *, query=None, body=None, headers=None, refused=None):
    """Send the request through Django, validate it and its response against the
    contract; return the response. `refused`: the error the contract raises for this
    request (one a strict client would not send); its response is validated all the same."""
    headers = dict(headers or {})
    data = json.dumps(body).encode() if body is not None else b""
    url = path + (f"?{urlencode(query)}" if query else "")
    response = Client().generic(
        method.upper(),
        url,
        data=data,
        content_type="application/json",
        headers=headers,
    )
    request = MockRequest(
        HOST,
        method,
        path,
        args=query,
        headers=headers,
        data=data or None,
        content_type="application/json" if data else "",
    )
    if refused is None:
        contract.validate_request(request)
    else:
        with pytest.raises(refused):
            contract.validate_request(request)
    try:
        contract.validate_response(request, DjangoOpenAPIResponse(response))
    except OpenAPIError as error:
        # The schema errors, not the whole body (a list page is long).
        cause = error.__cause__
        details = [
            str(e.message) + " at " + "/".join(map(str, e.absolute_path))
            for e in getattr(cause, "schema_errors", ())
        ]
        pytest.fail(f"{method.upper()} {url} -> {response.status_code}: {error!r:.300} {details}")
    return response


def get_operations(schema_dict) -> list[str]:
    return sorted(path for path, item in schema_dict["paths"].items() if "get" in item)


def fill(template: str, headers, contract) -> str:
    """A detail path with the key of the first record its list returns."""
    if DETAIL not in template:
        return template
    base, _, rest = template.partition(DETAIL)
    name = rest.split("}", 1)[0]
    listing = call(contract, "get", base, headers=headers).json()["results"]
    assert listing, f"{base} lists no record to read"
    return template.replace(f"{{{name}}}", str(listing[0][name]))


@pytest.fixture
def a_donor(db):
    """The seed names no donor: one, so that the donors' list and record are read too."""
    return DonorFactory()


@pytest.fixture
def a_project(db):
    """A project with fundings, disbursements, outcomes, computed and entered indicators
    with targets by sex: the projects' and indicators' lists and records, and a
    project's results, are read too."""
    from tests.project_factories import make_project

    return make_project()


@pytest.fixture
def a_closed_period(db, manager):
    """A programme-wide period closed for a report, so that the periods' list and their
    snapshots (figures included) are read too."""
    import datetime

    from activities.models import ReportingPeriod
    from activities.results import periods

    period, _ = ReportingPeriod.objects.get_or_create(
        project=None,
        start_date=datetime.date(2019, 1, 1),
        end_date=datetime.date(2019, 12, 31),
        defaults={"label": "2019"},
    )
    if not period.is_closed:
        periods.close_period(period, user=manager, report="A made-up report")
    return period


@pytest.mark.parametrize("who", ["anonymous", "manager"])
def test_every_read_validates_against_the_contract(
    who, schema_dict, contract, request, a_donor, a_project, a_closed_period
):
    headers = request.getfixturevalue("manager_headers") if who == "manager" else {}
    paths = get_operations(schema_dict)
    assert len(paths) >= 28
    assert {
        "/api/v1/projects/",
        "/api/v1/projects/{code}/",
        "/api/v1/projects/{code}/results/",
        "/api/v1/indicators/",
        "/api/v1/indicators/{id}/",
    } <= set(paths)
    checked = 0
    skipped = 0
    for template in paths:
        if template.endswith("/history/"):
            continue  # managers only: test_the_audit_history_is_for_signed_in_managers
        if template.endswith("/attendance/"):
            skipped += 1  # names: test_attendance_reads_validate_against_the_contract
            continue
        if "/evidence/{" in template:
            skipped += 1  # one file: test_evidence_reads_validate_against_the_contract
            continue
        if template.endswith(".xlsx"):
            # A binary download: its schema says bytes, which openapi-core reads as text.
            download = Client().get(template, headers=headers)
            assert download.status_code == 200, template
            assert download["Content-Type"].startswith("application/vnd.openxmlformats")
            checked += 1
            continue
        path = fill(template, headers, contract)
        response = call(contract, "get", path, headers=headers)
        assert response.status_code == 200, (path, response.content[:300])
        if template.endswith("/") and DETAIL not in template and template != "/api/v1/stats/":
            assert response.json()["results"], f"{path} is empty: nothing was validated"
            csv = call(contract, "get", path, query={"format": "csv", "hxl": "1"}, headers=headers)
            assert csv.status_code == 200
            assert csv["Content-Type"].startswith("text/csv")
        checked += 1
    assert checked == len(paths) - 1 - skipped


def test_attendance_reads_validate_against_the_contract(contract, manager_headers):
    """The attendance list (names: signed-in readers who may see them) validates for a
    manager, and the contract refuses an anonymous read of it."""
    from tests.factories import ActivityFactory
    from tests.people_factories import attend, person

    training = ActivityFactory()
    attend(training, person(sex="female"), person(sex="male"), pre=10, post=40)
    path = f"/api/v1/activities/{training.pk}/attendance/"
    response = call(contract, "get", path, headers=manager_headers)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
    anonymous = call(contract, "get", path, refused=SecurityValidationError)
    assert anonymous.status_code == 401


def test_evidence_reads_validate_against_the_contract(
    contract, manager, manager_headers, settings, tmp_path
):
    """An activity's files, one file and its download validate for a manager; a public
    file's for anonymous users; a private file is the documented 404 to them."""
    from activities.evidence import services
    from tests.factories import ActivityFactory

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    training = ActivityFactory()

    def attach(name, data, public):
        upload = io.BytesIO(data)
        return services.evidence_upload(
            activity=training, file=upload, filename=name, by=manager, is_public=public
        )

    public = attach("agenda.pdf", b"%PDF-1.4\n%%EOF\n", True)
    private = attach("notes.txt", b"Day 1\n", False)
    base = f"/api/v1/activities/{training.pk}/evidence/"
    for headers, files in ((manager_headers, 2), ({}, 1)):
        listing = call(contract, "get", base, headers=headers)
        assert len(listing.json()["results"]) == files
        assert call(contract, "get", f"{base}{public.pk}/", headers=headers).status_code == 200
        download = Client().get(f"{base}{public.pk}/download/", headers=headers)
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
    assert call(contract, "get", f"{base}{private.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "manager"])
def test_stats_filters_csv_and_errors_validate_against_the_contract(who, contract, request):
    headers = request.getfixturevalue("manager_headers") if who == "manager" else {}
    for query in [
        {},
        {"region": "013", "year": "2020"},
        {"region": "013", "year": "2020", "group_by": "country,sex"},
        {"year": "2020", "group_by": "region,theme", "measures": "activities,participants"},
        {"country": "SV", "group_by": "year"},
        {"format": "csv", "hxl": "1", "group_by": "country"},
    ]:
        response = call(contract, "get", "/api/v1/stats/", query=query, headers=headers)
        assert response.status_code == 200, (query, response.content[:300])
    # Errors come in the documented shapes: an unknown value is a 400, no page a 404.
    assert call(contract, "get", "/api/v1/stats/", query={"region": "999"}).status_code == 400
    assert call(contract, "get", "/api/v1/activities/999999/", headers=headers).status_code == 404
    response = call(contract, "get", "/api/v1/activities/", query={"page": "999"}, headers=headers)
    assert response.status_code == 404


def test_the_audit_history_is_for_signed_in_managers(contract, manager_headers):
    path = fill("/api/v1/activities/{id}/", manager_headers, contract) + "history/"
    assert call(contract, "get", path, headers=manager_headers).status_code == 200
    # The contract offers no anonymous access: a strict client refuses to send it...
    with pytest.raises(SecurityValidationError):
        call(contract, "get", path)
    # ...and the server answers 401, as the operation documents.
    response = Client().get(path)
    assert response.status_code == 401
    assert "401" in contract.spec["paths"]["/api/v1/activities/{id}/history/"]["get"]["responses"]


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


def test_the_activity_writes_of_a_manager_validate_against_the_contract(contract, manager_headers):
    created = call(contract, "post", "/api/v1/activities/", body=TRAINING, headers=manager_headers)
    assert created.status_code == 201, created.json()
    path = f"/api/v1/activities/{created.json()['id']}/"
    read = call(contract, "get", path, headers=manager_headers)

    def etag(response) -> dict[str, str]:
        return {**manager_headers, "If-Match": response["ETag"]}

    # If-Match is required: a strict client sends it; the server answers 428 without it.
    missing = call(
        contract,
        "patch",
        path,
        body={"title": "x"},
        headers=manager_headers,
        refused=MissingRequiredParameter,
    )
    assert missing.status_code == 428
    changed = call(contract, "patch", path, body={"title": "Renamed"}, headers=etag(read))
    assert changed.status_code == 200, changed.json()
    stale = call(contract, "patch", path, body={"title": "Again"}, headers=etag(read))
    assert stale.status_code == 412
    replaced = call(
        contract, "put", path, body={**TRAINING, "title": "Replaced"}, headers=etag(changed)
    )
    assert replaced.status_code == 200, replaced.json()
    # A body the schema allows but the rules refuse (it ends before it starts): a 400.
    backwards = {**TRAINING, "end_date": "2021-06-01"}
    invalid = call(contract, "post", "/api/v1/activities/", body=backwards, headers=manager_headers)
    assert invalid.status_code == 400
    assert call(contract, "delete", path, headers=etag(replaced)).status_code == 204
    # Anonymous writes: the contract asks for credentials, the server answers 401.
    with pytest.raises(SecurityValidationError):
        call(contract, "post", "/api/v1/activities/", body=TRAINING)


def test_the_review_steps_validate_against_the_contract(contract, manager_headers):
    """Submit, return with a comment, submit again, publish (activities/api/review.py)."""
    created = call(contract, "post", "/api/v1/activities/", body=TRAINING, headers=manager_headers)
    path = f"/api/v1/activities/{created.json()['id']}"
    read = call(contract, "get", f"{path}/", headers=manager_headers)

    def etag(response) -> dict[str, str]:
        return {**manager_headers, "If-Match": response["ETag"]}

    missing = call(
        contract,
        "post",
        f"{path}/submit/",
        headers=manager_headers,
        refused=MissingRequiredParameter,
    )
    assert missing.status_code == 428
    submitted = call(contract, "post", f"{path}/submit/", headers=etag(read))
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["review_state"] == "submitted"
    again = call(contract, "post", f"{path}/submit/", headers=etag(submitted))
    assert again.status_code == 400  # already waiting
    stale = call(contract, "post", f"{path}/publish/", headers=etag(read))
    assert stale.status_code == 412
    returned = call(
        contract,
        "post",
        f"{path}/return/",
        body={"comment": "Which city?"},
        headers=etag(submitted),
    )
    assert returned.status_code == 200, returned.json()
    resubmitted = call(contract, "post", f"{path}/submit/", headers=etag(returned))
    published = call(contract, "post", f"{path}/publish/", headers=etag(resubmitted))
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"


def test_a_body_over_the_limit_is_the_documented_413(contract, manager_headers, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    body = {**TRAINING, "description": "x" * 500}
    response = call(contract, "post", "/api/v1/activities/", body=body, headers=manager_headers)
    assert response.status_code == 413


# --- a generated client -------------------------------------------------------------------


@pytest.fixture
def generated_client(schema_dict, tmp_path, monkeypatch):
    """openapi-python-client's package for this schema, importable as `tacbapp_client`."""
    (tmp_path / "schema.json").write_text(json.dumps(schema_dict))
    package = tmp_path / "tacbapp_client"
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(tmp_path / "schema.json"),
            "--meta",
            "none",
            "--output-path",
            str(package),
        ],
        capture_output=True,
        text=True,
        # Its post-hooks format the code with ruff, from the same environment.
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # It warns about each operation or schema it could not turn into code. The one known
    # exception: it has no type for an Excel download (the attendance template), which a
    # client fetches as bytes; every other operation must come through whole.
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if line.startswith("WARNING")]
    assert all("/template.xlsx" in line for line in warnings), output
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("tacbapp_client")
    for name in [name for name in sys.modules if name.split(".")[0] == "tacbapp_client"]:
        del sys.modules[name]


def test_a_generated_client_asks_for_central_america_in_2020(
    generated_client, live_server, seeded_transactional_db
):
    stats_retrieve = importlib.import_module("tacbapp_client.api.stats.stats_retrieve")
    client = generated_client.Client(base_url=live_server.url)
    answer = stats_retrieve.sync_detailed(
        client=client, region="013", year=2020, group_by="country"
    )
    assert answer.status_code == 200, answer.content
    parsed = answer.parsed
    # The server's own answer, from the same host (the rows' links name it).
    own = httpx.get(
        f"{live_server.url}/api/v1/stats/",
        params={"region": "013", "year": "2020", "group_by": "country"},
    )
    expected = own.json()
    # The client read the whole answer into its models, and they hold the API's figures.
    assert parsed.to_dict()["totals"] == expected["totals"]
    assert [row.to_dict() for row in parsed.rows] == expected["rows"]
    assert parsed.totals.activities == expected["totals"]["activities"] > 0
    assert {row.country.code for row in parsed.rows if row.country} >= {"SV"}


def test_suppressed_figures_validate_against_the_contract(contract):
    """An activity whose tallies come from a small attendance sheet, read anonymously: its
    "<5" figures (record, rows, stats) are what the contract says they may be."""
    from tests.factories import ActivityFactory
    from tests.people_factories import attend, person

    training = ActivityFactory(places=["GTM"])
    attend(training, *(person(sex="female", country="GTM") for _ in range(3)))
    record = call(contract, "get", f"/api/v1/activities/{training.pk}/")
    assert record.json()["participants"]["female"] == "<5"
    assert {row["female"] for row in record.json()["beneficiaries"]} == {"<5"}
    stats = call(
        contract,
        "get",
        "/api/v1/stats/",
        query={"country": "GT", "measures": "participants,people"},
    )
    assert stats.json()["totals"]["people"]["total"] == "<5"
