"""The audit covers every field of an activity, every many-to-many link included: a
change to its languages, audiences, mentors, mandates, donors or projects shows as
"old → new" beside its countries, regions, themes and partners (issue #15)."""

import pytest

from activities import audit, services
from activities.models import (
    Activity,
    Audience,
    Country,
    Language,
    Mandate,
    Mentor,
    Project,
    Theme,
)
from tests.factories import DonorFactory, MandateFactory

# The seeded close of 2020 removed: these tests close and edit periods of their own.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_the_2020_close")]


@pytest.fixture
def f28():
    """650 IT staff and teachers in El Salvador (paragraph 34), in Spanish."""
    return Activity.objects.get(reference="report-2020/F28")


@pytest.fixture
def relinked(f28, manager):
    """A manager changes every link of F28 at once, and puts it in a project."""
    project = Project.objects.create(code="GLOT-CYB", title="Cybercrime, Central America")
    f28.projects.add(project)
    mentor = Mentor.objects.create(hub_country=Country.objects.get(iso3="SLV"), name="A. Mentor")
    services.activity_update(
        activity=f28,
        expected_version=f28.version,
        relations={
            "languages": [Language.objects.get(code="en")],
            "audiences": [Audience.objects.get(slug="teachers")],
            "mentors": [mentor],
            "mandates": [Mandate.objects.order_by("pk").first() or MandateFactory()],
            "donors": [DonorFactory(name="Made-up fund")],
            "countries": list(Country.objects.filter(iso3__in=["SLV", "GTM"])),
            "themes": [Theme.objects.order_by("pk").last()],
        },
        by=manager,
        change_reason="A test's correction (F28 is dated 2020)",
    )
    return f28


def changes_by_field(activity) -> dict:
    """The changes of the activity's entries, oldest first (a later one wins)."""
    entries = [e for e in audit.activity_history(activity.pk) if e.subject == "activity"]
    return {
        change.field: (change.old, change.new)
        for entry in reversed(entries)
        if entry.action == "changed"
        for change in entry.changes
    }


def test_the_history_shows_every_many_to_many_link_that_changed(relinked):
    changes = changes_by_field(relinked)
    assert changes["languages"] == ("Spanish", "English")
    assert changes["audiences"][1] == "Teachers"
    assert "Teachers" in changes["audiences"][0] and changes["audiences"][0] != "Teachers"
    assert changes["mentors"][0] == "—" and "A. Mentor" in changes["mentors"][1]
    assert changes["mandates"][0] == "—"
    assert changes["donors"] == ("—", "Made-up fund")
    assert changes["projects"] == ("—", "GLOT-CYB: Cybercrime, Central America")
    assert changes["countries"] == ("El Salvador", "El Salvador, Guatemala")
    assert "themes" in changes


def test_every_audited_link_has_its_name_in_the_audit():
    assert set(audit.M2M_TARGETS) == {field.name for field in Activity._meta.many_to_many}, (
        "a many-to-many of Activity that the audit does not name"
    )


def test_the_history_page_shows_the_links_old_and_new(manager_client, relinked):
    page = manager_client.get(f"/activities/{relinked.pk}/history/").content.decode()
    assert (
        '<span class="change-field">languages</span>: <del>Spanish</del> → <ins>English</ins>'
        in page
    )
    assert "<del>—</del> → <ins>Made-up fund</ins>" in page
