"""?format=csv for every list, flattened; &hxl=1 adds the HXL hashtag row."""

from __future__ import annotations

import csv
import io

import pytest

from activities.api.renderers import CSVRenderer, flatten, hxl_row
from activities.models import Activity, Country

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def test_the_activity_csv_flattens_nested_data_into_columns(api):
    rows = as_dicts(read_csv(api.get("/api/v1/activities/", {"format": "csv", "country": "SV"})))
    teachers = next(row for row in rows if row["reference"] == "report-2020/F16")
    assert teachers["countries.code"] == "SV; GT; HN"
    assert teachers["countries.name"] == "El Salvador; Guatemala; Honduras"
    assert teachers["participants.total"] == "5600"
    assert teachers["participants.qualifier"] == "at_least"
    assert teachers["beneficiaries.attributed_to.code"] == "013"
    assert teachers["period_label"] == "2020"
    assert teachers["source_paragraph"] == "25"


def test_a_csv_download_holds_the_whole_list_not_one_page(api):
    rows = read_csv(api.get("/api/v1/activities/", {"format": "csv"}))
    assert len(rows) == 1 + 24  # the 24 that took place (counting rule 10)
    response = api.get("/api/v1/activities/", {"format": "csv"})
    assert response["X-Total-Count"] == "24"
    assert 'filename="tacbapp-activity.csv"' in response["Content-Disposition"]


def test_a_csv_page_says_where_the_next_one_is(api):
    response = api.get("/api/v1/activities/", {"format": "csv", "page_size": 10})
    assert len(read_csv(response)) == 11
    assert 'rel="next"' in response["Link"]
    assert "page=2" in response["Link"]


def test_the_columns_are_the_same_on_an_empty_page(api):
    full = read_csv(api.get("/api/v1/activities/", {"format": "csv", "page_size": 1}))
    empty = read_csv(api.get("/api/v1/activities/", {"format": "csv", "year": 1990}))
    assert empty == [full[0]]
    assert "participants.female" in full[0]


def test_hxl_adds_a_hashtag_row_under_the_header(api):
    header, tags, *body = read_csv(
        api.get("/api/v1/activities/", {"format": "csv", "hxl": "1", "page_size": 2})
    )
    tagged = dict(zip(header, tags, strict=True))
    assert tagged["id"] == "#activity+id"
    assert tagged["countries.code"] == "#country+code+v_iso2+list"
    assert tagged["countries.iso3"] == "#country+code+v_iso3+list"
    assert tagged["period_label"] == "#meta+period"
    assert tagged["partners.name"] == "#org+impl+name+list"
    assert tagged["donors.name"] == "#org+funder+name+list"
    assert tagged["participants.female"] == "#reached+f"
    assert tagged["participants.male"] == "#reached+m"
    assert tagged["themes.name"] == "#sector+name+list"
    assert all(tags), "every column is tagged"
    assert tagged["start_date"] == "#date+start"
    assert len(body) == 2


def test_the_countries_csv_has_its_own_hashtags(api):
    header, tags, *_ = read_csv(api.get("/api/v1/countries/", {"format": "csv", "hxl": "1"}))
    tagged = dict(zip(header, tags, strict=True))
    assert tagged["code"] == "#country+code+v_iso2"
    assert tagged["iso3"] == "#country+code+v_iso3"
    assert tagged["name"] == "#country+name"
    assert tagged["latitude"] == "#geo+lat"


def test_names_with_commas_quotes_newlines_and_accents_survive(api, manager):
    ivory_coast = Country.objects.get(iso3="CIV")
    activity = Activity.objects.create(
        title='Abidjan "first responders", part 1',
        description="Line one,\nline two",
        start_date="2021-01-04",
        end_date="2021-01-05",
        status=Activity.Status.PUBLISHED,
    )
    activity.countries.add(ivory_coast)
    response = api.get("/api/v1/activities/", {"format": "csv", "country": "CI"})
    (row,) = as_dicts(read_csv(response))
    assert row["title"] == 'Abidjan "first responders", part 1'
    assert row["description"] == "Line one,\nline two"
    assert row["countries.name"] == "Côte d’Ivoire"
    assert '"Abidjan ""first responders"", part 1"' in response.content.decode()


