"""The domain: what was delivered, where, to whom, and the figures a report gives.

Reading guide
- Region and Country are the UN M49 standard (loaded from a maintained source).
- Activity is one delivery (most often a training); BeneficiaryGroup rows say how many
  people it reached, by audience, sex and country, with a qualifier.
- ReportedFigure holds every number a source document gives, including those that are
  not delivery records (umbrella totals, context statistics, reach, outcomes), so that
  none of them is ever added into participants.
- The counting rules themselves live in activities/counting.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from .querysets import ActivityQuerySet, BeneficiaryGroupQuerySet


class Qualifier(models.TextChoices):
    """How exact a count is. "more than 5,600" is stored as 5600 with MORE_THAN."""

    EXACT = "exact", "exact"
    MORE_THAN = "more_than", "more than"
    ABOUT = "about", "about"


class DatePrecision(models.TextChoices):
    """How much of a period the source gives. "2020" is YEAR: never invent the day."""

    YEAR = "year", "year"
    MONTH = "month", "month"
    DAY = "day", "day"


# --- Reference data -------------------------------------------------------------------


class Region(models.Model):
    """A node of the UN M49 tree: World (001) > region > sub-region > intermediate region.

    The depth is uneven (Antarctica hangs directly under World; Northern America has no
    intermediate level). `path` holds the codes from the root ("/001/019/419/013/"), so
    "every region below 419" is a single indexed prefix match.
    """

    class Level(models.IntegerChoices):
        WORLD = 0, "world"
        REGION = 1, "region"
        SUBREGION = 2, "sub-region"
        INTERMEDIATE = 3, "intermediate region"

    code = models.CharField(max_length=3, unique=True, help_text="M49 code, three digits")
    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=40, unique=True, db_index=True)
    # Ancestors at the two levels the API groups by, denormalised for GROUP BY.
    m49_region = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Ancestor (or self) at M49 level 1; empty for World.",
    )
    m49_subregion = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Ancestor (or self) at M49 level 2; empty above that level.",
    )

    class Meta:
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{3}$"), name="region_code_three_digits"
            ),
            models.CheckConstraint(
                condition=Q(level=0, parent__isnull=True) | Q(level__gt=0, parent__isnull=False),
                name="region_only_world_has_no_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Country(models.Model):
    """A UNSD country or area, with its deepest M49 region."""

    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    iso3 = models.CharField("ISO alpha-3", max_length=3, unique=True)
    m49_code = models.CharField("M49 code", max_length=3, unique=True)
    name = models.CharField("UN name", max_length=100)
    names = models.JSONField(
        default=dict, blank=True, help_text="Names in the six UN languages, by ISO 639-1 code."
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="countries", help_text="Deepest region."
    )
    m49_region = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+")
    m49_subregion = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    path = models.CharField(
        max_length=48, db_index=True, help_text="Region path plus the country's own code."
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=Q(iso2__regex=r"^[A-Z]{2}$"), name="country_iso2"),
            models.CheckConstraint(condition=Q(iso3__regex=r"^[A-Z]{3}$"), name="country_iso3"),
            models.CheckConstraint(
                condition=Q(m49_code__regex=r"^[0-9]{3}$"), name="country_m49_three_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A thematic area (a report section) or a training topic under one (paragraph 17)."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="topics"
    )
    description = models.TextField(blank=True)
    source_paragraph = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["parent__name", "name"]

    def __str__(self) -> str:
        return self.name


class Audience(models.Model):
    """Who was reached: police, prosecutors, teachers, general public..."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    code = models.CharField("ISO 639-1", max_length=3, unique=True)
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    class Kind(models.TextChoices):
        UN_ENTITY = "un_entity", "United Nations entity"
        INTERGOVERNMENTAL = "intergovernmental", "intergovernmental organization"
        REGIONAL = "regional", "regional organization"
        GOVERNMENT = "government", "government body"
        NGO = "ngo", "non-governmental organization"
        PRIVATE = "private", "private sector"
        ACADEMIA = "academia", "academia"
        FINANCIAL = "financial", "international financial institution"
        NETWORK = "network", "network or forum"
        OTHER = "other", "other"

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=300, blank=True)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="partners"
    )
    name_is_descriptive = models.BooleanField(
        default=False,
        help_text="The source describes this body without giving its official name.",
    )
    source_paragraph = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Mandate(models.Model):
    """A resolution or decision that asks for the work."""

    body = models.CharField(max_length=120, help_text="e.g. General Assembly")
    symbol = models.CharField(max_length=40, unique=True, help_text="e.g. A/RES/74/173")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    source_paragraph = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["year", "symbol"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1945, year__lte=2100),
                name="mandate_year_plausible",
            )
        ]

    def __str__(self) -> str:
        return self.symbol


