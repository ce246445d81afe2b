"""The public pages answer with the seed, show honest counts, and reject bad filters."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from activities.models import Activity, Country, Region, Theme

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/?year=2020",
    "/?map=participants",
    "/activities/",
    "/activities/?region=013&year=2020",
    "/regions/001/",
    "/regions/019/",
    "/regions/419/",
    "/regions/013/",
    "/regions/142/",
    "/countries/SV/",
    "/countries/BZ/",
    "/countries/FR/",
    "/mentors/",
    "/hubs/",
    "/hubs/el-salvador/",
    "/activities/?hub=el-salvador",
    "/partners/",
    "/mandates/",
    "/figures/",
    "/figures/?role=context",
    "/projects/",
    "/projects/?region=013&year=2020",
]


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers_with_the_seed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert b"<main" in response.content


def test_every_activity_detail_page_answers(client):
    for pk in Activity.objects.published().values_list("pk", flat=True):
        assert client.get(reverse("pages:activity_detail", args=[pk])).status_code == 200


def test_the_addresses_are_the_ones_people_guess():
    assert reverse("pages:dashboard") == "/"
    assert reverse("pages:activity_list") == "/activities/"
    assert reverse("pages:activity_detail", args=[7]) == "/activities/7/"
    assert reverse("pages:region_detail", args=["013"]) == "/regions/013/"
    assert reverse("pages:country_detail", args=["SV"]) == "/countries/SV/"
    for name, url in [
        ("mentor_list", "/mentors/"),
        ("hub_list", "/hubs/"),
        ("partner_list", "/partners/"),
        ("mandate_list", "/mandates/"),
        ("figure_list", "/figures/"),
        ("project_list", "/projects/"),
    ]:
        assert reverse(f"pages:{name}") == url
    assert reverse("pages:project_detail", args=["GLO-CYB"]) == "/projects/GLO-CYB/"
    assert reverse("pages:project_results", args=["GLO-CYB"]) == "/projects/GLO-CYB/results/"


def test_the_central_america_2020_list_shows_eight_activities(client):
    response = client.get("/activities/?region=013&year=2020")
    assert response.status_code == 200
    text = text_of(response)
    assert "8 activities match these filters" in text
    assert len(response.context["activities"]) == 8
    # 650 (El Salvador) + 5,600+ (Central America) + 655 (five countries of Central
    # America): all certainly within the region, and a lower bound.
    assert "Participations in Central America 6,905+" in text


def test_the_list_shows_more_than_figures_as_lower_bounds(client):
    text = text_of(client.get("/activities/?region=013&year=2020"))
    assert "5,600+" in text
    assert "5600" not in text.replace("5,600", "")


def test_a_country_page_shows_the_people_it_cannot_attribute(client):
    response = client.get("/countries/SV/")
    text = text_of(response)
    totals = response.context["totals"]
    assert totals["participants"]["total"] == 650
    assert "Participations counted for El Salvador 650" in text
    unattributed = totals["unattributed"]["participants"]
    assert unattributed["total"] == 5600 + 655
    assert "Region-wide participations that include El Salvador 6,255+" in text
    assert "Region-wide reach that includes El Salvador: 6,255+ participations" in text
    assert "counted for Central America" in text


def test_a_country_page_shows_its_context_statistics(client):
    text = text_of(client.get("/countries/SV/"))
    assert "263 cases" in text  # F09, paragraph 21
    assert "Report paragraph 21 (F09)" in text
    assert "70 per cent" in text_of(client.get("/countries/HN/"))  # F10
    assert "39 cases" in text_of(client.get("/countries/BZ/"))  # F11


def test_a_lowercase_country_code_redirects_and_an_unknown_one_is_404(client):
    response = client.get("/countries/sv/")
    assert response.status_code == 301
    assert response["Location"] == "/countries/SV/"
    assert client.get("/countries/ZZ/").status_code == 404
    assert client.get("/regions/998/").status_code == 404


def test_the_region_page_drills_down_the_m49_tree(client):
    response = client.get("/regions/419/")
    text = text_of(response)
    assert [r.code for r in response.context["ancestors"]] == ["001", "019"]
    for child in ["Central America", "South America", "Caribbean"]:
        assert child in text
    assert 'href="/regions/013/"' in response.content.decode()
    codes = {row["country"]["code"] for row in response.context["country_rows"]}
    assert codes == {"BZ", "CR", "SV", "GT", "HN"}


def test_the_world_page_breaks_down_by_region_with_the_unattributed_row(client):
    response = client.get("/regions/001/")
    rows = response.context["breakdown"]["rows"]
    names = [row["region"]["name"] if row["region"] else None for row in rows]
    assert "Americas" in names and "Asia" in names
    assert None in names  # worldwide and multi-region activities
    assert "Not attributable to one region" in text_of(response)


def test_the_dashboard_shows_the_umbrella_figure_apart_and_never_adds_it(client):
    response = client.get("/")
    text = text_of(response)
    assert "2,440 persons from 64 countries" in text
    assert "not added" in text
    people = response.context["totals"]["participants"]
    assert people["qualifier"] == "at_least"
    # The itemized people: 130+ 7,832 1,000 5,600+ 655 24,400+ 650, never the 2,440.
    assert people["total"] == 130 + 7832 + 1000 + 5600 + 655 + 24400 + 650
    assert f"{people['total']:,}+" in text


def test_the_dashboard_headline_cites_its_paragraphs(client):
    response = client.get("/")
    assert response.context["people_paragraphs"] == ["18", "22", "23", "25", "27", "32", "34"]
    assert "report paragraphs 18, 22, 23, 25, 27, 32, 34" in text_of(response)


def test_the_sex_split_shows_not_recorded_plainly(client):
    response = client.get("/")
    rows = response.context["sex_chart"]["rows"]
    # No seeded record gives a split by sex: one "not recorded" share, no "Female 0".
    assert [row["label"] for row in rows] == ["Sex not recorded"]
    assert rows[0]["cells"] == ["40,267+", "100 %"]
    assert "Female" not in text_of(response).split("Participations, by sex")[1].split("List")[0]
    assert "of them with sex not recorded" in text_of(response)


def test_every_chart_row_links_into_the_filtered_list(client):
    response = client.get("/?year=2020")
    region_rows = response.context["region_chart"]["rows"]
    americas = next(row for row in region_rows if row["label"] == "Americas")
    assert americas["href"] == "/activities/?year=2020&region=019"
    theme_rows = response.context["theme_chart"]["rows"]
    assert all(
        row["href"].startswith("/activities/?theme=") for row in theme_rows if not row["muted"]
    )
    html = response.content.decode()
    assert 'href="/activities/?year=2020&amp;region=019"' in html


def test_charts_carry_a_title_a_description_and_a_data_table(client):
    html = client.get("/").content.decode()
    assert html.count('<svg class="chart-svg') == 4
    assert '<h2 id="chart-region-heading">Participations, by region</h2>' in html
    assert '<desc id="chart-sex-svgdesc">' in html
    assert "Data table: participations, by theme" in html


def test_the_map_links_every_country_and_colours_those_with_activities(client):
    response = client.get("/")
    world_map = response.context["world_map"]
    hrefs = {shape["href"] for shape in world_map["shapes"]} | {
        dot["href"] for dot in world_map["dots"]
    }
    # Every country with a centroid or a shape is reachable from the map.
    reachable = Country.objects.exclude(latitude__isnull=True, longitude__isnull=True)
    missing = {c.iso2 for c in reachable if f"/countries/{c.iso2}/" not in hrefs}
    assert missing <= {"AQ"}  # Antarctica is left out of the map
    salvador = next(s for s in world_map["shapes"] if s["href"] == "/countries/SV/")
    assert salvador["fill"] != "#eceff1"
    assert "El Salvador: 5 activities" in salvador["title"]
    # Small states without a 50m shape are dots (Tuvalu).
    assert any(dot["href"] == "/countries/TV/" for dot in world_map["dots"])


def test_region_scoped_activities_are_listed_beside_the_map(client):
    response = client.get("/")
    titles = [activity.title for activity in response.context["region_scoped"]]
    assert any("cryptocurrency and darknet" in title for title in titles)  # F06, Asia
    assert "activities delivered to regions, no country named" in text_of(response)


def test_a_bad_filter_value_shows_the_form_with_the_error_next_to_the_field(client):
    response = client.get("/activities/?region=999&year=2020")
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'id="id_region_error">([^<]*)<', html)
    assert error and "999" in error.group(1)
    assert "These filters cannot be used" in html
    # The valid value stays in the form, so nothing typed is lost.
    assert 'value="2020"' in html


@pytest.mark.parametrize(
    "query",
    ["country=XX", "year=abc", "month=2020-13", "date_from=yesterday", "sort=loudest", "kind=nap"],
)
def test_bad_filter_values_are_400_never_500(client, query):
    response = client.get(f"/activities/?{query}")
    assert response.status_code == 400
    assert b'class="error"' in response.content


def test_a_bad_filter_on_the_dashboard_and_the_figures_is_400(client):
    assert client.get("/?year=abc").status_code == 400
    assert client.get("/figures/?role=bogus").status_code == 400
    assert client.get("/activities/download.csv?region=999").status_code == 400


def test_the_list_sorts_and_paginates_keeping_the_filters(client):
    response = client.get("/activities/?region=013&year=2020&sort=people")
    titles = [activity.title for activity in response.context["activities"]]
    assert titles[0].startswith("Training of teachers")  # 5,600+ first
    assert "sort=title" in response.content.decode()
    oldest = client.get("/activities/?sort=oldest").context["activities"][0]
    assert oldest.start_date.year == 2011


def test_drafts_never_show_to_anonymous_visitors(client):
    draft = Activity.objects.create(
        title="Unreviewed draft training",
        start_date=datetime.date(2020, 5, 1),
        end_date=datetime.date(2020, 5, 1),
        status=Activity.Status.DRAFT,
    )
    draft.countries.set([Country.objects.get(iso2="SV")])
    assert client.get(f"/activities/{draft.pk}/").status_code == 404
    assert "Unreviewed draft" not in client.get("/activities/?country=SV").content.decode()
    assert "Unreviewed draft" not in client.get("/countries/SV/").content.decode()
    assert client.get("/activities/?status=draft").status_code in (200, 400)


def test_the_activity_detail_shows_people_sources_and_places(client):
    activity = Activity.objects.get(reference="report-2020/F16")
    response = client.get(f"/activities/{activity.pk}/")
    text = text_of(response)
    assert "5,600+" in text and "more than 5,600" in text
    assert "Central America" in text  # where the people are counted
    assert "paragraph 25" in text
    assert "Sex not recorded" in text


def test_the_figures_page_lists_every_figure_with_its_paragraph(client):
    response = client.get("/figures/")
    text = text_of(response)
    assert len(response.context["figures"]) == 31
    assert "more than 2,800,000" in text  # F22, reach, kept as a lower bound
    assert "paragraph 17" in text


def test_the_mandates_page_lists_the_activities_serving_each(client):
    response = client.get("/mandates/")
    mandates = list(response.context["mandates"])
    assert mandates
    assert any(mandate.visible_activities for mandate in mandates)


def test_the_partners_page_counts_activities_through_the_engine(client):
    response = client.get("/partners/")
    counts = {item["partner"].name: item["activities"] for item in response.context["partners"]}
    assert counts["Facebook"] == 1


def test_the_nav_marks_the_current_page(client):
    html = client.get("/mentors/").content.decode()
    assert 'href="/mentors/" aria-current="page"' in html
    assert 'href="/api/v1/docs/"' in html


def test_pages_have_no_inline_script_or_style_attribute(client):
    for url in ["/", "/activities/", "/countries/SV/", "/figures/"]:
        html = client.get(url).content.decode()
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url


def test_region_pages_exist_for_every_m49_region(client):
    for code in Region.objects.values_list("code", flat=True):
        assert client.get(f"/regions/{code}/").status_code == 200, code


def test_activity_tables_show_each_activitys_own_people(client):
    for url in ["/regions/013/", "/countries/SV/", "/activities/?region=013"]:
        activities = {a.reference: a for a in client.get(url).context["activities"]}
        teachers = activities["report-2020/F16"]
        assert (teachers.participants_total, teachers.participants_qualifier) == (
            5600,
            "at_least",
        ), url


def test_donor_viewers_see_drafts_in_counts_but_not_in_lists(
    donor_client, client, salvador_draft, viewers_donor
):
    """As in /api/v1/stats/: a donor viewer's statistics include the drafts their donor
    funds, the records they may read do not (activities/access.py)."""
    from tests.fixtures_roles import fund

    fund(salvador_draft, viewers_donor)
    anonymous = client.get("/countries/SV/").context["totals"]["participants"]["total"]
    donor = donor_client.get("/countries/SV/")
    assert donor.context["totals"]["participants"]["total"] == anonymous + 21
    assert "include draft records" in text_of(donor)
    assert "San Salvador prosecutors" not in donor.content.decode()
    assert "San Salvador prosecutors" not in donor_client.get("/activities/").content.decode()
    dashboard = donor_client.get("/").context["totals"]["participants"]["total"]
    assert dashboard == client.get("/").context["totals"]["participants"]["total"] + 21
    assert "include draft records" not in text_of(client.get("/"))


def test_a_donor_never_reads_a_draft_title_among_the_unattributed(
    donor_client, officer, viewers_donor
):
    from tests.fixtures_roles import fund, make_draft

    draft = make_draft("Draft regional workshop", ["SLV", "GTM"], by=officer, not_recorded=77)
    fund(draft, viewers_donor)
    response = donor_client.get("/countries/SV/")
    unattributed = response.context["totals"]["unattributed"]
    assert unattributed["participants"]["total"] == 5600 + 655 + 77  # counted...
    html = response.content.decode()
    assert "Draft regional workshop" not in html  # ...but not shown as a record
    assert "A draft record, not yet published" in html


@pytest.mark.parametrize("url", PAGES)
def test_element_ids_are_unique_so_labels_point_at_one_thing(client, url):
    ids = re.findall(r'\sid="([^"]+)"', client.get(url).content.decode())
    duplicates = {value for value in ids if ids.count(value) > 1}
    assert not duplicates, f"{url}: {duplicates}"


def test_the_list_paginates_fifty_a_page_keeping_the_filters(client):
    theme = Theme.objects.create(slug="paging", name="Paging")
    salvador = Country.objects.get(iso2="SV")
    for number in range(60):
        activity = Activity.objects.create(
            title=f"Paging training {number:02d}",
            start_date=datetime.date(2020, 4, 1),
            end_date=datetime.date(2020, 4, 1),
            status=Activity.Status.PUBLISHED,
        )
        activity.countries.set([salvador])
        activity.themes.set([theme])
    first = client.get("/activities/?theme=paging&sort=title")
    assert len(first.context["activities"]) == 50
    assert "60 activities match these filters" in text_of(first)
    assert "Page 1 of 2" in text_of(first)
    assert 'href="?theme=paging&amp;sort=title&amp;page=2"' in first.content.decode()
    second = client.get("/activities/?theme=paging&sort=title&page=2")
    titles = [activity.title for activity in second.context["activities"]]
    assert titles == [f"Paging training {number}" for number in range(50, 60)]
    # A page number past the end shows the last page rather than an error.
    assert client.get("/activities/?theme=paging&page=99").status_code == 200


def test_the_list_filtered_to_a_country_shows_what_it_cannot_attribute(client):
    """The brief's example: country=SV in 2020, 650 attributed; 5,600+ and 655 belong
    to Central America as a whole."""
    response = client.get("/activities/?country=SV&year=2020")
    text = text_of(response)
    assert "Participations in El Salvador 650" in text
    assert "Not attributable to El Salvador: 6,255+ participations" in text
    listed = response.context["totals"]["unattributed"]["activities"]
    assert sorted(item["participants"]["total"] for item in listed) == [655, 5600]


def test_the_list_shows_as_many_activities_per_page_as_asked(client):
    total = Activity.objects.published().delivered_as().count()
    assert total > 20  # the seed: 24 published activities that took place
    twenty = client.get("/activities/?page_size=20")
    assert len(twenty.context["activities"]) == 20
    assert twenty.context["page"].paginator.num_pages == 2
    assert twenty.context["page"].paginator.count == total
    second = client.get("/activities/?page_size=20&page=2")
    assert len(second.context["activities"]) == total - 20
    assert len(client.get("/activities/").context["activities"]) == total  # 50 by default
    assert "Per page" in text_of(twenty)


def test_a_page_size_not_offered_is_refused(client):
    response = client.get("/activities/?page_size=7")
    assert response.status_code == 400
