"""manage.py create_role_user: users with a role and, for officers, a scope."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from activities import access
from activities.models import Activity

pytestmark = pytest.mark.django_db


def test_it_creates_a_central_america_officer_who_can_sign_in(monkeypatch, capsys, client):
    monkeypatch.setenv("NEW_PASSWORD", "a long passphrase for olga")
    call_command(
        "create_role_user",
        "olga",
        "--role",
        "officer",
        "--regions",
        "013",
        "--password-env",
        "NEW_PASSWORD",
    )
    assert "Created olga: Programme officer, scope 013" in capsys.readouterr().out
    olga = get_user_model().objects.get(username="olga")
    assert access.editable_activities(olga).filter(reference="report-2020/F19").exists()
    response = client.post(
        "/accounts/login/", {"username": "olga", "password": "a long passphrase for olga"}
    )
    assert response.status_code == 302


def test_running_it_again_changes_the_role(capsys):
    call_command("create_role_user", "mona", "--role", "donor", "--no-password")
    call_command("create_role_user", "mona", "--role", "manager", "--no-password")
    mona = get_user_model().objects.get(username="mona")
    assert list(mona.groups.values_list("name", flat=True)) == ["Programme manager"]
    assert not mona.has_usable_password()
    assert access.editable_activities(mona).count() == Activity.objects.count()


def test_an_administrator_gets_the_admin_site():
    call_command("create_role_user", "ada", "--role", "administrator", "--no-password")
    assert get_user_model().objects.get(username="ada").is_staff


def test_an_officer_needs_a_scope_and_codes_must_exist():
    with pytest.raises(CommandError, match="needs --countries"):
        call_command("create_role_user", "x", "--role", "officer", "--no-password")
    with pytest.raises(CommandError, match="Unknown country or region codes: XXX"):
        call_command("create_role_user", "x", "--role", "officer", "--countries", "XXX")


def test_a_weak_password_is_refused(monkeypatch):
    monkeypatch.setenv("WEAK", "123")
    with pytest.raises(CommandError):
        call_command("create_role_user", "w", "--role", "donor", "--password-env", "WEAK")
