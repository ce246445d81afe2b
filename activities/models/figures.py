"""ReportedFigure: every number a source document gives, with its role.

Only DELIVERY figures are backed by activity records and counted (through them); the
others (umbrella totals, context statistics, reach, outcomes) are served as the source
gives them and never added into participants.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .activities import Activity
from .places import Country, Region
from .precision import DatePrecision, Qualifier, format_period
from .references import Audience, Language, Mentor, Partner, SourceDocument, Theme


class FigureRole(models.TextChoices):
    DELIVERY = "delivery", _("delivery (backed by activity records)")
    UMBRELLA = "umbrella", _("umbrella total (may overlap itemized deliveries)")
    CONTEXT = "context", _("context statistic")
    REPOSITORY = "repository", _("repository count")
    REACH = "reach", _("reach (impressions, views)")
    OUTCOME = "outcome", _("outcome")
    EVENT = "event", _("event (no number)")


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
    geography_as_reported = models.CharField(
        max_length=300,
        blank=True,
        help_text="The places in the source's own words, when they are not the stored ones "
        "(e.g. 'Latin America', stored as Latin America and the Caribbean), or 'not given'.",
    )
    geography_note = models.TextField(
        blank=True, help_text="How the places the source gives were mapped to M49, and why."
    )
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
