"""Request bodies the API reads, bounded: a body over the size limit is a 413, JSON nested
deeper than the depth limit a 400, each naming its limit and its setting.

The size limit is Django's DATA_UPLOAD_MAX_MEMORY_SIZE, so the API and the HTML forms
(where Django itself answers 400) share one number. The depth is checked
on the text before it is decoded: Python's decoder recurses, and JSON nested a few
thousand deep would end in a RecursionError (a 500) rather than an answer.
"""

from __future__ import annotations

import io
import re
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers, renderers


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "request_too_large"


def body_limit() -> int:
    """The largest request body the API reads, in bytes (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _too_large() -> RequestTooLarge:
    limit = body_limit()
    return RequestTooLarge(
        {
            "detail": gettext_lazy(
                "The request body is over the limit of %(limit)s bytes "
                "(setting DATA_UPLOAD_MAX_MEMORY_SIZE)."
            )
            % {"limit": limit},
            "limit": str(limit),
        }
    )


def bounded_body(stream: IO[bytes], parser_context: dict | None) -> bytes:
    """The body, read only if it is within the limit (else RequestTooLarge).

    The declared Content-Length is checked first, so a large body is refused unread; a
    body without one (chunked) is read one byte past the limit at most.
    """
    limit = body_limit()
    request = (parser_context or {}).get("request")
    declared = request.META.get("CONTENT_LENGTH") if request is not None else None
    try:
        if declared and int(declared) > limit:
            raise _too_large()
    except ValueError:
        pass  # An unreadable Content-Length: the read below still bounds the body.
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise _too_large()
    return body


# A JSON string (escapes included) and the brackets that open or close a level.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str, *, stop_after: int | None = None) -> int:
    """How deep arrays and objects nest in `text` (a scalar is 0, `[]` is 1), counted
    without decoding it; brackets inside strings do not count. With `stop_after`, the
    count stops as soon as it passes that depth."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if bracket.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop_after is not None and deepest > stop_after:
                break
        else:
            depth -= 1
    return deepest


# DRF reads the whole body through Django (request.body) before a JSONParser or a
# FormParser parses it; Django then refuses a large body with a bare 400. The bounded
# parsers are not their subclasses: they get the stream and bound it themselves, then
# hand the body to DRF's parser.


class BoundedJSONParser(parsers.BaseParser):
    """JSON within the size limit and nested at most API_MAX_JSON_DEPTH levels."""

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        body = bounded_body(stream, parser_context)
        limit = settings.API_MAX_JSON_DEPTH
        # Brackets are ASCII: a body in another encoding is refused by the parser below.
        if json_depth(body.decode("utf-8", "replace"), stop_after=limit) > limit:
            raise exceptions.ParseError(
                gettext_lazy(
                    "The JSON is nested more than %(limit)s levels deep "
                    "(setting API_MAX_JSON_DEPTH)."
                )
                % {"limit": limit}
            )
        data = parsers.JSONParser().parse(io.BytesIO(body), media_type, parser_context)
        if _holds_nul(data):
            # No database text can hold a NUL (PostgreSQL refuses it outright): a 400 here,
            # not a 500 at the INSERT.
            raise exceptions.ParseError(
                gettext_lazy("Text may not contain NUL (\\u0000) characters.")
            )
        return data


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


class BoundedFormParser(parsers.BaseParser):
    """A URL-encoded form within the size limit."""

    media_type = "application/x-www-form-urlencoded"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        body = bounded_body(stream, parser_context)
        return parsers.FormParser().parse(io.BytesIO(body), media_type, parser_context)


class BoundedMultiPartParser(parsers.MultiPartParser):
    """A multipart form within the size limit (the API takes no files)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        body = bounded_body(stream, parser_context)
        return super().parse(io.BytesIO(body), media_type, parser_context)
