"""Evidence files: what proves an activity took place (attendance sheets, agendas,
reports, photos).

The bytes live on the "evidence" storage (settings.STORAGES: a private folder,
EVIDENCE_ROOT, by default; an S3-compatible bucket by settings), under a random name
that says nothing of the activity or the file. The name the uploader gave is kept,
sanitised, in `original_name`, only to offer it back on download. A file is private
(those who may edit the activity, and managers) until a manager marks it public.
Checks, writes and reads: activities/evidence/.
"""

from __future__ import annotations

import secrets
from typing import Any, cast

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .activities import Activity


class EvidenceStorage(LazyObject):
    """The "evidence" storage alias of settings.STORAGES, looked up when first used and
    again after STORAGES changes (a test's own folder): a FileField calls its storage
    callable once, when the model is defined."""

    _wrapped: Any  # the storage, or `empty` until it is looked up

    def _setup(self) -> None:
        self._wrapped = storages["evidence"]


_storage = EvidenceStorage()


@receiver(setting_changed)
def _forget_storage(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        _storage._wrapped = empty


def evidence_storage() -> Storage:
    """The "evidence" storage (a callable, so that migrations do not freeze it)."""
    return cast(Storage, _storage)


def random_path(instance: EvidenceFile, filename: str) -> str:
    """A random name under the year: never the uploader's name, never an extension, so
    that no server guesses a type from it or serves it."""
    return f"{timezone.now():%Y}/{secrets.token_hex(16)}"


class EvidenceKind(models.TextChoices):
    ATTENDANCE_SHEET = "attendance_sheet", _("attendance sheet")
    AGENDA = "agenda", _("agenda")
    REPORT = "report", _("report")
    PHOTO = "photo", _("photo")
    OTHER = "other", _("other")


class EvidenceFile(models.Model):
    """One file attached to an activity; its type is what its content is (checked on
    upload by activities/evidence/sniff.py), not what its name says."""

    Kind = EvidenceKind

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="evidence_files")
    file = models.FileField(storage=evidence_storage, upload_to=random_path, max_length=200)
    original_name = models.CharField(
        _("file name"), max_length=150, help_text="As uploaded, sanitised (no folder part)."
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=EvidenceKind.choices, default=EvidenceKind.OTHER
    )
    content_type = models.CharField(
        _("type"), max_length=100, help_text="Detected from the content, not the name."
    )
    size = models.PositiveBigIntegerField(_("size"), help_text="Bytes.")
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=500, blank=True)
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text="Downloadable by anyone who can see the activity; only a manager sets it.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    # Uploads, changes (public or not) and deletions: listed in the activity's history
    # (activities/audit.py).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
            models.CheckConstraint(
                condition=Q(kind__in=EvidenceKind.values), name="evidence_kind_known"
            ),
            # The same bytes twice on one activity are one piece of evidence.
            models.UniqueConstraint(fields=["activity", "sha256"], name="evidence_once"),
        ]

    def __str__(self) -> str:
        return f"Evidence file {self.pk} of activity {self.activity_id}"
