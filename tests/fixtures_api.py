"""Fixtures of the API tests: clients (anonymous, session, token) and a clean throttle.

- `api`: an anonymous DRF APIClient.
- `manager_api`, `officer_api`: APIClients signed in with a token (Authorization:
  Token ...), as a script would be; the users come from tests/fixtures_roles.py.
- Every test starts with an empty throttle history (the cache), so that the whole suite
  never runs into the anonymous rate limit by accident.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    cache.clear()
    caches["throttle"].clear()
    yield
    cache.clear()
    caches["throttle"].clear()


def token_client(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def manager_api(manager):
    return token_client(manager)


@pytest.fixture
def officer_api(officer):
    """A Central America (013) programme officer, signed in with a token."""
    return token_client(officer)


@pytest.fixture
def donor_api(donor_viewer):
    return token_client(donor_viewer)


@pytest.fixture
def administrator_api(administrator):
    """Every permission of the app: reference data (themes, figures...) too."""
    return token_client(administrator)
