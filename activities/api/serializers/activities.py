"""Serializers of /api/v1/: nested data read from prefetched relations (selectors.py).

Reference data (countries, regions, themes...) appears nested as small objects with
their codes; requests name them by the same codes. Activity writes go through
activities/services.py (one transaction: fields, relations, beneficiary rows, version,
attribution); the serializer only validates and translates.
"""

from __future__ import annotations

import calendar
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from activities import access, counting, selectors, services
from activities.models import (
    Activity,
    Audience,
    BeneficiaryGroup,
    Country,
    DatePrecision,
    Donor,
    Language,
    Mandate,
    Mentor,
    Partner,
    Qualifier,
    Region,
    ReportedFigure,
    SourceDocument,
    Theme,
)

from .fields import CodeRelatedField, CountryCodeRelatedField

# --- Small nested shapes ----------------------------------------------------------------


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


class AttributedPlaceSerializer(serializers.Serializer):
    """Where people are attributed: a country, or else the smallest region holding them."""

    type = serializers.ChoiceField(choices=["country", "region"])
    code = serializers.CharField(help_text="ISO alpha-2 for a country, M49 code for a region")
    name = serializers.CharField()


class ActivityParticipantsSerializer(serializers.Serializer):
    """People reached, by sex; female + male + not_recorded = total."""

    total = serializers.IntegerField()
    female = serializers.IntegerField()
    male = serializers.IntegerField()
    not_recorded = serializers.IntegerField()
    qualifier = serializers.ChoiceField(
        choices=[counting.QUALIFIER_EXACT, counting.QUALIFIER_AT_LEAST, counting.QUALIFIER_ABOUT],
        help_text='"at_least" when a value is "more than": the total is a lower bound.',
    )


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


def validate_period(start, end, precision) -> None:
    """The dates must say what the precision says: "2020" is 1 January..31 December."""
    if start is None or end is None:
        return
    if end < start:
        raise serializers.ValidationError({"end_date": "The end date is before the start date."})
    if precision == DatePrecision.YEAR and (
        (start.month, start.day) != (1, 1) or (end.month, end.day) != (12, 31)
    ):
        raise serializers.ValidationError(
            {
                "date_precision": "With precision year the period runs from 1 January to "
                "31 December (e.g. 2020-01-01..2020-12-31)."
            }
        )
    if precision == DatePrecision.MONTH:
        last_day = calendar.monthrange(end.year, end.month)[1]
        if start.day != 1 or end.day != last_day:
            raise serializers.ValidationError(
                {
                    "date_precision": "With precision month the period runs from the first "
                    "day of a month to the last day of a month."
                }
            )


# --- Activities -------------------------------------------------------------------------


