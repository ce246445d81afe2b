"""The model permission class reads a viewset's declared `queryset` for its model (building
the real queryset costs milliseconds): the declared model must be the one it serves."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIRequestFactory

from activities.api.urls import router

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prefix, viewset", [(p, v) for p, v, _ in router.registry])
def test_the_declared_model_is_the_served_model(prefix, viewset):
    request = APIRequestFactory().get(f"/api/v1/{prefix}/")
    request.user = AnonymousUser()
    view = viewset()
    view.request, view.kwargs, view.format_kwarg, view.action = request, {}, None, "list"
    assert viewset.queryset is not None, f"{viewset.__name__} declares no queryset"
    assert viewset.queryset.model is view.get_queryset().model
