"""Merging two records of one person, and undoing it.

The rules, in plain words
- A merge names the person kept and the duplicate merged into them. The duplicate's
  attendance is re-pointed to the kept person (the rows keep their ids); where both
  attended the same activity, the duplicate's row is set aside: its values are stored in
  the ParticipantMerge (`set_aside`) and the row is deleted, so that the person is
  counted once at that activity. The kept person's row there is left as it is, but for
  the sessions the duplicate was present at: they go to it (counting rule 13), and go
  back when the merge is undone.
- The duplicate keeps its own record, pointing at the kept person (`merged_into`): the
  merge can be undone, and an import that meets the duplicate's name again finds it.
- Never into oneself, never into a person who is already merged (the kept person is
  followed to the root: merging into a merged record merges into the person it was
  merged into), never a duplicate that is already merged, never an erased person (there
  is nothing left to compare).
- Undoing a merge restores exactly what the merge changed: the moved attendance goes
  back, the set-aside rows are recreated with their ids and values, `merged_into` is
  cleared and the merge is marked undone. It is refused, with the reason, when a later
  change makes that impossible (a later merge of either person not undone, one of them
  erased, a moved row gone or no longer the kept person's, the duplicate attending one
  of those activities again).
- Both change the beneficiary tallies of the activities concerned, re-derived in the
  same transaction (activities/people/tallies.py). Participations never change with a
  merge, except the set-aside rows (one person counted once at an activity); the count
  of distinct people goes down by one, and back up when undone.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Activity,
    ActivitySession,
    Attendance,
    AttendanceImport,
    Participant,
    ParticipantMerge,
    SessionAttendance,
)
from .tallies import sync_tallies

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# The fields of an attendance row a merge stores when it sets the row aside.
SET_ASIDE_FIELDS = ("id", "activity_id", "attended", "completed", "pre_score", "post_score")


def root_of(participant: Participant) -> Participant:
    """The person a record stands for: itself, or the person it was merged into (followed
    to the end). A cycle cannot be made by `merge`; one found anyway is an error."""
    seen = {participant.pk}
    # Read again: the caller's copy may predate a merge of this record.
    current = Participant.objects.get(pk=participant.pk)
    while current.merged_into_id is not None:
        if current.merged_into_id in seen:
            raise ValidationError(_("These records are merged in a circle; ask an administrator."))
        seen.add(current.merged_into_id)
        current = Participant.objects.get(pk=current.merged_into_id)
    return current


def _locked(*pks: int) -> dict[int, Participant]:
    """The participants, locked for the rest of the transaction (in id order, so that two
    merges of the same pair cannot deadlock)."""
    rows = Participant.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    return {row.pk: row for row in rows}


def _score(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _sync(activity_ids: Iterable[int], *, by: User | None) -> None:
    for activity in Activity.objects.filter(pk__in=set(activity_ids)).order_by("pk"):
        sync_tallies(activity=activity, by=by)


@transaction.atomic
def merge(*, kept: Participant, merged: Participant, by: User | None) -> ParticipantMerge:
    """Merge `merged` into `kept` (followed to its root); returns the record of it.

    Raises ValidationError, saying why, when the merge is not allowed."""
    kept = root_of(kept)
    rows = _locked(kept.pk, merged.pk)
    if merged.pk == kept.pk:
        raise ValidationError(_("A person cannot be merged into themselves."))
    kept, merged = rows[kept.pk], rows[merged.pk]
    if kept.merged_into_id is not None:
        # Merged by someone else between root_of and the lock.
        raise ValidationError(_("The person to keep was merged meanwhile; reload the page."))
    if merged.merged_into_id is not None:
        raise ValidationError(_("This duplicate is already merged into another person."))
    if kept.erased_at is not None or merged.erased_at is not None:
        raise ValidationError(_("An erased person cannot be merged."))

    kept_activities = set(
        Attendance.objects.filter(participant=kept).values_list("activity_id", flat=True)
    )
    duplicate_rows = list(Attendance.objects.filter(participant=merged).order_by("pk"))
    set_aside = [row for row in duplicate_rows if row.activity_id in kept_activities]
    moved = [row for row in duplicate_rows if row.activity_id not in kept_activities]
    sessions = _sessions_given_to_kept(kept, set_aside)

    record = ParticipantMerge.objects.create(
        kept=kept,
        merged=merged,
        moved_attendance=[row.pk for row in moved],
        set_aside=[
            {
                "id": row.pk,
                "activity_id": row.activity_id,
                "attended": row.attended,
                "completed": row.completed,
                "pre_score": _score(row.pre_score),
                "post_score": _score(row.post_score),
                "imported_by_id": row.imported_by_id,
                **sessions[row.pk],
            }
            for row in set_aside
        ],
        merged_by=by,
    )
    Attendance.objects.filter(pk__in=[row.pk for row in set_aside]).delete()
    Attendance.objects.filter(pk__in=[row.pk for row in moved]).update(participant=kept)
    Participant.objects.filter(pk=merged.pk).update(merged_into=kept)
    merged.merged_into = kept
    _sync((row.activity_id for row in duplicate_rows), by=by)
    return record


def unmerge_error(merge: ParticipantMerge) -> str | None:
    """Why the merge cannot be undone now, or None when it can."""
    if merge.undone_at is not None:
        return _("This merge was undone already.")
    kept, merged = merge.kept, merge.merged
    if kept.erased_at is not None or merged.erased_at is not None:
        return _("One of these persons was erased since: the merge cannot be undone.")
    if merged.merged_into_id != kept.pk:
        return _("The duplicate no longer points at the kept person.")
    later = ParticipantMerge.objects.filter(
        Q(kept__in=[kept, merged]) | Q(merged__in=[kept, merged]),
        undone_at__isnull=True,
        pk__gt=merge.pk,
    )
    if later.exists():
        return _("A later merge of one of these persons must be undone first.")
    moved_ids = [int(pk) for pk in merge.moved_attendance]
    still_kept = Attendance.objects.filter(pk__in=moved_ids, participant=kept).count()
    if still_kept != len(moved_ids):
        return _(
            "Some attendance this merge moved was deleted or changed since: the merge "
            "cannot be undone exactly."
        )
    activity_ids = [int(row["activity_id"]) for row in merge.set_aside]
    activity_ids += list(
        Attendance.objects.filter(pk__in=moved_ids).values_list("activity_id", flat=True)
    )
    if Attendance.objects.filter(participant=merged, activity_id__in=activity_ids).exists():
        return _("The duplicate attends one of these activities again since the merge.")
    set_aside_activities = {int(row["activity_id"]) for row in merge.set_aside}
    if Activity.objects.filter(pk__in=set_aside_activities).count() != len(set_aside_activities):
        return _("An activity this merge concerned was deleted since.")
    return None


@transaction.atomic
def unmerge(*, merge: ParticipantMerge, by: User | None) -> None:
    """Undo the merge exactly; raises ValidationError with the reason when a later change
    makes that impossible."""
    rows = _locked(merge.kept_id, merge.merged_id)
    merge = ParticipantMerge.objects.select_for_update().get(pk=merge.pk)
    merge.kept, merge.merged = rows[merge.kept_id], rows[merge.merged_id]
    error = unmerge_error(merge)
    if error:
        raise ValidationError(error)
    moved_ids = [int(pk) for pk in merge.moved_attendance]
    activity_ids = set(
        Attendance.objects.filter(pk__in=moved_ids).values_list("activity_id", flat=True)
    )
    Attendance.objects.filter(pk__in=moved_ids).update(participant=merge.merged)
    imports = set(
        AttendanceImport.objects.filter(
            pk__in=[row["imported_by_id"] for row in merge.set_aside if row["imported_by_id"]]
        ).values_list("pk", flat=True)
    )
    Attendance.objects.bulk_create(
        [_recreated(row, merge.merged, imports) for row in merge.set_aside]
    )
    _sessions_given_back(merge)
    activity_ids |= {int(row["activity_id"]) for row in merge.set_aside}
    Participant.objects.filter(pk=merge.merged_id).update(merged_into=None)
    merge.merged.merged_into = None
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    _sync(activity_ids, by=by)


def _sessions_given_to_kept(
    kept: Participant, set_aside: list[Attendance]
) -> dict[int, dict[str, list[int]]]:
    """The sessions the duplicate was present at, where its row is set aside, go to the
    kept person's row of the same activity (the person was there: counting rule 13).
    Per set-aside row: the sessions it had, and those the kept person had not."""
    kept_rows = dict(
        Attendance.objects.filter(
            participant=kept, activity_id__in=[row.activity_id for row in set_aside]
        ).values_list("activity_id", "pk")
    )
    present: dict[int, set[int]] = {}
    for attendance_id, session_id in SessionAttendance.objects.filter(
        attendance_id__in=[row.pk for row in set_aside] + list(kept_rows.values())
    ).values_list("attendance_id", "session_id"):
        present.setdefault(attendance_id, set()).add(session_id)
    result: dict[int, dict[str, list[int]]] = {}
    added: list[SessionAttendance] = []
    for row in set_aside:
        kept_row = kept_rows[row.activity_id]
        had = present.get(row.pk, set())
        given = sorted(had - present.get(kept_row, set()))
        added += [SessionAttendance(attendance_id=kept_row, session_id=s) for s in given]
        result[row.pk] = {"sessions": sorted(had), "sessions_given_to_kept": given}
    SessionAttendance.objects.bulk_create(added)
    return result


def _sessions_given_back(merge: ParticipantMerge) -> None:
    """Undo _sessions_given_to_kept: the recreated rows' sessions (those still there),
    and the kept person's rows without the sessions the merge gave them."""
    rows = merge.set_aside
    wanted = {s for row in rows for s in row.get("sessions", [])}
    existing = set(ActivitySession.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    SessionAttendance.objects.bulk_create(
        [
            SessionAttendance(attendance_id=row["id"], session_id=s)
            for row in rows
            for s in row.get("sessions", [])
            if s in existing
        ]
    )
    for row in rows:
        given = row.get("sessions_given_to_kept", [])
        if given:
            SessionAttendance.objects.filter(
                attendance__participant_id=merge.kept_id,
                attendance__activity_id=row["activity_id"],
                session_id__in=given,
            ).delete()


def _recreated(row: dict[str, Any], participant: Participant, imports: set[int]) -> Attendance:
    """The set-aside attendance row, as it was (its import link only if the import is
    still there)."""
    return Attendance(
        id=row["id"],
        activity_id=row["activity_id"],
        participant=participant,
        attended=row["attended"],
        completed=row["completed"],
        pre_score=None if row["pre_score"] is None else Decimal(row["pre_score"]),
        post_score=None if row["post_score"] is None else Decimal(row["post_score"]),
        imported_by_id=row["imported_by_id"] if row["imported_by_id"] in imports else None,
    )
