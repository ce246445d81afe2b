"""Administrators give officers their scope in the admin."""

import pytest

from activities.models import OfficerScope

pytestmark = pytest.mark.django_db


def test_the_officer_scope_list_names_the_places(administrator_client, officer):
    response = administrator_client.get("/admin/activities/officerscope/")
    assert response.status_code == 200
    assert "olga-officer" in response.content.decode()
    assert "Central America" in response.content.decode()


def test_an_officer_cannot_open_the_admin(officer_client):
    assert officer_client.get("/admin/activities/officerscope/").status_code == 302


def test_the_scope_change_page_answers(administrator_client, officer):
    scope = OfficerScope.objects.get(user=officer)
    response = administrator_client.get(f"/admin/activities/officerscope/{scope.pk}/change/")
    assert response.status_code == 200
