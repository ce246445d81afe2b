"""The review's steps through the API (activities/review.py), on an activity:

- POST /api/v1/activities/<id>/submit/: submit a draft for review (or submit it again
  after a return); whoever may edit it.
- POST /api/v1/activities/<id>/return/ with {"comment": "..."}: return it to its officer
  (managers; the comment is required).
- POST /api/v1/activities/<id>/publish/: publish it (managers; X-Change-Reason in a
  closed reporting period).

Each is versioned like every write: If-Match with the ETag read (428 without, 412 when
someone saved it since), and answers the activity as it now is, with its new ETag. An
officer is refused (403) a return or a publication before any precondition is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from activities import access, review, services
from activities.models import Activity

from .concurrency import PreconditionFailed
from .params import reject_unknown_fields
from .reasons import CHANGE_REASON, change_reason_from
from .schema import IF_MATCH
from .serializers import ActivitySerializer

if TYPE_CHECKING:
    from .concurrency import ActivityConcurrencyMixin

    _View = ActivityConcurrencyMixin
else:
    _View = object


class ReturnRequest(serializers.Serializer):
    comment = serializers.CharField(
        max_length=review.COMMENT_MAX_LENGTH,
        help_text="What the officer should fix; shown to them and kept in the history.",
    )


def review_step(
    *, url_path: str, summary: str, request: Any, parameters: list[OpenApiParameter]
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A POST action on one activity, documented with the activity as its answer."""

    def decorate(method: Callable[..., Response]) -> Callable[..., Response]:
        routed = action(
            detail=True,
            methods=["post"],
            url_path=url_path,
            url_name=url_path,
            renderer_classes=[JSONRenderer, BrowsableAPIRenderer],
            pagination_class=None,
            filter_backends=[],
        )(method)
        return extend_schema(
            summary=summary,
            request=request,
            responses={200: ActivitySerializer},
            parameters=parameters,
        )(routed)

    return decorate


class ActivityReviewMixin(_View):
    """Adds the `submit`, `return` and `publish` actions to the activity viewset."""

    def _step(
        self, request, run: Callable[[Activity, int], object], *, managers_only: bool
    ) -> Response:
        activity = self.get_object()  # 404 when not visible, 403 outside the scope
        if managers_only and not access.can_publish(request.user):
            raise exceptions.PermissionDenied("Only a programme manager returns or publishes.")
        version = self.if_match_version(request, activity)  # 428, 412
        try:
            run(activity, version)
        except services.StaleVersion as stale:
            raise PreconditionFailed(
                {
                    "detail": "Someone saved this record since you read it.",
                    "current_etag": self.etag_for(stale.activity),
                    "version": str(stale.activity.version),
                }
            ) from stale
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from denied
        except DjangoValidationError as invalid:
            detail = (
                invalid.message_dict
                if hasattr(invalid, "error_dict")
                else {"detail": invalid.messages}
            )
            raise exceptions.ValidationError(detail) from invalid
        fresh = self.get_queryset().get(pk=activity.pk)
        response = Response(ActivitySerializer(fresh, context=self.get_serializer_context()).data)
        response["ETag"] = self.etag_for(fresh)
        return response

    @review_step(
        url_path="submit", summary="Submit a draft for review", request=None, parameters=[IF_MATCH]
    )
    def submit(self, request, *args, **kwargs):
        return self._step(
            request,
            lambda activity, version: review.activity_submit(
                activity=activity, by=request.user, expected_version=version
            ),
            managers_only=False,
        )

    @review_step(
        url_path="return",
        summary="Return a submitted draft with a comment (managers)",
        request=ReturnRequest,
        parameters=[IF_MATCH],
    )
    def return_for_changes(self, request, *args, **kwargs):
        def run(activity: Activity, version: int) -> object:
            body = ReturnRequest(data=request.data)
            reject_unknown_fields(body, request.data)
            body.is_valid(raise_exception=True)
            return review.activity_return(
                activity=activity,
                by=request.user,
                comment=body.validated_data["comment"],
                expected_version=version,
            )

        return self._step(request, run, managers_only=True)

    @review_step(
        url_path="publish",
        summary="Publish a draft (managers)",
        request=None,
        parameters=[IF_MATCH, CHANGE_REASON],
    )
    def publish(self, request, *args, **kwargs):
        return self._step(
            request,
            lambda activity, version: review.activity_publish_reviewed(
                activity=activity,
                by=request.user,
                expected_version=version,
                change_reason=change_reason_from(request),
            ),
            managers_only=True,
        )
