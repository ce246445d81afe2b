"""Projects and their results: funding, outcomes, indicators with targets, periods that
close and the figures "as reported" when they did.

- Project: a funded piece of work; activities belong to one or more (`Activity.projects`).
- Funding: what one donor committed to a project (amount and currency); Disbursement:
  what was paid, by date.
- Outcome: a result a project works towards; indicators hang on a project, optionally on
  one of its outcomes.
- Indicator: COMPUTED (a counts question: a measure, filters and an optional
  disaggregation, answered live by the counting engine, never copied) or ENTERED (a value
  per period, with evidence and a comment, for what the data cannot compute). It has an
  optional baseline and Target rows per period (a year, or a quarter of one), optionally
  by sex or by country.
- ReportingPeriod: a span that a manager closes for a project (or programme-wide, with
  no project). Closing freezes a PeriodSnapshot of every indicator value and headline
  figure (SnapshotFigure rows); PeriodEvent records every close and reopen.

The rules that compute actuals live in activities/results/ and, for the counts
themselves, in activities/counting.py through the stats engine.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .places import Country, Region
from .precision import Qualifier
from .references import Donor, SourceDocument, Theme

SNAPSHOT_QUALIFIERS = ("exact", "more_than", "at_least", "about")
SEX_PARTS = (("female", "female"), ("male", "male"), ("not_recorded", "not recorded"))


class Project(models.Model):
    code = models.SlugField(
        max_length=60, unique=True, help_text="Short stable code, e.g. GLOT-CYB-2020."
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    start_date = models.DateField(null=True, blank=True, help_text="Empty when not known.")
    end_date = models.DateField(null=True, blank=True, help_text="Empty when not known.")
    countries = models.ManyToManyField(Country, blank=True, related_name="projects")
    regions = models.ManyToManyField(Region, blank=True, related_name="projects")
    themes = models.ManyToManyField(Theme, blank=True, related_name="projects")
    donors: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        Donor, through="Funding", blank=True, related_name="projects"
    )
    source_document = models.ForeignKey(
        SourceDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    source_paragraph = models.CharField(max_length=20, blank=True)
    is_synthetic = models.BooleanField(
        default=False, help_text="Generated for benchmarks; never part of real data."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="project_end_not_before_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class Funding(models.Model):
    """What one donor committed to one project, in one currency (ISO 4217)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="fundings")
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="fundings")
    committed_amount = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text="Empty when not known."
    )
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. USD, EUR.")
    committed_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["project", "donor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "donor", "currency"], name="funding_one_per_donor_currency"
            ),
            models.CheckConstraint(
                condition=Q(committed_amount__isnull=True) | Q(committed_amount__gte=0),
                name="funding_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="funding_currency_iso4217"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donor} → {self.project.code}"


class Disbursement(models.Model):
    """A payment under a funding, in the funding's currency."""

    funding = models.ForeignKey(Funding, on_delete=models.CASCADE, related_name="disbursements")
    date = models.DateField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["funding", "date"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.date}"


class Outcome(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outcomes")
    code = models.CharField(max_length=20, help_text="e.g. 1, 1.2")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="outcome_code_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class IndicatorKind(models.TextChoices):
    COMPUTED = "computed", _("computed from the activities")
    ENTERED = "entered", _("entered per period")


class Disaggregation(models.TextChoices):
    NONE = "", _("none")
    SEX = "sex", _("sex")
    COUNTRY = "country", _("country")


class Indicator(models.Model):
    """A measure of a project's (or an outcome's) progress, with targets per period.

    A COMPUTED indicator is the question `measure` over the project's activities that
    match `filters` (the same query parameters as /api/v1/stats/, e.g. {"audience":
    "judges"}), split by `disaggregation`. It is answered live, never stored. An ENTERED
    indicator takes IndicatorValue rows.
    """

    Kind = IndicatorKind

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators")
    outcome = models.ForeignKey(
        Outcome, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators"
    )
    code = models.CharField(max_length=20, help_text="e.g. 1.1")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=IndicatorKind.choices)
    unit = models.CharField(max_length=60, blank=True, help_text="e.g. participations, people")
    measure = models.CharField(
        max_length=20, blank=True, help_text="Computed: activities, participants, people..."
    )
    filters = models.JSONField(
        default=dict, blank=True, help_text="Computed: stats filters, e.g. {'theme': 'x'}."
    )
    disaggregation = models.CharField(
        max_length=10, choices=Disaggregation.choices, blank=True, default=""
    )
    baseline_value = models.BigIntegerField(null=True, blank=True)
    baseline_qualifier = models.CharField(max_length=10, choices=Qualifier.choices, blank=True)
    baseline_year = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="indicator_code_per_project"),
            models.CheckConstraint(
                condition=Q(kind__in=IndicatorKind.values), name="indicator_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(kind=IndicatorKind.ENTERED) | ~Q(measure=""),
                name="indicator_computed_has_measure",
            ),
            models.CheckConstraint(
                condition=Q(disaggregation__in=Disaggregation.values),
                name="indicator_disaggregation_known",
            ),
            models.CheckConstraint(
                condition=(Q(baseline_value__isnull=True) & Q(baseline_qualifier=""))
                | (Q(baseline_value__isnull=False) & Q(baseline_qualifier__in=Qualifier.values)),
                name="indicator_baseline_has_qualifier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class PeriodFields(models.Model):
    """A period of a target or a value: a year, or one quarter (1-4) of it; optionally
    one part of a disaggregation (a sex, or a country)."""

    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=12, choices=SEX_PARTS, blank=True, default="")
    country = models.ForeignKey(Country, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return " ".join(filter(None, [self.period_label, self.part_label]))

    @property
    def period_label(self) -> str:
        return f"{self.year} Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def part_label(self) -> str:
        if self.sex:
            return dict(SEX_PARTS)[self.sex]
        return self.country.name if self.country is not None else ""


def _period_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
            name=f"{prefix}_quarter_1_to_4",
        ),
        models.CheckConstraint(
            condition=Q(year__gte=1945, year__lte=2100), name=f"{prefix}_year_plausible"
        ),
        models.CheckConstraint(
            condition=Q(sex="") | Q(country__isnull=True), name=f"{prefix}_one_disaggregation"
        ),
        # One row per indicator, period and part; NULLs spelled out, as SQL's UNIQUE
        # lets NULLs repeat.
        models.UniqueConstraint(
            fields=["indicator", "year", "sex"],
            condition=Q(quarter__isnull=True, country__isnull=True),
            name=f"{prefix}_one_per_year",
        ),
        models.UniqueConstraint(
            fields=["indicator", "year", "quarter", "sex"],
            condition=Q(quarter__isnull=False, country__isnull=True),
            name=f"{prefix}_one_per_quarter",
        ),
        models.UniqueConstraint(
            fields=["indicator", "year", "country"],
            condition=Q(quarter__isnull=True, country__isnull=False),
            name=f"{prefix}_one_per_year_country",
        ),
        models.UniqueConstraint(
            fields=["indicator", "year", "quarter", "country"],
            condition=Q(quarter__isnull=False, country__isnull=False),
            name=f"{prefix}_one_per_quarter_country",
        ),
    ]


