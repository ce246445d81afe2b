"""Who may do what with an activity's evidence files.

- Private files (the default): listed and downloaded by those who may read the
  activity's non-public details: officers whose scope covers it, managers and
  administrators (`access.can_edit`). To everyone else, a donor viewer or an anonymous
  visitor included, a private file does not exist: 404, never 403.
- Public files (`is_public`): downloaded by anyone who can see the activity. A draft is
  seen by nobody outside its officers and managers, so its files are never public to
  anonymous visitors, whatever their flag.
- Upload: those who may edit the activity. Marking a file public or private: managers
  (`access.can_publish`), as publishing the activity is theirs.
- An attendance sheet (kind) in CSV or XLSX (content) is offered to the attendance
  import to those who may import the activity's attendance (people/privacy.py).
- Delete: those who may edit the activity delete its private files; a public file is
  deleted by a manager (it may be cited somewhere already).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from .. import access
from ..models import Activity, EvidenceFile, EvidenceKind
from ..people import privacy
from . import sniff

if TYPE_CHECKING:
    from ..counting import AnyUser


def may_read_private(user: AnyUser, activity: Activity) -> bool:
    return bool(user is not None and user.is_authenticated and access.can_edit(user, activity))


def may_upload(user: AnyUser, activity: Activity) -> bool:
    return may_read_private(user, activity)


def may_set_public(user: AnyUser) -> bool:
    return access.can_publish(user)


def may_delete(user: AnyUser, evidence: EvidenceFile, *, reads_private: bool) -> bool:
    if not reads_private:
        return False
    return may_set_public(user) or not evidence.is_public


def files_for(user: AnyUser, activity: Activity, *, reads_private: bool) -> QuerySet[EvidenceFile]:
    """The files of `activity` the user may list (the activity is one they may see:
    `access.get_activity_for_user`), newest first, with their uploader."""
    files = EvidenceFile.objects.filter(activity=activity).select_related("uploaded_by")
    return files if reads_private else files.filter(is_public=True)


def get_file_for_user(user: AnyUser, activity_pk: int | str, pk: int | str) -> EvidenceFile:
    """The file, if the user may see its activity and the file (else Http404: a private
    file is not revealed to those who may not read it)."""
    activity = access.get_activity_for_user(user, activity_pk)
    reads_private = may_read_private(user, activity)
    try:
        evidence = files_for(user, activity, reads_private=reads_private).get(pk=pk)
    except (EvidenceFile.DoesNotExist, ValueError, TypeError):
        raise Http404("No such file.") from None
    evidence.activity = activity
    return evidence


IMPORTABLE_TYPES = {sniff.CSV.content_type, sniff.XLSX.content_type}


def importable_as_attendance(evidence: EvidenceFile) -> bool:
    """An attendance sheet in CSV or XLSX is offered to the attendance import (#9)."""
    return (
        evidence.kind == EvidenceKind.ATTENDANCE_SHEET and evidence.content_type in IMPORTABLE_TYPES
    )


def may_import(user: AnyUser, evidence: EvidenceFile) -> bool:
    """Whether the user may import this file as its activity's attendance."""
    return bool(
        user is not None
        and importable_as_attendance(evidence)
        and privacy.may_see_people_of(user, evidence.activity)
        and user.has_perm("activities.add_attendance")
        and user.has_perm("activities.add_participant")
    )
