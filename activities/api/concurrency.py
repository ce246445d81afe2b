"""No lost updates through the API: ETags from `version`, If-Match required on writes.

- A detail GET answers `ETag: W/"activity-<id>-v<version>"`, and so do PUT and PATCH
  (the new version). `version` is bumped by every write (activities/services.py), so
  the tag changes exactly when the record does.
- PUT, PATCH and DELETE need `If-Match` with that tag: without it the answer is
  428 Precondition Required; with a tag that is no longer current, 412 Precondition
  Failed, and nothing is written. `If-Match: *` says nothing about what was read, so it
  counts as missing. Several tags may be given (`If-Match: W/"a", W/"b"`).
- The check happens after authentication, permission and scope checks (401/403/404
  first), then again atomically in the write itself (a conditional UPDATE on the
  version), so two writers racing with the same tag get one success and one 412.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from rest_framework import exceptions, status

if TYPE_CHECKING:
    from rest_framework.viewsets import ModelViewSet

    # The mixin extends a model viewset's methods (super() is the viewset at run time).
    _ViewSet = ModelViewSet
else:
    _ViewSet = object

ETAG_RE = re.compile(r'\s*(?:W/)?"([^"]*)"\s*(?:,|$)')
UNSAFE = {"PUT", "PATCH", "DELETE"}


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "Send If-Match with the ETag of the version you read (GET the record: its ETag "
        "header), so that nobody's change is overwritten."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "Someone saved this record since you read it."
    default_code = "precondition_failed"


def parse_if_match(header: str | None) -> list[str] | None:
    """The opaque tags of an If-Match header (weak or strong), None when absent or *."""
    if header is None or not header.strip() or header.strip() == "*":
        return None
    tags = ETAG_RE.findall(header)
    return tags or []


class VersionETagMixin(_ViewSet):
    """For a viewset over a model with an integer `version` bumped by every write."""

    etag_prefix: str | None = None  # default: the model name ("activity")

    def etag_for(self, obj) -> str:
        prefix = self.etag_prefix or obj._meta.model_name
        return f'W/"{self.opaque_tag(prefix, obj.pk, obj.version)}"'

    @staticmethod
    def opaque_tag(prefix: str, pk, version: int) -> str:
        return f"{prefix}-{pk}-v{version}"

    # --- reads: the tag on the detail ---------------------------------------------------

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        obj = getattr(self, "_etag_object", None)
        if obj is not None:
            response["ETag"] = self.read_etag_for(obj, request, response.data)
        return response

    def read_etag_for(self, obj, request, data) -> str:
        """The tag of a read: the version, for If-Match, plus a digest of what is served
        (and in which format), so that a conditional GET is never answered 304 after a
        change the version does not count (a theme renamed, a country's name) or for
        another format of the same record."""
        prefix = self.etag_prefix or obj._meta.model_name
        served = (
            json.dumps(data, sort_keys=True, default=str)
            + "|"
            + (
                request.accepted_renderer.format
                if getattr(request, "accepted_renderer", None)
                else ""
            )
        )
        digest = hashlib.sha256(served.encode()).hexdigest()[:12]
        return f'W/"{self.opaque_tag(prefix, obj.pk, obj.version)}-{digest}"'

    def get_object(self):
        obj = super().get_object()
        self._etag_object = obj
        return obj

    # --- writes: the precondition -------------------------------------------------------

    def if_match_version(self, request, obj) -> int:
        """The version the client read, if it is still the current one; else 412/428."""
        tags = parse_if_match(request.headers.get("If-Match"))
        if tags is None:
            raise PreconditionRequired()
        prefix = self.etag_prefix or obj._meta.model_name
        current = self.opaque_tag(prefix, obj.pk, obj.version)
        # A tag from a read carries a digest after the version: the version decides.
        if not any(tag == current or tag.startswith(f"{current}-") for tag in tags):
            raise PreconditionFailed(
                {
                    "detail": "Someone saved this record since you read it: it is now "
                    f"{self.etag_for(obj)}. GET it again, reapply your change and send the "
                    "new ETag in If-Match.",
                    "current_etag": self.etag_for(obj),
                    "version": obj.version,
                }
            )
        return obj.version

    def get_serializer_context(self):
        context = dict(super().get_serializer_context())  # typed as a read-only Mapping
        version = getattr(self, "_if_match_version", None)
        if version is not None:
            context["if_match_version"] = version
        return context

    def _checked(self, request, *args, **kwargs) -> None:
        obj = self.get_object()  # 404 and 403 come before 428 and 412
        self._if_match_version = self.if_match_version(request, obj)

    def update(self, request, *args, **kwargs):
        self._checked(request, *args, **kwargs)
        try:
            response = super().update(request, *args, **kwargs)
        except exceptions.APIException as exc:
            raise self._as_precondition_failure(exc) from exc
        instance = getattr(self, "_etag_object", None)
        if instance is not None and response.status_code < 300:
            instance.refresh_from_db(fields=["version"])
            response["ETag"] = self.etag_for(instance)
        return response

    def destroy(self, request, *args, **kwargs):
        self._checked(request, *args, **kwargs)
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        self.destroy_at_version(instance, self._if_match_version)

    def destroy_at_version(self, instance, version: int) -> None:
        """Delete only if the version is still `version`, claimed atomically first."""
        with transaction.atomic():
            claimed = (
                type(instance)
                ._default_manager.filter(pk=instance.pk, version=version)
                .update(version=F("version") + 1)
            )
            if claimed != 1:
                raise PreconditionFailed()
            instance._history_user = self.request.user
            instance.delete()

    def _as_precondition_failure(self, exc: exceptions.APIException) -> exceptions.APIException:
        """A version conflict found by the write itself (a writer got in between the
        check and the write) is the same failed precondition: 412, not 409."""
        if exc.status_code == status.HTTP_409_CONFLICT and "version" in str(exc.detail):
            failed = PreconditionFailed(exc.detail)
            return failed
        return exc


class ActivityConcurrencyMixin(VersionETagMixin):
    """The activity viewset's: deletes go through services (rows and history too)."""

    etag_prefix = "activity"

    def destroy_at_version(self, instance, version: int) -> None:
        from activities import services
        from activities.results.periods import ReasonRequired

        from .reasons import change_reason_from

        user = self.request.user
        if not user.is_authenticated:  # the permissions let only signed-in users write
            raise exceptions.NotAuthenticated()
        try:
            services.activity_delete(
                activity=instance,
                by=user,
                expected_version=version,
                change_reason=change_reason_from(self.request),
            )
        except ReasonRequired as missing:
            raise exceptions.ValidationError(missing.message_dict) from missing
        except services.StaleVersion as stale:
            raise PreconditionFailed(
                {
                    "detail": "Someone saved this record since you read it.",
                    "current_etag": self.etag_for(stale.activity),
                    "version": str(stale.activity.version),  # DRF sends every detail as text
                }
            ) from stale
