"""Related records as they appear inside other records: small read-only shapes, and the
fields that take them by code in a request and show them nested in a response.

Every resource serializer builds its relations from these, so that a country looks the
same (code, iso3, name) inside an activity, a figure, a partner or a mentor.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework import serializers

from activities.models import (
    Activity,
    Audience,
    Country,
    Donor,
    Hub,
    Language,
    Mandate,
    Mentor,
    Partner,
    Project,
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


def _reference(
    model: type[Model], fields: list[str], name: str
) -> type[serializers.ModelSerializer]:
    """A read-only nested shape of a record: these fields, nothing else."""
    meta = type("Meta", (), {"model": model, "fields": fields, "read_only_fields": fields})
    return type(name, (serializers.ModelSerializer,), {"Meta": meta, "__module__": __name__})


# The small shapes a record is shown as inside another (the OpenAPI component is the
# name without "Serializer").
RegionRefSerializer = _reference(Region, ["code", "name"], "RegionRefSerializer")
ThemeRefSerializer = _reference(Theme, ["slug", "name"], "ThemeRefSerializer")
AudienceRefSerializer = _reference(Audience, ["slug", "name"], "AudienceRefSerializer")
LanguageRefSerializer = _reference(Language, ["code", "name"], "LanguageRefSerializer")
PartnerRefSerializer = _reference(Partner, ["id", "name", "short_name"], "PartnerRefSerializer")
MandateRefSerializer = _reference(Mandate, ["id", "symbol", "title"], "MandateRefSerializer")
DonorRefSerializer = _reference(Donor, ["id", "name"], "DonorRefSerializer")
ProjectRefSerializer = _reference(Project, ["code", "title"], "ProjectRefSerializer")
SourceDocumentSerializer = _reference(
    SourceDocument, ["key", "title", "symbol", "issued"], "SourceDocumentSerializer"
)
FigureRefSerializer = _reference(ReportedFigure, ["code", "role"], "FigureRefSerializer")
ActivityRefSerializer = _reference(Activity, ["id", "reference", "title"], "ActivityRefSerializer")


class HubRefSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(
        read_only=True, help_text="Its name, else '<country> hub'."
    )

    class Meta:
        model = Hub
        fields = ["code", "display_name"]
        read_only_fields = fields


class MentorRefSerializer(serializers.ModelSerializer):
    hub_country = serializers.CharField(source="hub_country.iso2", help_text="ISO alpha-2")

    class Meta:
        model = Mentor
        fields = ["id", "display_name", "hub_country"]
        read_only_fields = fields


# --- Fields: written as a code, read as the small shape above ---------------------------


def countries_field(**kwargs) -> CountryCodeRelatedField:
    return CountryCodeRelatedField(nested=CountryRefSerializer, **kwargs)


def _code_field(nested: type, what: str, slug_field: str, **kwargs: Any) -> CodeRelatedField:
    return CodeRelatedField(nested=nested, what=what, slug_field=slug_field, **kwargs)


def regions_field(**kwargs: Any) -> CodeRelatedField:
    return _code_field(
        RegionRefSerializer, "M49 region code", "code", queryset=Region.objects.all(), **kwargs
    )


def region_read_field(**kwargs: Any) -> CodeRelatedField:
    """A region shown nested and never written (a country's region, a region's parent)."""
    return _code_field(RegionRefSerializer, "M49 region code", "code", read_only=True, **kwargs)


def hubs_field(**kwargs: Any) -> CodeRelatedField:
    return _code_field(HubRefSerializer, "hub code", "code", queryset=Hub.objects.all(), **kwargs)


def themes_field(**kwargs: Any) -> CodeRelatedField:
    return _code_field(ThemeRefSerializer, "theme", "slug", queryset=Theme.objects.all(), **kwargs)


def audiences_field(**kwargs: Any) -> CodeRelatedField:
    return _code_field(
        AudienceRefSerializer, "audience", "slug", queryset=Audience.objects.all(), **kwargs
    )


def languages_field(**kwargs: Any) -> CodeRelatedField:
    return _code_field(
        LanguageRefSerializer, "language code", "code", queryset=Language.objects.all(), **kwargs
    )


def projects_field(**kwargs: Any) -> CodeRelatedField:
    return _code_field(
        ProjectRefSerializer, "project code", "code", queryset=Project.objects.all(), **kwargs
    )


def figures_field(**kwargs: Any) -> CodeRelatedField:
    """The figures an activity backs, by code (read-only: a figure names its activities)."""
    return _code_field(
        FigureRefSerializer, "figure code", "code", many=True, read_only=True, **kwargs
    )


def by_id(model, nested, what: str, **kwargs) -> CodeRelatedField:
    return CodeRelatedField(
        nested=nested, what=what, slug_field="pk", queryset=model.objects.all(), **kwargs
    )


def source_document_field(**kwargs: Any) -> CodeRelatedField:
    return _code_field(
        SourceDocumentSerializer,
        "source document key",
        "key",
        queryset=SourceDocument.objects.all(),
        allow_null=True,
        required=False,
        **kwargs,
    )
