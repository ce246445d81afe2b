"""GET /api/v1/stats/: the report's delivery figures, reproduced from the seed.

The expected numbers are the report's own (paragraphs 25, 27, 34): 650 IT staff and
teachers in El Salvador, more than 5,600 teachers in El Salvador, Guatemala and
Honduras, 655 justice practitioners from five Central American countries.
"""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from activities import rollups, services, stats
from activities.filters import ActivityFilterSet
from activities.models import Activity, BeneficiaryGroup, Country

pytestmark = pytest.mark.django_db

STATS = "/api/v1/stats/"
CENTRAL_AMERICA_PEOPLE = 650 + 5600 + 655


def get_stats(client, query: str = "", status: int = 200):
    response = client.get(f"{STATS}?{query}")
    assert response.status_code == status, response.content
    return response.json()


def row_for(rows, dimension, code):
    matches = [row for row in rows if row[dimension] and row[dimension]["code"] == code]
    assert len(matches) == 1, f"{dimension}={code} in {rows}"
    return matches[0]


def unattributed_row(rows):
    matches = [row for row in rows if row["unattributed"]]
    assert len(matches) == 1, rows
    return matches[0]


# --- The report's figures -------------------------------------------------------------------


def test_el_salvador_2020_counts_only_the_650_who_certainly_trained_there(client):
    data = get_stats(client, "year=2020&country=SV")
    assert data["totals"]["participants"] == {
        "total": 650,
        "female": 0,
        "male": 0,
        "not_recorded": 650,
        "qualifier": "exact",
    }
    unattributed = data["totals"]["unattributed"]
    assert unattributed["participants"]["total"] == 5600 + 655
    assert unattributed["participants"]["qualifier"] == "at_least"
    by_reference = {
        Activity.objects.get(pk=item["id"]).reference: item for item in unattributed["activities"]
    }
    assert set(by_reference) == {"report-2020/F16", "report-2020/F19"}
    teachers = by_reference["report-2020/F16"]
    assert teachers["participants"]["total"] == 5600
    assert teachers["participants"]["qualifier"] == "at_least"
    assert teachers["attributed_to"] == [
        {
            "type": "region",
            "code": "013",
            "name": "Central America",
            "participants": teachers["participants"],
        }
    ]
    assert by_reference["report-2020/F19"]["participants"]["total"] == 655
    assert by_reference["report-2020/F19"]["participants"]["qualifier"] == "exact"


def test_the_2440_umbrella_figure_is_never_a_participant(client):
    everything = get_stats(client)["totals"]["participants"]
    itemized = BeneficiaryGroup.objects.filter(activity__status="published")
    assert everything["total"] == sum(itemized.values_list("total", flat=True))
    assert everything["total"] == 130 + 7832 + 1000 + 5600 + 655 + 24400 + 650
    assert 2440 not in itemized.values_list("total", flat=True)


def test_central_america_2020_reached_at_least_6905_people(client):
    data = get_stats(client, "region=013&year=2020")
    assert data["totals"]["participants"]["total"] == CENTRAL_AMERICA_PEOPLE
    assert data["totals"]["participants"]["qualifier"] == "at_least"
    assert data["totals"]["unattributed"]["participants"]["total"] == 0
    assert data["totals"]["countries"] == {
        "named": 5,
        "reported_max": None,
        "at_least": 5,
        "qualifier": "exact",
    }


def test_central_america_by_country_has_five_countries_and_an_unattributed_row(client):
    data = get_stats(client, "region=013&year=2020&group_by=country")
    named = [row["country"]["code"] for row in data["rows"] if row["country"]]
    assert named == ["BZ", "CR", "SV", "GT", "HN"]
    assert row_for(data["rows"], "country", "SV")["participants"]["total"] == 650
    for code in ["BZ", "CR", "GT", "HN"]:
        assert row_for(data["rows"], "country", code)["participants"]["total"] == 0
    rest = unattributed_row(data["rows"])
    assert rest["country"] is None
    assert rest["participants"]["total"] == 5600 + 655
    assert rest["participants"]["qualifier"] == "at_least"
    assert rest["activities_href"] is None
    # An activity in five countries is in five rows and once in the totals.
    assert sum(row["activities"] for row in data["rows"]) > data["totals"]["activities"]
    assert data["additive"]["activities"] is False
    assert data["additive"]["participants"] is True
    assert data["totals"]["participants"]["total"] == CENTRAL_AMERICA_PEOPLE


