"""Attendance through the API: import a sheet, list who attended, download the template.

- `POST /api/v1/activities/{id}/attendance/import/` (multipart: `file`, optional
  `mapping` and `decisions` as JSON, `dry_run`): the preview of every row (dry run, or
  any error: 400, nothing written), or the import (201), or "already imported" (200).
- `GET /api/v1/activities/{id}/attendance/`: who attended, with their personal data.
- `GET /api/v1/attendance/template.xlsx` and `.csv`: the headers, in en, fr or es.

Personal data: only for users who may see this activity's people
(activities/people/privacy.py). Anonymous: 401; an activity the user cannot see: 404;
one they see but whose people they may not: 403. Never cached (answers with
credentials are private, answer_cache/private.py), never logged.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django.conf import settings
from django.utils.translation import get_language_from_request, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access, sheet_templates
from ..models import Activity, Attendance, Participant
from ..people import imports, privacy, sheets
from ..results.periods import ReasonRequired
from .pagination import Pagination
from .params import StrictContentNegotiation, StrictQueryParamsMixin
from .parsers import BoundedMultiPartParser, RequestTooLarge
from .reasons import CHANGE_REASON, change_reason_from

XLSX = sheet_templates.XLSX
# Room for the multipart envelope and the mapping and decisions fields around the file.
ENVELOPE_BYTES = 256 * 1024


class SheetMultiPartParser(BoundedMultiPartParser):
    """A multipart body as large as a sheet may be (ATTENDANCE_MAX_FILE_BYTES, or the
    subclass's `limit_setting`), not the 1 MB of other requests; a larger body is a 413
    naming the setting."""

    limit_setting = "ATTENDANCE_MAX_FILE_BYTES"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        from rest_framework import parsers

        file_limit = getattr(settings, self.limit_setting)
        limit = file_limit + ENVELOPE_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        try:
            too_large = declared is not None and declared != "" and int(declared) > limit
        except ValueError:
            too_large = False
        body = b"" if too_large else stream.read(limit + 1)
        if too_large or len(body) > limit:
            raise RequestTooLarge(
                {
                    "detail": gettext_lazy(
                        "The file is over the limit of %(limit)s bytes (setting "
                        "%(setting)s): split the sheet in parts."
                    )
                    % {"limit": file_limit, "setting": self.limit_setting},
                    "limit": str(file_limit),
                }
            )
        return parsers.MultiPartParser.parse(self, io.BytesIO(body), media_type, parser_context)


def activity_with_people(request: Any, pk: int, *, write: bool = False) -> Activity:
    """The activity, if the user may see its people (404 if they may not see it at all,
    403 if they may not see its people or, for an import, write attendance)."""
    activity = access.get_activity_for_user(request.user, pk)
    if not privacy.may_see_people_of(request.user, activity):
        raise exceptions.PermissionDenied(
            _("You may not see the people of this activity (outside your scope or role).")
        )
    if write and not (
        request.user.has_perm("activities.add_attendance")
        and request.user.has_perm("activities.add_participant")
    ):
        raise exceptions.PermissionDenied(_("Your role does not import attendance."))
    return activity


# --- Serializers: what the answers hold (for the schema) --------------------------------


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="participant_id")
    name = serializers.CharField()
    score = serializers.IntegerField(help_text="0 to 100 (rapidfuzz token_sort_ratio).")


class RowOutcomeSerializer(serializers.Serializer):
    row = serializers.IntegerField(source="number", help_text="Row number in the sheet.")
    status = serializers.ChoiceField(
        choices=["new", "same", "possible", "error"],
        help_text="new person, the same as a known person, a possible match to confirm "
        "(send `decisions`), or an error (see `errors`).",
    )
    given_name = serializers.CharField(source="row.given_name")
    family_name = serializers.CharField(source="row.family_name")
    participant = serializers.IntegerField(
        source="participant_id", allow_null=True, help_text="For `same`: the known person."
    )
    chosen = serializers.IntegerField(
        allow_null=True, help_text="For `possible`: the candidate chosen in `decisions`."
    )
    candidates = CandidateSerializer(many=True)
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class CountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    new = serializers.IntegerField()
    same = serializers.IntegerField()
    possible = serializers.IntegerField()
    error = serializers.IntegerField()


class PreviewSerializer(serializers.Serializer):
    detail = serializers.CharField()
    dry_run = serializers.BooleanField()
    filename = serializers.CharField()
    counts = CountsSerializer()
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text="What is wrong with the file or its columns."
    )
    headers = serializers.ListField(child=serializers.CharField())
    mapping = serializers.DictField(
        child=serializers.CharField(), help_text="Header -> field, as read."
    )
    unmapped_headers = serializers.ListField(
        child=serializers.CharField(),
        help_text='Headers of no known field: send `mapping` {header: field or ""}.',
    )
    fields = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]
    already_imported = serializers.DateTimeField(allow_null=True)
    rows = RowOutcomeSerializer(many=True)


class ImportResultSerializer(serializers.Serializer):
    detail = serializers.CharField()
    import_id = serializers.IntegerField()
    imported_at = serializers.DateTimeField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField(help_text="New persons.")
    matched = serializers.IntegerField(help_text="Rows of persons already known.")
    attendance_created = serializers.IntegerField()
    attendance_updated = serializers.IntegerField()


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The sheet: CSV (UTF-8, UTF-16, Windows-1252) or XLSX.")
    mapping = serializers.CharField(
        required=False,
        help_text='JSON {header: field}, e.g. {"Vorname": "given_name", "Notes": ""}.',
    )
    decisions = serializers.CharField(
        required=False,
        help_text='JSON {row number: person id or "new"} for the possible matches.',
    )
    dry_run = serializers.BooleanField(required=False, help_text="true: preview only.")


class ParticipantSerializer(serializers.ModelSerializer):
    audience: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    country: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="iso2", read_only=True, allow_null=True
    )

    class Meta:
        model = Participant
        fields = [
            "id",
            "given_name",
            "family_name",
            "sex",
            "birth_year",
            "age_band",
            "institution",
            "audience",
            "country",
            "email",
            "phone",
        ]


class AttendanceSerializer(serializers.ModelSerializer):
    participant = ParticipantSerializer()

    class Meta:
        model = Attendance
        fields = ["id", "participant", "attended", "completed", "pre_score", "post_score"]


def preview_data(seen: imports.Preview, *, dry_run: bool) -> dict[str, Any]:
    if seen.already is not None:
        detail = seen.already_message
    elif seen.ok:
        detail = _("Every row can be imported.")
    else:
        detail = _("Nothing was imported: %(count)s problems, listed in `errors`.") % {
            "count": len(seen.all_errors)
        }
    data = {
        "detail": detail,
        "dry_run": dry_run,
        "filename": seen.filename,
        "counts": seen.counts,
        "errors": seen.all_errors,
        "headers": seen.headers,
        "mapping": seen.mapping,
        "unmapped_headers": seen.unmapped,
        "fields": list(sheets.FIELDS),
        "already_imported": seen.already.imported_at if seen.already else None,
        "rows": seen.rows,
    }
    return PreviewSerializer(data).data


def _json_field(request: Any, name: str) -> dict[str, Any]:
    text = request.data.get(name)
    if text in (None, ""):
        return {}
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise exceptions.ValidationError({name: [_("Give a JSON object.")]})
    return {str(key): "" if item is None else str(item) for key, item in value.items()}


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class AttendanceImportView(StrictQueryParamsMixin, APIView):
    """Import an attendance sheet into an activity."""

    permission_classes = [IsAuthenticated]
    parser_classes = [SheetMultiPartParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = StrictContentNegotiation
    extra_query_params = frozenset({"dry_run"})

    @extend_schema(
        summary="Import an attendance sheet",
        description=(
            "Upload a CSV or XLSX sheet (multipart field `file`). With `dry_run=true` (form "
            "field or query parameter) the answer is the preview of every row: a new "
            "person, the same as a known person, a possible match (send `decisions`: row "
            'number -> a candidate\'s id, or "new"; nothing is merged without one), or an '
            "error with its reason. Otherwise every row is imported, or none: any error is a "
            "400 listing them all. The same sheet again changes nothing (200)."
        ),
        parameters=[
            OpenApiParameter("dry_run", OpenApiTypes.BOOL, required=False),
            CHANGE_REASON,
        ],
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: OpenApiResponse(
                PreviewSerializer, description="The preview (dry run), or already imported."
            ),
            201: OpenApiResponse(ImportResultSerializer, description="Imported."),
            400: OpenApiResponse(
                {
                    # anyOf: a preview is also an object of messages.
                    "anyOf": [
                        {"$ref": "#/components/schemas/Preview"},
                        {"$ref": "#/components/schemas/ValidationErrors"},
                    ]
                },
                description="Nothing imported: the preview with every row's errors, or (a "
                "bad parameter or file) an object naming it.",
            ),
        },
        tags=["activities"],
    )
    def post(self, request, pk: int):
        activity = activity_with_people(request, pk, write=True)
        upload = request.data.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise exceptions.ValidationError({"file": [_("Attach the sheet as `file`.")]})
        arguments = {
            "activity": activity,
            "file": upload,
            "filename": getattr(upload, "name", "") or "",
            "mapping": _json_field(request, "mapping"),
            "decisions": _json_field(request, "decisions"),
            "by": request.user,
        }
        dry_run = _flag(request.query_params.get("dry_run", request.data.get("dry_run", "")))
        if dry_run:
            seen = imports.preview(**arguments)
            code = status.HTTP_200_OK if seen.ok else status.HTTP_400_BAD_REQUEST
            return Response(preview_data(seen, dry_run=True), status=code)
        try:
            result = imports.confirm(**arguments, change_reason=change_reason_from(request))
        except ReasonRequired as missing:
            raise exceptions.ValidationError(missing.message_dict) from missing
        if result.status == "refused":
            return Response(
                preview_data(result.preview, dry_run=False), status=status.HTTP_400_BAD_REQUEST
            )
        if result.status == "already":
            return Response(preview_data(result.preview, dry_run=False), status=status.HTTP_200_OK)
        assert result.record is not None
        data = {
            "detail": _("Imported %(rows)s rows: %(created)s new persons, %(matched)s known.")
            % {
                "rows": result.record.rows,
                "created": result.created,
                "matched": result.matched,
            },
            "import_id": result.record.pk,
            "imported_at": result.record.imported_at,
            "rows": result.record.rows,
            "created": result.created,
            "matched": result.matched,
            "attendance_created": result.attendance_created,
            "attendance_updated": result.attendance_updated,
        }
        return Response(ImportResultSerializer(data).data, status=status.HTTP_201_CREATED)


class AttendanceListView(StrictQueryParamsMixin, generics.ListAPIView):
    """Who attended an activity, with their personal data."""

    permission_classes = [IsAuthenticated]
    serializer_class = AttendanceSerializer
    pagination_class = Pagination
    renderer_classes = [JSONRenderer]
    content_negotiation_class = StrictContentNegotiation
    filter_backends: list[Any] = []
    queryset = Attendance.objects.none()

    @extend_schema(
        summary="List an activity's attendance",
        description=(
            "Every person who attended, with name, sex, year of birth or age band, "
            "institution, audience, country, contacts and scores. Personal data: only for "
            "officers whose scope covers the activity and for managers (403 otherwise)."
        ),
        tags=["activities"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        activity = activity_with_people(self.request, self.kwargs["pk"])
        return (
            Attendance.objects.filter(activity=activity)
            .select_related("participant__country", "participant__audience")
            .order_by("participant__family_name", "participant__given_name", "pk")
        )


class AttendanceTemplateView(StrictQueryParamsMixin, APIView):
    """The attendance sheet template: the headers, in the user's language."""

    permission_classes = [AllowAny]
    file_format = "xlsx"
    extra_query_params = frozenset({"lang"})

    def get(self, request):
        asked = request.query_params.get("lang")
        if asked and asked not in sheets.TEMPLATE_HEADERS:
            raise exceptions.ValidationError(
                {
                    "lang": [
                        _("Unknown language %(lang)s: use one of %(known)s.")
                        % {"lang": asked, "known": ", ".join(sheets.TEMPLATE_HEADERS)}
                    ]
                }
            )
        language = asked or get_language_from_request(request)
        if language[:2] not in sheets.TEMPLATE_HEADERS:
            language = "en"
        headers = imports.template_rows(language)
        name = f"attendance-template-{language[:2]}.{self.file_format}"
        return sheet_templates.header_only(
            headers, file_format=self.file_format, title=_("Attendance"), filename=name
        )


_LANG = OpenApiParameter(
    "lang", OpenApiTypes.STR, enum=list(sheets.TEMPLATE_HEADERS), required=False,
    description="Language of the headers (default: the browser's, else English).",
)  # fmt: skip


class AttendanceTemplateXlsxView(AttendanceTemplateView):
    file_format = "xlsx"

    @extend_schema(
        summary="Attendance sheet template (XLSX)",
        parameters=[_LANG],
        responses={(200, XLSX): OpenApiTypes.BINARY},
        tags=["attendance"],
    )
    def get(self, request):
        return super().get(request)


class AttendanceTemplateCsvView(AttendanceTemplateView):
    file_format = "csv"

    @extend_schema(
        summary="Attendance sheet template (CSV)",
        parameters=[_LANG],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        tags=["attendance"],
    )
    def get(self, request):
        return super().get(request)
