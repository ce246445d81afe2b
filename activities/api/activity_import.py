"""Bulk entry through the API: `POST /api/v1/activities/import/` (activities/bulk/).

Multipart: `file` (CSV or XLSX with the columns of the list's download), `dry_run`
(true: the preview only), `publish` (managers: the new activities are published, not
drafts). Anonymous: 401; a role that does not log activities: 403. Every row is written
or none: a row with an error is a 400 with every row's outcome, and nothing changes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access, bulk
from .attendance import SheetMultiPartParser, _flag
from .params import StrictContentNegotiation, StrictQueryParamsMixin


class ActivitySheetParser(SheetMultiPartParser):
    limit_setting = "ACTIVITY_IMPORT_MAX_FILE_BYTES"


class ActivityRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(source="number", help_text="Row number in the sheet.")
    status = serializers.ChoiceField(
        choices=["new", "update", "unchanged", "error"],
        help_text="A new activity (a draft), an update of the activity found by its "
        "reference or id, unchanged, or an error (see `errors`).",
    )
    reference = serializers.CharField()
    activity = serializers.IntegerField(
        source="activity_id", allow_null=True, help_text="The activity found, or created."
    )
    title = serializers.CharField()
    changes = serializers.ListField(
        child=serializers.CharField(), help_text="For `update`: the columns that change."
    )
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class ActivityImportCountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    new = serializers.IntegerField()
    update = serializers.IntegerField()  # type: ignore[assignment]
    unchanged = serializers.IntegerField()
    error = serializers.IntegerField()


class ActivityImportSerializer(serializers.Serializer):
    detail = serializers.CharField()
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField(help_text="Whether the sheet was written.")
    filename = serializers.CharField()
    counts = ActivityImportCountsSerializer()
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text="What is wrong with the file or its columns."
    )
    ignored_columns = serializers.ListField(
        child=serializers.CharField(),
        help_text="Columns not read: the download's period, status, participations_label "
        "and url, and unknown headers.",
    )
    created = serializers.ListField(child=serializers.IntegerField())
    updated = serializers.ListField(child=serializers.IntegerField())
    rows = ActivityRowSerializer(many=True)


class ActivityImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The sheet: CSV (UTF-8, UTF-16, Windows-1252) or XLSX, with the headers of "
        "the list's download."
    )
    dry_run = serializers.BooleanField(required=False, help_text="true: preview only.")
    publish = serializers.BooleanField(
        required=False, help_text="Managers: publish the new activities (default: drafts)."
    )


def _data(seen: bulk.Preview, *, dry_run: bool, result: bulk.Result | None) -> dict[str, Any]:
    if not seen.ok:
        detail = _("Nothing was imported: %(count)s problems, listed in `errors`.") % {
            "count": len(seen.all_errors)
        }
    elif result is None:
        detail = _("Every row can be imported.")
    else:
        detail = _("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.") % {
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": seen.counts["unchanged"],
        }
    return ActivityImportSerializer(
        {
            "detail": detail,
            "dry_run": dry_run,
            "applied": result is not None and result.applied,
            "filename": seen.filename,
            "counts": seen.counts,
            "errors": seen.all_errors,
            "ignored_columns": seen.ignored_columns,
            "created": result.created if result else [],
            "updated": result.updated if result else [],
            "rows": seen.rows,
        }
    ).data


class ActivityImportView(StrictQueryParamsMixin, APIView):
    """Import many activities from a sheet."""

    permission_classes = [IsAuthenticated]
    parser_classes = [ActivitySheetParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = StrictContentNegotiation
    extra_query_params = frozenset({"dry_run"})

    @extend_schema(
        summary="Import activities from a sheet",
        description=(
            "Upload a CSV or XLSX sheet with the columns of the activity list's download "
            "(multipart field `file`; the download itself can be sent back). A row is found "
            "by its `reference`, else by the download's `id`; a new row needs a reference. "
            "With `dry_run=true` the answer is every row's outcome (new, update with the "
            "columns that change, unchanged, or error with its row and column). Otherwise "
            "every row is written, or none: any error is a 400 listing them all. New "
            "activities are drafts (`publish=true`: published, for managers). The same "
            "sheet again changes nothing (200, every row unchanged)."
        ),
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL, required=False)],
        request={"multipart/form-data": ActivityImportRequestSerializer},
        responses={
            200: OpenApiResponse(
                ActivityImportSerializer,
                description="The preview (dry run), or applied with nothing to change.",
            ),
            201: OpenApiResponse(
                ActivityImportSerializer, description="Applied: activities created or updated."
            ),
            400: OpenApiResponse(
                {
                    "anyOf": [
                        {"$ref": "#/components/schemas/ActivityImport"},
                        {"$ref": "#/components/schemas/ValidationErrors"},
                    ]
                },
                description="Nothing imported: every row's outcome with the errors, or (a "
                "bad parameter or no file) an object naming it.",
            ),
        },
        tags=["activities"],
    )
    def post(self, request):
        if not access.can_log(request.user):
            raise exceptions.PermissionDenied(_("Your role does not log activities."))
        upload = request.data.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise exceptions.ValidationError({"file": [_("Attach the sheet as `file`.")]})
        data = upload.read()
        filename = getattr(upload, "name", "") or ""
        dry_run = _flag(request.query_params.get("dry_run", request.data.get("dry_run", "")))
        if dry_run:
            seen = bulk.preview(data=data, filename=filename, by=request.user)
            code = status.HTTP_200_OK if seen.ok else status.HTTP_400_BAD_REQUEST
            return Response(_data(seen, dry_run=True, result=None), status=code)
        publish = _flag(request.data.get("publish", ""))
        if publish and not access.can_publish(request.user):
            raise exceptions.PermissionDenied(_("Only a programme manager publishes."))
        result = bulk.apply(data=data, filename=filename, by=request.user, publish=publish)
        if not result.applied:
            return Response(
                _data(result.preview, dry_run=False, result=None),
                status=status.HTTP_400_BAD_REQUEST,
            )
        written = (
            status.HTTP_201_CREATED if result.created or result.updated else status.HTTP_200_OK
        )
        return Response(_data(result.preview, dry_run=False, result=result), status=written)
