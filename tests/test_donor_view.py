"""The donor view: a donor viewer sees their projects' funding, results link and
activities, and counts the drafts their donors fund, never another donor's.

The world: donor A funds project ALPHA-2021, whose draft training in El Salvador has
1,357 participations, and a draft in Honduras is tagged with A directly (97); donor B
funds project BETA-2021, whose draft in Guatemala has 2,468. Nothing of them is
published. Roles: anonymous, a Central America officer (the three drafts are in their
scope), a manager, a viewer of A and a viewer of B.
"""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from activities import access
from activities.models import (
    Activity,
    Disbursement,
    Donor,
    DonorViewer,
    Funding,
    Project,
)
from activities.roles import DONOR_VIEWER
from tests.fixtures_roles import make_draft, make_role_user

pytestmark = pytest.mark.django_db

ALPHA_PEOPLE, ALPHA_TAGGED_PEOPLE, BETA_PEOPLE = 1357, 97, 2468
ALPHA_TITLE = "Alpha draft: San Salvador judges on electronic evidence"
ALPHA_TAGGED_TITLE = "Alpha tagged draft: Tegucigalpa police on OSINT"
BETA_TITLE = "Beta draft: Guatemala prosecutors on cryptocurrency tracing"
ALPHA_NUMBERS = re.compile(r"(?<![0-9.])1,?357(?![0-9])|(?<![0-9.])97(?![0-9])")
ROLES = ["anonymous", "officer", "manager", "viewer_a", "viewer_b"]


@pytest.fixture
def world(roles, officer, manager):
    donor_a = Donor.objects.create(name="Alpha Trust")
    donor_b = Donor.objects.create(name="Beta Fund")
    alpha = Project.objects.create(
        code="ALPHA-2021",
        title="Electronic evidence in Central America",
        start_date=datetime.date(2021, 1, 1),
        end_date=datetime.date(2022, 12, 31),
    )
    beta = Project.objects.create(code="BETA-2021", title="Cryptocurrency tracing")
    funding_a = Funding.objects.create(
        project=alpha,
        donor=donor_a,
        committed_amount=Decimal("250000.00"),
        currency="EUR",
        committed_on=datetime.date(2020, 11, 2),
    )
    Disbursement.objects.create(
        funding=funding_a, date=datetime.date(2021, 1, 15), amount=Decimal("100000.00")
    )
    Disbursement.objects.create(
        funding=funding_a, date=datetime.date(2021, 6, 30), amount=Decimal("50000.00")
    )
    Funding.objects.create(
        project=beta, donor=donor_b, committed_amount=Decimal("80000.00"), currency="USD"
    )
    alpha_draft = make_draft(ALPHA_TITLE, ["SLV"], by=officer, not_recorded=ALPHA_PEOPLE)
    alpha_draft.projects.add(alpha)
    tagged_draft = make_draft(
        ALPHA_TAGGED_TITLE, ["HND"], by=officer, not_recorded=ALPHA_TAGGED_PEOPLE
    )
    tagged_draft.donors.add(donor_a)
    beta_draft = make_draft(BETA_TITLE, ["GTM"], by=officer, not_recorded=BETA_PEOPLE)
    beta_draft.projects.add(beta)
    viewer_a = make_role_user("vera-alpha", DONOR_VIEWER)
    DonorViewer.objects.create(user=viewer_a, donor=donor_a)
    viewer_b = make_role_user("bo-beta", DONOR_VIEWER)
    DonorViewer.objects.create(user=viewer_b, donor=donor_b)
    return {
        "donor_a": donor_a,
        "donor_b": donor_b,
        "alpha_draft": alpha_draft,
        "tagged_draft": tagged_draft,
        "beta_draft": beta_draft,
        "users": {
            "anonymous": None,
            "officer": officer,
            "manager": manager,
            "viewer_a": viewer_a,
            "viewer_b": viewer_b,
        },
    }


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def participants(api, query: str = "") -> int:
    answer = api.get(f"/api/v1/stats/?{query}")
    assert answer.status_code == 200, answer.content[:300]
    return answer.json()["totals"]["participants"]["total"]


