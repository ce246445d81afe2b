"""Two people editing the same activity: the second save shows the first one's change
and keeps what the second person typed, instead of overwriting."""

import pytest

from activities import services
from activities.models import Activity
from tests.fixtures_roles import resubmitted

# They edit seeded 2020 records and are not about periods: without the seed's close of
# 2020, whose changes need a reason (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_the_2020_close")]

# F28 is dated 2020: once the 2020 period is closed, a change to it needs a reason.
REASON = "A test's correction"


@pytest.fixture
def f28():
    return Activity.objects.get(reference="report-2020/F28")


@pytest.fixture
def opened_by_officer(officer_client, f28):
    """The officer opens the edit form at version 1 and types a new title."""
    data = resubmitted(officer_client.get(f"/activities/{f28.pk}/edit/"))
    assert data["version"] == "1"
    data["title"] = "Cyber-incident response protocol for online classes (officer's title)"
    data["change_reason"] = REASON
    return data


@pytest.fixture
def manager_saved_meanwhile(manager_client, f28):
    """Meanwhile the manager corrects 650 to 660 and saves first."""
    data = resubmitted(manager_client.get(f"/activities/{f28.pk}/edit/"))
    data["rows-0-not_recorded"] = "660"
    data["change_reason"] = REASON
    assert manager_client.post(f"/activities/{f28.pk}/edit/", data).status_code == 302


def test_the_stale_save_is_refused_and_nothing_is_overwritten(
    officer_client, f28, opened_by_officer, manager_saved_meanwhile
):
    response = officer_client.post(f"/activities/{f28.pk}/edit/", opened_by_officer)
    assert response.status_code == 409
    f28.refresh_from_db()
    assert f28.version == 2
    assert f28.title.startswith("Training of information technology staff")
    # The manager's 660 stands: the officer's form (still 650) did not overwrite it.
    assert f28.beneficiaries.get().not_recorded == 660


def test_the_conflict_message_says_who_changed_what_and_when(
    officer_client, f28, opened_by_officer, manager_saved_meanwhile
):
    page = officer_client.post(f"/activities/{f28.pk}/edit/", opened_by_officer).content.decode()
    assert "someone else changed this activity while you were editing" in page
    conflict = page[page.index('class="conflict"') : page.index("</section>")]
    assert "<strong>mona-manager</strong> changed the beneficiary row" in conflict
    assert "<del>650</del> → <ins>660</ins>" in conflict
    assert "<time datetime=" in conflict


def test_the_officers_input_is_kept_and_the_form_now_carries_the_current_version(
    officer_client, f28, opened_by_officer, manager_saved_meanwhile
):
    response = officer_client.post(f"/activities/{f28.pk}/edit/", opened_by_officer)
    page = response.content.decode()
    assert "(officer&#x27;s title)" in page
    assert response.context["form"]["version"].value() == "2"
    # Saving again is now an informed choice, and it goes through.
    again = resubmitted(response)
    again["rows-0-not_recorded"] = "660"  # the officer takes the manager's correction
    assert officer_client.post(f"/activities/{f28.pk}/edit/", again).status_code == 302
    f28.refresh_from_db()
    assert f28.title.endswith("(officer's title)")
    assert (f28.version, f28.beneficiaries.get().not_recorded) == (3, 660)


def test_a_change_by_the_api_is_shown_too(officer_client, manager, f28, opened_by_officer):
    services.activity_update(
        activity=f28,
        expected_version=1,
        fields={"modality": "online"},
        by=manager,
        change_reason=REASON,
    )
    page = officer_client.post(f"/activities/{f28.pk}/edit/", opened_by_officer).content.decode()
    assert "<del>not recorded</del> → <ins>online</ins>" in page
