"""Reporting periods and what their closes froze (activities/results/periods.py).

Read-only shapes; closing and reopening are actions of /api/v1/periods/{id}/ that take
the small request bodies below.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from activities import access
from activities.models import (
    Country,
    PeriodEvent,
    PeriodSnapshot,
    Project,
    ReportingPeriod,
    SnapshotFigure,
)


def _username_for(serializer: serializers.Serializer, user: Any) -> str | None:
    """A staff member's username, for those who may read the audit history; else None."""
    request = serializer.context.get("request")
    if user is None or request is None or not access.can_read_history(request.user):
        return None
    return str(user.get_username())


class PeriodEventSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField(
        help_text="Who closed or reopened it (for managers; null for others)."
    )

    class Meta:
        model = PeriodEvent
        fields = ["action", "at", "by", "report", "note"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_by(self, event: PeriodEvent) -> str | None:
        return _username_for(self, event.by)


class ReportingPeriodSerializer(serializers.ModelSerializer):
    project: serializers.SlugRelatedField[Project] = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The project's code; null: programme-wide.",
    )
    events = PeriodEventSerializer(many=True, read_only=True)
    snapshots_href = serializers.HyperlinkedIdentityField(
        view_name="api-period-snapshots", help_text="What each close froze."
    )

    class Meta:
        model = ReportingPeriod
        fields = [
            "id",
            "project",
            "label",
            "start_date",
            "end_date",
            "is_closed",
            "report",
            "events",
            "snapshots_href",
        ]


class SnapshotFigureSerializer(serializers.ModelSerializer):
    indicator = serializers.SerializerMethodField(
        help_text="The indicator (id, project code, code); null for a headline figure."
    )
    country: serializers.SlugRelatedField[Country] = serializers.SlugRelatedField(
        slug_field="iso2",
        read_only=True,
        allow_null=True,
        help_text="ISO alpha-2 of a country part; null otherwise.",
    )

    class Meta:
        model = SnapshotFigure
        fields = [
            "indicator",
            "key",
            "label",
            "year",
            "quarter",
            "sex",
            "country",
            "value",
            "qualifier",
            "target",
            "detail",
        ]

    @extend_schema_field(
        serializers.DictField(allow_null=True, help_text='{"id", "project", "code"}')
    )
    def get_indicator(self, figure: SnapshotFigure) -> dict[str, Any] | None:
        indicator = figure.indicator
        if indicator is None:
            return None
        return {"id": indicator.pk, "project": indicator.project.code, "code": indicator.code}


class PeriodSnapshotSerializer(serializers.ModelSerializer):
    taken_by = serializers.SerializerMethodField(
        help_text="Who closed the period (for managers; null for others)."
    )
    figures = SnapshotFigureSerializer(many=True, read_only=True)

    class Meta:
        model = PeriodSnapshot
        fields = ["id", "taken_at", "taken_by", "report", "data_version", "note", "figures"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_taken_by(self, snapshot: PeriodSnapshot) -> str | None:
        return _username_for(self, snapshot.taken_by)


class CloseRequestSerializer(serializers.Serializer):
    report = serializers.CharField(max_length=300, help_text="e.g. E/CN.15/2021/8")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReopenRequestSerializer(serializers.Serializer):
    note = serializers.CharField(help_text="Why it is reopened (kept with its history).")