class BeneficiaryGroupSerializer(serializers.ModelSerializer):
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
    female = serializers.IntegerField(min_value=0, required=False, default=0)
    male = serializers.IntegerField(min_value=0, required=False, default=0)
    not_recorded = serializers.IntegerField(
        min_value=0, required=False, default=0, help_text="People whose sex is not recorded."
    )
    total = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="female + male + not_recorded; optional in a request, checked when given.",
    )
    attributed_to = serializers.SerializerMethodField(
        help_text="Where these people are counted (counting.py): their country, else the "
        "smallest M49 region holding the activity's whole scope."
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

    @extend_schema_field(AttributedPlaceSerializer(allow_null=True))
    def get_attributed_to(self, row: BeneficiaryGroup) -> dict | None:
        if row.place_country_id is not None:
            place = row.place_country
            return {"type": "country", "code": place.iso2, "name": place.name}
        if row.place_region_id is not None:
            place = row.place_region
            return {"type": "region", "code": place.code, "name": place.name}
        return None

    def validate(self, attrs):
        parts = [attrs.get(name) or 0 for name in ("female", "male", "not_recorded")]
        total = attrs.get("total")
        if total is not None and sum(parts) != total:
            female, male, not_recorded = parts
            raise serializers.ValidationError(
                {
                    "total": f"Female ({female}) + male ({male}) + not recorded "
                    f"({not_recorded}) = {sum(parts)}, not {total}. Put the people whose sex "
                    "is not known under not_recorded."
                }
            )
        return attrs


class ActivitySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-activity-detail")
    period_label = serializers.CharField(
        read_only=True, help_text='The period as far as it is known: "2020", "27–29 July 2020".'
    )
    countries = countries_field(many=True, required=False)
    regions = regions_field(
        many=True,
        required=False,
        help_text="Regions in scope when the source names a region rather than countries.",
    )
    scope_region = CodeRelatedField(
        nested=RegionRefSerializer,
        what="M49 region code",
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The smallest M49 region holding the activity's whole scope.",
    )
    audiences = audiences_field(many=True, required=False)
    languages = languages_field(many=True, required=False)
    themes = themes_field(many=True, required=False)
    partners = by_id(Partner, PartnerRefSerializer, "partner id", many=True, required=False)
    mentors = by_id(Mentor, MentorRefSerializer, "mentor id", many=True, required=False)
    mandates = by_id(Mandate, MandateRefSerializer, "mandate id", many=True, required=False)
    donors = by_id(Donor, DonorRefSerializer, "donor id", many=True, required=False)
    beneficiaries = BeneficiaryGroupSerializer(
        many=True,
        required=False,
        help_text="In a request the list replaces the rows: rows with an id are changed, "
        "rows without one added, rows left out deleted. Leave it out to keep the rows.",
    )
    participants = serializers.SerializerMethodField(
        help_text="Sum of this activity's own beneficiary rows; null when none is recorded."
    )
    figures = CodeRelatedField(
        nested=FigureRefSerializer,
        what="figure code",
        slug_field="code",
        many=True,
        read_only=True,
        help_text="Figures of the source document that this activity backs.",
    )
    source_document = source_document_field()
    version = serializers.IntegerField(
        read_only=True,
        help_text="Bumped by every write. To change or delete the activity, send the ETag "
        'of the version you read, W/"activity-<id>-v<version>", in If-Match: if someone '
        "saved it since, the answer is 412 and nothing is written.",
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "url",
            "reference",
            "kind",
            "title",
            "description",
            "start_date",
            "end_date",
            "date_precision",
            "period_label",
            "modality",
            "delivery",
            "status",
            "countries",
            "regions",
            "reported_countries_count",
            "scope_region",
            "audiences",
            "languages",
            "themes",
            "partners",
            "mentors",
            "mandates",
            "donors",
            "participants",
            "beneficiaries",
            "figures",
            "source_document",
            "source_paragraph",
            "source_note",
            "is_synthetic",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["reference", "is_synthetic", "created_at", "updated_at"]
        extra_kwargs = {
            "reported_countries_count": {"min_value": 1},
            "status": {"required": False},
        }

    @extend_schema_field(ActivityParticipantsSerializer(allow_null=True))
    def get_participants(self, activity: Activity) -> dict | None:
        if getattr(activity, "participants_total", None) is None:
            return None
        return {
            "total": activity.participants_total,
            "female": activity.participants_female or 0,
            "male": activity.participants_male or 0,
            "not_recorded": activity.participants_not_recorded or 0,
            "qualifier": activity.participants_qualifier,
        }

    def validate(self, attrs):
        instance = self.instance

        def current(name):
            if name in attrs:
                return attrs[name]
            return getattr(instance, name) if instance is not None else None

        validate_period(current("start_date"), current("end_date"), current("date_precision"))
        # The API's If-Match header (api/concurrency.py) carries the version read.
        if "if_match_version" in self.context:
            attrs["version"] = self.context["if_match_version"]
        if instance is not None and "version" not in attrs:
            raise serializers.ValidationError(
                {"version": "Send the ETag you read in If-Match, so that nobody's work is lost."}
            )
        countries = attrs.get("countries")
        regions = attrs.get("regions")
        if instance is not None:
            countries = list(instance.countries.all()) if countries is None else countries
            regions = list(instance.regions.all()) if regions is None else regions
        countries, regions = countries or [], regions or []
        if not countries and not regions:
            raise serializers.ValidationError(
                {
                    "countries": "Give at least one country or one region: where was this "
                    "delivered? Use the region (or World, 001) when the source names no country."
                }
            )
        self._validate_row_countries(attrs.get("beneficiaries"), countries, regions)
        return attrs

    def _validate_row_countries(self, rows, countries, regions) -> None:
        """A beneficiary row's country must lie in the activity's scope."""
        if not rows:
            return
        messages = services.row_country_errors(
            row_countries=[row.get("country") for row in rows], countries=countries, regions=regions
        )
        errors = [{"country": message} if message else {} for message in messages]
        if any(errors):
            raise serializers.ValidationError({"beneficiaries": errors})

    # --- Writes: translated into the services' arguments --------------------------------

    def _split(self, validated_data: dict) -> tuple[dict, dict, list[dict] | None, str | None]:
        data = dict(validated_data)
        data.pop("version", None)
        status = data.pop("status", None)
        rows = data.pop("beneficiaries", None)
        relations = {name: data.pop(name) for name in services.ACTIVITY_RELATIONS if name in data}
        if rows is not None:
            rows = [{key: value for key, value in row.items() if key != "total"} for row in rows]
        return data, relations, rows, status

    def _check_scope(self, user, relations: dict) -> None:
        countries = relations.get("countries", [])
        regions = relations.get("regions", [])
        outside_countries, outside_regions = access.places_within_scope(
            user, countries=countries, regions=regions
        )
        outside = [c.name for c in outside_countries] + [r.name for r in outside_regions]
        if outside:
            raise exceptions.PermissionDenied(
                "Outside the countries and regions you may log activities for: "
                + ", ".join(outside)
                + "."
            )

    def _set_status(self, activity: Activity, status: str | None, user) -> Activity:
        if status is None or status == activity.status:
            return activity
        if not access.can_publish(user):
            raise exceptions.PermissionDenied("You may not publish or unpublish activities.")
        if status == Activity.Status.PUBLISHED:
            return services.activity_publish(activity=activity, by=user)
        return services.activity_unpublish(activity=activity, by=user)

    def _fresh(self, activity: Activity, user) -> Activity:
        """The saved activity as the API shows it (annotations and prefetches)."""
        return selectors.api_activities(user=user).get(pk=activity.pk)

    def create(self, validated_data):
        user = self.context["request"].user
        fields, relations, rows, status = self._split(validated_data)
        self._check_scope(user, relations)
        with translate_service_errors(), transaction.atomic():
            activity = services.activity_create(
                fields=fields, relations=relations, beneficiary_rows=rows or (), by=user
            )
            activity = self._set_status(activity, status, user)
        return self._fresh(activity, user)

    def update(self, instance, validated_data):
        user = self.context["request"].user
        expected_version = validated_data.get("version")
        fields, relations, rows, status = self._split(validated_data)
        if "countries" in relations or "regions" in relations:
            self._check_scope(
                user,
                {
                    "countries": relations.get("countries", list(instance.countries.all())),
                    "regions": relations.get("regions", list(instance.regions.all())),
                },
            )
        with translate_service_errors(), transaction.atomic():
            activity = services.activity_update(
                activity=instance,
                expected_version=expected_version,
                fields=fields,
                relations=relations,
                beneficiary_rows=rows,
                by=user,
            )
            activity = self._set_status(activity, status, user)
        return self._fresh(activity, user)


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "Someone saved this record since you read it."
    default_code = "conflict"


@contextmanager
def translate_service_errors():
    """Service errors as API errors: a stale version is 409, a model error is 400."""
    try:
        yield
    except services.StaleVersion as exc:
        raise Conflict(
            {
                "detail": "This activity was saved by someone else since you read it: it is "
                f"at version {exc.activity.version}, you sent {exc.expected_version}. Read it "
                "again, reapply your change and send the new version.",
                "version": exc.activity.version,
            }
        ) from exc
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        raise serializers.ValidationError(detail) from exc
    except ValueError as exc:
        raise serializers.ValidationError({"beneficiaries": [str(exc)]}) from exc


# --- Reference data and figures -----------------------------------------------------------


class CountrySerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="iso2", read_only=True, help_text="ISO alpha-2")
    region = CodeRelatedField(
        nested=RegionRefSerializer,
        what="M49 region code",
        slug_field="code",
        read_only=True,
        help_text="The deepest M49 region of the country.",
    )
    m49_region = CodeRelatedField(
        nested=RegionRefSerializer,
        what="M49 region code",
        slug_field="code",
        read_only=True,
        allow_null=True,
    )
    m49_subregion = CodeRelatedField(
        nested=RegionRefSerializer,
        what="M49 region code",
        slug_field="code",
        read_only=True,
        allow_null=True,
    )

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


class RegionSerializer(serializers.ModelSerializer):
    level_name = serializers.CharField(source="get_level_display", read_only=True)
    parent = CodeRelatedField(
        nested=RegionRefSerializer,
        what="M49 region code",
        slug_field="code",
        read_only=True,
        allow_null=True,
    )

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_name", "parent"]
        read_only_fields = fields


class ThemeSerializer(serializers.ModelSerializer):
    parent = themes_field(
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


class AudienceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Audience
        fields = ["id", "slug", "name"]


class LanguageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Language
        fields = ["id", "code", "name"]


class PartnerSerializer(serializers.ModelSerializer):
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


class MentorSerializer(serializers.ModelSerializer):
    hub_country = countries_field()
    regions_covered = regions_field(many=True, required=False)
    themes = themes_field(many=True, required=False)

    class Meta:
        model = Mentor
        fields = [
            "id",
            "name",
            "display_name",
            "hub_country",
            "regions_covered",
            "themes",
            "note",
            "source_paragraph",
        ]
        read_only_fields = ["display_name"]


class MandateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Mandate
        fields = ["id", "body", "symbol", "year", "title", "summary", "source_paragraph"]
        extra_kwargs = {"year": {"min_value": 1945, "max_value": 2100}}


class DonorSerializer(serializers.ModelSerializer):
    country = countries_field(allow_null=True, required=False)

    class Meta:
        model = Donor
        fields = ["id", "name", "kind", "country"]


class ReportedFigureSerializer(serializers.ModelSerializer):
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
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # A figure may only be linked to activities its writer may see.
        self.fields["activities"].child_relation.queryset = Activity.objects.visible_to(user)

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
        start, end = current("start_date"), current("end_date")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": "The end date is before the start date."}
            )
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
