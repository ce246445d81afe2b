"""The project pages: /projects/ (the list, filtered), /projects/<code>/ (money, scope,
outcomes, headline counts) and /projects/<code>/results/ (planned against achieved)."""

from __future__ import annotations

import re

import pytest

from activities.models import Activity, Donor
from tests.factories import ActivityFactory
from tests.project_factories import CODE, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return make_project()


def text_of(response) -> str:
    """The page's text, tags stripped and spaces collapsed."""
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_site_navigation_links_to_the_projects(client):
    html = client.get("/").content.decode()
    assert 'href="/projects/"' in html
    assert ">Projects</a>" in html


def test_the_list_shows_code_title_period_donors_money_per_currency_and_activities(client, project):
    response = client.get("/projects/")
    assert response.status_code == 200
    page = text_of(response)
    assert CODE in page
    assert "Cybercrime investigation capacity in El Salvador" in page
    assert "1 Jan 2021 – 31 Dec 2022" in page
    assert "Made-up State; Made-up Union" in page
    # Per currency, never added across currencies.
    assert "1,200,000 EUR" in page
    assert "300,000 USD" in page
    assert "1,500,000" not in page
    html = response.content.decode()
    assert f'href="/activities/?project={CODE}"' in html
    assert re.search(rf'project={CODE}"[^>]*>2</a>', html)


def test_a_funding_without_an_amount_makes_the_sum_a_lower_bound(client, project):
    from activities.models import Funding

    Funding.objects.create(
        project=project, donor=Donor.objects.get(name="Made-up State"), currency="EUR"
    )
    assert "at least 1,200,000 EUR" in text_of(client.get("/projects/"))


def test_a_currency_whose_amounts_are_all_unknown_says_so(client, project):
    from activities.models import Funding

    Funding.objects.create(
        project=project, donor=Donor.objects.get(name="Made-up State"), currency="CHF"
    )
    assert "CHF: amount not known" in text_of(client.get("/projects/"))


@pytest.mark.parametrize(
    "query, listed",
    [
        ("country=SV", True),
        ("country=SEN", False),
        ("region=013", True),  # Central America holds El Salvador
        ("region=002", False),  # Africa
        ("year=2022", True),
        ("year=2019", False),
    ],
)
def test_the_list_filters_by_place_and_year(client, project, query, listed):
    response = client.get(f"/projects/?{query}")
    assert response.status_code == 200
    assert (CODE in text_of(response)) is listed


def test_the_list_filters_by_donor_and_theme(client, project):
    union = Donor.objects.get(name="Made-up Union")
    other = Donor.objects.create(name="Funds nothing")
    assert CODE in text_of(client.get(f"/projects/?donor={union.pk}"))
    assert CODE not in text_of(client.get(f"/projects/?donor={other.pk}"))
    theme = project.themes.get()
    assert CODE in text_of(client.get(f"/projects/?theme={theme.slug}"))


def test_a_bad_filter_value_is_an_error_next_to_its_field(client, project):
    response = client.get("/projects/?region=999")
    assert response.status_code == 400
    assert "Unknown M49 region code 999" in response.content.decode()


