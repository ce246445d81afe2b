"""The resources of /api/v1/: thin viewsets over selectors, FilterSets and services.

- Reads: everyone, on published records (activities start from `visible_to(user)`, so a
  draft is a 404 to whoever may not see it). Nested data comes prefetched from
  activities/selectors.py; tests/test_api_query_counts.py pins the queries.
- Writes: signed-in users with the model permission (session or token). Activities are
  written through activities/services.py (version check, attribution, audit history)
  and only within the writer's scope (activities/access.py). Countries and regions are
  the UN M49 reference data (`make countries`): read-only here.
- Every list: `count`/`next`/`previous`/`results`, `page_size` up to 1000, `ordering`,
  `?format=csv` (with `&hxl=1`); an unknown parameter or value is a 400 naming it.
"""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language, gettext_lazy
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from activities import access, selectors
from activities.answer_cache import records
from activities.filters import (
    ActivityFilterSet,
    CountryFilterSet,
    DonorFilterSet,
    HubFilterSet,
    MandateFilterSet,
    MentorFilterSet,
    PartnerFilterSet,
    RegionFilterSet,
    ReportedFigureFilterSet,
    ThemeFilterSet,
)
from activities.models import (
    Activity,
    Audience,
    Country,
    Donor,
    Hub,
    Kind,
    Language,
    Mandate,
    Mentor,
    ModalityOption,
    Partner,
    Region,
    ReportedFigure,
    Theme,
)

from . import serializers
from .base import ApiViewSet, ReadOnlyApiViewSet, documented
from .concurrency import ActivityConcurrencyMixin
from .history import ActivityHistoryMixin
from .reasons import change_reason_from
from .review import ActivityReviewMixin