# The drafts each role counts, beyond the published records everyone counts.
COUNTED = {
    "anonymous": 0,
    "officer": ALPHA_PEOPLE + ALPHA_TAGGED_PEOPLE + BETA_PEOPLE,  # all in their scope
    "manager": ALPHA_PEOPLE + ALPHA_TAGGED_PEOPLE + BETA_PEOPLE,
    "viewer_a": ALPHA_PEOPLE + ALPHA_TAGGED_PEOPLE,
    "viewer_b": BETA_PEOPLE,
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_counts_exactly_the_drafts_it_may(world, role):
    api = api_client(world["users"][role])
    published = participants(APIClient())
    assert participants(api) == published + COUNTED[role]
    # Per project: a donor's viewer counts the drafts of its projects, no other.
    alpha = participants(api, "project=ALPHA-2021")
    assert alpha == (0 if role in ("anonymous", "viewer_b") else ALPHA_PEOPLE)
    beta = participants(api, "project=BETA-2021")
    assert beta == (0 if role in ("anonymous", "viewer_a") else BETA_PEOPLE)
    by_donor_a = participants(api, f"donor={world['donor_a'].pk}")
    assert by_donor_a == (
        0 if role in ("anonymous", "viewer_b") else ALPHA_PEOPLE + ALPHA_TAGGED_PEOPLE
    )
    includes = api.get("/api/v1/stats/?project=ALPHA-2021").json()["includes_drafts"]
    assert includes is (role not in ("anonymous", "viewer_b"))


@pytest.mark.parametrize("role", ROLES)
def test_the_queryset_rule_matches(world, role):
    user = world["users"][role]
    counted = set(Activity.objects.aggregated_for(user).values_list("pk", flat=True))
    expected = {
        "anonymous": set(),
        "officer": {"alpha_draft", "tagged_draft", "beta_draft"},
        "manager": {"alpha_draft", "tagged_draft", "beta_draft"},
        "viewer_a": {"alpha_draft", "tagged_draft"},
        "viewer_b": {"beta_draft"},
    }[role]
    for name in ("alpha_draft", "tagged_draft", "beta_draft"):
        assert (world[name].pk in counted) is (name in expected), name


def test_donor_b_s_viewer_finds_no_trace_of_donor_a_s_drafts_anywhere(world):
    viewer_b = world["users"]["viewer_b"]
    pages, api = page_client(viewer_b), api_client(viewer_b)
    alpha = world["alpha_draft"]
    responses = {
        "dashboard": pages.get("/"),
        "El Salvador": pages.get("/countries/SV/"),
        "Honduras": pages.get("/countries/HN/"),
        "Central America": pages.get("/regions/013/"),
        "list": pages.get("/activities/"),
        "list of the project": pages.get("/activities/?project=ALPHA-2021"),
        "list of the donor": pages.get(f"/activities/?donor={world['donor_a'].pk}"),
        "CSV": pages.get("/activities/download.csv"),
        "CSV of the project": pages.get("/activities/download.csv?project=ALPHA-2021"),
        "detail": pages.get(f"/activities/{alpha.pk}/"),
        "partners": pages.get("/partners/"),
        "my projects": pages.get("/donor/"),
        "API list": api.get("/api/v1/activities/"),
        "API list of the project": api.get("/api/v1/activities/?project=ALPHA-2021"),
        "API detail": api.get(f"/api/v1/activities/{alpha.pk}/"),
        "stats by country": api.get("/api/v1/stats/?group_by=country"),
        "stats by region": api.get("/api/v1/stats/?group_by=region"),
        "stats of El Salvador": api.get("/api/v1/stats/?country=SV"),
        "stats of the project": api.get("/api/v1/stats/?project=ALPHA-2021&group_by=country"),
        "stats CSV": api.get("/api/v1/stats/?group_by=country&format=csv"),
    }
    assert responses["detail"].status_code == 404
    assert responses["API detail"].status_code == 404
    for where, response in responses.items():
        body = text(response)
        for title in (ALPHA_TITLE, ALPHA_TAGGED_TITLE):
            assert title not in body, where
        assert "A draft record, not yet published" not in body, where
        # (Donor names and project codes are public reference data: the filters list them.)
    for where in ("stats of El Salvador", "stats of the project"):
        assert responses[where].json()["includes_drafts"] is False, where
    # The stats of the project: nothing at all (its one activity is A's draft).
    project = responses["stats of the project"].json()["totals"]
    assert (project["activities"], project["participants"]["total"]) == (0, 0)
    # Their dashboard's total: the published records and their own donor's draft only.
    dashboard = responses["dashboard"].context["totals"]["participants"]["total"]
    anonymous = Client().get("/").context["totals"]["participants"]["total"]
    assert dashboard == anonymous + BETA_PEOPLE
    assert not ALPHA_NUMBERS.search(text(responses["stats of the project"]))


def test_donor_a_s_viewer_counts_their_drafts_but_reads_published_records_only(world):
    viewer_a = world["users"]["viewer_a"]
    pages, api = page_client(viewer_a), api_client(viewer_a)
    # Counted...
    el_salvador = pages.get("/countries/SV/")
    anonymous = Client().get("/countries/SV/")
    assert (
        el_salvador.context["totals"]["participants"]["total"]
        == anonymous.context["totals"]["participants"]["total"] + ALPHA_PEOPLE
    )
    # ...but not read one by one.
    assert ALPHA_TITLE not in pages.get("/activities/?project=ALPHA-2021").content.decode()
    assert api.get("/api/v1/activities/?project=ALPHA-2021").json()["count"] == 0
    assert pages.get(f"/activities/{world['alpha_draft'].pk}/").status_code == 404
    assert ALPHA_TITLE not in text(pages.get("/activities/download.csv?project=ALPHA-2021"))


def test_donor_a_s_viewer_sees_their_projects_funding_and_results_link(world):
    response = page_client(world["users"]["viewer_a"]).get("/donor/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "ALPHA-2021: Electronic evidence in Central America" in body
    assert "EUR 250,000.00" in body
    assert "15 January 2021: EUR 100,000.00" in body
    assert "30 June 2021: EUR 50,000.00" in body
    assert "EUR 150,000.00" in body  # disbursed in all
    assert 'href="/projects/ALPHA-2021/results/"' in body
    assert 'href="/activities/?project=ALPHA-2021"' in body
    assert f'href="/activities/?donor={world["donor_a"].pk}"' in body
    # Their project's counts include its draft, and say so.
    [item] = response.context["projects"]
    assert item.counts["activities"] == 1
    assert item.counts["participants"]["total"] == ALPHA_PEOPLE
    assert item.includes_drafts
    # Nothing of donor B.
    assert "BETA-2021" not in body and "Beta Fund" not in body and "80,000" not in body


def test_donor_b_s_viewer_sees_only_their_project(world):
    body = page_client(world["users"]["viewer_b"]).get("/donor/").content.decode()
    assert "BETA-2021" in body and "USD 80,000.00" in body
    assert "nothing disbursed yet" in body
    assert "ALPHA-2021" not in body and "250,000" not in body


def test_my_projects_asks_to_sign_in_and_says_when_no_donor_is_linked(world, donor_viewer):
    anonymous = Client().get("/donor/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for user in (world["users"]["officer"], world["users"]["manager"]):
        body = page_client(user).get("/donor/").content.decode()
        assert "linked to no donor" in body
        assert "ALPHA-2021" not in body
    unlinked = make_role_user("una-unlinked", DONOR_VIEWER)
    assert "linked to no donor" in page_client(unlinked).get("/donor/").content.decode()


def test_a_donor_viewer_linked_to_no_donor_counts_no_draft(world):
    unlinked = make_role_user("una-unlinked", DONOR_VIEWER)
    assert participants(api_client(unlinked)) == participants(APIClient())


def test_the_menu_offers_my_projects_to_donor_viewers_only(world):
    assert 'href="/donor/"' in page_client(world["users"]["viewer_a"]).get("/").content.decode()
    for role in ("officer", "manager"):
        assert 'href="/donor/"' not in page_client(world["users"][role]).get("/").content.decode()


def test_create_role_user_links_a_donor_viewer_to_their_donors(world):
    out = io.StringIO()
    call_command(
        "create_role_user", "dora", "--role", "donor", "--no-password", "--donor", "Alpha Trust",
        stdout=out,
    )  # fmt: skip
    assert "donors Alpha Trust" in out.getvalue()
    user = DonorViewer.objects.get(donor=world["donor_a"], user__username="dora").user
    assert access.viewer_donor_ids(user) == [world["donor_a"].pk]
    # Given again, the links are replaced (by name or by id).
    call_command(
        "create_role_user", "dora", "--role", "donor", "--no-password",
        "--donor", str(world["donor_b"].pk), stdout=io.StringIO(),
    )  # fmt: skip
    assert list(DonorViewer.objects.filter(user=user).values_list("donor__name", flat=True)) == [
        "Beta Fund"
    ]
    with pytest.raises(CommandError, match="Unknown donors: Gamma"):
        call_command("create_role_user", "dora", "--role", "donor", "--donor", "Gamma")
    with pytest.raises(CommandError, match="--donor is for donor viewers"):
        call_command(
            "create_role_user", "olga2", "--role", "manager", "--donor", "Alpha Trust",
        )  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_project_results_count_the_draft_for_those_who_may_only(world, role):
    """The results of project ALPHA-2021 (the lead's compute, over `aggregated_for`):
    its draft's 1,357 count for donor A's viewer, the officer and the manager; donor B's
    viewer and the public see no value."""
    from activities.models import Indicator
    from activities.results import compute

    alpha = Project.objects.get(code="ALPHA-2021")
    Indicator.objects.create(
        project=alpha, code="1", title="People trained", kind="computed", measure="participants"
    )
    [result] = compute.project_results(alpha, user=world["users"][role])
    cell = result.cell(2021)
    value = cell.actual.value if cell is not None and cell.actual is not None else 0
    assert value == (0 if role in ("anonymous", "viewer_b") else ALPHA_PEOPLE)


def test_the_admin_shows_a_donor_s_viewers_and_its_projects(world, superuser_client):
    page = superuser_client.get(f"/admin/activities/donor/{world['donor_a'].pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "vera-alpha" in body  # its viewer (DonorViewerInline)
    assert "ALPHA-2021" in body  # the project it funds (DonorFundingInline)
