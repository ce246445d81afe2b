"""Who may do what: every page and API endpoint × every role, and drafts kept private.

The subjects are two activities in Senegal and Burkina Faso, logged by the West Africa
officer: a DRAFT (4,321 people) and a PUBLISHED one (777 people). "Officer in scope" is
the West Africa officer; "officer out of scope" is the Central America officer (013).

Roles, in the order of every expected row below:
    anonymous, donor viewer, officer in scope, officer out of scope, manager, administrator

Reading the statuses: 302 from a page is the sign-in redirect for anonymous users and
the "saved" redirect otherwise; a draft one may not see is a 404 (its existence is not
confirmed); a record one sees but may not change is a 403; an anonymous API write is a
401 (token authentication comes first).
"""

from __future__ import annotations

import datetime
import io
import re

import openpyxl
import pytest
from django.test import Client
from rest_framework.test import APIClient

from activities import services
from activities.models import Activity, Audience, Country
from tests.fixtures_roles import fund, make_draft, resubmitted

pytestmark = pytest.mark.django_db

# The draft's 4,321 as a number, never four digits inside a timestamp's fraction.
DRAFT_COUNT = re.compile(r"(?<![0-9.])4,?321(?![0-9])")

ROLES = ["anonymous", "donor", "officer_in", "officer_out", "manager", "administrator"]
DRAFT_TITLE = "Sahel first responders on electronic evidence"
DRAFT_PEOPLE = 4321


@pytest.fixture
def world(role_users, west_africa_officer, manager, sahel_draft, viewers_donor):
    # The donor viewer's donor funds the draft: they count it without reading it
    # (tests/test_donor_view.py: another donor's viewer does not even count it).
    fund(sahel_draft, viewers_donor)
    published = make_draft(
        "Dakar judges on cybercrime legislation", ["SEN"], by=west_africa_officer, not_recorded=777
    )
    services.activity_publish(activity=published, by=manager)
    published.refresh_from_db()
    users = {
        "anonymous": None,
        "donor": role_users["donor viewer"],
        "officer_in": role_users["west africa officer"],
        "officer_out": role_users["officer"],
        "manager": role_users["manager"],
        "administrator": role_users["administrator"],
    }
    return {"draft": sahel_draft, "published": published, "users": users}


def edit_data(world) -> dict:
    """What the manager's browser would post to save the published activity, corrected."""
    manager_client = Client()
    manager_client.force_login(world["users"]["manager"])
    data = resubmitted(manager_client.get(f"/activities/{world['published'].pk}/edit/"))
    data["title"] = "Dakar judges on cybercrime legislation (corrected)"
    data["source_paragraph"] = "MR 2021/7"  # the form asks for the source on every save
    return data


def text(response) -> str:
    """The body of a response, streamed (the page's CSV) or not."""
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


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


def if_match(activity: Activity) -> dict:
    return {"HTTP_IF_MATCH": f'W/"activity-{activity.pk}-v{activity.version}"'}


def log_form_data() -> dict:
    return {
        "kind": "training",
        "title": "Thiès prosecutors on electronic evidence",
        "date_precision": "year",
        "year": "2021",
        "modality": "in_person",
        "delivery": "delivered",
        "countries": [Country.objects.get(iso3="SEN").pk],
        "rows-TOTAL_FORMS": "1",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
        "rows-0-audience": Audience.objects.get(slug="prosecutors").pk,
        "rows-0-female": "6",
        "rows-0-male": "9",
        "rows-0-qualifier": "exact",
        "source_paragraph": "MR 2021/6",
    }


API_TRAINING = {
    "kind": "training",
    "title": "Ouagadougou police on digital forensics",
    "start_date": "2021-06-07",
    "end_date": "2021-06-09",
    "date_precision": "day",
    "modality": "in_person",
    "countries": ["BF"],
    "beneficiaries": [{"audience": "police", "female": 3, "male": 11, "qualifier": "exact"}],
}

