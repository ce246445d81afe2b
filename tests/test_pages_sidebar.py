"""The activity list's filter sidebar is kept for anonymous visitors until reference data
changes (views/filter_forms.kept_sidebar_key): a write of activities computes the list
again, not its ten selects."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import Activity, Partner

URL = "/activities/?kind=training&page_size=20"
SIDEBAR = re.compile(r'<form class="filters.*?</form>', re.S)


def sidebar(response) -> str:
    assert response.status_code == 200
    return SIDEBAR.search(response.content.decode()).group(0)


def published(title: str) -> Activity:
    return Activity.objects.create(
        reference=f"sidebar-{title}",
        title=title,
        kind="training",
        start_date=datetime.date(2021, 3, 1),
        end_date=datetime.date(2021, 3, 2),
        status="published",
        delivery="delivered",
    )


@pytest.mark.usefixtures("seeded_transactional_db")
def test_the_sidebar_is_kept_across_writes_of_activities_not_of_reference_data(client, settings):
    settings.ROLLUPS_READERS_CATCH_UP = True
    first = sidebar(client.get(URL))
    published("kept sidebar")  # the data version moves: the list is computed again
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    assert "kept sidebar" in response.content.decode()
    assert sidebar(response) == first  # the same options, the same selected kind
    assert not any("activities_donor" in (q["sql"] or "") for q in captured)  # a select's
    # Another query is another sidebar; another page of the same query is the same one.
    assert 'value="training" selected' in first
    assert sidebar(client.get("/activities/?kind=webinar")) != first
    # A new partner (reference data) is in the next sidebar.
    Partner.objects.create(name="Sidebar test partner")
    assert "Sidebar test partner" in sidebar(client.get(URL))


@pytest.mark.usefixtures("seeded_transactional_db")
def test_a_signed_in_users_sidebar_is_rendered_each_time(client, django_user_model):
    user = django_user_model.objects.create_user("sidebar-officer", password="x")
    client.force_login(user)
    client.get(URL)
    with CaptureQueriesContext(connection) as captured:
        client.get(URL)
    assert any("activities_donor" in (q["sql"] or "") for q in captured)
