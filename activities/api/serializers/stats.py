"""The answer of GET /api/v1/stats/, described for OpenAPI (the view builds plain dicts;
these serializers only document their shape)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from activities import stats

from .beneficiaries import ParticipantsSerializer


class GroupValueSerializer(serializers.Serializer):
    code = serializers.JSONField(help_text="ISO alpha-2, M49 code, slug, year, id...")
    name = serializers.CharField()
    iso3 = serializers.CharField(required=False)


class CountriesSerializer(serializers.Serializer):
    named = serializers.IntegerField(help_text="Distinct countries the activities name.")
    reported_max = serializers.IntegerField(
        allow_null=True,
        help_text="Largest 'from N countries' count given where the countries are not named.",
    )
    at_least = serializers.IntegerField(
        help_text="max(named, reported_max): the counts may overlap, so they are never added."
    )
    qualifier = serializers.ChoiceField(choices=["exact", "at_least"])


class PlaceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["country", "region"], allow_null=True)
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    participants = ParticipantsSerializer()


class UnattributedActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    participants = ParticipantsSerializer()
    attributed_to = PlaceSerializer(
        many=True,
        help_text=gettext_lazy(
            "Where these participations do belong, with how many at each place."
        ),
    )


class UnattributedSerializer(serializers.Serializer):
    participants = ParticipantsSerializer()
    activities_count = serializers.IntegerField()
    activities = UnattributedActivitySerializer(many=True)


class StatsRowSerializer(serializers.Serializer):
    unattributed = serializers.BooleanField(
        help_text=gettext_lazy(
            "A group value is null: participations or activities that cannot be placed."
        )
    )
    activities = serializers.IntegerField(required=False)
    participants = ParticipantsSerializer(required=False)
    countries = CountriesSerializer(required=False)
    activities_href = serializers.URLField(allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        for name in stats.DIMENSIONS:
            fields[name] = GroupValueSerializer(required=False, allow_null=True)
        return fields


class StatsTotalsSerializer(serializers.Serializer):
    activities = serializers.IntegerField(required=False)
    participants = ParticipantsSerializer(required=False)
    countries = CountriesSerializer(required=False)
    unattributed = UnattributedSerializer(required=False, allow_null=True)
    activities_href = serializers.URLField()


class SuppressionSerializer(serializers.Serializer):
    threshold = serializers.IntegerField(
        help_text=gettext_lazy(
            "Person-level counts from 1 to threshold - 1 are shown as the string '<5'; "
            "other hidden cells as 'suppressed' (activities/people/suppression.py)."
        )
    )


class StatsResponseSerializer(serializers.Serializer):
    filters = serializers.DictField(child=serializers.CharField())
    includes_drafts = serializers.BooleanField(
        help_text="True exactly when a draft is among the activities counted (drafts count "
        "for managers and donor viewers, and for officers within their scope)."
    )
    group_by = serializers.ListField(child=serializers.CharField())
    measures = serializers.ListField(child=serializers.CharField())
    rows = StatsRowSerializer(many=True)
    totals = StatsTotalsSerializer()
    additive = serializers.DictField(child=serializers.BooleanField())
    suppression = SuppressionSerializer(
        required=False,
        help_text=gettext_lazy(
            "Present when small person-level counts (people, learning) were suppressed "
            "for the user who asks."
        ),
    )
