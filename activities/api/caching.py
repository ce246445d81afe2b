"""API answers kept until the data changes: the rendered bytes of a list or of the
stats, keyed by who asks, the site, the format and the query (activities/data_version.py).
"""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.response import Response
from rest_framework.views import APIView

from activities import data_version


def cached_api_response(view: APIView, request, name: str, produce: Callable[[], Response]):
    """`produce()` rendered, or its bytes from the cache at the same data version
    (activities/data_version.py). The browsable API (forms, CSRF tokens) is not kept."""
    if request.accepted_renderer.format == "api":
        return produce()
    parts = (
        name,
        data_version.reader_key(request),
        request.build_absolute_uri("/"),
        request.accepted_renderer.format,
        request.accepted_media_type,  # "application/json; indent=4" changes the bytes
        tuple(sorted(request.query_params.lists())),
    )
    return data_version.cached_response(
        "api",
        parts,
        lambda: view.finalize_response(request, produce()),
        throttles=data_version.front_door_throttles(view.get_throttles()),
    )