class Target(PeriodFields):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    value = models.BigIntegerField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["indicator", "year", "quarter", "sex", "country"]
        constraints = [
            *_period_constraints("target"),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_not_negative"),
        ]


class IndicatorValue(PeriodFields):
    """The value of an ENTERED indicator for a period, with what it rests on."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    value = models.BigIntegerField()
    qualifier = models.CharField(max_length=10, choices=Qualifier.choices, default=Qualifier.EXACT)
    evidence = models.CharField(
        max_length=500, blank=True, help_text="A link or a reference to what shows it."
    )
    comment = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "year", "quarter", "sex", "country"]
        constraints = [
            *_period_constraints("indicator_value"),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicator_value_not_negative"),
            models.CheckConstraint(
                condition=Q(qualifier__in=Qualifier.values), name="indicator_value_qualifier_known"
            ),
        ]


class ReportingPeriod(models.Model):
    """A span a manager closes: for a project, or programme-wide (no project).

    While closed, a change to an activity dated in it needs a reason (recorded in the
    audit history); its PeriodSnapshot keeps what was reported.
    """

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="periods"
    )
    label = models.CharField(max_length=120, help_text="e.g. 2020, 2021 Q1")
    start_date = models.DateField()
    end_date = models.DateField()
    is_closed = models.BooleanField(default=False)
    report = models.CharField(
        max_length=300, blank=True, help_text="The report it was closed for, e.g. E/CN.15/2020/…"
    )

    class Meta:
        ordering = ["start_date", "project"]
        permissions = [("close_period", "Can close and reopen reporting periods")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="period_end_not_before_start"
            ),
            models.UniqueConstraint(
                fields=["project", "start_date", "end_date"],
                condition=Q(project__isnull=False),
                name="period_once_per_project",
            ),
            models.UniqueConstraint(
                fields=["start_date", "end_date"],
                condition=Q(project__isnull=True),
                name="period_once_programme_wide",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class PeriodEvent(models.Model):
    """A close or a reopen of a period: who, when, for which report, why."""

    class Action(models.TextChoices):
        CLOSE = "close", _("closed")
        REOPEN = "reopen", _("reopened")

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["period", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["close", "reopen"]), name="period_event_action_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_action_display()} on {self.at:%Y-%m-%d}"


class PeriodSnapshot(models.Model):
    """What was reported when a period closed; never changed afterwards.

    Closing again after a reopen takes a new snapshot: the earlier one stays.
    """

    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="snapshots")
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.CharField(max_length=300, blank=True)
    data_version = models.BigIntegerField(
        null=True, blank=True, help_text="The data version the figures were read at."
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["period", "-taken_at"]
        get_latest_by = "taken_at"

    def __str__(self) -> str:
        return f"{self.period} as reported on {self.taken_at:%Y-%m-%d}"


class SnapshotFigure(models.Model):
    """One frozen figure: an indicator's value for a period (and part), or a headline
    figure (`key`, e.g. "participants" or a report figure's code such as "F16")."""

    snapshot = models.ForeignKey(PeriodSnapshot, on_delete=models.CASCADE, related_name="figures")
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="snapshot_figures"
    )
    key = models.CharField(max_length=60, help_text="The headline figure's key, or the part.")
    label = models.CharField(max_length=400)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=12, blank=True, default="")
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    value = models.BigIntegerField(null=True, blank=True)
    # As the source gives it (exact, more_than, about) or as a count combines them
    # (exact, at_least, about: counting rule 6).
    qualifier = models.CharField(max_length=10, blank=True)
    target = models.BigIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["snapshot", "indicator", "key", "year", "quarter", "sex", "country"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(value__isnull=True) & Q(qualifier=""))
                | (Q(value__isnull=False) & Q(qualifier__in=SNAPSHOT_QUALIFIERS)),
                name="snapshot_figure_value_has_qualifier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"


class DonorViewer(models.Model):
    """A donor viewer's donor: they see its projects' results, the activities behind
    them and their funding (activities/results/access.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="donor_links"
    )
    donor = models.ForeignKey(Donor, on_delete=models.CASCADE, related_name="viewers")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "donor"], name="donor_viewer_once")]

    def __str__(self) -> str:
        return f"{self.user} sees {self.donor}"
