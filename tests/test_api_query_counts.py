"""Every list (and detail) of /api/v1/ costs the same number of queries for 1 record as
for 50: nested data comes from select_related/prefetch_related (activities/selectors.py),
never from a query per row.

Each test runs the same request with 1 and with 50 records in the response and pins
the count, with a comment naming each query. Anonymous requests: no session or token
query. A failing count prints the SQL that appeared.
"""

from __future__ import annotations

import pytest

from activities.models import Country, Theme
from tests import factories

pytestmark = pytest.mark.django_db

SIZES = [1, 50]


@pytest.mark.parametrize("size", SIZES)
def test_the_activity_list(api, django_assert_num_queries, size):
    factories.ActivityFactory.create_batch(size)
    # 1 COUNT for the page; 2 the page of activities, with source document, scope region,
    # venue country and the participants subqueries (sums and qualifier) in the same
    # SELECT; then one prefetch each: 3 postponements, 4 sessions (+ language),
    # 5 countries, 6 regions, 7 themes, 8 audiences, 9 languages, 10 partners, 11 mentors
    # (+ hub country), 12 mandates, 13 donors, 14 projects, 15 beneficiary rows
    # (+ audience, country, attributed country and region), 16 figures.
    with django_assert_num_queries(16):
        response = api.get("/api/v1/activities/", {"q": "Made-up", "page_size": 50})
    assert response.json()["count"] == size
    assert len(response.json()["results"][0]["beneficiaries"]) == 1


@pytest.mark.parametrize("size", SIZES)
def test_the_activity_list_as_csv(api, django_assert_num_queries, size):
    factories.ActivityFactory.create_batch(size)
    # The same 16 queries as JSON: the CSV renders the same serialized data.
    with django_assert_num_queries(16):
        response = api.get("/api/v1/activities/", {"q": "Made-up", "format": "csv"})
    assert response.content.decode().count("Made-up training") == size


@pytest.mark.parametrize("size", SIZES)
def test_the_activity_list_for_a_scoped_officer(officer_api, django_assert_num_queries, size):
    factories.ActivityFactory.create_batch(size, status="draft")
    # 1 the token and its user; 2 the user's permissions, 3 their groups' permissions;
    # 4 the officer's scope countries, 5 its regions (cached for the request); 6 COUNT;
    # 7 the page; 8-21 the fourteen prefetches of the anonymous list.
    with django_assert_num_queries(21):
        response = officer_api.get("/api/v1/activities/", {"q": "Made-up", "page_size": 50})
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", SIZES)
def test_the_activity_detail(api, django_assert_num_queries, size):
    activities = factories.ActivityFactory.create_batch(size, places=["SLV", "GTM", "HND"])
    # 1 the activity (with its annotations and joins); 2-15 the fourteen prefetches.
    with django_assert_num_queries(15):
        response = api.get(f"/api/v1/activities/{activities[-1].pk}/")
    assert len(response.json()["countries"]) == 3


@pytest.mark.parametrize("size", SIZES)
def test_the_country_list(api, django_assert_num_queries, size):
    # 1 COUNT; 2 the page, with the three regions joined.
    with django_assert_num_queries(2):
        response = api.get("/api/v1/countries/", {"page_size": size})
    assert len(response.json()["results"]) == size


def test_the_country_detail(api, django_assert_num_queries):
    # 1 the country, with its regions joined.
    with django_assert_num_queries(1):
        assert api.get("/api/v1/countries/SV/").status_code == 200


@pytest.mark.parametrize("size", [1, 31])
def test_the_region_list(api, django_assert_num_queries, size):
    """M49 has 31 regions: all of them stand in for 50."""
    # 1 COUNT; 2 the page, with each parent joined.
    with django_assert_num_queries(2):
        response = api.get("/api/v1/regions/", {"page_size": size})
    assert len(response.json()["results"]) == size


