"""/api/v1/periods/: reporting periods, what their closes froze, and the manager's acts.

- GET /api/v1/periods/ and /{id}/: every period (a project's, or programme-wide with
  `project: null`), its status and its closes and reopens.
- GET /api/v1/periods/{id}/snapshots/: the snapshots of the period, newest first, with
  every figure (indicator values by period and part, headline figures). Snapshots hold
  published figures only, so anyone may read those of a closed period; managers also
  read those of a period reopened since.
- POST /api/v1/periods/{id}/close/ {"report", "note"} and /reopen/ {"note"}: managers
  only (the `close_period` permission); 400 when it is closed (or open) already.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from activities import access
from activities.models import PeriodEvent, PeriodSnapshot, ReportingPeriod, SnapshotFigure
from activities.results import periods

from .base import HXL_PARAMETER, ReadOnlyApiViewSet, format_parameter
from .serializers.periods import (
    CloseRequestSerializer,
    PeriodSnapshotSerializer,
    ReopenRequestSerializer,
    ReportingPeriodSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="List reporting periods", parameters=[format_parameter(), HXL_PARAMETER]
    ),
    retrieve=extend_schema(summary="One reporting period", parameters=[format_parameter()]),
)
class ReportingPeriodViewSet(ReadOnlyApiViewSet):
    """Reporting periods that close: while closed, a change to a published activity
    dated in one needs a reason (X-Change-Reason), and what was reported stays in its
    snapshots."""

    serializer_class = ReportingPeriodSerializer
    lookup_value_regex = "[0-9]+"
    ordering_fields = {"start_date": "start_date", "id": "id"}
    ordering = ["start_date", "id"]
    queryset = ReportingPeriod.objects.none()  # the model, for the permission class

    def get_queryset(self):
        return ReportingPeriod.objects.select_related("project").prefetch_related(
            Prefetch("events", queryset=PeriodEvent.objects.select_related("by"))
        )

    @extend_schema(
        summary="What each close of a period froze",
        responses={200: PeriodSnapshotSerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="snapshots",
        pagination_class=None,
        filter_backends=[],
        renderer_classes=[JSONRenderer, BrowsableAPIRenderer],
    )
    def snapshots(self, request, *args, **kwargs):
        period = self.get_object()
        if not period.is_closed and not access.can_close_periods(request.user):
            snapshots = PeriodSnapshot.objects.none()
        else:
            snapshots = (
                PeriodSnapshot.objects.filter(period=period)
                .select_related("taken_by")
                .prefetch_related(
                    Prefetch(
                        "figures",
                        queryset=SnapshotFigure.objects.select_related(
                            "indicator__project", "country"
                        ).order_by("pk"),
                    )
                )
                .order_by("-taken_at", "-pk")
            )
        data = PeriodSnapshotSerializer(
            snapshots, many=True, context=self.get_serializer_context()
        ).data
        return Response(data)

    @extend_schema(
        summary="Close a period for a report (managers)",
        request=CloseRequestSerializer,
        responses={201: PeriodSnapshotSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="close",
        permission_classes=[IsAuthenticated],
        http_method_names=["post", "options"],
    )
    def close(self, request, *args, **kwargs):
        period = self._managed_period(request)
        body = CloseRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with _service_errors():
            snapshot = periods.close_period(period, user=request.user, **body.validated_data)
        data = PeriodSnapshotSerializer(snapshot, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Reopen a closed period (managers)",
        request=ReopenRequestSerializer,
        responses={200: ReportingPeriodSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="reopen",
        permission_classes=[IsAuthenticated],
        http_method_names=["post", "options"],
    )
    def reopen(self, request, *args, **kwargs):
        period = self._managed_period(request)
        body = ReopenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with _service_errors():
            periods.reopen_period(period, user=request.user, note=body.validated_data["note"])
        fresh = self.get_queryset().get(pk=period.pk)
        return Response(self.get_serializer(fresh).data)

    def _managed_period(self, request) -> ReportingPeriod:
        period = self.get_object()
        if not access.can_close_periods(request.user):
            raise exceptions.PermissionDenied(
                "Only a programme manager closes and reopens periods."
            )
        return period


@contextmanager
def _service_errors() -> Iterator[None]:
    """The services' refusals as the API's: 400 naming the problem, 403."""
    try:
        yield
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
        raise exceptions.ValidationError(detail) from error
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from error