# name: (request, expected status per role, in ROLES order)
MATRIX = {
    # --- public pages
    "page dashboard": (lambda c, w: c.get("/"), (200, 200, 200, 200, 200, 200)),
    "page activity list": (lambda c, w: c.get("/activities/"), (200,) * 6),
    "page list CSV": (lambda c, w: c.get("/activities/download.csv"), (200,) * 6),
    "page list Excel": (lambda c, w: c.get("/activities/download.xlsx"), (200,) * 6),
    "page detail draft": (
        lambda c, w: c.get(f"/activities/{w['draft'].pk}/"),
        (404, 404, 200, 404, 200, 200),
    ),
    "page detail published": (lambda c, w: c.get(f"/activities/{w['published'].pk}/"), (200,) * 6),
    "page region": (lambda c, w: c.get("/regions/011/"), (200,) * 6),
    "page country": (lambda c, w: c.get("/countries/SN/"), (200,) * 6),
    # --- officer pages
    "log form": (lambda c, w: c.get("/log/"), (302, 403, 200, 200, 200, 200)),
    "log create (Senegal)": (
        lambda c, w: c.post("/log/", log_form_data()),
        (302, 403, 302, 400, 302, 302),
    ),
    "edit form draft": (
        lambda c, w: c.get(f"/activities/{w['draft'].pk}/edit/"),
        (302, 404, 200, 404, 200, 200),
    ),
    "edit form published": (
        lambda c, w: c.get(f"/activities/{w['published'].pk}/edit/"),
        (302, 403, 200, 403, 200, 200),
    ),
    "edit save published": (
        lambda c, w: c.post(f"/activities/{w['published'].pk}/edit/", edit_data(w)),
        (302, 403, 302, 403, 302, 302),
    ),
    "duplicate published": (
        lambda c, w: c.get(f"/activities/{w['published'].pk}/duplicate/"),
        (302, 403, 200, 200, 200, 200),
    ),
    "publish draft": (
        lambda c, w: c.post(f"/activities/{w['draft'].pk}/publish/", {"version": 1}),
        (302, 404, 403, 404, 302, 302),
    ),
    "history page draft": (
        lambda c, w: c.get(f"/activities/{w['draft'].pk}/history/"),
        (302, 404, 200, 404, 200, 200),
    ),
    "my activities": (lambda c, w: c.get("/my/activities/"), (302, 403, 200, 200, 200, 200)),
    "API token page": (lambda c, w: c.get("/accounts/token/"), (302, 200, 200, 200, 200, 200)),
    "admin": (lambda c, w: c.get("/admin/activities/activity/"), (302, 302, 302, 302, 302, 200)),
}

API_MATRIX = {
    "API list": (lambda c, w: c.get("/api/v1/activities/"), (200,) * 6),
    "API list CSV": (lambda c, w: c.get("/api/v1/activities/?format=csv"), (200,) * 6),
    "API detail draft": (
        lambda c, w: c.get(f"/api/v1/activities/{w['draft'].pk}/"),
        (404, 404, 200, 404, 200, 200),
    ),
    "API detail published": (
        lambda c, w: c.get(f"/api/v1/activities/{w['published'].pk}/"),
        (200,) * 6,
    ),
    "API create (Burkina Faso)": (
        lambda c, w: c.post("/api/v1/activities/", API_TRAINING, format="json"),
        (401, 403, 201, 403, 201, 201),
    ),
    "API update published": (
        lambda c, w: c.patch(
            f"/api/v1/activities/{w['published'].pk}/",
            {"title": "Dakar judges (renamed)"},
            format="json",
            **if_match(w["published"]),
        ),
        (401, 403, 200, 403, 200, 200),
    ),
    "API update draft": (
        lambda c, w: c.patch(
            f"/api/v1/activities/{w['draft'].pk}/",
            {"title": "Sahel (renamed)"},
            format="json",
            **if_match(w["draft"]),
        ),
        (401, 403, 200, 404, 200, 200),
    ),
    "API delete published": (
        lambda c, w: c.delete(
            f"/api/v1/activities/{w['published'].pk}/", **if_match(w["published"])
        ),
        (401, 403, 403, 403, 204, 204),
    ),
    "API delete draft": (
        lambda c, w: c.delete(f"/api/v1/activities/{w['draft'].pk}/", **if_match(w["draft"])),
        (401, 403, 403, 403, 204, 204),
    ),
    "API stats": (lambda c, w: c.get("/api/v1/stats/"), (200,) * 6),
    "API stats CSV": (lambda c, w: c.get("/api/v1/stats/?group_by=country&format=csv"), (200,) * 6),
    "API history": (
        lambda c, w: c.get(f"/api/v1/activities/{w['published'].pk}/history/"),
        (401, 403, 403, 403, 200, 200),
    ),
}

CASES = [(name, index) for name in MATRIX for index in range(len(ROLES))]
API_CASES = [(name, index) for name in API_MATRIX for index in range(len(ROLES))]


def case_id(case):
    name, index = case
    return f"{name} as {ROLES[index]}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_page_status(world, case):
    name, index = case
    request, expected = MATRIX[name]
    response = request(page_client(world["users"][ROLES[index]]), world)
    assert response.status_code == expected[index], response.content[:500]
    if response.status_code == 302 and ROLES[index] == "anonymous":
        assert response["Location"].startswith(("/accounts/login/", "/admin/login/"))


@pytest.mark.parametrize("case", API_CASES, ids=[case_id(c) for c in API_CASES])
def test_api_status(world, case):
    name, index = case
    request, expected = API_MATRIX[name]
    response = request(api_client(world["users"][ROLES[index]]), world)
    assert response.status_code == expected[index], response.content[:500]


# --- Drafts in what each role reads ----------------------------------------------------

SEES_DRAFT_RECORDS = {
    "anonymous": False,
    "donor": False,
    "officer_in": True,
    "officer_out": False,
    "manager": True,
    "administrator": True,
}
# Aggregates: donors read draft aggregates (activities/access.py), officers their scope's.
COUNTS_DRAFT = {**SEES_DRAFT_RECORDS, "donor": True}


def xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


