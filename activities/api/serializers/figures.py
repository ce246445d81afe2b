"""Reported figures: every number a source gives, exactly as it gives it, with the
activity records that back a delivery figure."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from activities import figures_as_reported, services
from activities.api.fields import StrictModelSerializer
from activities.models import Activity, Mentor, Partner, Qualifier, ReportedFigure

from .nested import (
    ActivityRefSerializer,
    MentorRefSerializer,
    PartnerRefSerializer,
    audiences_field,
    by_id,
    countries_field,
    languages_field,
    regions_field,
    source_document_field,
    themes_field,
)


class AsReportedSerializer(serializers.Serializer):
    """The value a closed reporting period froze for a figure, beside the current one."""

    period = serializers.CharField(help_text="The closed period, e.g. 2020.")
    report = serializers.CharField(help_text="The report it was closed for.")
    taken_at = serializers.DateTimeField()
    value = serializers.IntegerField(allow_null=True)
    qualifier = serializers.CharField(help_text="exact, more_than or about, as reported.")
    text = serializers.CharField(help_text='e.g. "more than 5,600".')
    changed_since = serializers.BooleanField(
        help_text="Whether the figure's value or qualifier differs now."
    )


class ReportedFigureSerializer(StrictModelSerializer):
    """A number exactly as the source gives it. Only `delivery` figures are backed by
    activity records (and counted through them); no figure is ever added into
    participants."""

    role_label = serializers.CharField(source="get_role_display", read_only=True)
    period_label = serializers.CharField(read_only=True)
    audiences = audiences_field(many=True, required=False)
    countries = countries_field(many=True, required=False)
    regions = regions_field(many=True, required=False)
    languages = languages_field(many=True, required=False)
    partners = by_id(Partner, PartnerRefSerializer, "partner id", many=True, required=False)
    themes = themes_field(many=True, required=False)
    mentors = by_id(Mentor, MentorRefSerializer, "mentor id", many=True, required=False)
    activities = by_id(
        Activity,
        ActivityRefSerializer,
        "activity id",
        many=True,
        required=False,
        source="visible_activities",
        help_text="The activity records backing a delivery figure (those you may see).",
    )
    source_document = source_document_field()
    as_reported = serializers.SerializerMethodField(
        help_text="As reported when a period closed (the 2020 report for its figures): "
        "the frozen value and qualifier, never changed since; null if no snapshot holds it."
    )

    class Meta:
        model = ReportedFigure
        fields = [
            "code",
            "role",
            "role_label",
            "category",
            "subject",
            "value",
            "qualifier",
            "unit",
            "audience_text",
            "audiences",
            "countries",
            "regions",
            "countries_count",
            "geography_as_reported",
            "geography_note",
            "start_date",
            "end_date",
            "date_precision",
            "period_text",
            "period_label",
            "languages",
            "partners",
            "themes",
            "mentors",
            "activities",
            "source_document",
            "source_paragraph",
            "note",
            "as_reported",
        ]

    @extend_schema_field(AsReportedSerializer(allow_null=True))
    def get_as_reported(self, figure: ReportedFigure) -> dict | None:
        frozen = figures_as_reported.of_figure(figure)
        return AsReportedSerializer(frozen.as_dict()).data if frozen is not None else None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # A figure may only be linked to activities its writer may see.
        activities = cast(serializers.ManyRelatedField, self.fields["activities"])  # many=True
        activities.child_relation.queryset = Activity.objects.visible_to(user)

    def validate(self, attrs):
        instance = self.instance

        def current(name, default=None):
            if name in attrs:
                return attrs[name]
            return getattr(instance, name) if instance is not None else default

        value, qualifier = current("value"), current("qualifier", "")
        if value is None and qualifier:
            raise serializers.ValidationError(
                {"qualifier": "A figure without a value has no qualifier: leave it empty."}
            )
        if value is not None and not qualifier:
            raise serializers.ValidationError(
                {"qualifier": f"Say how exact {value} is: one of {', '.join(Qualifier.values)}."}
            )
        # The order of the dates only: a figure's precision may be left blank.
        errors = services.period_errors(
            start=current("start_date"), end=current("end_date"), precision=None
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _save_links(self, figure: ReportedFigure, links: dict) -> None:
        for name, values in links.items():
            getattr(figure, name).set(values)

    def _split(self, validated_data: dict) -> tuple[dict, dict]:
        names = {
            "audiences",
            "countries",
            "regions",
            "languages",
            "partners",
            "themes",
            "mentors",
        }
        links = {name: validated_data.pop(name) for name in list(validated_data) if name in names}
        if "visible_activities" in validated_data:
            links["activities"] = validated_data.pop("visible_activities")
        return validated_data, links

    def create(self, validated_data):
        fields, links = self._split(validated_data)
        figure = ReportedFigure.objects.create(**fields)
        self._save_links(figure, links)
        return figure

    def update(self, instance, validated_data):
        fields, links = self._split(validated_data)
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.save()
        self._save_links(instance, links)
        return instance