def test_region_scoped_asia_training_is_not_in_south_eastern_asia(client):
    asia = get_stats(client, "region=142&year=2020")
    south_east = get_stats(client, "region=035&year=2020")
    assert asia["totals"]["participants"]["total"] == 130
    assert asia["totals"]["participants"]["qualifier"] == "at_least"
    assert south_east["totals"]["participants"]["total"] == 0
    # Asia's countries reached are not named: "at least" what is named (none).
    assert asia["totals"]["countries"]["qualifier"] == "at_least"


def test_from_n_countries_counts_combine_as_a_lower_bound_never_a_sum(client):
    data = get_stats(client, "year=2020&kind=webinar")
    assert data["totals"]["countries"]["reported_max"] == 15
    data = get_stats(client, "year=2020")
    countries = data["totals"]["countries"]
    assert countries["reported_max"] == 44  # the diploma course; the webinars said 15
    assert countries["at_least"] == max(countries["named"], 44)
    assert countries["qualifier"] == "at_least"


def test_a_reported_country_count_does_not_hold_for_a_narrower_place(client):
    # The webinars reached 15 countries across Western Africa and Latin America: none of
    # them is known to be in Latin America alone.
    data = get_stats(client, "region=419&kind=webinar")
    assert data["totals"]["activities"] == 1
    assert data["totals"]["countries"]["reported_max"] is None
    assert data["totals"]["countries"]["qualifier"] == "at_least"
    assert data["totals"]["participants"]["total"] == 0
    assert data["totals"]["unattributed"]["participants"]["total"] == 7832


def test_by_sex_not_recorded_is_shown_and_the_rows_add_up(client):
    data = get_stats(client, "year=2020&group_by=sex")
    by_sex = {row["sex"]["code"]: row["participants"] for row in data["rows"]}
    assert list(by_sex) == ["female", "male", "not_recorded"]
    assert by_sex["female"] == {
        "total": 0,
        "female": 0,
        "male": 0,
        "not_recorded": 0,
        "qualifier": "exact",
    }
    assert by_sex["not_recorded"]["total"] == data["totals"]["participants"]["total"]
    assert by_sex["not_recorded"]["qualifier"] == "at_least"
    assert data["additive"] == {"participants": True}
    assert data["measures"] == ["participants"]


def test_by_audience_mixed_rows_are_not_split_by_guessing(client):
    data = get_stats(client, "year=2020&region=013&group_by=audience")
    teachers = row_for(data["rows"], "audience", "teachers")
    # 5,600+ teachers; the 650 "IT staff and teachers" are one unsplit number.
    assert teachers["participants"]["total"] == 5600
    mixed = unattributed_row(data["rows"])
    assert mixed["audience"] is None
    assert mixed["participants"]["total"] == 650


def test_an_audience_filter_counts_only_people_known_to_be_that_audience(client):
    data = get_stats(client, "year=2020&audience=teachers")
    assert data["totals"]["participants"]["total"] == 5600
    assert data["totals"]["unattributed"]["participants"]["total"] == 650 + 24400


def test_by_theme_an_activity_counts_under_each_of_its_themes_so_rows_do_not_add_up(client):
    data = get_stats(client, "year=2020&region=013&group_by=theme")
    ocsea = row_for(data["rows"], "theme", "ocsea")
    prevention = row_for(data["rows"], "theme", "prevention")
    assert ocsea["participants"]["total"] == 5600 + 655
    assert prevention["participants"]["total"] == 5600 + 650
    assert data["additive"]["participants"] is False
    assert data["totals"]["participants"]["total"] == CENTRAL_AMERICA_PEOPLE


def test_by_year_multi_year_people_are_not_put_in_one_year(client):
    data = get_stats(client, "group_by=year")
    years = [row["year"]["code"] for row in data["rows"] if row["year"]]
    # No 2021: the only activities dated 2021 are the postponed Ad Hoc Committee session
    # (F31) and the planned seventh Expert Group meeting, counted only when asked for.
    assert years == [2011, 2013, 2017, 2018, 2019, 2020]
    assert row_for(data["rows"], "year", 2020)["participants"]["total"] == 40267
    assert data["delivery"] == {
        "counted": ["delivered", "ongoing"],
        "in_words": "delivered or ongoing",
        "is_default": True,
    }
    every = get_stats(client, "group_by=year&delivery=all")
    assert row_for(every["rows"], "year", 2021)["activities"] == 2