@pytest.mark.parametrize("role", ROLES)
def test_draft_records_appear_only_for_those_who_may_read_them(world, role):
    user = world["users"][role]
    pages, api = page_client(user), api_client(user)
    texts = {
        "page list": pages.get("/activities/").content.decode(),
        "page CSV": text(pages.get("/activities/download.csv")),
        "page Excel": xlsx_text(pages.get("/activities/download.xlsx").content),
        "page country": pages.get("/countries/SN/").content.decode(),
        "page region": pages.get("/regions/011/").content.decode(),
        "API list": api.get("/api/v1/activities/?page_size=1000").content.decode(),
        "API CSV": api.get("/api/v1/activities/?format=csv&page_size=1000").content.decode(),
        "API country filter": api.get("/api/v1/activities/?country=SN").content.decode(),
    }
    for where, body in texts.items():
        assert (DRAFT_TITLE in body) is SEES_DRAFT_RECORDS[role], where
        assert "Dakar judges on cybercrime legislation" in body, where


@pytest.mark.parametrize("role", ROLES)
def test_stats_name_only_the_drafts_the_role_may_read(world, role):
    # In Senegal, the draft's 4,321 people are not attributable (they belong to Western
    # Africa): the stats list the activity they come from, by title for those who may
    # read it, as "a draft record" for donors, and not at all for the others.
    body = text(api_client(world["users"][role]).get("/api/v1/stats/?country=SN"))
    assert (DRAFT_TITLE in body) is SEES_DRAFT_RECORDS[role]
    assert ("A draft record, not yet published" in body) is (role == "donor")
    assert (f'"id":{world["draft"].pk},' in body.replace(" ", "")) is SEES_DRAFT_RECORDS[role]


def stats_total(client) -> int:
    return client.get("/api/v1/stats/").json()["totals"]["participants"]["total"]


@pytest.mark.parametrize("role", ROLES)
def test_stats_totals_count_the_draft_only_for_those_who_may(world, role):
    api = api_client(world["users"][role])
    with_draft = stats_total(api)
    # The draft's people are not split between Senegal and Burkina Faso: they count for
    # Western Africa (011), like the published activity's 777 in Senegal.
    west_africa = api.get("/api/v1/stats/?region=011").json()["totals"]["participants"]["total"]
    # Without the draft, the same role's totals fall by exactly its 4,321 people or not.
    Activity.objects.filter(pk=world["draft"].pk).delete()
    without_draft = stats_total(api)
    expected_difference = DRAFT_PEOPLE if COUNTS_DRAFT[role] else 0
    assert with_draft - without_draft == expected_difference
    assert west_africa == 777 + expected_difference


def test_no_anonymous_response_mentions_the_draft_or_counts_it(world, client):
    """An anonymous visitor's whole tour: pages, exports, API, stats, map, CSV."""
    draft = world["draft"]
    anonymous_api = APIClient()
    before = {
        "stats": anonymous_api.get("/api/v1/stats/?group_by=country").json(),
        "stats by region": anonymous_api.get("/api/v1/stats/?group_by=region").json(),
        "dashboard": client.get("/").content.decode(),
        "Senegal": client.get("/countries/SN/").content.decode(),
    }
    urls = [
        "/",
        "/activities/",
        "/activities/?country=SN",
        "/activities/?status=draft",
        "/activities/download.csv",
        "/activities/download.csv?status=draft",
        "/countries/SN/",
        "/countries/BF/",
        "/regions/011/",
        "/figures/",
        "/api/v1/activities/",
        "/api/v1/activities/?format=csv",
        "/api/v1/activities/?status=draft",
        "/api/v1/stats/",
        "/api/v1/stats/?group_by=country",
        "/api/v1/stats/?group_by=country&format=csv",
        "/api/v1/stats/?country=SN",
        "/api/v1/countries/SN/",
    ]
    for url in urls:
        response = anonymous_api.get(url) if url.startswith("/api/") else client.get(url)
        assert response.status_code in (200, 400), url
        body = text(response)
        assert DRAFT_TITLE not in body, url
        assert not DRAFT_COUNT.search(body), url
        assert f"/activities/{draft.pk}/" not in body, url
    # And the numbers are those of a database without the draft.
    Activity.objects.filter(pk=draft.pk).delete()
    assert anonymous_api.get("/api/v1/stats/?group_by=country").json() == before["stats"]
    assert anonymous_api.get("/api/v1/stats/?group_by=region").json() == before["stats by region"]


def test_a_published_record_leaves_every_anonymous_list_when_withdrawn(world, client):
    published = world["published"]
    assert "Dakar judges" in text(client.get("/activities/download.csv"))
    services.activity_unpublish(activity=published, by=world["users"]["manager"])
    assert "Dakar judges" not in text(client.get("/activities/download.csv"))
    assert client.get(f"/api/v1/activities/{published.pk}/").status_code == 404


def test_the_log_create_as_the_in_scope_officer_is_a_draft_they_own(world):
    officer = world["users"]["officer_in"]
    page_client(officer).post("/log/", log_form_data())
    activity = Activity.objects.get(title="Thiès prosecutors on electronic evidence")
    assert (activity.status, activity.created_by, activity.start_date) == (
        "draft",
        officer,
        datetime.date(2021, 1, 1),
    )
