"""Activities: read with their places, participations and figures nested; written through
activities/services.py (one transaction: fields, relations, beneficiary rows, version,
attribution). The serializer only validates and translates.

Reference data appears nested as small objects with their codes (nested.py); requests
name them by the same codes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from activities import access, counting, selectors, series, services
from activities.models import (
    Activity,
    ActivityPostponement,
    Donor,
    Kind,
    Mandate,
    Mentor,
    ModalityOption,
    Partner,
    validate_geographic_scope,
)
from activities.people import suppression

from ..errors import translate_service_errors
from ..fields import ReferenceCodeField, StrictModelSerializer
from .beneficiaries import PARTICIPATIONS, BeneficiaryGroupSerializer, ParticipantsSerializer
from .nested import (
    DonorRefSerializer,
    MandateRefSerializer,
    MentorRefSerializer,
    PartnerRefSerializer,
    audiences_field,
    by_id,
    countries_field,
    figures_field,
    languages_field,
    projects_field,
    region_read_field,
    regions_field,
    source_document_field,
    themes_field,
)
from .sessions import SessionSerializer

if TYPE_CHECKING:
    from activities.selectors import ActivityWithParticipants


class PostponementSerializer(serializers.ModelSerializer):
    """One move of an activity's dates, as recorded (read only)."""

    in_words = serializers.CharField(
        source="label",
        read_only=True,
        help_text='"postponed from 6–8 April 2020 to 27–29 July 2020".',
    )

    class Meta:
        model = ActivityPostponement
        fields = [*ActivityPostponement.MOVE_FIELDS, "in_words"]
        read_only_fields = fields


