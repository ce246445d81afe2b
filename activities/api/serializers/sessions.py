"""An activity's sessions (counting rule 13), nested on the activity: read by everyone
who may read the activity (no personal data: who attended a session is not here), and
written as one list that replaces them (series.activity_sessions_replace)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from activities.models import ActivitySession, ModalityOption

from ..fields import ReferenceCodeField, StrictModelSerializer
from .nested import languages_field


class SessionSerializer(StrictModelSerializer):
    """One session: its number in the series, date, duration, modality and language."""

    language = languages_field(
        allow_null=True, required=False, help_text="Its language (ISO 639-1), when known."
    )
    modality = ReferenceCodeField(
        what="modality",
        listed_at="/api/v1/modalities/",
        queryset=ModalityOption.objects.all(),
        required=False,
        help_text="How it was held, by code (in_person, online...; default not_recorded).",
    )

    class Meta:
        model = ActivitySession
        fields = ["position", "date", "title", "hours", "modality", "language"]
        read_only_fields = ["position"]
        extra_kwargs = {
            "position": {"help_text": "Its number in the series, from 1: its place in the list."},
            "date": {"help_text": "The day it was held, within the activity's period."},
            "hours": {
                "min_value": Decimal("0.01"),
                "help_text": "How long it lasted, in hours; null when unknown, never 0.",
            },
            "title": {"required": False},
        }
        # The activity's position uniqueness is kept by the service, which numbers them.
        validators: list[serializers.Field] = []
