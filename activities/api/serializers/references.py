"""Reference data as resources: countries and regions (UN M49, read-only), themes,
audiences, languages, partners, mentors, mandates and donors; kinds of activity and
modalities (read-only: an administrator manages them in the admin)."""

from __future__ import annotations

from rest_framework import serializers

from activities.api.fields import StrictModelSerializer
from activities.models import (
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
    Theme,
)

from .nested import (
    countries_field,
    hubs_field,
    region_read_field,
    regions_field,
    themes_field,
)


class CountrySerializer(StrictModelSerializer):
    code = serializers.CharField(source="iso2", read_only=True, help_text="ISO alpha-2")
    region = region_read_field(help_text="The deepest M49 region of the country.")
    m49_region = region_read_field(allow_null=True)
    m49_subregion = region_read_field(allow_null=True)

    class Meta:
        model = Country
        fields = [
            "code",
            "iso3",
            "m49_code",
            "name",
            "names",
            "region",
            "m49_region",
            "m49_subregion",
            "latitude",
            "longitude",
        ]
        read_only_fields = fields


class RegionSerializer(StrictModelSerializer):
    level_name = serializers.CharField(source="get_level_display", read_only=True)
    # DRF's SerializerMetaclass moves declared fields into `_declared_fields`, so this
    # does not replace Field.parent; the stubs see it as an override of that attribute.
    parent = region_read_field(allow_null=True)  # type: ignore[assignment]

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_name", "parent"]
        read_only_fields = fields


class ThemeSerializer(StrictModelSerializer):
    # A declared field, not Field.parent: see RegionSerializer.parent.
    parent = themes_field(  # type: ignore[assignment]
        allow_null=True, required=False, help_text="The thematic area this topic belongs to."
    )

    class Meta:
        model = Theme
        fields = ["id", "slug", "name", "parent", "description", "source_paragraph"]

    def validate_parent(self, parent):
        if parent is not None and self.instance is not None and parent.pk == self.instance.pk:
            raise serializers.ValidationError("A theme cannot be its own parent.")
        if parent is not None and parent.parent_id is not None:
            raise serializers.ValidationError(
                f"{parent.name} is itself a topic: a topic's parent is a thematic area."
            )
        return parent


class AudienceSerializer(StrictModelSerializer):
    class Meta:
        model = Audience
        fields = ["id", "slug", "name"]


class _CodedReferenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        source="display_name",
        read_only=True,
        help_text="The label in the language asked for (Accept-Language: en, fr, es).",
    )

    class Meta:
        fields = [
            "code",
            "name",
            "label",
            "label_fr",
            "label_es",
            "description",
            "position",
            "is_active",
        ]
        read_only_fields = fields


class KindSerializer(_CodedReferenceSerializer):
    class Meta(_CodedReferenceSerializer.Meta):
        model = Kind


class ModalitySerializer(_CodedReferenceSerializer):
    class Meta(_CodedReferenceSerializer.Meta):
        model = ModalityOption


class LanguageSerializer(StrictModelSerializer):
    class Meta:
        model = Language
        fields = ["id", "code", "name"]


class PartnerSerializer(StrictModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    country = countries_field(allow_null=True, required=False)

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "kind_label",
            "description",
            "country",
            "name_is_descriptive",
            "source_paragraph",
        ]


class HubSerializer(StrictModelSerializer):
    """A regional hub: where it is, what it covers (empty: not recorded) and how many
    mentors work from it. Its officers are not named here."""

    location = countries_field(help_text="The country the hub is based in.")
    countries = countries_field(
        many=True, required=False, help_text="Countries it covers (empty: not recorded)."
    )
    regions = regions_field(
        many=True, required=False, help_text="M49 regions it covers (empty: not recorded)."
    )
    mentors_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Hub
        fields = [
            "code",
            "name",
            "display_name",
            "location",
            "city",
            "countries",
            "regions",
            "description",
            "coverage_note",
            "source_paragraph",
            "mentors_count",
        ]
        read_only_fields = ["display_name"]


class MentorSerializer(StrictModelSerializer):
    hub_country = countries_field()
    hub = hubs_field(
        allow_null=True, required=False, help_text="The hub they work from (its code)."
    )
    regions_covered = regions_field(many=True, required=False)
    themes = themes_field(many=True, required=False)

    class Meta:
        model = Mentor
        fields = [
            "id",
            "name",
            "display_name",
            "hub_country",
            "hub",
            "regions_covered",
            "themes",
            "note",
            "source_paragraph",
        ]
        read_only_fields = ["display_name"]

    def validate(self, attrs):
        """A mentor's hub country is their hub's country."""
        attrs = super().validate(attrs)
        hub = attrs.get("hub", getattr(self.instance, "hub", None))
        country = attrs.get("hub_country", getattr(self.instance, "hub_country", None))
        if hub is not None and country is not None and hub.location_id != country.pk:
            raise serializers.ValidationError(
                {"hub": f"The {hub.code} hub is in {hub.location.iso2}, not {country.iso2}."}
            )
        return attrs


class MandateSerializer(StrictModelSerializer):
    class Meta:
        model = Mandate
        fields = ["id", "body", "symbol", "year", "title", "summary", "source_paragraph"]
        extra_kwargs = {"year": {"min_value": 1945, "max_value": 2100}}


class DonorSerializer(StrictModelSerializer):
    country = countries_field(allow_null=True, required=False)

    class Meta:
        model = Donor
        fields = ["id", "name", "kind", "country"]
