"""Series and sessions: an activity made of several sittings (a webinar series, a
12-week course), and who attended which sitting.

- ActivitySession: one sitting of an activity, numbered from 1 (`position`), on one
  date within the activity's period, with its duration in hours (null when unknown,
  never 0), its modality and its language. It belongs to its activity: it is counted
  only through it (counting rule 13) and has no places, audiences or figures of its own.
- SessionAttendance: a person at one session. It points at the person's Attendance of
  the activity (one row per person per activity, people.py), so a person at five
  sessions of a series is one participation of the series and five session attendances;
  the participations and `people` measures read Attendance and never see these rows.

The session's date within its activity's period, and a session attendance's session
belonging to the same activity as its attendance, span two tables: services check them
(activities/services.py, `activity_sessions_replace`, `session_attendance_set`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .activities import Activity, Modality
from .kinds import CodeForeignKey, ModalityOption
from .people import Attendance
from .references import Language


class ActivitySession(models.Model):
    """One session of an activity: its date, duration, modality and language."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    position = models.PositiveSmallIntegerField(
        _("number"), help_text=_("Its place in the series, from 1.")
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    date = models.DateField(
        _("date"), help_text=_("The day it was held, within the activity's period.")
    )
    hours = models.DecimalField(
        _("hours"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("How long it lasted, in hours, when known."),
    )
    # The activity's own list of modalities (the ModalityOption table), by code.
    modality: CodeForeignKey[ModalityOption | str, ModalityOption] = CodeForeignKey(
        ModalityOption,
        verbose_name=_("modality"),
        db_column="modality",
        db_index=False,
        default=Modality.NOT_RECORDED,
        related_name="sessions",
    )
    language = models.ForeignKey(
        Language,
        verbose_name=_("language"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )

    # A change in a closed reporting period carries its reason, as the activity's does.
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        ordering = ["activity", "position"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "position"], name="session_position_once_per_activity"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="session_position_from_1"),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0), name="session_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} #{self.position}"


class SessionAttendance(models.Model):
    """One person at one session: their attendance of the activity, and the session."""

    attendance = models.ForeignKey(
        Attendance, on_delete=models.CASCADE, related_name="session_attendance"
    )
    session = models.ForeignKey(
        ActivitySession, on_delete=models.CASCADE, related_name="attendance"
    )

    class Meta:
        ordering = ["session", "attendance"]
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["attendance", "session"], name="session_attendance_once"
            ),
        ]
        indexes = [
            # A session's page reads them by session (the unique constraint serves reads
            # by attendance, which the session_attendances measure makes).
            models.Index(fields=["session"], name="session_attendance_session"),
        ]

    def __str__(self) -> str:
        return f"Attendance {self.attendance_id} at session {self.session_id}"