def test_by_month_activities_dated_only_by_year_are_in_no_month(client):
    data = get_stats(client, "year=2020&group_by=month")
    months = {row["month"]["code"]: row for row in data["rows"] if row["month"]}
    assert set(months) == {"2020-02", "2020-07"}
    assert months["2020-02"]["activities"] == 1  # the Belize reporting mechanism
    assert unattributed_row(data["rows"])["participants"]["total"] == 40267


def test_three_dimensions_at_once(client):
    data = get_stats(client, "year=2020&group_by=region,kind,sex&measures=participants")
    assert data["group_by"] == ["region", "kind", "sex"]
    assert sum(row["participants"]["total"] for row in data["rows"]) == 40267
    assert data["additive"] == {"participants": True}


# --- Consistency: every row drills down to exactly its activities ---------------------------


def activities_behind(href: str) -> int:
    query = QueryDict(urlsplit(href).query)
    filterset = ActivityFilterSet(query, queryset=Activity.objects.published())
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


@pytest.mark.parametrize(
    "query",
    [
        "group_by=region",
        "group_by=subregion",
        "group_by=country",
        "group_by=year",
        "group_by=month",
        "group_by=theme",
        "group_by=kind",
        "group_by=modality",
        "group_by=audience",
        "group_by=partner",
        "group_by=language",
        "region=013&year=2020&group_by=country",
        "region=013&group_by=region",
        "region=419&group_by=subregion",
        "country=SV&group_by=region",
        "theme=ocsea&group_by=theme,kind",
        "date_from=2019-06-01&group_by=year",
        "year=2020&group_by=region,theme",
        "theme=topic-cryptocurrencies&group_by=theme",
    ],
)
def test_each_row_links_to_the_list_of_exactly_its_activities(client, query):
    data = get_stats(client, query)
    assert data["rows"], "the seed has something to group"
    for row in data["rows"]:
        if row["activities_href"] is None:
            assert row["unattributed"]
            continue
        assert activities_behind(row["activities_href"]) == row["activities"], row
    assert activities_behind(data["totals"]["activities_href"]) == data["totals"]["activities"]


@pytest.mark.parametrize("dimension", [name for name in stats.DIMENSIONS if name != "sex"])
def test_additive_says_the_truth_about_the_rows(client, dimension):
    data = get_stats(client, f"group_by={dimension}")
    totals = data["totals"]
    assert data["additive"]["activities"] == (
        sum(row["activities"] for row in data["rows"]) == totals["activities"]
    )
    assert data["additive"]["participants"] == (
        sum(row["participants"]["total"] for row in data["rows"]) == totals["participants"]["total"]
    )


