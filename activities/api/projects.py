"""Projects and indicators in /api/v1/, and a project's results.

- /api/v1/projects/ and /api/v1/projects/{code}/: a project with its fundings
  (committed amount and currency per donor, disbursements), outcomes and indicators
  with their targets. Read by everyone; written (its own fields and scope) by those
  with the model permission (programme managers), like the other resources.
- /api/v1/projects/{code}/results/: planned against achieved, per indicator and period
  (activities/results/compute.py: computed indicators are asked of the counting engine
  live, never stored), with the qualifiers carried and a link from every actual to the
  activities behind it. Kept by the answer cache until the data changes.
- /api/v1/indicators/ and /api/v1/indicators/{id}/: indicators on their own (read-only).
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from activities import project_selectors
from activities.answer_cache import cached_api_response
from activities.filters import IndicatorFilterSet, ProjectFilterSet
from activities.models import Indicator, IndicatorValue, Project, Target
from activities.results import compute

from . import serializers
from .base import ApiViewSet, ReadOnlyApiViewSet, documented


@documented("project", "projects")
class ProjectViewSet(ApiViewSet):
    """Projects: the funded work activities belong to, with what each donor committed
    (per currency: amounts in different currencies are never added), outcomes and
    indicators with their targets."""

    serializer_class = serializers.ProjectSerializer
    filterset_class = ProjectFilterSet
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    ordering_fields = {"code": "code", "title": "title", "start_date": "start_date"}
    ordering = ["code"]
    hxl_resource = "project"
    queryset = Project.objects.none()  # the model, for the permission class

    def get_queryset(self):
        if self.action == "results":
            return Project.objects.all()  # compute reads the indicators itself
        return project_selectors.project_detail(self.request.user)

    def perform_create(self, serializer):
        project = serializer.save()
        # As a read shows it: with its activity count and nested lists.
        serializer.instance = self.get_queryset().get(pk=project.pk)

    def perform_update(self, serializer):
        project = serializer.save()
        serializer.instance = self.get_queryset().get(pk=project.pk)

    @extend_schema(
        summary="A project's results: planned against achieved",
        description=(
            "One entry per indicator (by code): its baseline and, per period (a year or "
            "a quarter) and part (the whole first, then by sex or country where targets "
            "are disaggregated), the target, the actual with its qualifier (`at_least`: "
            "a lower bound), the percentage of the target (rounded down), a status and "
            "its sentence, and `activities_href`, the activity list behind a computed "
            "actual. Computed actuals are the counting engine's live answers."
        ),
        responses={200: serializers.IndicatorResultSerializer(many=True)},
        parameters=[],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="results",
        url_name="results",
        renderer_classes=[JSONRenderer, BrowsableAPIRenderer],
        pagination_class=None,
        filter_backends=[],
    )
    def results(self, request, *args, **kwargs):
        project = self.get_object()

        def produce() -> Response:
            results = compute.project_results(project, user=request.user)
            return Response([result.as_dict() for result in results])

        return cached_api_response(self, request, f"project-results:{project.pk}", produce)


@documented("indicator", "indicators")
class IndicatorViewSet(ReadOnlyApiViewSet):
    """Indicators of the projects, with their targets and entered values (the results,
    planned against achieved, are at /api/v1/projects/{code}/results/)."""

    serializer_class = serializers.IndicatorSerializer
    filterset_class = IndicatorFilterSet
    lookup_value_regex = "[0-9]+"
    ordering_fields = {"code": "code", "id": "id"}
    ordering = ["project__code", "code"]
    hxl_resource = "indicator"
    queryset = Indicator.objects.none()  # the model, for the permission class

    def get_queryset(self):
        return Indicator.objects.select_related("project", "outcome").prefetch_related(
            Prefetch("targets", queryset=Target.objects.select_related("country")),
            Prefetch("values", queryset=IndicatorValue.objects.select_related("country")),
        )