class Donor(models.Model):
    """A funding source. The 2020 report names none; the table is empty in the seed."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=60, blank=True)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="donors"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Mentor(models.Model):
    """A mentor based at a hub. The report names no mentor: `name` stays empty then."""

    name = models.CharField(max_length=200, blank=True, help_text="Empty when not published.")
    hub_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="mentors")
    regions_covered = models.ManyToManyField(Region, blank=True, related_name="mentors")
    themes = models.ManyToManyField(Theme, blank=True, related_name="mentors")
    note = models.TextField(blank=True)
    source_paragraph = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["hub_country__name", "name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or f"Mentor at the {self.hub_country.name} hub (name not published)"


class SourceDocument(models.Model):
    """Where a record comes from: a report, a mission note, an officer's log."""

    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=400)
    symbol = models.CharField(max_length=60, blank=True)
    issued = models.DateField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.symbol or self.title


# --- Deliveries ------------------------------------------------------------------------


class ActivityKind(models.TextChoices):
    TRAINING = "training", "training"
    COURSE = "course", "course"
    WEBINAR = "webinar", "webinar"
    WORKSHOP = "workshop", "workshop"
    CONFERENCE = "conference", "conference"
    MEETING = "meeting", "meeting"
    ASSESSMENT = "assessment", "assessment"
    ADVISORY = "advisory", "advisory"
    MENTORING = "mentoring", "mentoring"
    AWARENESS = "awareness", "awareness-raising"
    CAMPAIGN = "campaign", "campaign"
    PUBLICATION = "publication", "publication"
    MECHANISM = "mechanism", "mechanism or tool"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "in person"
    ONLINE = "online", "online"
    HYBRID = "hybrid", "hybrid"
    BROADCAST = "broadcast", "broadcast"
    NOT_RECORDED = "not_recorded", "not recorded"


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    PUBLISHED = "published", "published"


class DeliveryStatus(models.TextChoices):
    DELIVERED = "delivered", "delivered"
    ONGOING = "ongoing", "ongoing"
    SCHEDULED = "scheduled", "scheduled"


class Activity(models.Model):
    """One delivery: a training, a course, an assessment, a campaign, a meeting...

    The period is `start_date`..`end_date` with a `date_precision`: a source that says
    only "2020" is stored as 2020-01-01..2020-12-31 with precision YEAR and shown as
    "2020", never as a day.
    """

    Kind = ActivityKind
    Modality = Modality
    Status = PublicationStatus
    Delivery = DeliveryStatus

    reference = models.CharField(
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        help_text="Stable key for seeded or imported records, e.g. report-2020/F16.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TRAINING)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    modality = models.CharField(
        max_length=12, choices=Modality.choices, default=Modality.NOT_RECORDED
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.DELIVERED)
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
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
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

    history = HistoricalRecords(m2m_fields=[countries, regions, themes, partners])
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
            models.Index(fields=["kind"]),
            # The lists' default order (newest first), so that a page of 20 is read from
            # the index instead of sorting every published activity.
            models.Index(
                "status",
                F("start_date").desc(),
                "title",
                "id",
                name="activity_list_newest_first",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="activity_end_not_before_start"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ActivityKind.values), name="activity_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(modality__in=Modality.values),
                name="activity_modality_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PublicationStatus.values), name="activity_status_known"
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

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date is before the start date."})


