"""An activity's beneficiary rows: who it reached, in which country, by sex, and where
counting.py attributes them. Each row's figures are participations at this activity."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from activities import counting, services
from activities.api.fields import StrictModelSerializer
from activities.models import BeneficiaryGroup
from activities.people import suppression

from ..fields import SuppressibleCountField
from .nested import audiences_field, countries_field

#: What every `participants` figure counts (counting rule 1), said once for all of them.
PARTICIPATIONS = gettext_lazy(
    "Participations, not distinct people: a person at two activities counts twice "
    "(until person-level records exist)."
)


class AttributedPlaceSerializer(serializers.Serializer):
    """Where a row's participations are attributed: a country, or else the smallest
    region holding the activity's whole scope."""

    type = serializers.ChoiceField(choices=["country", "region"])
    code = serializers.CharField(help_text="ISO alpha-2 for a country, M49 code for a region")
    name = serializers.CharField()


class BeneficiaryGroupSerializer(StrictModelSerializer):
    """People an activity reached: one audience, one country (or none), by sex."""

    id = serializers.IntegerField(
        required=False, help_text="Send it back to change a row; leave it out to add one."
    )
    audience = audiences_field(allow_null=True, required=False)
    country = countries_field(
        allow_null=True,
        required=False,
        help_text="Empty when the source does not split the people by country.",
    )
    female = SuppressibleCountField(min_value=0, required=False, default=0)
    male = SuppressibleCountField(min_value=0, required=False, default=0)
    not_recorded = SuppressibleCountField(
        min_value=0, required=False, default=0, help_text="People whose sex is not recorded."
    )
    total = SuppressibleCountField(
        min_value=0,
        required=False,
        help_text="female + male + not_recorded; optional in a request, checked when given.",
    )
    attributed_to = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Where this row's participations are counted (counting.py): their country, else "
            "the smallest M49 region holding the activity's whole scope."
        )
    )

    class Meta:
        model = BeneficiaryGroup
        fields = [
            "id",
            "audience",
            "country",
            "female",
            "male",
            "not_recorded",
            "total",
            "qualifier",
            "note",
            "attributed_to",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # A row derived from attendance is person-level data: its small numbers are
        # hidden from those who may not see people (people/suppression.py).
        if getattr(instance, "from_attendance", False):
            request = self.context.get("request")
            if suppression.hides_records_for(getattr(request, "user", None)):
                data.update(suppression.hidden_block(data) or {})
        return data

    @extend_schema_field(AttributedPlaceSerializer(allow_null=True))
    def get_attributed_to(self, row: BeneficiaryGroup) -> dict | None:
        if row.place_country_id is not None:
            country = row.place_country
            assert country is not None  # its id is set
            return {"type": "country", "code": country.iso2, "name": country.name}
        if row.place_region_id is not None:
            region = row.place_region
            assert region is not None  # its id is set
            return {"type": "region", "code": region.code, "name": region.name}
        return None

    def validate(self, attrs):
        female, male, not_recorded = (
            attrs.get(name) or 0 for name in ("female", "male", "not_recorded")
        )
        error = services.sex_split_error(
            female=female,
            male=male,
            not_recorded=not_recorded,
            total=attrs.get("total"),
            not_recorded_label="not_recorded",
        )
        if error:
            raise serializers.ValidationError({"total": error})
        return attrs


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer"},
            {
                "type": "string",
                "pattern": "^(<[0-9]+|suppressed)$",
                "description": "A suppressed small count ('<5'), or a cell hidden so that "
                "it cannot be recovered by subtraction ('suppressed').",
            },
        ]
    }
)
class PersonCountField(serializers.Field):
    """A person-level count: a number, or for those who may not see small numbers, the
    string '<5' or 'suppressed' (activities/people/suppression.py)."""

    def to_representation(self, value):
        return value


SUPPRESSED_HELP = gettext_lazy(
    "Present, and true when one of these cells is hidden, for users who get small "
    "person-level counts suppressed (anonymous users, donor viewers, officers)."
)


class ParticipantsSerializer(serializers.Serializer):
    """Participations, by sex; female + male + not_recorded = total. Where they rest on
    named people (tallies from attendance), small ones are suppressed as people's are."""

    total = PersonCountField(help_text=PARTICIPATIONS)
    female = PersonCountField()
    male = PersonCountField()
    not_recorded = PersonCountField(
        help_text=gettext_lazy("Participations whose sex the source does not give.")
    )
    qualifier = serializers.ChoiceField(
        choices=[counting.QUALIFIER_EXACT, counting.QUALIFIER_AT_LEAST, counting.QUALIFIER_ABOUT],
        help_text="at_least as soon as one value counted is 'more than' (the total is a lower "
        "bound); about if one is 'about'.",
    )
    suppressed = serializers.BooleanField(required=False, help_text=SUPPRESSED_HELP)
