"""The CSV and Excel downloads hold exactly the filtered activities, one row each."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from activities.exports import COLUMNS
from activities.filters import ActivityFilterSet
from activities.models import Activity

pytestmark = pytest.mark.django_db

CENTRAL_AMERICA_2020 = {
    "report-2020/F04",
    "report-2020/F12",
    "report-2020/F16",
    "report-2020/F18",
    "report-2020/F19",
    "report-2020/F26-SLV",
    "report-2020/F26-GTM",
    "report-2020/F28",
}


def csv_rows(client, query: str) -> list[dict[str, str]]:
    response = client.get(f"/activities/download.csv?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def xlsx_rows(client, query: str) -> list[dict]:
    response = client.get(f"/activities/download.xlsx?{query}")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    header = list(values[0])
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def test_the_csv_holds_exactly_the_central_america_2020_activities(client):
    rows = csv_rows(client, "region=013&year=2020")
    assert {row["reference"] for row in rows} == CENTRAL_AMERICA_2020
    assert list(rows[0]) == COLUMNS


def test_the_excel_file_holds_the_same_rows_as_the_csv(client):
    query = "region=013&year=2020"
    from_csv = {row["reference"]: row for row in csv_rows(client, query)}
    from_xlsx = {row["reference"]: row for row in xlsx_rows(client, query)}
    assert set(from_xlsx) == set(from_csv) == CENTRAL_AMERICA_2020
    teachers = from_xlsx["report-2020/F16"]
    assert teachers["participations_total"] == 5600
    assert teachers["participations_qualifier"] == "at_least"
    assert teachers["participations_label"] == "5,600+"


def test_the_headers_say_participations_not_people(client):
    """A person at two activities is in both rows: the columns count participations
    (counting rule 1), and their headers say so in the CSV and in the Excel file."""
    participation_columns = [
        "participations_total",
        "participations_qualifier",
        "participations_label",
        "participations_female",
        "participations_male",
        "participations_sex_not_recorded",
    ]
    for header in (
        list(csv_rows(client, "country=SV")[0]),
        list(xlsx_rows(client, "country=SV")[0]),
    ):
        assert [name for name in header if name.startswith("participations_")] == (
            participation_columns
        )
        assert not {"participants", "female", "male", "sex_not_recorded"} & set(header)


def test_downloads_follow_every_filter_of_the_list(client):
    for query, params in [
        ("country=SV", {"country": "SV"}),
        ("theme=ocsea", {"theme": "ocsea"}),
        ("kind=training&year=2020", {"kind": "training", "year": "2020"}),
        ("region=035", {"region": "035"}),
        ("q=teachers", {"q": "teachers"}),
    ]:
        expected = ActivityFilterSet(params, queryset=Activity.objects.published()).qs
        references = set(expected.values_list("reference", flat=True))
        assert {row["reference"] for row in csv_rows(client, query)} == references, query


def test_the_unfiltered_download_has_one_row_per_published_activity_that_took_place(client):
    rows = csv_rows(client, "")
    # Not the postponed session (F31) nor the planned seventh meeting (counting rule 10).
    assert len(rows) == Activity.objects.published().delivered_as().count() == 24
    assert len({row["id"] for row in rows}) == len(rows)


def test_a_row_carries_places_people_sex_split_themes_partners_and_source(client):
    rows = {row["reference"]: row for row in csv_rows(client, "region=013&year=2020")}
    evidence = rows["report-2020/F19"]
    # Countries by name: Belize, Costa Rica, El Salvador, Guatemala, Honduras.
    assert evidence["country_codes"] == "BZ; CR; SV; GT; HN"
    assert evidence["participations_total"] == "655"
    assert evidence["participations_qualifier"] == "exact"
    assert evidence["participations_sex_not_recorded"] == "655"
    assert evidence["participations_female"] == "0" and evidence["participations_male"] == "0"
    assert "Facebook" in evidence["partners"]
    assert evidence["source_paragraph"] == "27"
    assert evidence["period"] == "2020"
    assert evidence["url"].endswith(f"/activities/{evidence['id']}/")
    mechanism = rows["report-2020/F12"]
    assert mechanism["participations_total"] == ""  # none recorded: empty, not 0
    assert mechanism["period"] == "February 2020"


def test_a_bad_filter_gives_no_file_but_the_form_with_the_error(client):
    response = client.get("/activities/download.xlsx?country=XX")
    assert response.status_code == 400
    assert b'id="id_country_error"' in response.content


def test_the_list_links_its_downloads_with_the_same_filters(client):
    html = client.get("/activities/?region=013&year=2020").content.decode()
    assert 'href="/activities/download.csv?region=013&amp;year=2020"' in html
    assert 'href="/activities/download.xlsx?region=013&amp;year=2020"' in html


def test_text_that_a_spreadsheet_would_run_is_kept_as_text(client):
    """CSV injection: a title starting with = (or +, -, @) must not become a formula."""
    activity = Activity.objects.get(reference="report-2020/F28")
    Activity.objects.filter(pk=activity.pk).update(title='=HYPERLINK("http://x.example","y")')
    page_csv = client.get("/activities/download.csv?country=SV&year=2020").content.decode()
    titles = {row["title"] for row in csv.DictReader(io.StringIO(page_csv.lstrip("\ufeff")))}
    assert '\'=HYPERLINK("http://x.example","y")' in titles
    workbook = load_workbook(io.BytesIO(client.get("/activities/download.xlsx?country=SV").content))
    cells = [row[2] for row in workbook.active.iter_rows(min_row=2)]
    assert {cell.data_type for cell in cells} == {"s"}
    assert '\'=HYPERLINK("http://x.example","y")' in {cell.value for cell in cells}
    api_csv = client.get("/api/v1/activities/?format=csv&country=SV").content.decode()
    api_titles = {row["title"] for row in csv.DictReader(io.StringIO(api_csv))}
    assert '\'=HYPERLINK("http://x.example","y")' in api_titles
