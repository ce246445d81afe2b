"""Reads of people for the directory, a person's page and the merge screen.

Who sees whom (privacy.py): managers and administrators every person; a programme
officer the persons who attended an activity within their scope, and of those persons
only the attendance within it (another country's training is not theirs to read);
everyone else nobody: a 403 (PermissionDenied), never a list without names.

A record merged into another is not a person of its own: the directory lists the
person it was merged into, and its page sends there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from .. import access
from ..models import Activity, Attendance, Participant, ParticipantMerge
from . import privacy
from .names import name_tokens

if TYPE_CHECKING:
    from ..counting import AnyUser


def require_people_access(user: AnyUser) -> None:
    if not privacy.may_see_people_at_all(user):
        raise PermissionDenied("Your role does not give access to personal data.")


def _activities_of(user: AnyUser) -> QuerySet[Activity]:
    """The activities whose people the user may see."""
    return access.editable_activities(user)


def visible_people(user: AnyUser) -> QuerySet[Participant]:
    """Persons (not merged records) the user may see; raises PermissionDenied for a user
    who may see none by role."""
    require_people_access(user)
    people = Participant.objects.filter(merged_into__isnull=True)
    if access.edits_everything(user):
        return people
    in_scope = Attendance.objects.filter(
        participant=OuterRef("pk"), activity__in=_activities_of(user).values("pk")
    )
    return people.filter(Exists(in_scope))


def visible_attendance(user: AnyUser, person: Participant) -> QuerySet[Attendance]:
    """The person's attendance the user may read, newest activity first."""
    rows = Attendance.objects.filter(participant=person)
    if not access.edits_everything(user):
        rows = rows.filter(activity__in=_activities_of(user).values("pk"))
    return rows.select_related("activity").order_by("-activity__start_date", "activity_id")


def search(
    user: AnyUser, *, query: str = "", country_id: int | None = None
) -> QuerySet[Participant]:
    """The directory: persons matching every word of `query` (compared as names are:
    without accents, case or order) and the country, with their participations counted
    (within the user's reach)."""
    people = visible_people(user)
    for word in name_tokens(query):
        people = people.filter(name_key__contains=word)
    if country_id is not None:
        people = people.filter(country_id=country_id)
    counted = Q()
    if not access.edits_everything(user):
        counted = Q(attendances__activity__in=_activities_of(user).values("pk"))
    return (
        people.select_related("country", "audience")
        .annotate(participations=Count("attendances", filter=counted))
        .order_by("family_name", "given_name", "pk")
    )


def get_person_for_user(user: AnyUser, pk: int | str) -> Participant:
    """The record, if the user may see the person (else Http404). A merged record is
    returned as it is: the page says whom it was merged into."""
    require_people_access(user)
    try:
        record = Participant.objects.select_related("country", "audience", "merged_into").get(pk=pk)
    except (Participant.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None
    person = record
    seen = {record.pk}
    while person.merged_into_id is not None and person.merged_into_id not in seen:
        seen.add(person.merged_into_id)
        person = Participant.objects.get(pk=person.merged_into_id)
    if not visible_people(user).filter(pk=person.pk).exists():
        raise Http404("No such person.")
    return record


def merges_of(person: Participant) -> QuerySet[ParticipantMerge]:
    """The merges this person took part in, newest first."""
    return ParticipantMerge.objects.filter(Q(kept=person) | Q(merged=person)).select_related(
        "kept", "merged", "merged_by"
    )


def merged_records(person: Participant) -> QuerySet[Participant]:
    return Participant.objects.filter(merged_into=person).order_by("pk")
