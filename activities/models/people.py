"""People: the persons an attendance sheet names, and what they attended.

Personal data lives here and nowhere else: names, contacts, year of birth or age band,
and test scores. Who may read it is written in activities/people/privacy.py; the
counting rules that read it (people, learning) in activities/counting.py.

- Participant: one person. `name_key` is the normalized name (activities/people/names.py)
  that finds the same person again; a person merged into another keeps their row,
  pointing at the kept person (`merged_into`), so that a merge can be undone.
- Attendance: one person at one activity (attended, completed, pre- and post-test
  scores). When an activity has attendance, its beneficiary tallies are derived from it
  (activities/people/tallies.py) and never typed.
- AttendanceImport: one confirmed sheet, with the digest of its rows, so that importing
  the same sheet again changes nothing.
- PersonErasure: that a person's data was erased on request, when and by whom (the
  person stays, anonymous, so the counts do not move).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .activities import Activity
from .places import Country
from .references import Audience


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    NOT_RECORDED = "not_recorded", _("not recorded")


class AgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("under 18")
    FROM_18 = "18_24", _("18 to 24")
    FROM_25 = "25_34", _("25 to 34")
    FROM_35 = "35_44", _("35 to 44")
    FROM_45 = "45_54", _("45 to 54")
    FROM_55 = "55_64", _("55 to 64")
    FROM_65 = "65_plus", _("65 and over")


class Participant(models.Model):
    """One person who attended at least one activity.

    The name is kept as the sheet gives it (`given_name`, `family_name`); `name_key` is
    its normalized form, the key exact matches are found by. A person's `country` is
    where they come from: for place questions about people, they belong to it.
    """

    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    sex = models.CharField(_("sex"), max_length=12, choices=Sex.choices, default=Sex.NOT_RECORDED)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    audience = models.ForeignKey(
        Audience,
        verbose_name=_("audience"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="participants",
    )
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="participants",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Maintained by activities/people/names.py on every write: never typed.
    name_key = models.CharField(max_length=300, blank=True, db_index=True, editable=False)
    # A duplicate merged into another person: kept so that the merge can be undone.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_synthetic = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        permissions = [
            ("view_personal_data", "Can see names, contacts, ages and scores of participants"),
            ("merge_participants", "Can merge and un-merge duplicate participants"),
            ("erase_participant", "Can erase a participant's personal data on request"),
        ]
        indexes = [
            models.Index(fields=["email"], name="participant_email"),
            models.Index(fields=["country", "name_key"], name="participant_country_name"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="participant_sex_known"),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | (Q(birth_year__gte=1900) & Q(birth_year__lte=2100)),
                name="participant_birth_year_plausible",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="participant_not_merged_into_self"
            ),
        ]

    def __str__(self) -> str:
        # Never a name: this string reaches logs, admin messages and error pages.
        return f"Participant {self.pk}"

    @property
    def display_name(self) -> str:
        """The name as the sheet gives it (personal data: check who asks first)."""
        return " ".join(part for part in (self.given_name, self.family_name) if part)


class Attendance(models.Model):
    """One person at one activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="attendances"
    )
    attended = models.BooleanField(_("attended"), default=True)
    completed = models.BooleanField(_("completed"), null=True, blank=True)
    pre_score = models.DecimalField(
        _("pre-test score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    post_score = models.DecimalField(
        _("post-test score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    imported_by = models.ForeignKey(
        "AttendanceImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendance",
    )

    class Meta:
        ordering = ["activity", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        indexes = [
            # The people measure reads a matched activity's attendance by activity.
            models.Index(
                fields=["activity"],
                include=["participant", "attended", "pre_score", "post_score"],
                name="attendance_activity_cover",
            ),
            # A place's people start from the persons of its countries: their attendance
            # read from the index alone (PostgreSQL; elsewhere a plain index).
            models.Index(
                fields=["participant"],
                include=["activity", "attended", "pre_score", "post_score"],
                name="attendance_participant_cover",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "participant"], name="attendance_once_per_activity"
            ),
            models.CheckConstraint(
                condition=Q(pre_score__isnull=True) | (Q(pre_score__gte=0) & Q(pre_score__lte=100)),
                name="attendance_pre_score_0_100",
            ),
            models.CheckConstraint(
                condition=Q(post_score__isnull=True)
                | (Q(post_score__gte=0) & Q(post_score__lte=100)),
                name="attendance_post_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"Attendance {self.pk} at activity {self.activity_id}"


class AttendanceImport(models.Model):
    """One confirmed attendance sheet: who imported it, when, and the digest of its rows
    (importing the same rows again finds this and changes nothing)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="imports")
    digest = models.CharField(max_length=64)
    filename = models.CharField(max_length=200, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "digest"], name="import_once_per_sheet"),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} into activity {self.activity_id}"


class PersonErasure(models.Model):
    """A person's data erased on request: the record that it was done (no personal data)."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="erasures")
    erased_at = models.DateTimeField(auto_now_add=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Erasure of participant {self.participant_id}"


class ParticipantMerge(models.Model):
    """A duplicate person merged into the kept one, with what the merge moved, so that it
    can be undone: the attendance it re-pointed, and the attendance it set aside where
    both had attended the same activity."""

    kept = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="merges_merged")
    moved_attendance = models.JSONField(default=list)
    set_aside = models.JSONField(default=list)
    merged_at = models.DateTimeField(auto_now_add=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"Merge of participant {self.merged_id} into {self.kept_id}"
