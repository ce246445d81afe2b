"""The answer of GET /api/v1/stats/, described for OpenAPI (the view builds plain dicts;
these serializers only document their shape)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from activities import stats

from .beneficiaries import SUPPRESSED_HELP, ParticipantsSerializer, PersonCountField


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


class PeopleSerializer(serializers.Serializer):
    """Distinct persons (counting rule 9): only activities with attendance have any."""

    total = PersonCountField(
        help_text=gettext_lazy(
            "Distinct people: a person at three activities is one. Never add these across "
            "rows: a person may be in several."
        )
    )
    female = PersonCountField()
    male = PersonCountField()
    not_recorded = PersonCountField()
    participations = PersonCountField(
        help_text=gettext_lazy(
            "The attended participations of these people: how much of the participations "
            "measure rests on named people."
        )
    )

    suppressed = serializers.BooleanField(required=False, help_text=SUPPRESSED_HELP)


class LearningSerializer(serializers.Serializer):
    """Pre- and post-test scores (Kirkpatrick level 2)."""

    assessed = PersonCountField(
        help_text=gettext_lazy("Attended participations with both a pre- and a post-test score.")
    )
    people = PersonCountField(help_text=gettext_lazy("Distinct people assessed."))
    mean_pre = serializers.FloatField(allow_null=True)
    mean_post = serializers.FloatField(allow_null=True)
    mean_gain = serializers.FloatField(
        allow_null=True,
        help_text=gettext_lazy("Mean post-test minus mean pre-test, over the same participations."),
    )
    suppressed = serializers.BooleanField(required=False, help_text=SUPPRESSED_HELP)


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


class HoursSerializer(serializers.Serializer):
    """Hours of delivery of the distinct activities counted (counting rule 12)."""

    total = serializers.FloatField(help_text=gettext_lazy("Hours, to two decimals."))
    activities_without_hours = serializers.IntegerField(
        help_text=gettext_lazy("Activities counted whose hours are not recorded: they add none.")
    )
    qualifier = serializers.ChoiceField(
        choices=["exact", "at_least", "about"],
        help_text=gettext_lazy(
            "at_least when some activity has no hours recorded, or only some of its "
            "sessions' durations."
        ),
    )


class PersonHoursSerializer(serializers.Serializer):
    """Participations x hours (counting rule 12): each beneficiary row counted (placed as
    participations are) times its activity's hours, the rows' qualifiers carried."""

    total = serializers.JSONField(
        help_text=gettext_lazy(
            'Person-hours, to two decimals; "suppressed" where they rest on few named people.'
        )
    )
    participations_without_hours = serializers.IntegerField(
        help_text=gettext_lazy("Participations of activities whose hours are not recorded.")
    )
    qualifier = serializers.ChoiceField(choices=["exact", "at_least", "about"])
    suppressed = serializers.BooleanField(required=False)


class SessionAttendancesSerializer(serializers.Serializer):
    """Person-session attendances (counting rule 13): a person at five sessions of a
    series is five here, and one participation and one person of the series."""

    total = serializers.JSONField(
        help_text=gettext_lazy(
            'Attendances of persons at sessions; "<5" or "suppressed" where few named '
            "people would be singled out."
        )
    )
    suppressed = serializers.BooleanField(required=False)


class StatsRowSerializer(serializers.Serializer):
    unattributed = serializers.BooleanField(
        help_text=gettext_lazy(
            "A group value is null: participations or activities that cannot be placed."
        )
    )
    activities = serializers.IntegerField(required=False)
    participants = ParticipantsSerializer(required=False)
    countries = CountriesSerializer(required=False)
    people = PeopleSerializer(required=False)
    learning = LearningSerializer(required=False)
    hours = HoursSerializer(required=False)
    person_hours = PersonHoursSerializer(required=False)
    sessions = serializers.IntegerField(
        required=False,
        help_text=gettext_lazy("Sessions of the distinct activities counted (counting rule 13)."),
    )
    session_attendances = SessionAttendancesSerializer(required=False)
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
    people = PeopleSerializer(required=False)
    learning = LearningSerializer(required=False)
    hours = HoursSerializer(required=False)
    person_hours = PersonHoursSerializer(required=False)
    sessions = serializers.IntegerField(
        required=False,
        help_text=gettext_lazy("Sessions of the distinct activities counted (counting rule 13)."),
    )
    session_attendances = SessionAttendancesSerializer(required=False)
    activities_href = serializers.URLField()


class SuppressionSerializer(serializers.Serializer):
    threshold = serializers.IntegerField(
        help_text=gettext_lazy(
            "Person-level counts from 1 to threshold - 1 are shown as the string '<5'; "
            "other hidden cells as 'suppressed' (activities/people/suppression.py)."
        )
    )


class DeliveryCountedSerializer(serializers.Serializer):
    counted = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy(
            "The delivery statuses counted: delivered and ongoing unless the delivery "
            "filter asked for others."
        ),
    )
    in_words = serializers.CharField(help_text=gettext_lazy('"delivered or ongoing".'))
    is_default = serializers.BooleanField(
        help_text=gettext_lazy("True when these are the statuses counted by default.")
    )


class StatsResponseSerializer(serializers.Serializer):
    filters = serializers.DictField(child=serializers.CharField())
    delivery = DeliveryCountedSerializer(
        help_text=gettext_lazy(
            "Which delivery statuses were counted. Planned (scheduled), postponed and "
            "cancelled activities are counted only when the delivery filter asks."
        )
    )
    includes_drafts = serializers.BooleanField(
        help_text="True exactly when a draft is among the activities counted (drafts count "
        "for managers, for officers within their scope, and for donor viewers those "
        "their donors fund)."
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
