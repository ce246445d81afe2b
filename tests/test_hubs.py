"""Regional hubs (issue #19, item 5): the seed's five hubs as the report gives them, an
officer's scope that follows their hub's coverage, `hub=<code>` on the list, the API and
the stats, and the hub pages."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities import answer_cache, counting, rollups, services, stats
from activities.models import (
    Activity,
    BeneficiaryGroup,
    Country,
    Hub,
    Mentor,
    OfficerScope,
    Region,
)
from activities.roles import PROGRAMME_OFFICER
from tests.factories import ActivityFactory
from tests.fixtures_roles import logged_in, make_role_user

pytestmark = pytest.mark.django_db

REPORT = Path("/work/shared/sources/report-2020-cybercrime-technical-assistance.md")
SEEDED_HUBS = {
    "austria": "AUT",
    "el-salvador": "SLV",
    "guatemala": "GTM",
    "senegal": "SEN",
    "thailand": "THA",
}


def hub(code: str = "el-salvador") -> Hub:
    return Hub.objects.get(code=code)


# --- The seed ----------------------------------------------------------------------------


def test_the_seed_has_the_five_hubs_of_paragraph_13_and_nothing_invented():
    hubs = {h.code: h for h in Hub.objects.select_related("location")}
    assert {code: h.location.iso3 for code, h in hubs.items()} == SEEDED_HUBS
    for seeded in hubs.values():
        assert seeded.source_paragraph == "13"
        assert "Cybercrime mentors based in Austria, El Salvador" in seeded.description
        # The report names neither the places each hub serves nor a city nor a name.
        assert not seeded.countries.exists() and not seeded.regions.exists()
        assert seeded.city == "" and seeded.name == ""
        assert "not recorded" in seeded.coverage_note
    if REPORT.exists():  # the quotation is the report's own words
        quoted = hubs["senegal"].description.split("'")[1]
        assert quoted in REPORT.read_text(encoding="utf-8")


def test_each_seeded_mentor_works_from_the_hub_of_their_country():
    mentors = Mentor.objects.select_related("hub__location", "hub_country")
    assert sorted(m.hub.code for m in mentors) == sorted(SEEDED_HUBS)
    assert all(m.hub.location == m.hub_country for m in mentors)


# --- The officer's scope follows the hub ---------------------------------------------------


@pytest.fixture
def hub_officer(roles):
    """An officer whose scope is only the El Salvador hub, covering El Salvador and
    Guatemala."""
    user = make_role_user("hana-hub", PROGRAMME_OFFICER)
    hub().countries.set(Country.objects.filter(iso3__in=["SLV", "GTM"]))
    OfficerScope.objects.create(user=user, hub=hub())
    return user


def edit_status(client, activity: Activity) -> int:
    return client.get(f"/activities/{activity.pk}/edit/").status_code


def test_an_officer_whose_scope_is_a_hub_edits_in_its_coverage_and_not_outside(hub_officer):
    client = logged_in(hub_officer)
    assert edit_status(client, ActivityFactory(places=["GTM"])) == 200
    assert edit_status(client, ActivityFactory(places=["SLV", "GTM"])) == 200
    assert edit_status(client, ActivityFactory(places=["SEN"])) == 403
    assert edit_status(client, ActivityFactory(places=["SLV", "HND"])) == 403


def test_the_officer_scope_grows_and_shrinks_with_the_hub_coverage_at_once(hub_officer):
    client = logged_in(hub_officer)
    honduras = ActivityFactory(places=["HND"])
    assert edit_status(client, honduras) == 403
    hub().countries.add(Country.objects.get(iso3="HND"))
    assert edit_status(client, honduras) == 200
    hub().countries.remove(Country.objects.get(iso3="HND"))
    assert edit_status(client, honduras) == 403
    # A region covered brings every country under it.
    hub().regions.add(Region.objects.get(code="013"))
    assert edit_status(client, honduras) == 200


def test_an_officer_keeps_their_own_places_beside_their_hub(hub_officer):
    OfficerScope.objects.filter(user=hub_officer).get().countries.add(
        Country.objects.get(iso3="SEN")
    )
    client = logged_in(hub_officer)
    assert edit_status(client, ActivityFactory(places=["SEN"])) == 200
    assert edit_status(client, ActivityFactory(places=["SLV"])) == 200


# --- hub=<code>: list, API and stats against a brute force ---------------------------------


def make_spread() -> tuple[Activity, Activity]:
    """Activities in and out of a Central America + Senegal coverage: by country, by a
    region below it, by a wider region (out), by a row naming a covered country."""
    ActivityFactory(places=["HND"])
    ActivityFactory(places=["SEN", "THA"])
    ActivityFactory(places=["THA"])
    ActivityFactory(places=["AUT"], delivery=Activity.Delivery.SCHEDULED)  # not counted
    wide = ActivityFactory()
    wide.countries.clear()
    wide.regions.set([Region.objects.get(code="419")])  # all of Latin America: out
    west_africa = ActivityFactory()
    west_africa.countries.clear()
    west_africa.regions.set([Region.objects.get(code="011")])
    BeneficiaryGroup.objects.create(
        activity=west_africa, country=Country.objects.get(iso3="SEN"), not_recorded=5, total=5
    )
    for activity in (wide, west_africa):
        services.refresh_attribution(activity=activity)
    return wide, west_africa
    ActivityFactory(places=["GTM"], status=Activity.Status.DRAFT)  # anonymous: not seen


def brute_force(covered_paths: list[str]) -> set[int]:
    """Published activities that took place with a country, region or row country under
    a covered place, read row by row in Python."""
    found = set()
    for activity in Activity.objects.filter(
        status=Activity.Status.PUBLISHED, delivery__in=counting.COUNTED_BY_DEFAULT
    ).prefetch_related("countries", "regions", "beneficiaries__country"):
        paths = [c.path for c in activity.countries.all()]
        paths += [r.path for r in activity.regions.all()]
        paths += [b.country.path for b in activity.beneficiaries.all() if b.country]
        if any(counting.lies_under(p, c) for p in paths for c in covered_paths):
            found.add(activity.pk)
    return found


def test_hub_on_the_list_the_api_and_the_stats_agrees_with_a_brute_force(client, api):
    wide, west_africa = make_spread()
    el_salvador = hub()
    el_salvador.regions.set([Region.objects.get(code="013")])
    el_salvador.countries.set([Country.objects.get(iso3="SEN")])
    expected = brute_force(["/001/019/419/013/", Country.objects.get(iso3="SEN").path])
    assert west_africa.pk in expected and wide.pk not in expected

    listed = api.get("/api/v1/activities/", {"hub": "el-salvador", "page_size": 1000}).json()
    assert {row["id"] for row in listed["results"]} == expected
    totals = api.get("/api/v1/stats/", {"hub": "el-salvador"}).json()["totals"]
    assert totals["activities"] == len(expected)
    page = client.get("/activities/", {"hub": "el-salvador", "page_size": 100})
    assert page.status_code == 200
    assert {a.pk for a in page.context["activities"]} == expected
    assert page.context["totals"]["activities"] == len(expected)


def test_an_unknown_hub_is_a_400_and_a_hub_without_coverage_matches_nothing(client, api):
    assert api.get("/api/v1/activities/", {"hub": "atlantis"}).status_code == 400
    assert api.get("/api/v1/stats/", {"hub": "atlantis"}).status_code == 400
    assert client.get("/activities/", {"hub": "atlantis"}).status_code == 400
    assert api.get("/api/v1/activities/", {"hub": "austria"}).json()["count"] == 0
    assert api.get("/api/v1/stats/", {"hub": "austria"}).json()["totals"]["activities"] == 0


def test_stats_answers_move_with_the_hub_coverage(api):
    def hub_total() -> int:
        return api.get("/api/v1/stats/", {"hub": "el-salvador"}).json()["totals"]["activities"]

    in_salvador = api.get("/api/v1/stats/", {"country": "SV"}).json()["totals"]["activities"]
    assert in_salvador > 0
    assert hub_total() == 0
    hub().countries.add(Country.objects.get(iso3="SLV"))
    assert hub_total() == in_salvador
    hub().countries.clear()
    assert hub_total() == 0


def test_the_hub_page_counts_move_with_the_coverage(client):
    assert client.get("/hubs/el-salvador/").context["totals"] is None
    hub().countries.add(Country.objects.get(iso3="SLV"))
    totals = client.get("/hubs/el-salvador/").context["totals"]
    expected = stats.compute(
        Activity.objects.published().delivered_as().in_place(Country.objects.get(iso3="SLV"))
    )["totals"]["activities"]
    assert totals["activities"] == expected > 0


# --- Pages -------------------------------------------------------------------------------


def test_the_hub_list_shows_each_hub_its_country_and_its_mentors(client):
    response = client.get("/hubs/")
    body = response.content.decode()
    assert response.status_code == 200
    for code in SEEDED_HUBS:
        assert f'href="/hubs/{code}/"' in body
    assert "Thailand hub" in body
    assert 'href="/hubs/"' in body  # the navigation
    assert "coverage not recorded" in body


def test_the_hub_page_counts_officers_without_naming_them(client, hub_officer):
    response = client.get("/hubs/el-salvador/")
    body = response.content.decode()
    assert response.context["officers_count"] == 1
    assert "hana-hub" not in body
    assert "/activities/?hub=el-salvador" in body
    assert "paragraph 13" in body.lower()


def test_an_unknown_hub_page_is_a_404(client):
    assert client.get("/hubs/atlantis/").status_code == 404


@pytest.fixture
def engine_queries(monkeypatch):
    """The number of queries of each stats.compute() call of a request."""
    counts: list[int] = []
    compute = stats.compute

    def counted(*args, **kwargs):
        with CaptureQueriesContext(connection) as context:
            result = compute(*args, **kwargs)
        counts.append(len(context.captured_queries))
        return result

    monkeypatch.setattr(stats, "compute", counted)
    return counts


def grow(count: int) -> None:
    """`count` more activities in El Salvador and mentors at its hub."""
    for number in range(count):
        ActivityFactory(places=["SLV"], start_date=datetime.date(2020, 1, 1))
        Mentor.objects.create(hub=hub(), hub_country=hub().location, source_paragraph=f"q{number}")


@pytest.mark.parametrize(
    "url, own",
    [
        # 1 the hub (with its country, mentors counted); 2-3 its countries and regions;
        # 4 its mentors (with their country), 5-6 their regions and themes;
        # 7 the number of officers working from it
        ("/hubs/el-salvador/", 7),
        # 1 the hubs (with their country, mentors counted); 2-3 their countries and
        # regions (the engine answers once per hub whose coverage is recorded)
        ("/hubs/", 3),
    ],
)
def test_the_hub_pages_query_counts_stay_flat(
    url, own, client, engine_queries, django_assert_num_queries
):
    hub().countries.add(Country.objects.get(iso3="SLV"))
    engine_per_size = []
    for count in (1, 49):
        grow(count)
        rollups.catch_up()  # as the writing request does (RollupMiddleware)
        engine_queries.clear()
        client.get(url)
        engine_per_size.append(sum(engine_queries))
        with django_assert_num_queries(own + engine_per_size[-1]):
            assert client.get(url).status_code == 200
    assert engine_per_size[0] == engine_per_size[1]


# --- API -----------------------------------------------------------------------------------


def test_the_hubs_api_reads_for_everyone_and_writes_for_administrators(api, administrator_api):
    listed = api.get("/api/v1/hubs/").json()
    assert [row["code"] for row in listed["results"]] == sorted(SEEDED_HUBS)
    one = api.get("/api/v1/hubs/thailand/").json()
    assert one["location"]["code"] == "TH" and one["countries"] == [] and one["mentors_count"] == 1
    assert "officer" not in str(one)
    body = {"code": "pacific", "location": "FJ", "regions": ["054"], "source_paragraph": ""}
    assert api.post("/api/v1/hubs/", body, format="json").status_code in (401, 403)
    created = administrator_api.post("/api/v1/hubs/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["regions"] == [{"code": "054", "name": "Melanesia"}]
    assert api.get("/api/v1/hubs/pacific/").json()["display_name"] == "Fiji hub"


def test_the_hub_tables_move_the_data_version():
    tables = answer_cache.versioned_tables()
    assert {"activities_hub", "activities_hub_countries", "activities_hub_regions"} <= set(tables)
    assert answer_cache.missing_triggers() == []


def test_create_role_user_gives_an_officer_a_hub_as_scope(roles):
    from django.core.management import call_command

    call_command("create_role_user", "elsa", "--role", "officer", "--hub", "senegal")
    scope = OfficerScope.objects.get(user__username="elsa")
    assert scope.hub == hub("senegal") and not scope.countries.exists()


def test_a_mentor_cannot_be_put_at_a_hub_in_another_country(administrator_api):
    mentor = Mentor.objects.get(hub__code="senegal")
    response = administrator_api.patch(
        f"/api/v1/mentors/{mentor.pk}/", {"hub": "thailand"}, format="json"
    )
    assert response.status_code == 400
    assert "hub" in response.json()


def test_the_admin_lists_hubs_and_the_hub_of_each_officer_scope(superuser_client, hub_officer):
    hubs = superuser_client.get("/admin/activities/hub/")
    assert hubs.status_code == 200 and "el-salvador" in hubs.content.decode()
    scopes = superuser_client.get("/admin/activities/officerscope/").content.decode()
    assert "the el-salvador hub" in scopes
    assert superuser_client.get(f"/admin/activities/hub/{hub().pk}/change/").status_code == 200
