"""Hostile input: no endpoint or page answers 5xx, whatever a client sends.

Every public endpoint of the API and every public page gets hostile values for each query
parameter it accepts, and for a few it does not: overflowing dates and numbers,
SQL-ish strings, huge pages, invalid UTF-8 and NUL bytes (sent percent-encoded, as a
client would), very long strings, repeated parameters. The answer may be a 200, a 400,
a 404: never a 5xx. The main lists and the stats get every value; the other endpoints
a sample, to keep the module quick.

Writes (POST and PATCH of an activity, as a manager with a token) get hostile JSON
bodies; none answers 5xx, and a refused write leaves the activities, the beneficiary
rows and the data version as they were.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from activities.api.params import ALWAYS_ALLOWED
from activities.filters import ActivityFilterSet
from activities.models import Activity, BeneficiaryGroup, DataVersion

from .test_api_writes import TRAINING

pytestmark = pytest.mark.django_db

# Raw query-string values: already percent-encoded, sent as they are.
RAW_VALUES = ["%FF", "%00", "a%00b", "%C3%28", "%ED%A0%80"]
# Plain values, percent-encoded before sending.
PLAIN_VALUES = [
    "9999-12",
    "0000-00",
    "10000-01",
    "9999-12-31",
    "0001-01-01",
    "99999999999999999999",
    "-1",
    "1e309",
    "0",
    "NaN",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "x" * 10_000,
]
ALL_VALUES = [quote(value, safe="") for value in PLAIN_VALUES] + RAW_VALUES
# A few of the worst, for the endpoints that get a sample.
SAMPLE_VALUES = [quote(value, safe="") for value in ("9999-12", "99999999999999999999", "%")]
SAMPLE_VALUES += ["%FF", "%00"]

# Names no endpoint accepts, to check that the refusal itself never fails.
UNKNOWN = ["bogus", "year[]", "%FF", "%00"]

ACTIVITY_FILTERS = sorted(ActivityFilterSet.base_filters)
API_LIST_PARAMS = sorted(ALWAYS_ALLOWED)
# The pages render HTML (slow): the filters whose parsing differs (dates, numbers, codes,
# text) stand for the rest, which are choices parsed as `kind` is.
PAGE_FILTERS = ["year", "month", "date_from", "date_to", "region", "country", "kind", "q"]


def filter_names(viewset) -> list[str]:
    filterset = getattr(viewset, "filterset_class", None)
    return sorted(filterset.base_filters) if filterset else []


def api_lists() -> list[tuple[str, list[str]]]:
    """Each resource's list URL with the parameters it accepts."""
    from activities.api.urls import router

    return [
        (f"/api/v1/{prefix}/", filter_names(viewset) + API_LIST_PARAMS)
        for prefix, viewset, _basename in router.registry
    ]


def cases(url: str, names: list[str], values: list[str]) -> list:
    """Each value for each name; each unknown name once; the first name repeated."""
    found = [
        pytest.param(url, f"{name}={value}", id=f"{url}?{name}={value[:24]}")
        for name in names
        for value in values
    ]
    found += [pytest.param(url, f"{name}=1", id=f"{url}?{name}=1") for name in UNKNOWN]
    if names:
        found.append(pytest.param(url, f"{names[0]}=1&{names[0]}=2", id=f"{url} repeated"))
    return found


def get_cases() -> list:
    """The main lists and the stats get every value; the rest a sample."""
    main = [
        ("/api/v1/activities/", ACTIVITY_FILTERS + API_LIST_PARAMS),
        ("/api/v1/stats/", [*ACTIVITY_FILTERS, "group_by", "measures", "hxl", "format"]),
    ]
    sampled = [
        ("/activities/", [*PAGE_FILTERS, "page", "page_size", "sort"]),
        *[(url, names) for url, names in api_lists() if url != "/api/v1/activities/"],
        ("/", [*PAGE_FILTERS, "map"]),
        ("/activities/download.csv", [*PAGE_FILTERS, "sort"]),
        ("/activities/download.xlsx", ["year", "month", "date_from", "q", "region"]),
        ("/regions/013/", ["year", "month", "page"]),
        ("/countries/SV/", ["year", "month", "page"]),
        ("/mentors/", ["page", "q"]),
        ("/partners/", ["page", "q"]),
        ("/mandates/", ["page", "q"]),
        ("/figures/", ["year", "region", "country", "page"]),
        ("/projects/", ["donor", "theme", "country", "region", "year"]),
    ]
    found = []
    for url, names in main:
        found += cases(url, names, ALL_VALUES)
    for url, names in sampled:
        found += cases(url, names, SAMPLE_VALUES)
    return found


def detail_urls() -> list[str]:
    return [
        "/api/v1/activities/{id}/",
        "/api/v1/countries/SV/",
        "/api/v1/regions/013/",
        "/api/v1/themes/e-evidence/",
        "/api/v1/audiences/police/",
        "/api/v1/languages/es/",
        "/activities/{id}/",
    ]


@pytest.mark.parametrize(("url", "query"), get_cases())
def test_a_hostile_query_never_answers_5xx(client, url, query):
    response = client.get(f"{url}?{query}")
    assert response.status_code < 500, (url, query, response.status_code)


