"""The reason for changing a reported figure, as the API takes it: `X-Change-Reason`.

A write to an activity dated in a closed reporting period (activities/results/periods.py)
needs a reason; without one the answer is 400, `{"change_reason": ["… names the period
and its report …"]}`, and nothing is written. A header rather than a body field, so that
every write takes it the same way: PUT, PATCH, DELETE (which has no body) and the
attendance import (a multipart upload). Non-ASCII text is sent percent-encoded UTF-8
(`Corrig%C3%A9`), as HTTP headers are ASCII; ASCII text may be sent as it is.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from activities.results.periods import REASON_HEADER

CHANGE_REASON = OpenApiParameter(
    REASON_HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="The reason for changing a reported figure: required (else 400 naming the "
    "period and its report) when the activity lies in a closed reporting period, as it is "
    "or as the write leaves it; kept in its audit history. Percent-encoded UTF-8 when not "
    "ASCII.",
)


def change_reason_from(request: Any) -> str | None:
    """The request's reason, decoded and stripped; None when absent or blank."""
    raw = request.headers.get(REASON_HEADER)
    if raw is None:
        return None
    return unquote(raw, errors="replace").strip() or None