def test_the_detail_shows_scope_money_disbursements_outcomes_and_counts(client, project):
    response = client.get(f"/projects/{CODE}/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Police and prosecutors trained to investigate cybercrime." in page
    assert "El Salvador" in page
    # Committed and disbursed per donor, with each disbursement.
    assert "1,200,000 EUR" in page
    assert "750,000.50 EUR" in page
    assert "1 Feb 2021: 400,000 EUR" in page
    assert "300,000 USD" in page
    assert "1. Investigators trained" in page
    assert "2. Cases investigated" in page
    assert "No indicator measures this outcome yet." in page  # outcome 2
    assert "Project-level indicators" in page  # 2.1 hangs on no outcome
    # Headline counts from the engine: 2 activities of 30 participations each.
    totals = response.context["totals"]
    assert totals["activities"] == 2
    assert totals["participants"]["total"] == 60
    html = response.content.decode()
    assert f'href="/activities/?project={CODE}"' in html
    assert f'href="/projects/{CODE}/results/"' in html


def test_the_detail_counts_only_the_projects_published_activities_for_visitors(client, project):
    ActivityFactory(status=Activity.Status.DRAFT).projects.add(project)
    ActivityFactory()  # not in the project
    response = client.get(f"/projects/{CODE}/")
    assert response.context["totals"]["activities"] == 2


def test_an_unknown_project_is_a_404(client):
    assert client.get("/projects/NO-SUCH/").status_code == 404
    assert client.get("/projects/NO-SUCH/results/").status_code == 404


def test_the_activity_page_names_its_projects(client, project):
    activity = project.activities.first()
    html = client.get(f"/activities/{activity.pk}/").content.decode()
    assert f'href="/projects/{CODE}/"' in html


# --- Results -------------------------------------------------------------------------


def test_the_results_show_target_actual_percent_and_status_per_period(client, project):
    response = client.get(f"/projects/{CODE}/results/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Outcome 1. Investigators trained" in page
    assert "1.1 Participations in trainings" in page
    # 2 trainings of 30 in 2021 against a target of 50.
    assert "60 against a target of 50" in page
    assert "120 %" in page
    assert "Baseline: 0 (2020)" in page


def test_every_computed_actual_links_to_the_activities_behind_it(client, project):
    html = client.get(f"/projects/{CODE}/results/").content.decode()
    links = re.findall(r'<a href="(/activities/\?[^"]+)" title=', html)
    assert links
    for link in links:
        assert f"project={CODE}" in link.replace("&amp;", "&")


def test_an_entered_value_shows_its_evidence_and_comment(client, project):
    page = text_of(client.get(f"/projects/{CODE}/results/"))
    assert "1.2 Prosecutors' offices equipped" in page or "1.2 Prosecutors&#x27; offices" in page
    assert "Evidence: Handover minutes, ref. SV-2021-14" in page
    assert "Two more delivered in January 2022." in page


def test_a_period_without_target_says_so(client, project):
    from activities.models import Indicator, IndicatorValue

    offices = Indicator.objects.get(project=project, code="1.2")
    IndicatorValue.objects.create(indicator=offices, year=2022, value=2)
    page = text_of(client.get(f"/projects/{CODE}/results/"))
    assert "no target set" in page


def test_disaggregated_targets_show_as_parts_of_their_period(client, project):
    response = client.get(f"/projects/{CODE}/results/")
    html = response.content.decode()
    assert html.count('<tr class="part">') >= 2
    page = text_of(response)
    # 2 trainings of 10 women and 20 men each, against targets of 30 women and 20 men.
    assert "20 against a target of 30: not met" in page
    assert "40 against a target of 20: met" in page
    assert "66 %" in page and "200 %" in page


def test_a_more_than_figure_is_carried_as_a_lower_bound(client, project):
    project.activities.first().beneficiaries.update(qualifier="more_than")
    page = text_of(client.get(f"/projects/{CODE}/results/"))
    assert "at least 60 against a target of 50: met" in page


def test_the_results_pages_fit_a_phone_their_tables_scroll_in_a_wrapper(client, project):
    for url in (f"/projects/{CODE}/results/", f"/projects/{CODE}/", "/projects/"):
        html = client.get(url).content.decode()
        tables = html.count("<table")
        assert tables and html.count('<div class="table-wrap">') == tables, url
        assert 'name="viewport"' in html


# --- The officer form and the admin ------------------------------------------------------


def test_an_officer_puts_a_new_training_in_a_project(officer_client, project):
    from tests.test_officer_form import form_data

    form = officer_client.get("/log/").content.decode()
    assert 'name="projects"' in form
    response = officer_client.post("/log/", form_data(projects=[project.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    activity = Activity.objects.get(title="Online child protection for prosecutors")
    assert list(activity.projects.all()) == [project]


@pytest.mark.parametrize("model_name", ["project", "funding", "indicator", "donor"])
def test_the_admin_edits_projects_fundings_indicators_and_shows_a_donors_projects(
    superuser_client, project, model_name
):
    from django.apps import apps

    model = apps.get_model("activities", model_name)
    obj = {
        "project": project,
        "funding": project.fundings.first(),
        "indicator": project.indicators.first(),
        "donor": project.donors.first(),
    }[model_name]
    base = f"/admin/activities/{model_name}/"
    assert superuser_client.get(base).status_code == 200
    assert superuser_client.get(f"{base}add/").status_code == 200
    page = superuser_client.get(f"{base}{obj.pk}/change/")
    assert page.status_code == 200
    assert model.objects.filter(pk=obj.pk).exists()
    if model_name == "donor":
        assert CODE in page.content.decode()
