"""Query counts of the public pages stay flat as the data grows (1 vs 50 records).

Each test pins the page's own queries and names them, and checks that the counting
engine's queries (activities.stats, owned by the lead, who may reshape its SQL) are the
same for 1 and for 50 records. The records made here all carry the theme "query-count",
so a list can be narrowed to exactly 1 or 50 of them.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities import rollups, services, stats
from activities.models import (
    Activity,
    BeneficiaryGroup,
    Country,
    Mandate,
    Mentor,
    Partner,
    Region,
    Theme,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_activities():
    """make_activities(n): n published activities in El Salvador and Guatemala (plus the
    Caribbean), each with themes, a partner, a mentor, a mandate and people."""

    def make(count: int) -> list[Activity]:
        theme, _ = Theme.objects.get_or_create(slug="query-count", defaults={"name": "Query count"})
        topic = Theme.objects.filter(parent__isnull=False).first()
        countries = list(Country.objects.filter(iso2__in=["SV", "GT"]))
        caribbean = Region.objects.get(code="029")
        partner = Partner.objects.first()
        mentor = Mentor.objects.first()
        mandate = Mandate.objects.first()
        made = []
        for number in range(count):
            activity = Activity.objects.create(
                title=f"Query-count training {number}",
                start_date=datetime.date(2020, 3, 1),
                end_date=datetime.date(2020, 3, 2),
                status=Activity.Status.PUBLISHED,
                source_paragraph="99",
            )
            activity.countries.set(countries)
            activity.regions.set([caribbean])
            activity.themes.set([theme, topic])
            activity.partners.set([partner])
            activity.mentors.set([mentor])
            activity.mandates.set([mandate])
            BeneficiaryGroup.objects.create(
                activity=activity, female=3, male=4, not_recorded=0, total=7
            )
            BeneficiaryGroup.objects.create(
                activity=activity,
                country=countries[0],
                not_recorded=10,
                total=10,
                qualifier="more_than",
            )
            services.refresh_attribution(activity=activity)
            made.append(activity)
        return made

    return make


@pytest.fixture
def engine_queries(monkeypatch):
    """A list that receives the number of queries of each stats.compute() and
    stats.compute_by() call (the dashboard's region-wide reach asks the latter)."""
    counts: list[int] = []

    def counting(function):
        def counted(*args, **kwargs):
            with CaptureQueriesContext(connection) as context:
                result = function(*args, **kwargs)
            counts.append(len(context.captured_queries))
            return result

        return counted

    monkeypatch.setattr(stats, "compute", counting(stats.compute))
    monkeypatch.setattr(stats, "compute_by", counting(stats.compute_by))
    return counts


@pytest.fixture
def assert_flat(client, make_activities, engine_queries, django_assert_num_queries):
    """assert_flat(url, own): with 1 and then 50 records, the page makes `own` queries
    of its own plus the engine's, and the engine makes as many queries for both."""

    def check(url: str, own: int, *, expect=None):
        engine_per_size = []
        for count in (1, 49):  # 1 record, then 50
            make_activities(count)
            rollups.catch_up()  # as the writing request does (RollupMiddleware)
            # Once before counting: what a process builds once (the SQL of a public
            # question, rollups/universe.py, looks its country up) is not the page's.
            client.get(url)
            engine_queries.clear()
            client.get(url)  # learn how many queries the engine needs for this data
            engine = sum(engine_queries)
            engine_per_size.append(engine)
            with django_assert_num_queries(own + engine):
                response = client.get(url)
                body = response.content
            assert response.status_code == 200, url
            if expect:
                expect(response, body, 1 if count == 1 else 50)
        assert engine_per_size[0] == engine_per_size[1], "the engine's queries grew with the data"

    return check


def test_the_activity_list_query_count_stays_flat(assert_flat):
    # 1 the ?theme= lookup (validating the filter)
    # 2 the page of activities with their kind and modality (joined), people annotated
    #   by subqueries (no COUNT: the engine's totals give the number of pages)
    # 3-6 prefetch of their countries, regions, themes, partners
    # 7-18 the sidebar's options: regions (M49 tree), countries, themes, kinds,
    #      modalities, audiences, languages, partners, mentors (with hub), mandates,
    #      donors, projects
    # 19 the sidebar's reported figures (?figure=, the records behind a report's figure)
    def expect(response, body, size):
        assert len(response.context["activities"]) == size

    assert_flat("/activities/?theme=query-count", 19, expect=expect)


def test_the_export_query_count_stays_flat(assert_flat):
    # 1-3 the form's option lists (regions, countries, themes), built as for the page
    # 4 the ?theme= lookup
    # 5 the activities (one chunk of 500, kind and modality joined, people annotated)
    # 6-9 prefetch of their countries, regions, themes, partners
    def expect(response, body, size):
        assert len(body.decode().splitlines()) == size + 1

    assert_flat("/activities/download.csv?theme=query-count", 9, expect=expect)


def test_the_activity_detail_query_count_does_not_grow_with_the_data(
    client, make_activities, engine_queries, django_assert_num_queries
):
    first = make_activities(1)[0]
    make_activities(49)
    rollups.catch_up()  # as the writing request does (RollupMiddleware)
    client.get(f"/activities/{first.pk}/")
    engine = sum(engine_queries)
    # 1 the activity (with source document, scope region, venue country, kind, modality)
    # 2-16 prefetch: postponements, sessions (with language), countries, regions, themes,
    #      their parents, partners,
    #      mandates, donors, projects, languages, audiences, mentors (with hub),
    #      beneficiary rows (with audience and country), reported figures
    # 17 the evidence files the reader may see (with their uploaders)
    # and the engine's totals for this one activity
    with django_assert_num_queries(17 + engine):
        response = client.get(f"/activities/{first.pk}/")
    assert response.status_code == 200


def test_the_country_page_query_count_stays_flat(assert_flat):
    # 1 the country (with its region)
    # 2 the M49 ancestors (breadcrumb)
    # 3 the figures the report gives for the country
    # 4-5 mentors at a hub here (with the hub), and the regions they cover
    # 6 the activities (people annotated), 7-8 prefetch of their countries and regions
    def expect(response, body, size):
        assert len(response.context["activities"]) >= size

    assert_flat("/countries/SV/", 8, expect=expect)


def test_the_region_page_query_count_stays_flat(assert_flat):
    # 1 the region
    # 2 its countries (by M49 path)
    # 3 the ancestors (breadcrumb), 4 the child regions
    # 5-7 the latest activities and their countries and regions
    assert_flat("/regions/013/", 7)
    # A level-1 region: the engine's sub-region breakdown is one more engine call.
    assert_flat("/regions/019/", 7)


@pytest.mark.parametrize(
    "url, own",
    [
        # mentors with their hub; regions covered; themes
        ("/mentors/", 3),
        # partners with their country (the counts come from the engine)
        ("/partners/", 1),
        # mandates; the visible activities serving them
        ("/mandates/", 2),
        # option lists (regions, countries, themes); figures; their countries, regions
        # and backing activities
        ("/figures/", 7),
        # the paragraphs behind the people; the year picker; the umbrella figures; the
        # map's countries; the M49 regions (zoom views and circles); the regions the
        # activities are scoped to; the region-scoped activities and their regions
        ("/", 8),
    ],
)
def test_the_directory_and_dashboard_query_counts_stay_flat(assert_flat, url, own):
    assert_flat(url, own)