def test_numbers_stay_numbers_and_nulls_are_empty(api):
    response = api.get("/api/v1/activities/", {"format": "csv", "kind": "assessment"})
    text = response.content.decode()
    (row,) = as_dicts(read_csv(response))
    assert row["participants.total"] == ""
    assert row["reported_countries_count"] == ""
    assessment = Activity.objects.get(reference="report-2020/F03")
    # Unquoted: a spreadsheet reads the id as a number.
    assert text.splitlines()[1].startswith(f"{assessment.pk},")


def test_a_detail_can_be_downloaded_as_one_row(api):
    teachers = Activity.objects.get(reference="report-2020/F16")
    rows = as_dicts(read_csv(api.get(f"/api/v1/activities/{teachers.pk}/", {"format": "csv"})))
    assert [row["id"] for row in rows] == [str(teachers.pk)]


def test_an_error_in_csv_names_the_parameter(api):
    response = api.get("/api/v1/activities/", {"format": "csv", "region": "999"})
    assert response.status_code == 400
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["parameter", "error"], ["region", "Unknown M49 region code 999."]]


def test_the_renderer_renders_stats_rows_with_their_hashtags(rf):
    """The stats response has `rows`, not `results`; a null group value (the
    unattributed row) leaves its cells empty."""
    from rest_framework.request import Request

    data = {
        "rows": [
            {
                "country": {"code": "SV", "name": "El Salvador"},
                "activities": 5,
                "participants": {
                    "total": 650,
                    "female": 0,
                    "male": 0,
                    "not_recorded": 650,
                    "qualifier": "exact",
                },
                "countries": {
                    "named": 1,
                    "reported_max": None,
                    "at_least": 1,
                    "qualifier": "exact",
                },
            },
            {
                "country": None,
                "activities": 2,
                "participants": {
                    "total": 6255,
                    "female": 0,
                    "male": 0,
                    "not_recorded": 6255,
                    "qualifier": "at_least",
                },
                "countries": {
                    "named": 0,
                    "reported_max": None,
                    "at_least": 0,
                    "qualifier": "exact",
                },
            },
        ],
        "totals": {"activities": 7},
    }
    request = Request(rf.get("/api/v1/stats/", {"format": "csv", "hxl": "1"}))
    text = CSVRenderer().render(data, renderer_context={"request": request}).decode("utf-8-sig")
    header, tags, salvador, unattributed = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["country.code", "country.name", "activities"]
    tagged = dict(zip(header, tags, strict=True))
    assert tagged["country.code"] == "#country+code+v_iso2"
    assert tagged["participants.female"] == "#reached+f"
    assert tagged["participants.not_recorded"] == "#reached+sex_not_recorded"
    # a count of countries, not a list of them: no +list, and not under #country
    assert tagged["countries.at_least"] == "#meta+countries_at_least+num"
    assert salvador[:3] == ["SV", "El Salvador", "5"]
    assert unattributed[:3] == ["", "", "2"]


def test_flatten_joins_lists_and_keeps_rows_aligned():
    assert flatten({"a": {"b": 1}, "tags": ["x", "y"]}) == {"a.b": 1, "tags": "x; y"}
    rows = [{"audience": None, "n": 1}, {"audience": {"slug": "police"}, "n": 2}]
    flat = flatten({"rows": rows})
    assert flat["rows.audience.slug"] == "; police"
    assert flat["rows.n"] == "1; 2"


def test_every_hashtag_is_well_formed():
    import re

    from activities.api.hxl import BY_RESOURCE, RECORD

    tags = list(RECORD.values())
    for table in BY_RESOURCE.values():
        tags.extend(table.values())
    tags.extend(hxl_row(["code", "unknown", "names.x-y", "9th"], "country"))
    for tag in tags:
        assert re.fullmatch(r"#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*", tag), tag
    assert hxl_row(["code", "unknown"], "country") == ["#country+code+v_iso2", "#meta+unknown"]
