"""The admin refuses to save over someone else's newer save, and records who saved."""

import pytest

from activities import services
from activities.models import Activity

# They edit seeded 2020 records and are not about periods: without the seed's close of
# 2020, whose changes need a reason (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_the_2020_close")]

# F28 is dated 2020: once the 2020 period is closed, a change to it needs a reason.
REASON = "A test's correction"


def change_url(activity):
    return f"/admin/activities/activity/{activity.pk}/change/"


def admin_post(page):
    """The admin change form posted back as it was rendered."""
    from tests.fixtures_roles import resubmitted

    class Wrapped:
        context = {
            "form": page.context["adminform"].form,
            "formset": page.context["inline_admin_formsets"][0].formset,
        }

    data = resubmitted(Wrapped)
    # The other inlines (the sessions), posted back as rendered too.
    for inline in page.context["inline_admin_formsets"][1:]:

        class Inline:
            context = {"form": inline.formset.management_form, "formset": inline.formset}

        data.update(resubmitted(Inline))
    return data


def test_a_stale_admin_save_is_refused(superuser_client, manager):
    f28 = Activity.objects.get(reference="report-2020/F28")
    page = superuser_client.get(change_url(f28))
    assert 'name="loaded_version"' in page.content.decode()
    data = admin_post(page)
    data["title"] = "Admin's title"
    services.activity_update(
        activity=f28,
        expected_version=f28.version,
        fields={"title": "Manager's title"},
        by=manager,
        change_reason=REASON,
    )
    response = superuser_client.post(change_url(f28), data)
    assert response.status_code == 200
    assert "Someone saved this activity since you opened it" in response.content.decode()
    f28.refresh_from_db()
    assert f28.title == "Manager's title"


def test_a_current_admin_save_goes_through_and_is_in_the_history(superuser_client, superuser):
    f28 = Activity.objects.get(reference="report-2020/F28")
    data = admin_post(superuser_client.get(change_url(f28)))
    data["title"] = "Admin's title"
    data["change_reason"] = REASON
    response = superuser_client.post(change_url(f28), data)
    assert response.status_code == 302
    f28.refresh_from_db()
    assert (f28.title, f28.version) == ("Admin's title", 2)
    assert Activity.history.filter(id=f28.pk).latest("history_date").history_user == superuser
