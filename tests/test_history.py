"""Audit history: who changed a count from 650 to 660, on the page, the API, the admin."""

import pytest

from activities.models import Activity
from tests.fixtures_roles import resubmitted

# They edit seeded 2020 records and are not about periods: without the seed's close of
# 2020, whose changes need a reason (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_the_2020_close")]

# F28 is dated 2020: once the 2020 period is closed, a change to it needs a reason.
REASON = "A test's correction"


@pytest.fixture
def f28():
    """650 IT staff and teachers in El Salvador (paragraph 34), not split by sex."""
    return Activity.objects.get(reference="report-2020/F28")


@pytest.fixture
def changed_to_660(officer_client, f28):
    """The Central America officer corrects 650 to 660 through the edit form."""
    page = officer_client.get(f"/activities/{f28.pk}/edit/")
    data = resubmitted(page)
    assert data["rows-0-not_recorded"] == "650"
    data["rows-0-not_recorded"] = "660"
    data["change_reason"] = REASON
    response = officer_client.post(f"/activities/{f28.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    f28.refresh_from_db()
    return f28


def test_the_change_is_saved_and_the_version_bumped(changed_to_660):
    assert changed_to_660.beneficiaries.get().total == 660
    assert changed_to_660.version == 2


def test_the_history_tab_says_who_changed_650_to_660_and_when(manager_client, changed_to_660):
    page = manager_client.get(f"/activities/{changed_to_660.pk}/history/").content.decode()
    assert "<strong>olga-officer</strong> changed the beneficiary row" in page
    change = "<del>650</del> → <ins>660</ins>"
    assert f'<span class="change-field">sex not recorded</span>: {change}' in page
    assert '<span class="change-field">total</span>: <del>650</del> → <ins>660</ins>' in page
    assert "<time datetime=" in page


def test_the_seed_record_shows_as_created_by_the_system(manager_client, changed_to_660):
    page = manager_client.get(f"/activities/{changed_to_660.pk}/history/").content.decode()
    assert "<strong>system</strong> created the activity" in page


def test_managers_read_the_history_through_the_api(manager_client, changed_to_660):
    response = manager_client.get(f"/api/v1/activities/{changed_to_660.pk}/history/")
    assert response.status_code == 200
    entries = response.json()
    row_changes = [e for e in entries if e["beneficiary_row"] and e["action"] == "changed"]
    latest_row_change = row_changes[0]
    assert latest_row_change["who"] == "olga-officer"
    assert {"field": "not_recorded", "label": "sex not recorded", "old": "650", "new": "660"} in (
        latest_row_change["changes"]
    )
    assert entries == sorted(entries, key=lambda e: e["when"], reverse=True)


@pytest.mark.parametrize("who", ["anonymous", "donor viewer", "officer"])
def test_the_api_history_is_for_managers_only(who, client, donor_client, officer_client, f28):
    chosen = {"anonymous": client, "donor viewer": donor_client, "officer": officer_client}[who]
    assert chosen.get(f"/api/v1/activities/{f28.pk}/history/").status_code in (401, 403)


def test_the_history_page_needs_a_sign_in_and_hides_invisible_drafts(
    client, officer_client, sahel_draft, f28
):
    response = client.get(f"/activities/{f28.pk}/history/")
    assert response.status_code == 302
    assert officer_client.get(f"/activities/{sahel_draft.pk}/history/").status_code == 404


def test_the_admin_history_lists_the_officers_change(superuser_client, changed_to_660):
    response = superuser_client.get(f"/admin/activities/activity/{changed_to_660.pk}/history/")
    assert response.status_code == 200
    assert "olga-officer" in response.content.decode()


def test_a_deleted_row_is_in_the_history(officer_client, manager_client, f28):
    from activities import services

    services.activity_update(
        activity=f28,
        expected_version=f28.version,
        beneficiary_rows=[],
        by=f28.created_by,
        change_reason=REASON,
    )
    page = manager_client.get(f"/activities/{f28.pk}/history/").content.decode()
    assert "deleted the beneficiary row" in page


def test_a_changed_country_list_is_shown_as_names(manager, manager_client, f28):
    from activities import services
    from activities.models import Country

    services.activity_update(
        activity=f28,
        expected_version=f28.version,
        relations={"countries": list(Country.objects.filter(iso3__in=["SLV", "GTM"]))},
        by=manager,
        change_reason=REASON,
    )
    page = manager_client.get(f"/activities/{f28.pk}/history/").content.decode()
    assert "<del>El Salvador</del> → <ins>El Salvador, Guatemala</ins>" in page