# --- Bad requests ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("group_by=colour", "group_by"),
        ("group_by=year,kind,theme,modality", "group_by"),
        ("group_by=country,region", "group_by"),
        ("group_by=sex&measures=countries", "measures"),
        ("group_by=sex&measures=activities", "measures"),
        ("measures=persons", "measures"),
        ("region=999", "region"),
        ("country=XX", "country"),
        ("date_from=2020-13-01", "date_from"),
        ("month=2020-13", "month"),
        ("kind=party", "kind"),
        ("theme=no-such-theme", "theme"),
        ("regoin=013", "regoin"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_parameter(client, query, parameter):
    data = get_stats(client, query, status=400)
    assert parameter in data
    assert data[parameter][0]


# --- Visibility, freshness, caching, cost ---------------------------------------------------


def make_activity(*, status="published", people=10, country="SV", year=2020) -> Activity:
    activity = Activity.objects.create(
        title=f"Synthetic check {status} {people}",
        start_date=datetime.date(year, 3, 1),
        end_date=datetime.date(year, 3, 2),
        status=status,
    )
    activity.countries.set([Country.objects.get(iso2=country)])
    BeneficiaryGroup.objects.create(activity=activity, female=people, total=people)
    services.refresh_attribution(activity=activity)
    return activity


def test_drafts_are_not_counted_for_anonymous_users(client):
    before = get_stats(client, "country=SV")["totals"]
    make_activity(status="draft", people=99)
    after = get_stats(client, "country=SV")["totals"]
    assert after == before


def test_a_saved_change_shows_in_the_next_response_and_changes_the_etag(client):
    first = client.get(f"{STATS}?country=SV")
    etag = first["ETag"]
    assert client.get(f"{STATS}?country=SV", HTTP_IF_NONE_MATCH=etag).status_code == 304
    row = BeneficiaryGroup.objects.get(activity__reference="report-2020/F28")
    row.not_recorded = row.total = 660
    row.save()
    second = client.get(f"{STATS}?country=SV", HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 200
    assert second.json()["totals"]["participants"]["total"] == 660
    assert second["ETag"] != etag


def test_female_and_male_are_counted_where_recorded(client):
    make_activity(people=7, country="GT")
    data = get_stats(client, "country=GT&group_by=sex")
    by_sex = {row["sex"]["code"]: row["participants"]["total"] for row in data["rows"]}
    assert by_sex == {"female": 7, "male": 0, "not_recorded": 0}


@pytest.mark.parametrize("query", ["", "group_by=country", "region=013&group_by=theme,sex"])
def test_the_number_of_queries_does_not_grow_with_the_data(
    client, django_assert_num_queries, query
):
    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            get_stats(client, query)
        return len(context.captured_queries)

    make_activity()
    rollups.catch_up()  # as the writing request does (RollupMiddleware)
    few = count_queries()
    for people in range(50):
        make_activity(people=people + 1, country=["SV", "GT", "SN", "TH"][people % 4])
    rollups.catch_up()
    # Queries: the filters' lookups, one aggregate per measure for the rows and one for
    # the totals, the unattributed breakdown, and one label query per dimension.
    with django_assert_num_queries(few):
        get_stats(client, query)


def test_stats_csv_flattens_the_rows(client):
    response = client.get(f"{STATS}?region=013&year=2020&group_by=country&format=csv&hxl=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    header, hashtags = lines[0].split(","), lines[1].split(",")
    assert "participants.total" in header
    assert hashtags[header.index("country.code")] == "#country+code+v_iso2"
    assert hashtags[header.index("country.iso3")] == "#country+code+v_iso3"
    rows = lines[2:]
    assert len(rows) == 6  # five countries and the unattributed row
    assert any(line.startswith("El Salvador") or ",El Salvador," in line for line in rows)


def test_group_by_values_can_be_drilled_into_on_the_row(client):
    data = get_stats(client, "region=013&year=2020&group_by=country")
    sv = row_for(data["rows"], "country", "SV")
    assert parse_qs(urlsplit(sv["activities_href"]).query) == {
        "country": ["SV"],
        "region": ["013"],
        "year": ["2020"],
    }


@pytest.mark.parametrize("dimension", list(stats.DIMENSIONS))
def test_an_empty_selection_gives_zeros_not_errors(client, dimension):
    data = get_stats(client, f"year=1990&group_by={dimension}")
    assert data["rows"] == []
    assert data["totals"]["participants"]["total"] == 0


def test_the_engine_refuses_a_measure_the_grouping_cannot_split():
    with pytest.raises(stats.StatsError):
        stats.compute(Activity.objects.all(), group_by=["sex"], measures=["activities"])


def test_unattributed_people_of_one_activity_in_several_places_are_each_placed(client):
    activity = make_activity(people=5, country="SV")  # a row with no country of its own
    activity.countries.add(Country.objects.get(iso2="SN"))
    BeneficiaryGroup.objects.create(
        activity=activity, country=Country.objects.get(iso2="SN"), male=4, total=4
    )
    BeneficiaryGroup.objects.create(
        activity=activity, country=Country.objects.get(iso2="SV"), male=2, total=2
    )
    services.refresh_attribution(activity=activity)
    data = get_stats(client, "region=013&q=synthetic+check")
    unattributed = data["totals"]["unattributed"]["activities"]
    item = next(i for i in unattributed if i["id"] == activity.pk)
    # El Salvador and Senegal: the 5 unsplit people belong to the World as a whole.
    places = {(p["type"], p["code"]): p["participants"]["total"] for p in item["attributed_to"]}
    assert places == {("region", "001"): 5, ("country", "SN"): 4}
    assert item["participants"]["total"] == 5 + 4
    # The 2 on El Salvador's own row are in Central America: they are counted.
    assert data["totals"]["participants"]["total"] == 2
