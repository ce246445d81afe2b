"""A manager finds a person, compares a duplicate and merges it, in a real browser, at
desktop and phone widths. Screenshots go to test-artifacts/ and, when SHOTS_DIR is set,
there too."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from activities.models import ParticipantMerge
from activities.roles import PROGRAMME_MANAGER
from tests.fixtures_browser import ARTIFACTS, DESKTOP, PHONE
from tests.fixtures_roles import make_role_user

from .people_helpers import activity_in, attend, make_person, scored
from .test_browser_officer import refused, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    for folder in filter(None, [ARTIFACTS, os.environ.get("SHOTS_DIR")]):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def people(roles):
    trainings = [
        activity_in("SLV", title="San Salvador prosecutors on cryptocurrency tracing"),
        activity_in("GTM", title="Guatemala City judges on electronic evidence"),
        activity_in("HND", title="Tegucigalpa police cyber unit induction"),
    ]
    kept = make_person(
        "María José",
        "Hernández Castillo",
        sex="female",
        email="mjhc@example.org",
        institution="Fiscalía General de la República",
        birth_year=1986,
    )
    duplicate = make_person(
        "Maria Jose",
        "Hernandez",
        sex="female",
        institution="Fiscalía General",
    )
    attend(kept, trainings[0], **scored("55", "80"))
    attend(kept, trainings[1], completed=True)
    attend(duplicate, trainings[1], completed=True, **scored("60", "85"))
    attend(duplicate, trainings[2])
    for index, (given, family) in enumerate(
        [
            ("Carlos", "Mendoza Ríos"),
            ("Lucía", "Fernández"),
            ("Óscar", "Villalobos Quintanilla"),
            ("Ana", "López García"),
            ("Roberto", "Aguilar"),
        ]
    ):
        attend(make_person(given, family, ["SLV", "GTM", "HND"][index % 3]), trainings[index % 3])
    return kept, duplicate


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_a_manager_compares_and_merges_a_duplicate(browser_page, people, viewport):
    page = browser_page
    page.set_viewport_size(viewport)
    kept, duplicate = people
    make_role_user("mona-manager", PROGRAMME_MANAGER)
    width = viewport["width"]

    sign_in(page, "mona-manager", "/people/")
    assert page.get_by_role("heading", name="People").is_visible()
    assert page.locator("table.people tbody tr").count() == 7
    shoot(page, f"people-directory-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.fill("#id_q", "hernandez maria")
    page.get_by_role("button", name="Search").first.click()
    page.wait_for_url(re.compile(r"q=hernandez"))
    assert page.locator("table.people tbody tr").count() == 2

    page.goto(page.url_for("/people/duplicates/"))
    assert page.get_by_role("link", name="Compare and merge").count() == 1
    shoot(page, f"people-duplicates-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(page.url_for(f"/people/{kept.pk}/merge/"))
    shoot(page, f"people-merge-pick-{width}")
    page.get_by_role("link", name="Compare").first.click()
    page.wait_for_url(re.compile(r"/merge/\?"))
    assert page.get_by_role("heading", name="The other record").is_visible()
    shoot(page, f"people-merge-compare-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("button", name="Merge these two records").click()
    page.wait_for_url(f"**/people/{kept.pk}/")
    assert ParticipantMerge.objects.filter(kept=kept, merged=duplicate).exists()
    assert page.get_by_role("button", name="Undo this merge").is_visible()
    shoot(page, f"people-person-after-merge-{width}")

    page.get_by_role("link", name="Erase on request").click()
    page.wait_for_url(f"**/people/{kept.pk}/erase/")
    shoot(page, f"people-erase-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not refused(page)
