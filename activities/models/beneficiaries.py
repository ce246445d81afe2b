"""BeneficiaryGroup: how many people an activity reached, by audience, country and sex.

These rows are the only thing participants are counted from; the counting rules
(attribution to a place, qualifier ranks) live in activities/counting.py.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from ..querysets import BeneficiaryGroupQuerySet
from .activities import Activity
from .places import Country, Region
from .precision import Qualifier
from .references import Audience


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
    # Derived from the activity's attendance (activities/people/tallies.py), not typed:
    # these participations rest on named people.
    from_attendance = models.BooleanField(default=False, db_default=False, editable=False)
    # Where these people certainly belong (the attribution rule, counting.py): a country,
    # or else the smallest region holding them all. Maintained by services.
    place_country = models.ForeignKey(
        Country, null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    place_region = models.ForeignKey(
        Region, null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )

    # A change in a closed reporting period carries its reason, as the activity's does.
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))
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
                    "from_attendance",
                ],
                name="beneficiary_activity_cover",
            ),
            # A place filter (counting rule 3) collects the activities with a row naming
            # a country under the place: (country, activity) answers it from the index
            # alone, without visiting each row (bench/README.md section 10).
            models.Index(fields=["country", "activity"], name="beneficiary_country_activity"),
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
