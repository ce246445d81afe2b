"""Sign-in: the pages, CSRF, and throttling against password guessing (django-axes)."""

import pytest
from django.conf import settings
from django.test import Client

from tests.fixtures_roles import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_login_page_answers_with_a_csrf_protected_form(client):
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()


def test_an_officer_signs_in_and_out(officer):
    client = Client()
    response = attempt(client, "olga-officer", PASSWORD)
    assert response.status_code == 302
    assert client.get("/log/").status_code == 200
    # Logging out is a POST (a GET would let any page sign people out).
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/log/").status_code == 302


def test_a_wrong_password_says_so_and_keeps_the_username(officer):
    response = attempt(Client(), "olga-officer", "wrong")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please enter a correct username and password" in page
    assert 'value="olga-officer"' in page


def test_a_post_without_the_csrf_token_is_refused(officer):
    client = Client(enforce_csrf_checks=True)
    assert attempt(client, "olga-officer", PASSWORD).status_code == 403


def test_signing_in_locks_after_the_failure_limit_even_with_the_right_password(officer):
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert attempt(client, "olga-officer", "guess").status_code == 200
    locked = attempt(client, "olga-officer", "guess")
    assert locked.status_code == 429
    assert "Signing in is locked for now" in locked.content.decode()
    # The right password does not get through while locked.
    still_locked = attempt(client, "olga-officer", PASSWORD)
    assert still_locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_and_address(officer, manager):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "olga-officer", "guess")
    assert attempt(client, "mona-manager", PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(officer):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "olga-officer", "guess")
    assert attempt(client, "olga-officer", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "olga-officer", "guess").status_code == 200


def test_the_admin_login_is_throttled_too(officer):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "olga-officer", "password": "guess"})
    response = client.post("/admin/login/", {"username": "olga-officer", "password": PASSWORD})
    assert response.status_code == 429