class ActivitySerializer(StrictModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-activity-detail")
    period_label = serializers.CharField(
        read_only=True, help_text='The period as far as it is known: "2020", "27–29 July 2020".'
    )
    # The countries it served (benefiting): attribution uses them, never the venue.
    countries = countries_field(many=True, required=False)
    venue_country = countries_field(
        required=False,
        allow_null=True,
        help_text="The country it was held in (ISO alpha-2 or -3), when known; not the "
        "places it served. A training in Bangkok for Cambodia and Laos: TH here, KH and LA "
        "in countries.",
    )
    venue_label = serializers.CharField(
        read_only=True,
        help_text='Where it was held, in words: "Bangkok, Thailand", "online", or "" when '
        "the source does not say.",
    )
    postponements = PostponementSerializer(
        many=True,
        read_only=True,
        help_text="Its moves, in the order of the dates moved from; its own dates are the latest.",
    )
    sessions = SessionSerializer(
        many=True,
        required=False,
        help_text="Its sessions (a series, a course), in order. In a request the list "
        "replaces them: the session at each position is changed in place (its attendance "
        "kept), positions beyond the list are deleted. Leave it out to keep them. When a "
        "session gives its duration, the activity's hours are the sum of its sessions' "
        "(hours_at_least when some are unknown).",
    )
    regions = regions_field(
        many=True,
        required=False,
        help_text="Regions in scope when the source names a region rather than countries.",
    )
    scope_region = region_read_field(
        allow_null=True, help_text="The smallest M49 region holding the activity's whole scope."
    )
    kind = ReferenceCodeField(
        what="kind",
        listed_at="/api/v1/kinds/",
        queryset=Kind.objects.all(),
        required=False,
        help_text="What was delivered, by code (training, webinar...; default training).",
    )
    modality = ReferenceCodeField(
        what="modality",
        listed_at="/api/v1/modalities/",
        queryset=ModalityOption.objects.all(),
        required=False,
        help_text="How it was delivered, by code (in_person, online...; default not_recorded).",
    )
    audiences = audiences_field(many=True, required=False)
    languages = languages_field(many=True, required=False)
    themes = themes_field(many=True, required=False)
    partners = by_id(Partner, PartnerRefSerializer, "partner id", many=True, required=False)
    mentors = by_id(Mentor, MentorRefSerializer, "mentor id", many=True, required=False)
    mandates = by_id(Mandate, MandateRefSerializer, "mandate id", many=True, required=False)
    donors = by_id(Donor, DonorRefSerializer, "donor id", many=True, required=False)
    projects = projects_field(
        many=True,
        required=False,
        help_text="Projects the activity belongs to, by code (their indicators count it).",
    )
    beneficiaries = BeneficiaryGroupSerializer(
        many=True,
        required=False,
        help_text="In a request the list replaces the rows: rows with an id are changed, "
        "rows without one added, rows left out deleted. Leave it out to keep the rows.",
    )
    participants = serializers.SerializerMethodField(
        help_text=format_lazy(
            "{} {}",
            gettext_lazy(
                "Sum of this activity's own beneficiary rows; null when none is recorded."
            ),
            PARTICIPATIONS,
        )
    )
    figures = figures_field(help_text="Figures of the source document that this activity backs.")
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
            "hours",
            "hours_at_least",
            "sessions",
            "postponements",
            "status",
            "review_state",
            "venue_country",
            "venue_city",
            "venue_label",
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
            "projects",
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
        # The review changes through its own actions (POST .../submit/, /return/, /publish/).
        read_only_fields = [
            "reference",
            "review_state",
            "is_synthetic",
            "created_at",
            "updated_at",
            "hours_at_least",
        ]
        extra_kwargs = {
            "reported_countries_count": {"min_value": 1},
            "hours": {
                "min_value": Decimal("0.01"),
                "help_text": "Hours of delivery of the whole activity (all its sessions), "
                "when known; null when not recorded, never 0. The stats measures hours and "
                "person_hours use it. When a session gives its duration, the sum of the "
                "sessions' (read only then: another value is a 400).",
            },
            "hours_at_least": {
                "help_text": "The hours are a lower bound: the sum of the sessions whose "
                "duration is known, some others' unknown."
            },
            "status": {"required": False},
            "delivery": {
                "help_text": "Whether it took place. Counts, lists, maps and downloads "
                "include delivered and ongoing activities by default; scheduled (planned), "
                "postponed and cancelled ones only through the delivery filter."
            },
        }

    @extend_schema_field(ParticipantsSerializer(allow_null=True))
    def get_participants(self, activity: Activity) -> dict | None:
        # An activity read through selectors.with_participants carries its counts; one
        # without them (or without beneficiary rows) has no participations to show.
        if getattr(activity, "participants_total", None) is None:
            return None
        counted = cast("ActivityWithParticipants", activity)
        figures = {
            "total": counted.participants_total,
            "female": counted.participants_female or 0,
            "male": counted.participants_male or 0,
            "not_recorded": counted.participants_not_recorded or 0,
            "qualifier": counted.participants_qualifier,
        }
        # Small participations resting on named people, hidden from those who may not
        # see people (people/suppression.py).
        if getattr(counted, "participants_named", False) and suppression.hides_records_for(
            self._user()
        ):
            figures.update(suppression.hidden_block(figures) or {})
        return figures

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def to_internal_value(self, data):
        # The row limit before the rows are read: each row costs validation.
        rows = data.get("beneficiaries") if hasattr(data, "get") else None
        if isinstance(rows, list):
            error = services.beneficiary_rows_error(count=len(rows))
            if error:
                raise serializers.ValidationError({"beneficiaries": [error]})
        return super().to_internal_value(data)

    def validate(self, attrs):
        instance = self.instance

        def current(name):
            if name in attrs:
                return attrs[name]
            return getattr(instance, name) if instance is not None else None

        errors = services.period_errors(
            start=current("start_date"),
            end=current("end_date"),
            precision=current("date_precision"),
        )
        if errors:
            raise serializers.ValidationError(errors)
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
        try:
            validate_geographic_scope(countries, regions)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"countries": error.messages}) from error
        self._validate_row_countries(attrs.get("beneficiaries"), countries, regions)
        self._validate_sessions(attrs, current("start_date"), current("end_date"))
        return attrs

    def _validate_sessions(self, attrs, start, end) -> None:
        """Sessions within the period, positive hours; hours typed only when no session
        gives its duration (counting rule 13: they are the sessions' sum then)."""
        sessions = attrs.get("sessions")
        if sessions is not None:
            error = series.sessions_count_error(count=len(sessions))
            if error:
                raise serializers.ValidationError({"sessions": [error]})
            errors = series.session_errors(start=start, end=end, sessions=sessions)
            if any(errors):
                # The shape of DRF's own errors of a list: by the index of each bad item.
                raise serializers.ValidationError(
                    {
                        "sessions": {
                            str(index): {field: [message] for field, message in error.items()}
                            for index, error in enumerate(errors)
                            if error
                        }
                    }
                )
            durations = [session.get("hours") for session in sessions]
        elif self.instance is not None:
            durations = [session.hours for session in self.instance.sessions.all()]
        else:
            durations = []
        from_sessions, _at_least = counting.session_hours(durations)
        typed = attrs.get("hours")
        if from_sessions is not None and typed is not None and typed != from_sessions:
            raise serializers.ValidationError(
                {
                    "hours": [
                        gettext(
                            "The hours are the sum of the sessions' durations (%(hours)s): "
                            "change the sessions, or leave the hours out."
                        )
                        % {"hours": from_sessions}
                    ]
                }
            )

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
        self._sessions = data.pop("sessions", None)
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
        reason = self.context.get("change_reason")
        if status == Activity.Status.PUBLISHED:
            return services.activity_publish(activity=activity, by=user, change_reason=reason)
        return services.activity_unpublish(activity=activity, by=user, change_reason=reason)

    def _fresh(self, activity: Activity, user) -> Activity:
        """The saved activity as the API shows it (annotations and prefetches)."""
        return selectors.api_activities(user=user).get(pk=activity.pk)

    def create(self, validated_data):
        user = self.context["request"].user
        fields, relations, rows, status = self._split(validated_data)
        self._check_scope(user, relations)
        with translate_service_errors(), transaction.atomic():
            activity = services.activity_create(
                fields=fields,
                relations=relations,
                beneficiary_rows=rows or (),
                sessions=self._sessions or (),
                by=user,
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
                sessions=self._sessions,
                by=user,
                change_reason=self.context.get("change_reason"),
            )
            activity = self._set_status(activity, status, user)
        return self._fresh(activity, user)
