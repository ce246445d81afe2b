"""Activity: one delivery (most often a training), with its kinds and statuses.

Whom it served is its countries and regions (at least one of either) and its
BeneficiaryGroup rows (beneficiaries.py); where it was held is apart (`venue_country`,
`venue_city`, or online by its modality): a training in Bangkok for Cambodian and Lao
officers serves Cambodia and Laos, and is held in Thailand. Whether it took place is its
`delivery` status; a postponement keeps the dates it moved from (ActivityPostponement).
Writes go through activities/services.py, which keeps `scope_region` and `version` up
to date in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..querysets import ActivityQuerySet
from .kinds import ActivityKind, CodeForeignKey, Modality, ModalityOption
from .kinds import Kind as KindRow
from .places import Country, Region
from .precision import DatePrecision, format_period
from .references import (
    Audience,
    Donor,
    Language,
    Mandate,
    Mentor,
    Partner,
    SourceDocument,
    Theme,
)


class ActivityHistory(HistoricalRecords):
    """django-simple-history, with links written from the other side recorded too.

    `project.activities.add(activity)` changes the activity's projects, but the library
    handles only writes from the activity's side and fails on the other (it looks for a
    `history` on the project). Here each activity whose links changed gets its entry.
    """

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if not reverse:
            return super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        through = kwargs["sender"]
        if action == "pre_clear":
            own = next(
                f.name
                for f in through._meta.fields
                if f.is_relation and f.related_model is type(instance)
            )
            instance._history_cleared = list(
                through.objects.filter(**{own: instance}).values_list("activity_id", flat=True)
            )
            return None
        if action == "post_clear":
            pk_set = getattr(instance, "_history_cleared", [])
        if action in ("post_add", "post_remove", "post_clear"):
            for activity in Activity.objects.filter(pk__in=pk_set or []):
                self.create_historical_record(activity, "~")
        return None


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class ReviewState(models.TextChoices):
    """Where a draft stands in review (activities/review.py): not submitted, waiting for
    a manager, or returned to its officer with a comment ("needs action"). Publishing
    ends the review: a published activity is never in review."""

    NONE = "none", _("not submitted")
    SUBMITTED = "submitted", _("submitted for review")
    RETURNED = "returned", _("returned: needs action")


class DeliveryStatus(models.TextChoices):
    """Whether an activity took place. Only delivered and ongoing ones are counted by
    default (counting rule 10); the others are found through the `delivery` filter."""

    DELIVERED = "delivered", _("delivered")
    ONGOING = "ongoing", _("ongoing")
    SCHEDULED = "scheduled", _("planned (scheduled)")
    POSTPONED = "postponed", _("postponed")
    CANCELLED = "cancelled", _("cancelled")


class Activity(models.Model):
    """One delivery: a training, a course, an assessment, a campaign, a meeting...

    The period is `start_date`..`end_date` with a `date_precision`: a source that says
    only "2020" is stored as 2020-01-01..2020-12-31 with precision YEAR and shown as
    "2020", never as a day.
    """

    # The built-in codes (kinds.py); the kinds and modalities themselves are rows of
    # Kind and ModalityOption, which an administrator adds to.
    Kind = ActivityKind
    Modality = Modality
    Status = PublicationStatus
    Delivery = DeliveryStatus
    Review = ReviewState

    reference = models.CharField(
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        help_text="Stable key for seeded or imported records, e.g. report-2020/F16.",
    )
    # The code of a row of Kind (kinds.py), in the column that held the code before:
    # `?kind=training` and `"kind": "training"` read it unchanged. Indexed by Meta.
    kind: CodeForeignKey[KindRow | str, KindRow] = CodeForeignKey(
        KindRow,
        db_column="kind",
        db_index=False,
        default=ActivityKind.TRAINING,
        related_name="activities",
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    modality: CodeForeignKey[ModalityOption | str, ModalityOption] = CodeForeignKey(
        ModalityOption,
        db_column="modality",
        db_index=False,
        default=Modality.NOT_RECORDED,
        related_name="activities",
    )
    delivery = models.CharField(
        max_length=10,
        choices=Delivery.choices,
        default=Delivery.DELIVERED,
        help_text="Whether it took place: only delivered and ongoing activities are counted "
        "by default.",
    )
    # Where it was held, apart from whom it served (countries, regions, beneficiary rows):
    # never used for attribution. Online delivery is said by the modality.
    venue_country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities_held",
        help_text="The country it was held in, when the source says (not whom it served).",
    )
    venue_city = models.CharField(
        max_length=120, blank=True, help_text="The city it was held in, when the source says."
    )
    # Hours of delivery of the whole activity (all its sessions), when the source says;
    # unknown is null, never 0. `person_hours` multiplies each beneficiary row's
    # participations by them (counting rule 12).
    hours = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Hours of delivery of the whole activity, when known.",
    )
    # When its sessions give durations, `hours` is their sum, written by the service that
    # writes the sessions (counting rule 13); some sessions' durations unknown make it a
    # lower bound: it lasted at least `hours`. A database default, so that bulk writers
    # (the synthetic COPY) need not name it.
    hours_at_least = models.BooleanField(
        default=False,
        db_default=False,
        editable=False,
        help_text="The hours are a lower bound: the sum of the sessions whose duration is known.",
    )
    languages = models.ManyToManyField(Language, blank=True, related_name="activities")
    countries = models.ManyToManyField(Country, blank=True, related_name="activities")
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="activities",
        help_text="Regions in scope when the source names a region rather than countries.",
    )
    reported_countries_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text='"From N countries" when the source gives a count without naming them.',
    )
    audiences = models.ManyToManyField(
        Audience, blank=True, related_name="activities", help_text="Who the activity was for."
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="activities")
    partners = models.ManyToManyField(Partner, blank=True, related_name="activities")
    mentors = models.ManyToManyField(Mentor, blank=True, related_name="activities")
    mandates = models.ManyToManyField(Mandate, blank=True, related_name="activities")
    donors = models.ManyToManyField(Donor, blank=True, related_name="activities")
    projects: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "Project", blank=True, related_name="activities"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Review of a draft (activities/review.py): each step is a change of these fields,
    # so the audit history lists it (who, when, the comment of a return). Defaults in the
    # database too: the synthetic writer's COPY names only the columns it fills.
    review_state = models.CharField(
        _("review"),
        max_length=10,
        choices=ReviewState.choices,
        default=ReviewState.NONE,
        db_default=ReviewState.NONE,
    )
    submitted_at = models.DateTimeField(
        _("submitted at"), null=True, blank=True, help_text="When it was last submitted."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities_submitted",
        verbose_name=_("submitted by"),
    )
    review_comment = models.TextField(
        _("review comment"),
        blank=True,
        default="",
        db_default="",
        help_text="What a manager asks to fix (a return).",
    )
    source_document = models.ForeignKey(
        SourceDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    source_paragraph = models.CharField(max_length=20, blank=True)
    source_note = models.TextField(blank=True, help_text="What the source does not say.")
    is_synthetic = models.BooleanField(
        default=False, help_text="Generated for benchmarks; never part of real data."
    )
    # The smallest M49 region holding the whole geographic scope; maintained by
    # services.refresh_attribution() in the same transaction as every write.
    scope_region = models.ForeignKey(
        Region, null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped on every write; the basis of the ETag (no lost updates)."
    )

    # Every field is audited, every many-to-many link included. A change to an activity
    # dated in a closed reporting period carries its reason (history_change_reason).
    history = ActivityHistory(
        m2m_fields=[
            countries,
            regions,
            themes,
            partners,
            languages,
            audiences,
            mentors,
            mandates,
            donors,
            projects,
        ],
        history_change_reason_field=models.TextField(null=True),
    )
    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-start_date", "title"]
        # The role rules (activities/access.py, activities/roles.py) rest on these.
        permissions = [
            ("publish_activity", "Can publish an activity"),
            ("edit_any_activity", "Can edit activities in every country and region"),
            ("view_draft_aggregates", "Can see drafts counted in aggregate statistics"),
            ("view_activity_history", "Can read the audit history of activities"),
        ]
        indexes = [
            models.Index(fields=["status", "start_date"]),
            models.Index(fields=["start_date", "end_date"]),
            # The calendar of years (MAX(end_date)), read by every grouping by year.
            models.Index(fields=["end_date"], name="activity_end_date"),
            models.Index(fields=["kind"]),
            # The review queue and "returned to me": drafts by review state, oldest first.
            models.Index(fields=["review_state", "submitted_at"]),
            # The lists' default order (newest first), so that a page of 20 is read from
            # the index instead of sorting every published activity.
            models.Index(
                "status",
                F("start_date").desc(),
                "title",
                "id",
                name="activity_list_newest_first",
            ),
            # The public activities (published, delivered or ongoing: counting rules 8
            # and 10, counting.COUNTED_BY_DEFAULT), whose number every anonymous list
            # page shows: counted from this index alone, not from every activity's row
            # (at 100,000 activities, 35 ms -> 6 ms of each list computed after a write).
            models.Index(
                fields=["id"],
                condition=Q(
                    status=PublicationStatus.PUBLISHED,
                    delivery__in=[DeliveryStatus.DELIVERED, DeliveryStatus.ONGOING],
                ),
                name="activity_public_ids",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="activity_end_not_before_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PublicationStatus.values), name="activity_status_known"
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=DeliveryStatus.values), name="activity_delivery_known"
            ),
            models.CheckConstraint(
                condition=Q(review_state__in=ReviewState.values), name="activity_review_known"
            ),
            # A published activity is out of review; a draft in review says when it went in.
            models.CheckConstraint(
                condition=Q(review_state=ReviewState.NONE)
                | (Q(status=PublicationStatus.DRAFT) & Q(submitted_at__isnull=False)),
                name="activity_review_only_of_submitted_drafts",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0), name="activity_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(hours_at_least=False) | Q(hours__isnull=False),
                name="activity_hours_at_least_has_hours",
            ),
            models.CheckConstraint(
                condition=Q(venue_city="") | Q(venue_country__isnull=False),
                name="activity_venue_city_has_country",
            ),
            models.CheckConstraint(
                condition=Q(date_precision__in=DatePrecision.values),
                name="activity_date_precision_known",
            ),
            models.CheckConstraint(
                condition=Q(reported_countries_count__isnull=True)
                | Q(reported_countries_count__gte=1),
                name="activity_reported_countries_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        return format_period(self.start_date, self.end_date, self.date_precision)

    @property
    def venue_label(self) -> str:
        """'Bangkok, Thailand', 'Thailand', 'online', or '' when the source does not say."""
        if self.venue_country_id is not None:
            country = self.venue_country.display_name if self.venue_country else ""
            return ", ".join(part for part in (self.venue_city, country) if part)
        if self.modality_id == Modality.ONLINE:
            return gettext("online")
        return ""

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": gettext("The end date is before the start date.")})


class ActivityPostponement(models.Model):
    """One move of an activity's dates: from the period it was set for to the one it was
    moved to (unknown when the decision gave none: "to a date as early as conditions
    permit"). The activity's own dates are the latest; these rows are its history, in
    the order of the dates moved from."""

    # What a move says (the API's fields, the seed's values), without who recorded it.
    MOVE_FIELDS = (
        "from_start",
        "from_end",
        "from_precision",
        "to_start",
        "to_end",
        "to_precision",
        "decided_on",
        "decision",
        "reason",
        "source_paragraph",
    )

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="postponements")
    from_start = models.DateField()
    from_end = models.DateField()
    from_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    to_start = models.DateField(null=True, blank=True)
    to_end = models.DateField(null=True, blank=True)
    to_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    decided_on = models.DateField(
        null=True, blank=True, help_text="When the move was decided or announced, if known."
    )
    decision = models.TextField(
        blank=True, help_text="Who decided, e.g. 'General Assembly decision 75/555'."
    )
    reason = models.TextField(blank=True, help_text="Why, as the source gives it.")
    source_paragraph = models.CharField(max_length=20, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["from_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_end__gte=F("from_start")),
                name="postponement_from_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=(Q(to_start__isnull=True) & Q(to_end__isnull=True))
                | (
                    Q(to_start__isnull=False)
                    & Q(to_end__isnull=False)
                    & Q(to_end__gte=F("to_start"))
                ),
                name="postponement_to_dates_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(from_precision__in=DatePrecision.values)
                & Q(to_precision__in=DatePrecision.values),
                name="postponement_precision_known",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def from_label(self) -> str:
        return format_period(self.from_start, self.from_end, self.from_precision)

    @property
    def to_label(self) -> str:
        if self.to_start is None or self.to_end is None:
            return ""
        return format_period(self.to_start, self.to_end, self.to_precision)

    @property
    def label(self) -> str:
        """'postponed from 6–8 April 2020 to 27–29 July 2020' (or 'to a date not given')."""
        return gettext("postponed from %(from)s to %(to)s") % {
            "from": self.from_label,
            "to": self.to_label or gettext("a date not given"),
        }


def validate_geographic_scope(countries, regions) -> None:
    """An activity must say where it happened: at least one country or one region."""
    if not countries and not regions:
        raise ValidationError(
            "Give at least one country or one region: where was this delivered? "
            "Use the region (or World) when the source names no country."
        )