def test_the_region_detail(api, django_assert_num_queries):
    # 1 the region with its parent.
    with django_assert_num_queries(1):
        assert api.get("/api/v1/regions/013/").status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_the_theme_list(api, django_assert_num_queries, size):
    area = factories.ThemeFactory()
    factories.ThemeFactory.create_batch(size, parent=area)
    # 1 the parent theme of the filter; 2 COUNT; 3 the page, with each parent joined.
    with django_assert_num_queries(3):
        response = api.get("/api/v1/themes/", {"parent": area.slug, "page_size": 50})
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", SIZES)
def test_the_partner_list(api, django_assert_num_queries, size):
    factories.PartnerFactory.create_batch(size)
    # 1 COUNT; 2 the page, with each partner's country joined.
    with django_assert_num_queries(2):
        response = api.get("/api/v1/partners/", {"q": "Made-up", "page_size": 50})
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", SIZES)
def test_the_mentor_list(api, django_assert_num_queries, size):
    factories.MentorFactory.create_batch(size, hub_country=Country.objects.get(iso3="CRI"))
    # 1 the hub country of the filter; 2 COUNT; 3 the page with hub countries;
    # 4 regions covered; 5 themes.
    with django_assert_num_queries(5):
        response = api.get("/api/v1/mentors/", {"hub_country": "CR", "page_size": 50})
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", SIZES)
def test_the_mandate_list(api, django_assert_num_queries, size):
    factories.MandateFactory.create_batch(size, body="Made-up Assembly")
    # 1 COUNT; 2 the page.
    with django_assert_num_queries(2):
        response = api.get("/api/v1/mandates/", {"body": "Made-up Assembly", "page_size": 50})
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", SIZES)
def test_the_donor_list(api, django_assert_num_queries, size):
    factories.DonorFactory.create_batch(size)
    # 1 COUNT; 2 the page, with each donor's country joined.
    with django_assert_num_queries(2):
        response = api.get("/api/v1/donors/", {"page_size": 50})
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", SIZES)
def test_the_figure_list(api, django_assert_num_queries, size):
    factories.FigureFactory.create_batch(size, places=["CRI"])
    # 1 the country of the filter; 2 COUNT; 3 the page with source documents; then one
    # prefetch each: 4 countries, 5 regions, 6 themes, 7 audiences, 8 languages,
    # 9 partners, 10 mentors (+ hub country), 11 the activities the reader may see.
    with django_assert_num_queries(11):
        response = api.get(
            "/api/v1/figures/", {"role": "context", "country": "CR", "page_size": 50}
        )
    assert response.json()["count"] == size


def test_the_figure_detail(api, django_assert_num_queries):
    # 1 the figure with its source document; 2-9 the eight prefetches.
    with django_assert_num_queries(9):
        assert api.get("/api/v1/figures/F16/").status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_the_audience_list(api, django_assert_num_queries, size):
    factories.AudienceFactory.create_batch(50)
    # 1 COUNT; 2 the page.
    with django_assert_num_queries(2):
        response = api.get("/api/v1/audiences/", {"page_size": size})
    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", SIZES)
def test_the_language_list(api, django_assert_num_queries, size):
    factories.LanguageFactory.create_batch(50)
    # 1 COUNT; 2 the page.
    with django_assert_num_queries(2):
        response = api.get("/api/v1/languages/", {"page_size": size})
    assert len(response.json()["results"]) == size


def test_the_theme_list_needs_no_query_per_topic(api, django_assert_num_queries):
    # 1 COUNT; 2 the page, with each parent joined.
    with django_assert_num_queries(2):
        response = api.get("/api/v1/themes/", {"page_size": 50})
    assert response.json()["count"] == Theme.objects.count()


@pytest.mark.parametrize(
    "make, url, queries",
    [
        # 1 the theme with its parent joined.
        (lambda: factories.ThemeFactory(), "/api/v1/themes/{obj.slug}/", 1),
        # 1 the partner with its country joined.
        (lambda: factories.PartnerFactory(), "/api/v1/partners/{obj.pk}/", 1),
        # 1 the mentor with its hub country; 2 regions covered; 3 themes.
        (lambda: factories.MentorFactory(), "/api/v1/mentors/{obj.pk}/", 3),
        # 1 the mandate.
        (lambda: factories.MandateFactory(), "/api/v1/mandates/{obj.pk}/", 1),
        # 1 the donor with its country joined.
        (lambda: factories.DonorFactory(), "/api/v1/donors/{obj.pk}/", 1),
        # 1 the audience.
        (lambda: factories.AudienceFactory(), "/api/v1/audiences/{obj.slug}/", 1),
        # 1 the language.
        (lambda: factories.LanguageFactory(), "/api/v1/languages/{obj.code}/", 1),
    ],
)
def test_the_other_details(api, django_assert_num_queries, make, url, queries):
    obj = make()
    with django_assert_num_queries(queries):
        assert api.get(url.format(obj=obj)).status_code == 200
