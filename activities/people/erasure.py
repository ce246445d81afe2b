"""Erasing a person's data on request, and after the retention period.

The rules, in plain words
- The person stays, anonymous: their record and attendance rows are kept, so that the
  counts of participations and of distinct people (and the female / male split, the
  audience, the country they are counted in) do not move.
- Erased: given and family name, e-mail, phone, year of birth, age band, institution,
  and the pre- and post-test scores of every attendance row. Scores are personal data
  (they say how one named person did); no flag is kept in their place, so the learning
  measure no longer counts the person (README, "Personal data").
- The name key is emptied: an erased person is never matched by an import again; a
  sheet naming them again creates a new person.
- A person is erased with every record merged into them (the same person under another
  spelling), and the scores stored by those merges for set-aside rows are blanked too:
  nothing of theirs is left in a ParticipantMerge. Those merges can no longer be undone.
- Each erased record gets a PersonErasure: when, by whom, the reason given (no personal
  data: the reason form says so). Participants have no audit history table on purpose,
  so no earlier version of the name survives anywhere.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Attendance, Participant, ParticipantMerge, PersonErasure
from .merging import root_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Every field of Participant that says who the person is, with its erased value.
ERASED_VALUES: dict[str, object] = {
    "given_name": "",
    "family_name": "",
    "email": "",
    "phone": "",
    "birth_year": None,
    "age_band": "",
    "institution": "",
    "name_key": "",
}


def cluster_of(participant: Participant) -> list[int]:
    """The ids of the person's records: the root and every record merged into it,
    directly or through another."""
    ids = [participant.pk]
    frontier = [participant.pk]
    while frontier:
        frontier = list(
            Participant.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)
        )
        ids += [pk for pk in frontier if pk not in ids]
    return ids


@transaction.atomic
def erase(*, participant: Participant, by: User | None, reason: str) -> list[PersonErasure]:
    """Erase the person (and the records merged into them); returns the erasure records.

    Raises ValidationError when the person was erased already."""
    person = root_of(participant)
    ids = cluster_of(person)
    records = list(Participant.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if all(record.erased_at is not None for record in records):
        raise ValidationError(_("This person was erased already."))
    now = timezone.now()
    to_erase = [record.pk for record in records if record.erased_at is None]
    Participant.objects.filter(pk__in=to_erase).update(**ERASED_VALUES, erased_at=now)
    Attendance.objects.filter(participant__in=ids).update(pre_score=None, post_score=None)
    merges = ParticipantMerge.objects.select_for_update().filter(
        Q(kept__in=ids) | Q(merged__in=ids)
    )
    for merge in merges:
        if any(row.get("pre_score") or row.get("post_score") for row in merge.set_aside):
            merge.set_aside = [
                {**row, "pre_score": None, "post_score": None} for row in merge.set_aside
            ]
            merge.save(update_fields=["set_aside"])
    return PersonErasure.objects.bulk_create(
        [PersonErasure(participant_id=pk, erased_by=by, reason=reason) for pk in to_erase]
    )


def expired_people(*, years: int, today: datetime.date | None = None) -> list[int]:
    """The persons (roots, not erased) whose last attended activity ended more than
    `years` years ago; a person with no attendance at all counts from their creation."""
    today = today or timezone.localdate()
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    last = Participant.objects.filter(merged_into__isnull=True, erased_at__isnull=True).annotate(
        last_end=Max("attendances__activity__end_date")
    )
    expired = last.filter(
        Q(last_end__lt=cutoff) | Q(last_end__isnull=True, created_at__date__lt=cutoff)
    )
    return list(expired.order_by("pk").values_list("pk", flat=True))