def validate_geographic_scope(countries, regions) -> None:
    """An activity must say where it happened: at least one country or one region."""
    if not countries and not regions:
        raise ValidationError(
            "Give at least one country or one region: where was this delivered? "
            "Use the region (or World) when the source names no country."
        )


class BeneficiaryGroup(models.Model):
    """How many people an activity reached: one audience (or a mix not split by the
    source), one country (or none when the source gives no per-country split), by sex.

    female + male + not_recorded = total, enforced by the database. A "more than" or
    "about" figure keeps its qualifier; every total that includes it inherits it.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="beneficiaries")
    audience = models.ForeignKey(
        Audience,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="beneficiary_groups",
        help_text="Empty when the source gives one number for several audiences.",
    )
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="beneficiary_groups",
        help_text="Empty when the source does not split the people by country.",
    )
    female = models.PositiveIntegerField(default=0)
    male = models.PositiveIntegerField(default=0)
    not_recorded = models.PositiveIntegerField("sex not recorded", default=0)
    total = models.PositiveIntegerField()
    qualifier = models.CharField(max_length=10, choices=Qualifier.choices, default=Qualifier.EXACT)
    note = models.CharField(max_length=300, blank=True)
    # Where these people certainly belong (the attribution rule, counting.py): a country,
    # or else the smallest region holding them all. Maintained by services.
    place_country = models.ForeignKey(
        Country, null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    place_region = models.ForeignKey(
        Region, null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()
    objects = BeneficiaryGroupQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "id"]
        indexes = [
            # Counting reads a matched activity's rows by activity and sums them by place:
            # on PostgreSQL this covering index answers that with an index-only scan
            # (bench/README.md, before and after). Elsewhere it is a plain index.
            models.Index(
                fields=["activity"],
                include=[
                    "place_country",
                    "place_region",
                    "total",
                    "female",
                    "male",
                    "not_recorded",
                    "qualifier",
                ],
                name="beneficiary_activity_cover",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total=F("female") + F("male") + F("not_recorded")),
                name="beneficiary_sex_split_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(female__gte=0) & Q(male__gte=0) & Q(not_recorded__gte=0),
                name="beneficiary_counts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(qualifier__in=Qualifier.values),
                name="beneficiary_qualifier_known",
            ),
            models.CheckConstraint(
                condition=Q(place_country__isnull=True) | Q(place_region__isnull=True),
                name="beneficiary_one_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.total} {self.audience or 'people'}"

    def clean(self) -> None:
        parts = (self.female, self.male, self.not_recorded)
        if self.total is not None and None not in parts and sum(parts) != self.total:
            raise ValidationError(
                {
                    "total": f"Female ({self.female}) + male ({self.male}) + not recorded "
                    f"({self.not_recorded}) = {sum(parts)}, not {self.total}. Put the people "
                    "whose sex is not known under 'not recorded'."
                }
            )


class FigureRole(models.TextChoices):
    DELIVERY = "delivery", "delivery (backed by activity records)"
    UMBRELLA = "umbrella", "umbrella total (may overlap itemized deliveries)"
    CONTEXT = "context", "context statistic"
    REPOSITORY = "repository", "repository count"
    REACH = "reach", "reach (impressions, views)"
    OUTCOME = "outcome", "outcome"
    EVENT = "event", "event (no number)"


class ReportedFigure(models.Model):
    """A number exactly as a source document gives it, with its role.

    DELIVERY figures are backed by Activity records (linked in `activities`) and are
    counted through them. Every other role is served as it is and never added into
    participants: UMBRELLA totals may overlap itemized deliveries, CONTEXT statistics
    describe a country, REACH counts impressions or views, OUTCOME counts results.
    """

    Role = FigureRole

    code = models.CharField(max_length=20, unique=True, help_text="e.g. F16 in the 2020 report")
    role = models.CharField(max_length=12, choices=Role.choices)
    category = models.CharField(
        max_length=20, help_text="The source's own kind: training, hub, context, campaign..."
    )
    subject = models.CharField(max_length=400)
    value = models.BigIntegerField(null=True, blank=True)
    qualifier = models.CharField(max_length=10, choices=Qualifier.choices, blank=True)
    unit = models.CharField(max_length=60, blank=True)
    audience_text = models.CharField(max_length=300, blank=True)
    audiences = models.ManyToManyField(Audience, blank=True, related_name="figures")
    countries = models.ManyToManyField(Country, blank=True, related_name="figures")
    regions = models.ManyToManyField(Region, blank=True, related_name="figures")
    countries_count = models.PositiveIntegerField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    period_text = models.CharField(max_length=40, blank=True, help_text="As the source says it")
    languages = models.ManyToManyField(Language, blank=True, related_name="figures")
    partners = models.ManyToManyField(Partner, blank=True, related_name="figures")
    themes = models.ManyToManyField(Theme, blank=True, related_name="figures")
    activities = models.ManyToManyField(Activity, blank=True, related_name="figures")
    mentors = models.ManyToManyField(Mentor, blank=True, related_name="figures")
    source_document = models.ForeignKey(
        SourceDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="figures"
    )
    source_paragraph = models.CharField(max_length=20)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=FigureRole.values), name="figure_role_known"
            ),
            models.CheckConstraint(
                condition=(Q(value__isnull=True) & Q(qualifier=""))
                | (Q(value__isnull=False) & Q(qualifier__in=Qualifier.values)),
                name="figure_value_has_qualifier",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="figure_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.subject}"

    @property
    def period_label(self) -> str:
        if not self.start_date or not self.end_date:
            return self.period_text
        return format_period(self.start_date, self.end_date, self.date_precision)


def format_period(start, end, precision: str) -> str:
    """'2020', 'February 2020', '27–29 July 2020', '2018–2020': only what is known."""
    if precision == DatePrecision.YEAR:
        return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    if precision == DatePrecision.MONTH:
        first = start.strftime("%B %Y")
        last = end.strftime("%B %Y")
        return first if first == last else f"{first} – {last}"
    if start == end:
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"


# --- Who may log what ------------------------------------------------------------------


class OfficerScope(models.Model):
    """The countries and M49 regions a programme officer logs and edits activities for.

    An activity is within the scope when every one of its countries and regions lies
    under one of these countries or regions (by M49 path prefix): a Central America
    officer (region 013) may edit an El Salvador training, not a Senegal one, and not
    one scoped to all of the Americas either. The rules live in activities/access.py.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer_scope"
    )
    countries = models.ManyToManyField(Country, blank=True, related_name="officer_scopes")
    regions = models.ManyToManyField(Region, blank=True, related_name="officer_scopes")
    note = models.CharField(max_length=200, blank=True, help_text="e.g. the hub they work from")

    class Meta:
        verbose_name = "officer scope"

    def __str__(self) -> str:
        return f"Scope of {self.user}"


# --- The data version: what makes cached answers safe ----------------------------------


class DataVersion(models.Model):
    """One row whose `version` moves on with every committed write to the domain tables.

    Database triggers (activities/data_version.py) bump it in the same transaction as the
    write, whichever way the write comes (ORM, bulk update, COPY, raw SQL, admin), so a
    cached answer keyed by the version can never outlive the data it was computed from.
    `epoch` changes whenever the row is created again (a flushed test database), so keys
    of an earlier life of the database never match.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    epoch = models.UUIDField()
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="data_version_single_row")]

    def __str__(self) -> str:
        return f"data version {self.version} ({self.epoch})"