@pytest.mark.parametrize("query", ["format=%FF", "lang=%00", "bogus=1&bogus=2"])
def test_a_hostile_query_on_the_schema_never_answers_5xx(client, query):
    # A sample only: the schema takes seconds to build.
    assert client.get(f"/api/v1/schema/?{query}").status_code < 500


@pytest.mark.parametrize("url", detail_urls())
@pytest.mark.parametrize("query", ["format=%FF", "hxl=%00", "bogus=1&bogus=2", "page=999999999"])
def test_a_hostile_query_on_a_detail_never_answers_5xx(client, url, query):
    url = url.format(id=Activity.objects.filter(status="published").first().pk)
    response = client.get(f"{url}?{query}")
    assert response.status_code < 500, (url, query, response.status_code)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/activities/99999999999999999999/",
        "/api/v1/countries/%FF%FF/",
        "/api/v1/themes/%00/",
        "/activities/99999999999999999999/",
        "/regions/999/",
        "/countries/ZZ/",
        "/api/v1/%FF/",
        "/activities/download.csv%00",
    ],
)
def test_a_hostile_path_never_answers_5xx(client, path):
    assert client.get(path).status_code < 500


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/api/v1/activities/", "page=999999999"),
        ("/api/v1/activities/", "page_size=100000"),
        ("/api/v1/activities/", "page=-1&page_size=0"),
        ("/api/v1/stats/", "group_by=year,year,year,year"),
        ("/api/v1/stats/", "group_by=" + ",".join(["region"] * 500)),
        ("/activities/", "page=999999999&page_size=100000"),
    ],
)
def test_huge_pages_and_groupings_never_answer_5xx(client, url, query):
    assert client.get(f"{url}?{query}").status_code < 500


# Writes ---------------------------------------------------------------------------------

URL = "/api/v1/activities/"


def snapshot() -> tuple[int, int, int]:
    return (
        Activity.objects.count(),
        BeneficiaryGroup.objects.count(),
        DataVersion.objects.get().version,
    )


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def row(**changes) -> dict:
    return {**TRAINING["beneficiaries"][0], **changes}


HOSTILE_BODIES = {
    "deep nesting": json.dumps({**TRAINING, "title": "x"})[:-1] + ', "x": ' + nested(5000) + "}",
    "deep nesting in a field": json.dumps(TRAINING).replace(
        '"countries": ["SV"]', '"countries": ' + nested(3000)
    ),
    "huge number": json.dumps({**TRAINING, "beneficiaries": [row(female=10**30)]}),
    "float infinity": json.dumps(TRAINING).replace('"female": 8', '"female": 1e309'),
    "NaN": json.dumps(TRAINING).replace('"female": 8', '"female": NaN'),
    "negative count": json.dumps({**TRAINING, "beneficiaries": [row(male=-1)]}),
    "wrong types": json.dumps(
        {**TRAINING, "title": ["a"], "countries": "SV", "beneficiaries": {"a": 1}}
    ),
    "row of wrong type": json.dumps({**TRAINING, "beneficiaries": ["police", 3, None]}),
    "null everywhere": json.dumps(dict.fromkeys(TRAINING)),
    "NUL in strings": json.dumps({**TRAINING, "title": "a\x00b", "countries": ["S\x00"]}),
    "NUL in a row": json.dumps({**TRAINING, "beneficiaries": [row(audience="po\x00lice")]}),
    "date 0001-01-01": json.dumps({**TRAINING, "start_date": "0001-01-01"}),
    "date 9999-12-31": json.dumps({**TRAINING, "end_date": "9999-12-31"}),
    "date 10000-01-01": json.dumps({**TRAINING, "end_date": "10000-01-01"}),
    "date overflowing": json.dumps({**TRAINING, "start_date": "99999999999999999999"}),
    "SQL-ish": json.dumps({**TRAINING, "countries": ["' OR 1=1 --"], "themes": ["%"]}),
    "very long strings": json.dumps({**TRAINING, "title": "x" * 100_000}),
    "not an object": json.dumps([TRAINING]),
    "a bare string": json.dumps("x"),
    "empty": "",
}
RAW_BODIES = {
    "invalid UTF-8": json.dumps(TRAINING).encode().replace(b"Santa", b"\xff\xfe"),
    "UTF-16": json.dumps(TRAINING).encode("utf-16"),
    "truncated": json.dumps(TRAINING).encode()[:50],
}


def all_bodies() -> list:
    return [pytest.param(body.encode(), id=name) for name, body in HOSTILE_BODIES.items()] + [
        pytest.param(body, id=name) for name, body in RAW_BODIES.items()
    ]


@pytest.mark.parametrize("body", all_bodies())
def test_a_hostile_post_never_answers_5xx_and_a_refusal_writes_nothing(manager_api, body):
    before = snapshot()
    response = manager_api.post(URL, body, content_type="application/json")
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert snapshot() == before


@pytest.mark.parametrize("body", all_bodies())
def test_a_hostile_patch_never_answers_5xx_and_a_refusal_writes_nothing(manager_api, body):
    created = manager_api.post(URL, TRAINING, format="json")
    assert created.status_code == 201
    activity_id, version = created.json()["id"], created.json()["version"]
    before = snapshot()
    response = manager_api.patch(
        f"{URL}{activity_id}/",
        body,
        content_type="application/json",
        HTTP_IF_MATCH=f'W/"activity-{activity_id}-v{version}"',
    )
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert snapshot() == before
