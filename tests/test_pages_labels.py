"""The pages name the number they show honestly.

What the `participants` measure counts is participations: one person at one activity,
so someone trained twice counts twice (counting rule 1). No person-level records exist
yet, so no page may call that number "people reached" or claim it counts "each person
once". And where no record gives a split by sex, the pages say "not recorded" instead
of "female 0, male 0", which would read as "no women, no men".
"""

from __future__ import annotations

import datetime
import re

import pytest

from activities import services
from activities.models import Activity, BeneficiaryGroup, Country
from tests.test_pages_views import PAGES, text_of

pytestmark = pytest.mark.django_db

EXPLANATION = "A participation is one person at one activity: someone trained twice counts twice."


def no_recorded_sex_shown_as_zero(text: str) -> bool:
    return not re.search(r"\bfemale 0\b", text, flags=re.IGNORECASE)


def published_with_sex_split(iso2: str, *, female: int, male: int) -> Activity:
    activity = Activity.objects.create(
        title="Workshop with a split by sex",
        start_date=datetime.date(2020, 6, 1),
        end_date=datetime.date(2020, 6, 2),
        status=Activity.Status.PUBLISHED,
    )
    activity.countries.set([Country.objects.get(iso2=iso2)])
    BeneficiaryGroup.objects.create(
        activity=activity, female=female, male=male, not_recorded=0, total=female + male
    )
    services.refresh_attribution(activity=activity)
    return activity


def test_the_dashboard_headline_counts_participations_and_says_what_one_is(client):
    response = client.get("/")
    text = text_of(response)
    total = response.context["totals"]["participants"]["total"]
    assert f"{total:,}+ participations" in text
    assert EXPLANATION in text
    assert "each person once" not in text


def test_the_dashboard_charts_and_map_are_titled_participations(client):
    response = client.get("/?map=participants")
    assert response.context["region_chart"]["title"] == "Participations, by region"
    assert response.context["theme_chart"]["title"] == "Participations, by theme"
    assert response.context["sex_chart"]["title"] == "Participations, by sex"
    assert response.context["region_chart"]["unit"] == "participations"
    text = text_of(response)
    assert "Where: participations attributed to each country" in text
    salvador = next(s for s in response.context["world_map"]["shapes"] if "/SV/" in s["href"])
    assert salvador["title"] == "El Salvador: 650 participations attributed to the country"


def test_a_country_page_counts_participations_and_says_what_one_is(client):
    text = text_of(client.get("/countries/SV/"))
    assert "Participations counted for El Salvador 650" in text
    assert EXPLANATION in text
    assert "Participations in the whole activity" in text
    assert "each person once" not in text


@pytest.mark.parametrize("url", PAGES)
def test_no_page_calls_participations_people_reached(client, url):
    text = text_of(client.get(url)).lower()
    assert "people reached" not in text, url
    assert "each person once" not in text, url
    assert "people counted" not in text, url


def test_the_list_sorts_by_most_participations(client):
    text = text_of(client.get("/activities/"))
    assert "Most participations" in text
    assert "Most people" not in text


def test_a_breakdown_with_no_recorded_sex_says_not_recorded(client):
    # No seeded record of El Salvador gives a split by sex.
    text = text_of(client.get("/countries/SV/"))
    assert "By sex Sex not recorded" in text
    assert no_recorded_sex_shown_as_zero(text)


def test_the_dashboard_with_no_recorded_sex_says_not_recorded(client):
    response = client.get("/")
    text = text_of(response)
    assert [row["label"] for row in response.context["sex_chart"]["rows"]] == ["Sex not recorded"]
    assert "sex not recorded for every participation" in text
    assert no_recorded_sex_shown_as_zero(text)
    assert "Female: 0" not in response.content.decode()


def test_a_place_with_no_participations_says_sex_not_recorded(client):
    text = text_of(client.get("/countries/FR/"))
    assert "By sex Sex not recorded" in text
    assert no_recorded_sex_shown_as_zero(text)


def test_an_activity_without_a_split_by_sex_shows_no_zero_columns(client):
    teachers = Activity.objects.get(reference="report-2020/F16")
    response = client.get(f"/activities/{teachers.pk}/")
    html = response.content.decode()
    assert '<td class="num">0</td>' not in html  # female and male of 5,600+ teachers
    assert "sex not recorded" in text_of(response)


def test_a_recorded_sex_split_is_shown_with_its_numbers(client):
    published_with_sex_split("FR", female=3, male=4)
    text = text_of(client.get("/countries/FR/"))
    assert "female 3 · male 4 · not recorded 0" in text
    dashboard = client.get("/")
    rows = dashboard.context["sex_chart"]["rows"]
    assert [row["label"] for row in rows] == ["Female", "Male", "Sex not recorded"]
    assert [rows[0]["cells"][0], rows[1]["cells"][0]] == ["3", "4"]
