"""Strict input: a misspelt, unknown or repeated name is a 400 naming it, never ignored.

`?regoin=013` must not silently return every activity of the world. Every view of the
API checks its parameters against what it understands: its filters plus the few names
every list takes (ALWAYS_ALLOWED). The stats view calls `reject_unknown_params` too.
Every parameter of the API takes one value: `?year=2020&year=2011` is a 400, not the
last one. A write's body names only fields the client may write (`reject_unknown_fields`).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.utils.translation import gettext as _
from django_filters.widgets import SuffixedMultiWidget
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.serializers import ListSerializer, Serializer

from .renderers import hxl_requested

if TYPE_CHECKING:
    from rest_framework.views import APIView

    # The mixin extends a view's `initial` (super() is the view at run time).
    _View = APIView
else:
    _View = object

# Pagination, ordering and output format: understood by every list.
ALWAYS_ALLOWED = frozenset({"page", "page_size", "ordering", "format", "hxl"})


def reject_unknown_params(request, allowed: Iterable[str]) -> None:
    """Raise a 400 naming each query parameter that is neither in `allowed` nor in
    ALWAYS_ALLOWED, with the closest known name as a hint."""
    known = set(allowed) | ALWAYS_ALLOWED
    unknown = sorted(set(request.query_params) - known)
    if not unknown:
        return
    errors = {}
    for name in unknown:
        message = f"Unknown query parameter {name!r}."
        close = difflib.get_close_matches(name, known, n=1)
        if close:
            message += f" Did you mean {close[0]!r}?"
        message += " Known parameters: " + ", ".join(sorted(known)) + "."
        errors[name] = [message]
    raise ValidationError(errors)


def reject_repeated_params(request) -> None:
    """Raise a 400 naming each query parameter given more than once."""
    repeated = sorted(name for name, values in request.query_params.lists() if len(values) > 1)
    if repeated:
        raise ValidationError(
            {
                name: [
                    _("Give %(name)s once, not %(count)s times.")
                    % {"name": name, "count": len(request.query_params.getlist(name))}
                ]
                for name in repeated
            }
        )


# Sent by the browsable API's HTML forms along with the fields.
FORM_ONLY_FIELDS = frozenset({"csrfmiddlewaretoken"})


def unknown_fields(serializer: Serializer, data: Any) -> dict[str, Any]:
    """The names in `data` the serializer would silently drop, by name, with why: not a
    field, or a read-only one. Nested serializers (an activity's beneficiary rows) are
    checked row by row, their errors listed in the rows' order like DRF's own.

    The one deliberate exception: FORM_ONLY_FIELDS, which only the browsable API's forms
    send. A read-only field is refused even when its value is what the record holds: a
    client that sends back what it read learns which fields it cannot change."""
    if not isinstance(data, Mapping):
        return {}
    fields = serializer.fields
    errors: dict[str, Any] = {}
    for name in data:
        field = fields.get(name)
        if name in FORM_ONLY_FIELDS:
            continue
        if field is None:
            errors[name] = [_("Unknown field %(name)s.") % {"name": name}]
        elif field.read_only:
            errors[name] = [_("%(name)s is read-only: leave it out.") % {"name": name}]
        elif isinstance(field, ListSerializer) and isinstance(field.child, Serializer):
            items = data[name] if isinstance(data[name], list) else []
            rows = [unknown_fields(field.child, item) for item in items]
            if any(rows):
                errors[name] = rows
        elif isinstance(field, Serializer):
            nested = unknown_fields(field, data[name])
            if nested:
                errors[name] = nested
    return errors


def reject_unknown_fields(serializer: Serializer, data: Any) -> None:
    """Raise a 400 naming each unknown or read-only field of a write's body."""
    errors = unknown_fields(serializer, data)
    if errors:
        raise ValidationError(errors)


@functools.cache  # FilterSet classes do not change: their widgets need not be built per request
def filterset_params(filterset_class) -> frozenset[str]:
    """The query parameter names a django-filter FilterSet reads.

    Most filters read their own name; range-like filters read suffixed names
    (`date_after`, `date_before`), which the widget knows.
    """
    if filterset_class is None:
        return frozenset()
    names: set[str] = set()
    for name, filter_ in filterset_class.base_filters.items():
        widget = filter_.field_class.widget
        widget = widget() if isinstance(widget, type) else widget
        if isinstance(widget, SuffixedMultiWidget):
            names.update(f"{name}_{suffix}" for suffix in widget.suffixes)
        else:
            names.add(name)
    return frozenset(names)


class StrictQueryParamsMixin(_View):
    """For API views: reject unknown query parameters after authentication and
    throttling (so a 401 or 429 still comes first)."""

    #: Names a view reads beyond its FilterSet and ALWAYS_ALLOWED.
    extra_query_params: frozenset[str] = frozenset()

    def allowed_query_params(self) -> frozenset[str]:
        return filterset_params(getattr(self, "filterset_class", None)) | set(
            self.extra_query_params
        )

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        reject_unknown_params(request, self.allowed_query_params())
        reject_repeated_params(request)
        hxl_requested(request)  # a bad value is a 400 now, not an error while rendering


class StrictContentNegotiation(DefaultContentNegotiation):
    """`?format=xml` is a 400 naming the parameter, not DRF's bare 404."""

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            formats = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise ValidationError({"format": [f"Unknown format {format!r}: use one of {formats}."]})
        return matching


def _nullable(model, lookup: str) -> bool:
    """Whether ordering by `lookup` may meet a null (True when it cannot be told)."""
    if "__" in lookup:
        return True
    try:
        return model._meta.get_field(lookup).null
    except Exception:  # an annotation or an unknown name
        return True


class StrictOrderingFilter(BaseFilterBackend):
    """`?ordering=-start_date,title`: API names (the view's `ordering_fields`, a mapping
    of API name to model field), an unknown name is a 400 naming it. Nulls sort last on
    every database, and the primary key breaks ties so that pages never overlap."""

    ordering_param = "ordering"

    def filter_queryset(self, request, queryset, view):
        mapping: dict[str, str] = getattr(view, "ordering_fields", {}) or {}
        text = request.query_params.get(self.ordering_param, "")
        terms = [term.strip() for term in text.split(",") if term.strip()]
        unknown = [term for term in terms if term.lstrip("-") not in mapping]
        if unknown:
            raise ValidationError(
                {
                    self.ordering_param: [
                        _("Cannot order by %(unknown)s: use %(known)s (a leading - reverses).")
                        % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(mapping))}
                    ]
                }
            )
        if not terms:
            terms = list(getattr(view, "ordering", []) or [])
        order_by = []
        for term in terms:
            name = term.lstrip("-")
            field = mapping.get(name, name)
            expression = F(field)
            # NULLS LAST only where a null can be: a plain ORDER BY on a NOT NULL column
            # can be read from an index (the lists' default order is).
            nulls_last = _nullable(queryset.model, field) or None
            order_by.append(
                expression.desc(nulls_last=nulls_last)
                if term.startswith("-")
                else expression.asc(nulls_last=nulls_last)
            )
        return queryset.order_by(*order_by, "pk")

    def get_schema_operation_parameters(self, view):
        mapping = getattr(view, "ordering_fields", {}) or {}
        if not mapping:
            return []
        default = ",".join(getattr(view, "ordering", []) or [])
        keys = "|".join(re.escape(name) for name in sorted(mapping))
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    "Comma-separated sort keys, - for descending: "
                    + ", ".join(sorted(mapping))
                    + (f". Default: {default}." if default else ".")
                ),
                # The names the filter accepts, so that a client (and schemathesis) knows.
                "schema": {"type": "string", "pattern": f"^(-?({keys}))(,-?({keys}))*$"},
            }
        ]