@documented(
    "activity",
    "activities",
    csv_note=gettext_lazy(
        "The participants.* columns keep the JSON field names and count participations: a "
        "person at two activities counts twice."
    ),
)
class ActivityViewSet(
    ActivityReviewMixin, ActivityHistoryMixin, ActivityConcurrencyMixin, ApiViewSet
):
    """Activities (trainings, courses, webinars, assessments...): where, for whom, how
    many participations by sex, and the source paragraph of every record."""

    serializer_class = serializers.ActivitySerializer
    filterset_class = ActivityFilterSet
    lookup_value_regex = "[0-9]+"
    ordering_fields = {
        "start_date": "start_date",
        "end_date": "end_date",
        "title": "title",
        "kind": "kind_id",  # by code, as before kinds were a table (no join)
        "id": "id",
        "participants": "participants_total",
        "updated_at": "updated_at",
    }
    ordering = ["-start_date", "title"]
    queryset = Activity.objects.none()  # for the permission class; see get_queryset
    #: Writes take X-Change-Reason (api/reasons.py), documented by schema.AutoSchema.
    takes_change_reason = True

    # A write waiting to be rolled up is rolled up first (tens of milliseconds): then the
    # page reads the activities' kept representations, instead of serialising all of
    # them (hundreds of milliseconds at 100 a page).
    list_rolls_up_first = True

    def get_queryset(self):
        return selectors.api_activities(user=self.request.user)

    def list_page(self, request, *args, **kwargs):
        # An anonymous reader's page: the ids of the page, then each activity's kept
        # representation; only those that changed are read whole and serialised
        # (answer_cache/records.py).
        if not records.kept(request.user.is_authenticated):
            return super().list_page(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        lean = queryset.select_related(None).prefetch_related(None)
        page = self.paginate_queryset(lean.values_list("pk", flat=True))
        assert page is not None  # every list is paged (pagination.Pagination)

        def serialize(ids: list[int]):
            read = {activity.pk: activity for activity in queryset.filter(pk__in=ids)}
            return self.get_serializer([read[pk] for pk in ids], many=True).data

        # What else a representation shows: the host of its links, the language of its
        # labels, and ?format=, which DRF keeps in the links (rest_framework.reverse).
        parts = (request.build_absolute_uri("/"), get_language(), request.GET.get("format"))
        return self.get_paginated_response(records.representations(page, serialize, parts))

    def filter_queryset(self, queryset):
        # A record is found by its id whatever its delivery status: the filters, and the
        # default of counting rule 10 (what took place), choose the records of a list.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_context(self):
        context = dict(super().get_serializer_context())
        context["change_reason"] = change_reason_from(self.request)
        return context

    def get_object(self):
        activity = super().get_object()
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and not access.can_edit(
            self.request.user, activity
        ):
            raise exceptions.PermissionDenied("This activity is outside what you may edit.")
        return activity


@documented("country", "countries")
class CountryViewSet(ReadOnlyApiViewSet):
    """Countries and areas of the UN M49 standard, by ISO alpha-2 code (alpha-3 works
    too): /api/v1/countries/SV/."""

    serializer_class = serializers.CountrySerializer
    filterset_class = CountryFilterSet
    lookup_field = "iso2"
    lookup_url_kwarg = "code"
    lookup_value_regex = "[A-Za-z]{2,3}"
    ordering_fields = {"name": "name", "code": "iso2", "iso3": "iso3", "m49_code": "m49_code"}
    ordering = ["name"]
    hxl_resource = "country"

    queryset = Country.objects.none()  # the model, for the permission class

    def get_queryset(self):
        return selectors.api_countries()

    def get_object(self):
        code = self.kwargs[self.lookup_url_kwarg].upper()
        lookup = {"iso2": code} if len(code) == 2 else {"iso3": code}
        return get_object_or_404(self.get_queryset(), **lookup)


@documented("region", "regions")
class RegionViewSet(ReadOnlyApiViewSet):
    """The UN M49 tree, by three-digit code: /api/v1/regions/013/ is Central America."""

    serializer_class = serializers.RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"
    lookup_value_regex = "[0-9]{3}"
    ordering_fields = {"code": "code", "name": "name", "level": "level", "path": "path"}
    ordering = ["path"]
    queryset = Region.objects.none()
    hxl_resource = "region"

    def get_queryset(self):
        return selectors.api_regions()


@documented("theme", "themes")
class ThemeViewSet(ApiViewSet):
    """Thematic areas and, under each, the training topics."""

    serializer_class = serializers.ThemeSerializer
    filterset_class = ThemeFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    ordering_fields = {"name": "name", "slug": "slug", "id": "id"}
    ordering = ["name"]
    hxl_resource = "theme"

    queryset = Theme.objects.none()  # the model, for the permission class

    def get_queryset(self):
        return selectors.api_themes()


@documented("audience", "audiences")
class AudienceViewSet(ApiViewSet):
    """Who activities were for and who was counted: police, prosecutors, teachers..."""

    serializer_class = serializers.AudienceSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    ordering_fields = {"name": "name", "slug": "slug"}
    ordering = ["name"]
    queryset = Audience.objects.all()


@documented("kind of activity", "kinds of activity")
class KindViewSet(ReadOnlyApiViewSet):
    """Kinds of activity, by code (/api/v1/kinds/training/): the values of an activity's
    `kind` and of the `kind` filter. An administrator adds and retires them; an inactive
    kind (`is_active` false) stays on old records and is accepted for no new one."""

    serializer_class = serializers.KindSerializer
    lookup_field = "code"
    lookup_value_regex = "[a-z][a-z0-9_]*"
    ordering_fields = {"position": "position", "code": "code"}
    ordering = ["position", "code"]
    queryset = Kind.objects.all()


@documented("modality", "modalities")
class ModalityViewSet(ReadOnlyApiViewSet):
    """Modalities of delivery, by code (/api/v1/modalities/online/): the values of an
    activity's `modality` and of the `modality` filter, managed like the kinds."""

    serializer_class = serializers.ModalitySerializer
    lookup_field = "code"
    lookup_value_regex = "[a-z][a-z0-9_]*"
    ordering_fields = {"position": "position", "code": "code"}
    ordering = ["position", "code"]
    queryset = ModalityOption.objects.all()


@documented("language", "languages")
class LanguageViewSet(ApiViewSet):
    """Languages of delivery, by ISO 639-1 code."""

    serializer_class = serializers.LanguageSerializer
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9]+"
    ordering_fields = {"name": "name", "code": "code"}
    ordering = ["name"]
    queryset = Language.objects.all()


