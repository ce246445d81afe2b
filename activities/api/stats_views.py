"""GET /api/v1/stats/: counts of activities, participations and countries, grouped on
request.

The view is thin: it validates the request (the shared ActivityFilterSet, `group_by`,
`measures`), asks `activities.stats` for the numbers, and adds to each row the link that
lists exactly its activities.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import counting, stats
from ..answer_cache import cached_api_response, places
from ..filters import ActivityFilterSet, plans
from ..models import Activity, Region
from ..people import suppression
from .base import HXL_PARAMETER, format_parameter
from .params import StrictQueryParamsMixin
from .serializers.stats import StatsResponseSerializer

STATS_DESCRIPTION = gettext_lazy("""
Counts over the activities that match the filters (the same filters as
`/api/v1/activities/`), optionally grouped by up to three dimensions.

**Measures.** `activities`: distinct activities. `participants`: **participations**, the
sum of the activities' beneficiary rows, with the sex split (`female + male +
not_recorded = total`) and a qualifier: `at_least` as soon as one value counted is "more
than", `about` if one is "about". A participation is one person at one activity: a
person at two activities counts twice, so until person-level records exist this is not
a count of distinct people (the field keeps its name `participants`). `countries`:
distinct countries named, and the largest "from N countries" count where the countries
are not named; they combine as `at_least = max(named, reported_max)`, never summed.

**Attribution.** Participations count for a place only when all of them certainly belong
there: a beneficiary row naming its country belongs to it; the rows of a single-country
activity belong to that country; those of a multi-country activity belong to the
smallest M49 region holding all its countries. Under a `country` or `region` (or
`audience`) filter, the participations of the matched activities that do not certainly
belong to it are reported apart in `totals.unattributed`, with the activities they come
from. With a `group_by`, what cannot be placed in one group goes to a row whose group
value is `null` (`unattributed: true`).

**What took place.** By default only activities **delivered or ongoing** are counted:
planned (`scheduled`), `postponed` and `cancelled` ones are in no count, row, map or
download unless the `delivery` filter asks for them (`delivery=scheduled`,
`delivery=delivered,postponed`, `delivery=all`). Ongoing activities count because their
work is under way. `delivery` in the answer names the statuses counted.

**Held in, benefiting.** `country` and `region` mean the places an activity served
(benefiting); `held_in` the country it was held in (its venue). Attribution of
participations uses only the places served: a training in Bangkok for Cambodia and Laos
counts for Cambodia and Laos, and is found by `held_in=TH`, not by `country=TH`.

**Totals** are computed over the whole filtered set, never by adding rows: an activity
in five countries is one activity. `additive` says, for each measure, whether the rows
add up to the totals. Reported figures (umbrella totals, context statistics,
impressions, views) are never participations: see `/api/v1/figures/`.

Every row has `activities_href`, the activities list with the same filters plus the
row's group values; a `null` group value cannot be expressed as a filter, so its row
has `activities_href: null`.
""")


@extend_schema(
    summary=gettext_lazy("Counts of activities, participations and countries"),
    description=suppression.schema_description(STATS_DESCRIPTION),
    parameters=[
        format_parameter(
            gettext_lazy("The stats CSV has one line per row, then one for the totals.")
        ),
        HXL_PARAMETER,
        OpenApiParameter(
            "group_by",
            OpenApiTypes.STR,
            description=(
                "Comma-separated, up to three of: "
                + ", ".join(stats.DIMENSIONS)
                + ". One geographic dimension (region, subregion, country) at a time."
            ),
        ),
        OpenApiParameter(
            "measures",
            OpenApiTypes.STR,
            description=(
                "Comma-separated subset of activities, participants (participations), "
                "countries (default: all that the grouping can split; `sex` splits "
                "participants only), and, asked for by name, people, learning, hours "
                "(of delivery, of distinct activities) and person_hours (participations "
                "x hours, the rows' qualifiers carried; at_least when some counted "
                "activity has no hours recorded), sessions (of the distinct activities "
                "counted: a session is counted with its activity) and session_attendances "
                "(persons at sessions, of the attended attendance counted by people: one "
                "person at five sessions of a series is one participation, one person and "
                "five session attendances; `sex` splits it)."
            ),
        ),
    ],
    responses={200: StatsResponseSerializer},
)
class StatsView(StrictQueryParamsMixin, APIView):
    permission_classes = [AllowAny]
    extra_query_params = frozenset({"group_by", "measures"})
    # Declared so that the filters appear in the OpenAPI schema (document_filters, read by
    # schema.AutoSchema: generated from the FilterSet, they cannot drift); applied in get().
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActivityFilterSet
    document_filters = True

    def get_queryset(self):
        # Aggregates: drafts count for managers, for donor viewers those their donors
        # fund, never for anonymous users (counting.countable).
        return Activity.objects.aggregated_for(self.request.user)

    def get(self, request, *args, **kwargs):
        # The whole answer, links included, until the data changes (activities/answer_cache).
        return cached_api_response(
            self,
            request,
            "stats",
            lambda: Response(self.answer(request)),
            before=lambda: self.roll_up_first(request),
            # A question of one place is kept until a write there (answer_cache/places.py).
            place=places.place_of(request.query_params, request.user.is_authenticated),
        )

    def roll_up_first(self, request) -> None:
        """Before the answer's snapshot opens: the writes it reads of the rollups rolled
        up (a question of people only does not wait for beneficiary rows alone). Invalid
        parameters: nothing to roll up; answer() says what is wrong."""
        params = request.query_params

        def restriction() -> stats.Restriction:
            queryset = self.get_queryset()
            plan = plans.validated(ActivityFilterSet, "stats", params, queryset, request)
            return stats.restriction_from_filters(plan.cleaned)

        try:
            stats.roll_up_first(params.get("group_by"), params.get("measures"), restriction)
        except (plans.InvalidFilters, stats.StatsError):
            return

    def answer(self, request) -> dict[str, Any]:
        params = request.query_params
        filter_names = set(ActivityFilterSet.base_filters)
        try:
            # Kept for anonymous visitors while no place, theme or project changes.
            plan = plans.validated(ActivityFilterSet, "stats", params, self.get_queryset(), request)
        except plans.InvalidFilters as invalid:
            raise ValidationError(invalid.errors) from invalid
        try:
            group_by = stats.parse_group_by(params.get("group_by"))
            measures = stats.parse_measures(params.get("measures"), group_by)
        except stats.StatsError as error:
            raise ValidationError({error.param: [str(error)]}) from error
        cleaned = plan.cleaned
        result = stats.compute(
            plan.records(),
            group_by=group_by,
            measures=measures,
            restriction=stats.restriction_from_filters(cleaned),
        )
        # After the engine's cache, which everyone shares: small person-level counts
        # are hidden from those who may not see them exactly (people/suppression.py).
        result = suppression.for_user(result, request.user)
        base = {name: params[name] for name in filter_names if params.get(name, "") != ""}
        links = DrillDown(request, base, cleaned)
        for row in result["rows"]:
            row["activities_href"] = links.for_row(row, group_by)
        result["totals"]["activities_href"] = links.href(base)
        # A donor may count a draft without reading it: no title, no id (counting rule 8).
        unattributed = result["totals"].get("unattributed") or {}
        counting.redact_unreadable(unattributed.get("activities") or [], request.user)
        return {
            "filters": base,
            "delivery": counting.delivery_answer(cleaned["delivery"]),
            **result,
        }


class DrillDown:
    """Links from a stats row to the activities list that holds exactly its activities."""

    def __init__(self, request, base: dict[str, str], cleaned: dict[str, Any]):
        self.request = request
        self.base = base
        self.cleaned = cleaned
        self.list_url = reverse("api-activity-list")
        self._paths: dict[str, str] = {}

    def href(self, params: dict[str, Any]) -> str:
        query = urlencode(sorted(params.items()))
        return self.request.build_absolute_uri(self.list_url + (f"?{query}" if query else ""))

    def for_row(self, row: dict[str, Any], group_by: list[str]) -> str | None:
        params = dict(self.base)
        for name in group_by:
            dimension = stats.DIMENSIONS[name]
            value = row[name]
            if value is None:
                return None
            if not dimension.param:
                continue  # sex: the list cannot be split by sex, its activities are the same
            if dimension.param in params:
                if dimension.param == "region" and self._is_below(value["code"], params["region"]):
                    params["region"] = value["code"]
                # Otherwise the filter already limits the group to its own value.
                continue
            if dimension.param == "region" and self.cleaned.get("country") is not None:
                continue  # a country filter is narrower than any region holding it
            params[dimension.param] = dimension.href_value(None, value)
        return self.href(params)

    def _is_below(self, code: str, other: str) -> bool:
        if not self._paths:
            self._paths = dict(Region.objects.values_list("code", "path"))
        path, other_path = self._paths.get(code, ""), self._paths.get(other, "")
        return (
            bool(path and other_path)
            and path != other_path
            and counting.lies_under(path, other_path)
        )
