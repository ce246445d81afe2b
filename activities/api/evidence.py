"""Evidence files through the API (activities/evidence/).

- `GET  /api/v1/activities/{id}/evidence/`: the files the caller may see: every file for
  officers in scope and managers, the public ones for everyone else who sees the activity.
- `POST /api/v1/activities/{id}/evidence/` (multipart: `file`, `kind`, `description`,
  `is_public` for managers): 201, 400 (a type not accepted, already attached), 413 (over
  EVIDENCE_MAX_BYTES), 403 (may not add files, or `is_public` from a non-manager).
- `GET|PATCH|DELETE /api/v1/activities/{id}/evidence/{file_id}/`: one file; its kind,
  description, public flag (managers); its deletion.
- `GET /api/v1/activities/{id}/evidence/{file_id}/download/`: the bytes, as an attachment.

A private file the caller may not read is a 404 (its existence is not revealed); so is
any file of a draft the caller may not see.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, parsers, serializers, status
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access
from ..evidence import rules, services, serving, sniff
from ..models import EvidenceFile, EvidenceKind
from .pagination import Pagination
from .params import StrictContentNegotiation, StrictQueryParamsMixin
from .parsers import BoundedJSONParser, RequestTooLarge

# Room for the multipart envelope and the other fields around the file.
ENVELOPE_BYTES = 64 * 1024


def _too_large(limit: int, detail: str | None = None) -> RequestTooLarge:
    return RequestTooLarge(
        {
            "detail": detail
            or gettext_lazy(
                "The file is over the limit of %(limit)s bytes (setting EVIDENCE_MAX_BYTES): "
                "send a smaller file, or split it."
            )
            % {"limit": limit},
            "limit": str(limit),
        }
    )


class EvidenceMultiPartParser(parsers.MultiPartParser):
    """A multipart body as large as an evidence file may be (EVIDENCE_MAX_BYTES), read as
    a stream (the file goes to a temporary file, not memory); a declared length over the
    limit is a 413 before anything is read."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.EVIDENCE_MAX_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        try:
            too_large = bool(declared) and int(str(declared)) > limit + ENVELOPE_BYTES
        except ValueError:
            too_large = False
        if too_large:
            raise _too_large(limit)
        return super().parse(stream, media_type, parser_context)


class EvidenceFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", help_text="Sanitised file name.")
    kind_label = serializers.CharField(source="get_kind_display")
    content_type = serializers.CharField(help_text="Detected from the content, not the name.")
    size = serializers.IntegerField(help_text="Bytes.")
    download_url = serializers.SerializerMethodField()
    importable_as_attendance = serializers.SerializerMethodField(
        help_text="An attendance sheet in CSV or XLSX: the officer's page offers its import."
    )

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "content_type",
            "size",
            "sha256",
            "description",
            "is_public",
            "uploaded_at",
            "download_url",
            "importable_as_attendance",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, evidence: EvidenceFile) -> str:
        path = reverse("api-evidence-download", args=[evidence.activity_id, evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_importable_as_attendance(self, evidence: EvidenceFile) -> bool:
        return rules.importable_as_attendance(evidence)


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="PDF, PNG, JPEG, XLSX, DOCX, CSV or UTF-8 text, told by content; at most "
        "EVIDENCE_MAX_BYTES (20 MB by default)."
    )
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
    is_public = serializers.BooleanField(
        required=False, help_text="Managers only (403 otherwise); false by default."
    )


class EvidenceChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
    is_public = serializers.BooleanField(required=False, help_text="Managers only (403).")


class _EvidenceView(StrictQueryParamsMixin):
    permission_classes = [IsAuthenticatedOrReadOnly]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = StrictContentNegotiation
    # For DRF's permission classes, which look for a model (api/permissions.py).
    queryset: Any = EvidenceFile.objects.none()
    filter_backends: Any = []


class EvidenceListView(_EvidenceView, generics.ListAPIView):
    """An activity's evidence files: list and upload."""

    serializer_class = EvidenceFileSerializer
    pagination_class = Pagination
    parser_classes = [EvidenceMultiPartParser]

    def get_queryset(self):
        activity = access.get_activity_for_user(self.request.user, self.kwargs["pk"])
        reads_private = rules.may_read_private(self.request.user, activity)
        return rules.files_for(self.request.user, activity, reads_private=reads_private)

    @extend_schema(
        summary="List an activity's evidence files",
        description="Every file for officers whose scope covers the activity and for "
        "managers; the public ones for everyone else who may see the activity (a draft's "
        "files are never public to anonymous users: the draft is a 404).",
        tags=["activities"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Attach an evidence file",
        description="Multipart upload. The type is told from the content (PDF, PNG, JPEG, "
        "XLSX, DOCX, CSV, UTF-8 text), never from the name: anything else, renamed or "
        "not, is a 400. Over EVIDENCE_MAX_BYTES: 413 naming the limit. The same bytes "
        "twice on one activity: 400. Private unless a manager sets `is_public`.",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceFileSerializer},
        tags=["activities"],
    )
    def post(self, request, pk: int):
        activity = access.get_activity_for_user(request.user, pk)
        if not rules.may_upload(request.user, activity):
            raise exceptions.PermissionDenied(_("You may not add files to this activity."))
        upload = request.data.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise exceptions.ValidationError({"file": [_("Attach the file as `file`.")]})
        fields = EvidenceUploadSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        try:
            evidence = services.evidence_upload(
                activity=activity,
                file=upload,
                filename=getattr(upload, "name", "") or "",
                kind=fields.validated_data.get("kind", EvidenceKind.OTHER),
                description=fields.validated_data.get("description", ""),
                is_public=fields.validated_data.get("is_public", False),
                by=request.user,
            )
        except services.UploadRefused as refused:
            if refused.status == 413:
                raise _too_large(settings.EVIDENCE_MAX_BYTES, refused.message) from None
            raise exceptions.ValidationError({"file": [refused.message]}) from None
        except PermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from None
        data = EvidenceFileSerializer(evidence, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class EvidenceDetailView(_EvidenceView, APIView):
    """One evidence file: read, change, delete."""

    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="An evidence file",
        responses={200: EvidenceFileSerializer},
        tags=["activities"],
    )
    def get(self, request, pk: int, file_pk: int):
        evidence = rules.get_file_for_user(request.user, pk, file_pk)
        return Response(EvidenceFileSerializer(evidence, context={"request": request}).data)

    def _writable(self, request, pk: int, file_pk: int) -> EvidenceFile:
        evidence = rules.get_file_for_user(request.user, pk, file_pk)
        if not rules.may_read_private(request.user, evidence.activity):
            raise exceptions.PermissionDenied(_("You may not change this activity's files."))
        return evidence

    @extend_schema(
        summary="Change an evidence file's kind, description or public flag",
        description="`is_public`: managers only (403 otherwise).",
        request=EvidenceChangeSerializer,
        responses={200: EvidenceFileSerializer},
        tags=["activities"],
    )
    def patch(self, request, pk: int, file_pk: int):
        evidence = self._writable(request, pk, file_pk)
        fields = EvidenceChangeSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        try:
            services.evidence_change(evidence=evidence, by=request.user, **fields.validated_data)
        except PermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from None
        return Response(EvidenceFileSerializer(evidence, context={"request": request}).data)

    @extend_schema(
        summary="Delete an evidence file",
        description="Those who may edit the activity delete its private files; a public "
        "file is deleted by a manager (403 otherwise). The deletion is in the history.",
        responses={204: None},
        tags=["activities"],
    )
    def delete(self, request, pk: int, file_pk: int):
        evidence = self._writable(request, pk, file_pk)
        if not rules.may_delete(request.user, evidence, reads_private=True):
            raise exceptions.PermissionDenied(_("Only a manager may delete a public file."))
        services.evidence_delete(evidence=evidence, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


DOWNLOAD_TYPES = [kind.content_type for kind in sniff.TYPES]


class EvidenceDownloadView(_EvidenceView, APIView):
    """The bytes of one evidence file."""

    @extend_schema(
        summary="Download an evidence file",
        description="As an attachment, with the type detected on upload and nosniff. A "
        "private file is a 404 to anyone who may not read it.",
        responses={(200, media): OpenApiTypes.BINARY for media in DOWNLOAD_TYPES},
        tags=["activities"],
    )
    def get(self, request, pk: int, file_pk: int):
        evidence = rules.get_file_for_user(request.user, pk, file_pk)
        return serving.download(evidence)
