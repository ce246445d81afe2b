"""Security of the officer side: CSP everywhere, no inline script, production cookies."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/activities/", "/api/v1/activities/"])
def test_every_page_has_a_strict_content_security_policy(client, path):
    policy = client.get(path)["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_officer_pages_use_no_inline_script_or_style(officer_client, salvador_draft):
    for path in ["/log/", f"/activities/{salvador_draft.pk}/edit/", "/my/activities/"]:
        page = officer_client.get(path).content.decode()
        assert "<script>" not in page and "<script " not in page.replace("<script src=", "")
        assert " style=" not in page


def test_the_api_docs_need_no_inline_script_or_style(client):
    """Swagger UI's page styles are a file (activities/api-docs.css), its start-up script too."""
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "<script>" not in html and "<style" not in html and " style=" not in html


def test_the_admin_works_under_the_policy(superuser_client):
    response = superuser_client.get("/admin/activities/activity/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_production_turns_on_secure_cookies_and_hsts():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijkl",
        "ALLOWED_HOSTS": "tacb.example.org",
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_SSL_REDIRECT, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line == "True True 31536000 True [\"'self'\"]", result.stdout + result.stderr


def test_every_form_of_the_officer_pages_carries_a_csrf_token(officer_client, salvador_draft):
    for path in ["/log/", f"/activities/{salvador_draft.pk}/edit/", "/accounts/token/"]:
        page = officer_client.get(path).content.decode()
        # The language switcher posts to set_language without a token, on purpose (it is
        # csrf_exempt, so public pages set no cookie; a forged post changes a language).
        switchers = page.count('action="/i18n/setlang/"')
        assert switchers <= 1, path
        assert page.count("<form") - switchers == page.count('name="csrfmiddlewaretoken"'), path
