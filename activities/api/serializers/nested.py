"""Related records as they appear inside other records: small read-only shapes, and the
fields that take them by code in a request and show them nested in a response.

Every resource serializer builds its relations from these, so that a country looks the
same (code, iso3, name) inside an activity, a figure, a partner or a mentor.
"""

from __future__ import annotations

from rest_framework import serializers

from activities.models import (
    Activity,
    Audience,
    Country,
    Donor,
    Language,
    Mandate,
    Mentor,
    Partner,
    Region,
    ReportedFigure,
    SourceDocument,
    Theme,
)

from ..fields import CodeRelatedField, CountryCodeRelatedField


class CountryRefSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="iso2", help_text="ISO 3166-1 alpha-2")

    class Meta:
        model = Country
        fields = ["code", "iso3", "name"]
        read_only_fields = fields


class RegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]
        read_only_fields = fields


class ThemeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["slug", "name"]
        read_only_fields = fields


class AudienceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Audience
        fields = ["slug", "name"]
        read_only_fields = fields


class LanguageRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Language
        fields = ["code", "name"]
        read_only_fields = fields


class PartnerRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "name", "short_name"]
        read_only_fields = fields


class MentorRefSerializer(serializers.ModelSerializer):
    hub_country = serializers.CharField(source="hub_country.iso2", help_text="ISO alpha-2")

    class Meta:
        model = Mentor
        fields = ["id", "display_name", "hub_country"]
        read_only_fields = fields


class MandateRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Mandate
        fields = ["id", "symbol", "title"]
        read_only_fields = fields


class DonorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Donor
        fields = ["id", "name"]
        read_only_fields = fields


class SourceDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = SourceDocument
        fields = ["key", "title", "symbol", "issued"]
        read_only_fields = fields


class FigureRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportedFigure
        fields = ["code", "role"]
        read_only_fields = fields


class ActivityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "reference", "title"]
        read_only_fields = fields


# --- Fields: written as a code, read as the small shape above ---------------------------


def countries_field(**kwargs) -> CountryCodeRelatedField:
    return CountryCodeRelatedField(nested=CountryRefSerializer, **kwargs)


def regions_field(**kwargs) -> CodeRelatedField:
    return CodeRelatedField(
        nested=RegionRefSerializer,
        what="M49 region code",
        slug_field="code",
        queryset=Region.objects.all(),
        **kwargs,
    )


def region_read_field(**kwargs) -> CodeRelatedField:
    """A region shown nested and never written (a country's region, a region's parent)."""
    return CodeRelatedField(
        nested=RegionRefSerializer,
        what="M49 region code",
        slug_field="code",
        read_only=True,
        **kwargs,
    )


def themes_field(**kwargs) -> CodeRelatedField:
    return CodeRelatedField(
        nested=ThemeRefSerializer,
        what="theme",
        slug_field="slug",
        queryset=Theme.objects.all(),
        **kwargs,
    )


def audiences_field(**kwargs) -> CodeRelatedField:
    return CodeRelatedField(
        nested=AudienceRefSerializer,
        what="audience",
        slug_field="slug",
        queryset=Audience.objects.all(),
        **kwargs,
    )


def languages_field(**kwargs) -> CodeRelatedField:
    return CodeRelatedField(
        nested=LanguageRefSerializer,
        what="language code",
        slug_field="code",
        queryset=Language.objects.all(),
        **kwargs,
    )


def figures_field(**kwargs) -> CodeRelatedField:
    """The figures an activity backs, by code (read-only: a figure names its activities)."""
    return CodeRelatedField(
        nested=FigureRefSerializer,
        what="figure code",
        slug_field="code",
        many=True,
        read_only=True,
        **kwargs,
    )


def by_id(model, nested, what: str, **kwargs) -> CodeRelatedField:
    return CodeRelatedField(
        nested=nested, what=what, slug_field="pk", queryset=model.objects.all(), **kwargs
    )


def source_document_field(**kwargs) -> CodeRelatedField:
    return CodeRelatedField(
        nested=SourceDocumentSerializer,
        what="source document key",
        slug_field="key",
        queryset=SourceDocument.objects.all(),
        allow_null=True,
        required=False,
        **kwargs,
    )
