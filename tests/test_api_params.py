"""Query parameters: a wrong value or a misspelt name is a 400 that names it."""

from __future__ import annotations

import pytest

from activities.api.params import reject_unknown_params

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "params, parameter, words",
    [
        ({"region": "999"}, "region", "999"),
        ({"region": "Asia"}, "region", "Asia"),
        ({"country": "XX"}, "country", "XX"),
        ({"date_from": "2020-13-01"}, "date_from", "date"),
        ({"date_to": "yesterday"}, "date_to", "date"),
        ({"kind": "picnic"}, "kind", "picnic"),
        ({"theme": "knitting"}, "theme", "knitting"),
        ({"year": "twenty"}, "year", "number"),
        ({"month": "2020-13"}, "month", "YYYY-MM"),
        ({"partner": "abc"}, "partner", "abc"),
        ({"language": "xx"}, "language", "xx"),
    ],
)
def test_an_invalid_filter_value_is_a_400_naming_the_parameter(api, params, parameter, words):
    response = api.get("/api/v1/activities/", params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [parameter]
    assert words in " ".join(body[parameter])


def test_a_misspelt_parameter_is_a_400_with_a_suggestion_not_the_whole_world(api):
    response = api.get("/api/v1/activities/", {"regoin": "013"})
    assert response.status_code == 400
    (message,) = response.json()["regoin"]
    assert "Did you mean 'region'?" in message


def test_every_resource_rejects_parameters_it_does_not_know(api):
    for url in ["/api/v1/countries/", "/api/v1/figures/", "/api/v1/mandates/", "/api/v1/donors/"]:
        response = api.get(url, {"colour": "blue"})
        assert response.status_code == 400, url
        assert "colour" in response.json()


def test_the_resource_filters_are_checked_too(api):
    assert api.get("/api/v1/countries/", {"region": "999"}).json() == {
        "region": ["Unknown M49 region code 999."]
    }
    assert "role" in api.get("/api/v1/figures/", {"role": "rumour"}).json()
    assert "level" in api.get("/api/v1/regions/", {"level": "9"}).json()


def test_the_paging_ordering_and_format_names_are_always_understood(api):
    response = api.get(
        "/api/v1/countries/", {"page": "2", "page_size": "5", "ordering": "code", "format": "json"}
    )
    assert response.status_code == 200
    assert response.json()["count"] == 248


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "lots"}, "page_size"),
        ({"page": "first"}, "page"),
        ({"page": "0"}, "page"),
        ({"ordering": "colour"}, "ordering"),
        ({"ordering": "-start_date,bogus"}, "ordering"),
        ({"format": "xml"}, "format"),
        ({"format": "csv", "hxl": "maybe"}, "hxl"),
    ],
)
def test_a_bad_page_ordering_or_format_is_a_400_naming_it(api, params, parameter):
    response = api.get("/api/v1/activities/", params)
    assert response.status_code == 400
    assert parameter in response.content.decode()


def test_a_page_past_the_end_is_a_404(api):
    assert api.get("/api/v1/activities/", {"page": "99"}).status_code == 404


def test_the_largest_page_holds_a_thousand_results(api):
    body = api.get("/api/v1/countries/", {"page_size": "1000"}).json()
    assert len(body["results"]) == 248
    assert body["next"] is None


def test_reject_unknown_params_is_reusable_by_any_view(rf):
    from rest_framework.exceptions import ValidationError
    from rest_framework.request import Request

    request = Request(rf.get("/api/v1/stats/", {"group_by": "country", "regoin": "013"}))
    reject_unknown_params(Request(rf.get("/", {"group_by": "x", "page": "1"})), {"group_by"})
    with pytest.raises(ValidationError) as raised:
        reject_unknown_params(request, {"group_by", "region"})
    assert set(raised.value.detail) == {"regoin"}
