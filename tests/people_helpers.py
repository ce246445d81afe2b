"""Persons and attendance for the people tests (merge, erasure, pages).

Names are unmistakable (none is in the seed), so a test can search every table and page
for them.
"""

from __future__ import annotations

from decimal import Decimal

from activities.models import Activity, Attendance, Country, Participant
from activities.people.names import name_key
from activities.people.tallies import sync_tallies

from .factories import ActivityFactory


def make_person(given: str, family: str, iso3: str = "SLV", **fields) -> Participant:
    return Participant.objects.create(
        given_name=given,
        family_name=family,
        name_key=name_key(given, family),
        country=Country.objects.get(iso3=iso3),
        **fields,
    )


def attend(person: Participant, activity: Activity, **fields) -> Attendance:
    row = Attendance.objects.create(participant=person, activity=activity, **fields)
    sync_tallies(activity=activity, by=None)
    return row


def scored(pre: str, post: str) -> dict:
    return {"pre_score": Decimal(pre), "post_score": Decimal(post)}


def activity_in(*iso3: str, **fields) -> Activity:
    return ActivityFactory(places=list(iso3), **fields)


def people_count(activities=None) -> int:
    """Distinct persons in attendance (what the `people` measure counts)."""
    rows = Attendance.objects.filter(attended=True)
    if activities is not None:
        rows = rows.filter(activity__in=activities)
    return rows.values("participant").distinct().count()


def participations(activities=None) -> int:
    rows = Attendance.objects.filter(attended=True)
    if activities is not None:
        rows = rows.filter(activity__in=activities)
    return rows.count()


def snapshot(*people: Participant) -> dict:
    """Everything a merge may change about these persons: their attendance rows (all
    fields, ids included), their merged_into, and the activities' tallies."""
    rows = Attendance.objects.filter(participant__in=people).order_by("pk")
    activity_ids = sorted({row.activity_id for row in rows})
    return {
        "attendance": list(
            rows.values(
                "pk",
                "activity_id",
                "participant_id",
                "attended",
                "completed",
                "pre_score",
                "post_score",
                "imported_by_id",
            )
        ),
        "merged_into": {p.pk: Participant.objects.get(pk=p.pk).merged_into_id for p in people},
        "tallies": {
            pk: list(
                Activity.objects.get(pk=pk)
                .beneficiaries.order_by("audience", "country")
                .values("audience", "country", "female", "male", "not_recorded")
            )
            for pk in activity_ids
        },
    }
