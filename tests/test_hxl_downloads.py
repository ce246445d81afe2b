"""Downloads that their readers read right: HXL that libhxl parses and filters by
country (multi-country cells included), CSV with a byte-order mark for spreadsheets,
and an Excel file with a frozen header, an auto-filter and sized columns."""

from __future__ import annotations

import csv
import io
import re

import hxl
import pytest
from openpyxl import load_workbook

from activities.exports import COLUMNS, MAX_WIDTH

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
LISTS = ["activities", "countries", "regions", "themes", "partners", "mentors", "mandates"]
LISTS += ["donors", "figures", "audiences", "languages"]
STATS_DIMENSIONS = ["country", "region", "subregion", "year", "month", "theme", "kind"]
STATS_DIMENSIONS += ["modality", "partner"]
HASHTAG = re.compile(r"#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*")
ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2}([T ][0-9:.]+Z?)?)?)?")
SALVADOR_ISO3 = "#country+code+v_iso3"


def hxl_download(client, path: str, **params) -> hxl.model.Dataset:
    response = client.get(path, {"format": "csv", "hxl": "1", "page_size": 1000, **params})
    assert response.status_code == 200, response.content
    assert not response.content.startswith(BOM)  # an HXL tool would keep it in a header
    return hxl.data(io.BytesIO(response.content)).cache()  # read more than once


def every_hxl_download():
    for name in LISTS:
        yield f"/api/v1/{name}/", {}
    for dimension in STATS_DIMENSIONS:
        yield "/api/v1/stats/", {"group_by": dimension}


@pytest.mark.parametrize(("path", "params"), list(every_hxl_download()))
def test_libhxl_reads_every_hxl_download_with_every_column_tagged(api, path, params):
    dataset = hxl_download(api, path, **params)
    rows = [row.values for row in dataset]
    assert rows or path == "/api/v1/donors/", path  # the 2020 report names no donor
    for column in dataset.columns:
        assert column.tag, f"{path} {params}: {column.header} has no hashtag"
        assert HASHTAG.fullmatch(column.display_tag), column.display_tag
    for index, column in enumerate(dataset.columns):
        if column.tag != "#date":
            continue
        for row in rows:  # ISO dates only under #date: no "10-12 May 2021"
            value = row[index] if index < len(row) else ""
            assert not value or ISO_DATE.fullmatch(value), (column.display_tag, value)


def test_iso3_codes_are_tagged_v_iso3_and_iso2_codes_v_iso2(api):
    dataset = hxl_download(api, "/api/v1/countries/")
    tags = {column.header: column.display_tag for column in dataset.columns}
    assert tags["iso3"] == "#country+code+v_iso3"
    assert tags["code"] == "#country+code+v_iso2"
    salvador = next(iter(dataset.with_rows("#country+code+v_iso3=SLV")))
    assert salvador.get("#country+code+v_iso2") == "SV"


def test_the_themes_partners_donors_and_people_have_the_dictionary_hashtags(api):
    dataset = hxl_download(api, "/api/v1/activities/")
    tags = {column.header: column.display_tag for column in dataset.columns}
    assert tags["themes.name"] == "#sector+name+list"
    assert tags["partners.name"] == "#org+impl+name+list"
    assert tags["donors.name"] == "#org+funder+name+list"
    assert tags["mentors.display_name"] == "#org+mentor+name+list"
    assert tags["audiences.name"] == "#group+audience+name+list"
    assert tags["languages.code"] == "#meta+lang+code+list"
    assert tags["mandates.symbol"] == "#meta+mandate+code+list"
    assert tags["period_label"] == "#meta+period"
    assert tags["participants.total"] == "#reached+total"


def salvador_references(api, path: str) -> set[str]:
    """From the JSON: the records that name El Salvador among their countries."""
    records = api.get(path, {"page_size": 1000}).json()["results"]
    return {
        record.get("reference") or record.get("code")
        for record in records
        if any(country["iso3"] == "SLV" for country in record["countries"])
    }


@pytest.mark.parametrize(("path", "key"), [("/api/v1/activities/", "#activity+code")])
def test_an_hxl_filter_on_el_salvador_finds_its_multi_country_activities(api, path, key):
    dataset = hxl_download(api, path)
    expected = salvador_references(api, path)
    assert "report-2020/F16" in expected  # "SV; GT; HN": a multi-country activity
    # The list-aware way: one row per country of a +list cell, then an exact match.
    expanded = dataset.expand_lists(SALVADOR_ISO3, separator="; ")
    found = {row.get(key) for row in expanded.with_rows(f"{SALVADOR_ISO3}=SLV")}
    assert found == expected
    # Or a regular expression over the list, as HXL Proxy's row filter takes it.
    pattern = f"{SALVADOR_ISO3}~(^|;\\s*)SLV(\\s*;|$)"
    assert {row.get(key) for row in dataset.with_rows(pattern)} == expected
    # An exact match on the whole cell misses the multi-country rows: hence +list.
    assert "report-2020/F16" not in {
        row.get(key) for row in dataset.with_rows(f"{SALVADOR_ISO3}=SLV")
    }


def test_the_figures_filter_by_country_too(api):
    dataset = hxl_download(api, "/api/v1/figures/")
    expanded = dataset.expand_lists(SALVADOR_ISO3, separator="; ")
    found = {row.get("#indicator+code") for row in expanded.with_rows(f"{SALVADOR_ISO3}=SLV")}
    assert found == salvador_references(api, "/api/v1/figures/")
    assert found


def test_the_stats_by_country_filter_by_iso3(api):
    dataset = hxl_download(api, "/api/v1/stats/", group_by="country", region="013")
    salvador = list(dataset.with_rows(f"{SALVADOR_ISO3}=SLV"))
    assert [row.get("#country+name") for row in salvador] == ["El Salvador"]
    assert salvador[0].get("#activity+num") not in (None, "", "0")


@pytest.mark.parametrize(
    "path", ["/api/v1/countries/?format=csv", "/api/v1/stats/?group_by=country&format=csv"]
)
def test_api_csv_for_spreadsheets_starts_with_a_byte_order_mark(api, path):
    content = api.get(path).content
    assert content.startswith(BOM)
    header, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    assert header[0] in {"code", "country.code"}  # not "\ufeffcode"
    if path.startswith("/api/v1/countries/"):
        names = {row[header.index("code")]: row for row in rows}
        assert names["CI"][header.index("name")] == "Côte d’Ivoire"
        assert names["AF"][header.index("names.es")] == "Afganistán"


def test_the_page_csv_starts_with_a_byte_order_mark_and_keeps_accents(client):
    content = client.get("/activities/download.csv").content
    assert content.startswith(BOM)
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    assert next(reader) == COLUMNS


def test_the_excel_download_has_a_frozen_header_a_filter_and_sized_columns(client):
    response = client.get("/activities/download.xlsx?region=013&year=2020")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Z{sheet.max_row}"
    assert len(COLUMNS) == 26 and sheet.max_row == 1 + 8
    widths = {
        name: sheet.column_dimensions[cell.column_letter].width
        for name, cell in zip(COLUMNS, sheet[1], strict=True)
    }
    assert all(len(name) + 2 <= width <= MAX_WIDTH for name, width in widths.items())
    assert widths["title"] == MAX_WIDTH  # long titles wrap at the cap
    assert widths["id"] < widths["countries"] < widths["title"]
