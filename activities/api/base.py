"""What every resource of /api/v1/ shares: formats (JSON, CSV with HXL), strict query
parameters, paging, ordering, answers cached until the data changes, and deletes that
refuse to strip a record still in use from the records that name it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import format_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.serializers import Serializer

from ..answer_cache import cached_api_response
from .errors import Conflict
from .pagination import Pagination
from .params import (
    StrictContentNegotiation,
    StrictOrderingFilter,
    StrictQueryParamsMixin,
    reject_unknown_fields,
)
from .renderers import CSVRenderer

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FORMAT_DESCRIPTION = (
    "json (default) or csv: the same records, nested objects flattened to "
    'parent.child columns and lists joined with "; ".'
)
HXL_PARAMETER = OpenApiParameter(
    "hxl",
    OpenApiTypes.STR,
    # What renderers.hxl_requested accepts.
    enum=["0", "1", "false", "true", "no", "yes"],
    description="With format=csv, 1 (or true, yes) adds an HXL hashtag row under the "
    "header (#country+code, #reached+f, #sector, #date+start...).",
)


def format_parameter(csv_note=None) -> OpenApiParameter:
    """`format`, with what the CSV of this resource needs said (`csv_note`), if anything."""
    description: StrOrPromise = FORMAT_DESCRIPTION
    if csv_note is not None:
        description = format_lazy("{} {}", FORMAT_DESCRIPTION, csv_note)
    return OpenApiParameter(
        "format", OpenApiTypes.STR, enum=["json", "csv"], description=description
    )


def with_article(name: str) -> str:
    """ "an activity", "a country": the resource names are nouns whose first letter tells
    the sound (no "hour", no "user")."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def documented(name: str, plural: str, *, csv_note=None):
    """OpenAPI text for the actions of a resource, and the format parameters of lists."""
    format_param = format_parameter(csv_note)
    one = with_article(name)
    return extend_schema_view(
        list=extend_schema(summary=f"List {plural}", parameters=[format_param, HXL_PARAMETER]),
        retrieve=extend_schema(summary=f"One {name}", parameters=[format_param]),
        create=extend_schema(summary=f"Create {one}"),
        update=extend_schema(summary=f"Replace {one}"),
        partial_update=extend_schema(summary=f"Change {one}"),
        destroy=extend_schema(summary=f"Delete {one}"),
    )


def _rolls_up_nothing() -> None:
    """A list reads no rollup but the public set's page count, which counts the rows
    instead while a write waits to be rolled up (rollups.public_count): a few
    milliseconds, where rolling the write up first costs tens."""


class ApiViewSet(StrictQueryParamsMixin, viewsets.ModelViewSet):
    """What every resource shares: formats, strict parameters, paging, ordering."""

    renderer_classes = [JSONRenderer, CSVRenderer, BrowsableAPIRenderer]
    content_negotiation_class = StrictContentNegotiation
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    #: API sort key -> model field; the default order is `ordering`.
    ordering_fields: dict[str, str] = {}
    ordering: list[str] = []
    #: Which HXL table of hxl.BY_RESOURCE applies to its CSV (default: from the basename).
    hxl_resource: str | None = None
    #: Whether anonymous users may read (the schema's security lists `{}` for reads).
    anonymous_reads = True
    #: Whether a list page waits for a noted write to be rolled up before it is computed:
    #: only a list that reads what the roll-up keeps (the activities' stamps).
    list_rolls_up_first = False

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if "data" in kwargs and isinstance(serializer, Serializer):
            # A write: unknown and read-only fields are a 400 (params.unknown_fields).
            reject_unknown_fields(serializer, kwargs["data"])
        return serializer

    def list(self, request, *args, **kwargs):
        # A page of a list, rendered, with its paging headers, until the data changes.
        return cached_api_response(
            self,
            request,
            type(self).__name__,
            lambda: self.list_page(request, *args, **kwargs),
            before=None if self.list_rolls_up_first else _rolls_up_nothing,
        )

    def list_page(self, request, *args, **kwargs):
        """One page of the list, computed (ListModelMixin.list)."""
        return super().list(request, *args, **kwargs)

    def perform_destroy(self, instance):
        # Deleting a partner, theme, mandate... would silently strip it from every
        # activity and figure that names it (many-to-many rows cascade): refuse instead.
        in_use = [
            f"{count} {name}"
            for name in ("activities", "figures")
            if hasattr(instance, name) and (count := getattr(instance, name).count())
        ]
        if in_use:
            raise Conflict(
                f"{instance} is still named by {' and '.join(in_use)}: remove it from those first."
            )
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            referring = (
                exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            )
            blocking = {str(type(obj)._meta.verbose_name_plural) for obj in referring}
            raise Conflict(
                f"{instance} cannot be deleted while {', '.join(sorted(blocking))} refer to "
                "it: change or delete those first."
            ) from exc


class ReadOnlyApiViewSet(ApiViewSet):
    http_method_names = ["get", "head", "options"]