@documented("partner", "partners")
class PartnerViewSet(ApiViewSet):
    """Organizations activities were delivered with."""

    serializer_class = serializers.PartnerSerializer
    filterset_class = PartnerFilterSet
    lookup_value_regex = "[0-9]+"
    ordering_fields = {"name": "name", "kind": "kind", "id": "id"}
    ordering = ["name"]
    hxl_resource = "partner"

    queryset = Partner.objects.none()  # the model, for the permission class

    def get_queryset(self):
        return selectors.partner_list()


@documented("mentor", "mentors")
class MentorViewSet(ApiViewSet):
    """Mentors at the regional hubs (the report names none: `name` is empty then)."""

    serializer_class = serializers.MentorSerializer
    filterset_class = MentorFilterSet
    lookup_value_regex = "[0-9]+"
    ordering_fields = {"hub_country": "hub_country__name", "name": "name", "id": "id"}
    ordering = ["hub_country", "name"]

    queryset = Mentor.objects.none()  # the model, for the permission class

    def get_queryset(self):
        return selectors.mentor_list()


@documented("hub", "hubs")
class HubViewSet(ApiViewSet):
    """Regional hubs: the country each is based in, the countries and regions it covers
    (empty: not recorded) and how many mentors work from it. `hub=<code>` on activities
    and stats asks for the activities within its coverage."""

    serializer_class = serializers.HubSerializer
    filterset_class = HubFilterSet
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    ordering_fields = {"code": "code", "location": "location__name"}
    ordering = ["code"]

    queryset = Hub.objects.none()  # the model, for the permission class

    def get_queryset(self):
        return selectors.hub_list()


@documented("mandate", "mandates")
class MandateViewSet(ApiViewSet):
    """Resolutions and decisions that ask for the work."""

    serializer_class = serializers.MandateSerializer
    filterset_class = MandateFilterSet
    lookup_value_regex = "[0-9]+"
    ordering_fields = {"year": "year", "symbol": "symbol", "id": "id"}
    ordering = ["year", "symbol"]
    queryset = Mandate.objects.all()


@documented("donor", "donors")
class DonorViewSet(ApiViewSet):
    """Funding sources (the 2020 report names none)."""

    serializer_class = serializers.DonorSerializer
    filterset_class = DonorFilterSet
    lookup_value_regex = "[0-9]+"
    ordering_fields = {"name": "name", "id": "id"}
    ordering = ["name"]
    hxl_resource = "donor"

    queryset = Donor.objects.none()  # the model, for the permission class

    def get_queryset(self):
        return selectors.api_donors()


@documented("reported figure", "reported figures")
class FigureViewSet(ApiViewSet):
    """Every number a source gives, with its role, by code (/api/v1/figures/F16/).

    Only `delivery` figures are backed by activity records, and they are counted through
    those records; umbrella totals (the 2,440 trained "from 64 countries"), context
    statistics, reach (impressions, views) and outcomes are never participants.
    """

    serializer_class = serializers.ReportedFigureSerializer
    filterset_class = ReportedFigureFilterSet
    lookup_field = "code"
    lookup_value_regex = "[-A-Za-z0-9_.]+"
    ordering_fields = {"code": "code", "role": "role", "value": "value"}
    ordering = ["code"]
    hxl_resource = "figure"

    queryset = ReportedFigure.objects.none()  # the model, for the permission class

    def get_queryset(self):
        return selectors.api_figures(user=self.request.user)

    def perform_create(self, serializer):
        with transaction.atomic():
            figure = serializer.save()
        serializer.instance = self.get_queryset().get(pk=figure.pk)

    def perform_update(self, serializer):
        with transaction.atomic():
            figure = serializer.save()
        serializer.instance = self.get_queryset().get(pk=figure.pk)


class NotFoundView(APIView):
    """Any other URL under /api/v1/: a 404 in the API's format (JSON), not an HTML page."""

    permission_classes = [AllowAny]
    schema = None  # not an operation of the API

    def handle(self, request, *args, **kwargs):
        raise exceptions.NotFound("No such resource in the API: /api/v1/ lists them.")

    get = post = put = patch = delete = head = options = handle
