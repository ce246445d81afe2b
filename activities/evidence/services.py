"""Writes of evidence files: upload, change, delete. Keyword-only, typed, atomic; each
recorded in the history with its author (activities/audit.py lists them with the
activity's). Who may call them is checked by the caller (rules.py), except marking a
file public, which only a manager may do and is checked here too.

The stored bytes and the row go together: a failed upload removes the bytes it wrote; a
deletion removes the bytes once the transaction commits (a rolled-back deletion leaves
the file whole). Nothing here logs a file name or its content: names can carry
people's names.
"""

from __future__ import annotations

import hashlib
import logging
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..beneficiary_rows import authored_by
from ..models import Activity, EvidenceFile, EvidenceKind
from . import names, rules, sniff

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


class UploadRefused(Exception):
    """The upload is refused; `message` says why, `status` is the HTTP status it means
    (413: over the size limit; 400: its type, or already attached)."""

    def __init__(self, message: str, *, status: int = 400, limit: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.limit = limit


def too_large(size: int | None = None) -> UploadRefused:
    limit = settings.EVIDENCE_MAX_BYTES
    return UploadRefused(
        _(
            "The file is over the limit of %(limit)s bytes (setting EVIDENCE_MAX_BYTES): "
            "send a smaller file, or split it."
        )
        % {"limit": limit},
        status=413,
        limit=limit,
    )


def _digest(file: IO[bytes]) -> tuple[str, int]:
    file.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := file.read(64 * 1024):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return digest.hexdigest(), size


def evidence_upload(
    *,
    activity: Activity,
    file: IO[bytes],
    filename: str,
    kind: str = EvidenceKind.OTHER,
    description: str = "",
    is_public: bool = False,
    by: User | None,
) -> EvidenceFile:
    """Check the file (size, type by content), keep it under a random name, record it.

    Raises UploadRefused (over EVIDENCE_MAX_BYTES, a type not accepted, the same bytes
    already attached to this activity) or PermissionDenied (`is_public` by someone who
    is not a manager).
    """
    if is_public and not rules.may_set_public(by):
        raise PermissionDenied(_("Only a manager may make a file public."))
    if kind not in EvidenceKind.values:
        raise UploadRefused(_("Unknown kind of evidence file."))
    declared = getattr(file, "size", None)
    if declared is not None and declared > settings.EVIDENCE_MAX_BYTES:
        raise too_large(declared)
    sha256, size = _digest(file)
    if size > settings.EVIDENCE_MAX_BYTES:
        raise too_large(size)
    original = names.sanitise(filename)
    try:
        detected = sniff.detect(file, name=original)
    except sniff.Refused as refused:
        raise UploadRefused(refused.message) from None
    original = names.with_extension(original, detected.extensions)
    if EvidenceFile.objects.filter(activity=activity, sha256=sha256).exists():
        raise UploadRefused(_("This file is already attached to this activity."))
    evidence = EvidenceFile(
        activity=activity,
        original_name=original,
        kind=kind,
        content_type=detected.content_type,
        size=size,
        sha256=sha256,
        description=(description or "").strip()[:500],
        is_public=is_public,
        uploaded_by=by,
    )
    evidence.file.save("evidence", File(file), save=False)
    stored = evidence.file.name
    try:
        with transaction.atomic():
            authored_by(evidence, by)
            evidence.save()
    except IntegrityError:
        evidence.file.storage.delete(stored)
        raise UploadRefused(_("This file is already attached to this activity.")) from None
    except BaseException:
        evidence.file.storage.delete(stored)
        raise
    logger.info("evidence file %s attached to activity %s", evidence.pk, activity.pk)
    return evidence


def evidence_change(
    *,
    evidence: EvidenceFile,
    by: User | None,
    kind: str | None = None,
    description: str | None = None,
    is_public: bool | None = None,
) -> EvidenceFile:
    """Change what is said of a file; `is_public` only by a manager (PermissionDenied)."""
    fields = []
    if is_public is not None and is_public != evidence.is_public:
        if not rules.may_set_public(by):
            raise PermissionDenied(_("Only a manager may make a file public or private."))
        evidence.is_public = is_public
        fields.append("is_public")
    if kind is not None and kind != evidence.kind:
        if kind not in EvidenceKind.values:
            raise UploadRefused(_("Unknown kind of evidence file."))
        evidence.kind = kind
        fields.append("kind")
    if description is not None and description.strip()[:500] != evidence.description:
        evidence.description = description.strip()[:500]
        fields.append("description")
    if fields:
        with transaction.atomic():
            authored_by(evidence, by)
            evidence.save(update_fields=fields)
    return evidence


def evidence_delete(*, evidence: EvidenceFile, by: User | None) -> None:
    """Delete the record (its deletion stays in the history), then, once committed, the
    stored bytes."""
    storage, stored = evidence.file.storage, evidence.file.name
    with transaction.atomic():
        authored_by(evidence, by)
        evidence.delete()
        transaction.on_commit(lambda: storage.delete(stored))
    logger.info("evidence file deleted from activity %s", evidence.activity_id)


def delete_all_of(*, activity: Activity, by: User | None) -> None:
    """Every file of an activity being deleted (services.activity_delete), one by one so
    that each deletion is in the history."""
    for evidence in EvidenceFile.objects.filter(activity=activity):
        evidence_delete(evidence=evidence, by=by)
