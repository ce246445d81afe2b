"""Projects and their results framework: a project with its fundings (and
disbursements), outcomes and indicators (with targets and entered values), all read
nested; its own fields and scope written by those with the permission. The results
(planned against achieved) are read through activities/results/compute.py.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from activities.models import (
    Disbursement,
    Funding,
    Indicator,
    IndicatorValue,
    Outcome,
    Project,
    Target,
)

from ..fields import StrictModelSerializer
from .nested import (
    DonorRefSerializer,
    ProjectRefSerializer,
    countries_field,
    regions_field,
    source_document_field,
    themes_field,
)


def money(**kwargs: Any) -> serializers.DecimalField:
    """An amount of money as the database keeps it (a decimal string in JSON)."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


class DisbursementSerializer(serializers.ModelSerializer):
    amount = money(help_text="In the funding's currency.")

    class Meta:
        model = Disbursement
        fields = ["date", "amount", "note"]
        read_only_fields = fields


class FundingSerializer(serializers.ModelSerializer):
    donor = DonorRefSerializer(read_only=True)
    committed_amount = money(
        allow_null=True, help_text="Null when the amount committed is not known."
    )
    disbursed = money(
        allow_null=True, help_text="The disbursements added up; null when there is none."
    )
    disbursements = DisbursementSerializer(many=True, read_only=True)

    class Meta:
        model = Funding
        fields = [
            "donor",
            "committed_amount",
            "currency",
            "committed_on",
            "note",
            "disbursed",
            "disbursements",
        ]
        read_only_fields = fields


class OutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outcome
        fields = ["code", "title", "description"]
        read_only_fields = fields


SEX_PART = serializers.ChoiceField(
    choices=["", "female", "male", "not_recorded"],
    read_only=True,
    help_text='A target or value by sex; "" otherwise.',
)


class PeriodPartMixin(serializers.Serializer):
    sex = SEX_PART
    country = serializers.CharField(
        source="country.iso2",
        allow_null=True,
        read_only=True,
        default=None,
        help_text="ISO alpha-2 of a target or value by country; null otherwise.",
    )
    period_label = serializers.CharField(read_only=True, help_text='"2021" or "2021 Q3".')


class TargetSerializer(PeriodPartMixin, serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = ["year", "quarter", "period_label", "sex", "country", "value", "note"]
        read_only_fields = fields


class IndicatorValueSerializer(PeriodPartMixin, serializers.ModelSerializer):
    class Meta:
        model = IndicatorValue
        fields = [
            "year",
            "quarter",
            "period_label",
            "sex",
            "country",
            "value",
            "qualifier",
            "evidence",
            "comment",
        ]
        read_only_fields = fields


class IndicatorSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-indicator-detail")
    project = ProjectRefSerializer(read_only=True)
    outcome = serializers.CharField(
        source="outcome.code",
        allow_null=True,
        read_only=True,
        default=None,
        help_text="The code of the outcome it measures; null for a project-level indicator.",
    )
    filters = serializers.DictField(
        read_only=True,
        help_text="Computed: the counts question's filters (the query parameters of "
        "/api/v1/stats/), over the project's activities.",
    )
    baseline_qualifier = serializers.ChoiceField(
        choices=["", "exact", "more_than", "about"],
        read_only=True,
        help_text='The baseline\'s qualifier; "" without a baseline.',
    )
    disaggregation = serializers.ChoiceField(
        choices=["", "sex", "country"], read_only=True, help_text='"" when not split.'
    )
    targets = TargetSerializer(many=True, read_only=True)
    values = IndicatorValueSerializer(
        many=True, read_only=True, help_text="Entered: the value of each period."
    )

    class Meta:
        model = Indicator
        fields = [
            "id",
            "url",
            "project",
            "outcome",
            "code",
            "title",
            "description",
            "kind",
            "unit",
            "measure",
            "filters",
            "disaggregation",
            "baseline_value",
            "baseline_qualifier",
            "baseline_year",
            "baseline_note",
            "targets",
            "values",
        ]
        read_only_fields = fields


class ProjectSerializer(StrictModelSerializer):
    """A project: its own fields and scope (written by code), and, read-only, what each
    donor committed and disbursed, its outcomes and its indicators with their targets."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api-project-detail", lookup_field="code", lookup_url_kwarg="code"
    )
    countries = countries_field(many=True, required=False)
    regions = regions_field(many=True, required=False)
    themes = themes_field(many=True, required=False)
    fundings = FundingSerializer(
        many=True, read_only=True, help_text="What each donor committed, per currency."
    )
    outcomes = OutcomeSerializer(many=True, read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)
    activity_count = serializers.IntegerField(
        read_only=True, help_text="Its activities you may read (activities_href lists them)."
    )
    activities_href = serializers.SerializerMethodField()
    results_href = serializers.SerializerMethodField()
    source_document = source_document_field()

    class Meta:
        model = Project
        fields = [
            "code",
            "url",
            "title",
            "description",
            "start_date",
            "end_date",
            "countries",
            "regions",
            "themes",
            "fundings",
            "outcomes",
            "indicators",
            "activity_count",
            "activities_href",
            "results_href",
            "source_document",
            "source_paragraph",
            "is_synthetic",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_synthetic", "created_at", "updated_at"]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(serializers.URLField())
    def get_activities_href(self, project: Project) -> str:
        return self._absolute(f"{reverse('api-activity-list')}?project={project.code}")

    @extend_schema_field(serializers.URLField())
    def get_results_href(self, project: Project) -> str:
        return self._absolute(reverse("api-project-results", kwargs={"code": project.code}))

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": [_("The end is before the start.")]})
        return attrs

    def create(self, validated_data):
        with transaction.atomic():
            return super().create(validated_data)

    def update(self, instance, validated_data):
        with transaction.atomic():
            return super().update(instance, validated_data)


# --- Results: planned against achieved (the shape of compute.IndicatorResult.as_dict) ---
# Documentation only: the view sends as_dict() itself, the same JSON the snapshots of
# closed periods keep.


class FigureSerializer(serializers.Serializer):
    value = serializers.IntegerField(
        allow_null=True, help_text="Null when nothing is counted, or when it is suppressed."
    )
    qualifier = serializers.CharField(
        allow_null=True,
        help_text='exact, at_least (a count including a "more than": a lower bound), about, '
        "or more_than (an entered value as its source words it); null when suppressed.",
    )
    suppressed = serializers.CharField(
        allow_null=True,
        help_text='A person-level count under the threshold, as shown ("<5"); null otherwise.',
    )
    text = serializers.CharField(help_text='As shown: "at least 5,600", "about 300", "—".')


class ReasonedChangeSerializer(serializers.Serializer):
    activity = serializers.IntegerField()
    subject = serializers.CharField()
    who = serializers.CharField()
    when = serializers.DateTimeField()
    reason = serializers.CharField()
    changes = serializers.ListField(
        child=serializers.DictField(), help_text="field, label, old and new of each change."
    )


class CellAsReportedSerializer(serializers.Serializer):
    value = serializers.IntegerField(allow_null=True)
    qualifier = serializers.CharField(allow_null=True)
    text = serializers.CharField()
    target = serializers.IntegerField(allow_null=True)
    taken_at = serializers.DateTimeField(help_text="When the period was closed.")
    report = serializers.CharField(allow_null=True, help_text="The report it was closed for.")
    period = serializers.CharField()
    changes_since = ReasonedChangeSerializer(
        many=True, help_text="Changes recorded with a reason since it was reported."
    )


class CellSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(allow_null=True)
    period_label = serializers.CharField(help_text='"2021" or "2021 Q3".')
    part = serializers.CharField(
        allow_blank=True,
        help_text='"" for the whole; "female", "male", "not_recorded"; or an ISO alpha-2.',
    )
    part_label = serializers.CharField(allow_blank=True)
    target = serializers.IntegerField(allow_null=True)
    actual = FigureSerializer(allow_null=True, help_text="Null: nothing entered or computed.")
    percent = serializers.IntegerField(
        allow_null=True, help_text="Of the target, rounded down; null without both."
    )
    status = serializers.CharField(
        help_text="met, not_met, not_shown_met (a lower bound below its target), "
        "in_progress (a period not over yet), no_target or no_value."
    )
    status_text = serializers.CharField(
        help_text='The status in words: "at least 5,600 against a target of 5,000: met".'
    )
    as_reported = CellAsReportedSerializer(
        allow_null=True,
        help_text="What was reported when the period closed; null when it is not closed.",
    )
    activities_href = serializers.CharField(
        allow_null=True, help_text="The activity list behind a computed actual."
    )
    evidence = serializers.CharField(allow_blank=True)
    comment = serializers.CharField(allow_blank=True)


class ResultIndicatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text="computed or entered.")
    unit = serializers.CharField(allow_blank=True)
    measure = serializers.CharField(allow_null=True)
    filters = serializers.DictField(help_text="The counts question's filters.")
    disaggregation = serializers.CharField(allow_null=True, help_text="sex, country or null.")
    outcome = serializers.CharField(allow_null=True, help_text="The outcome's code, or null.")


class IndicatorResultSerializer(serializers.Serializer):
    indicator = ResultIndicatorSerializer()
    baseline = FigureSerializer(allow_null=True)
    error = serializers.CharField(
        allow_null=True,
        help_text="Why a computed indicator's question cannot be answered; null when it can.",
    )
    cells = CellSerializer(many=True, help_text="By period, then part (the whole first).")
