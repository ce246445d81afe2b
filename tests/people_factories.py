"""Made-up persons and their attendance, for the tests of people and learning."""

from __future__ import annotations

import itertools
from decimal import Decimal

from activities.models import Activity, Attendance, Country, Participant
from activities.people import names, tallies

_numbers = itertools.count(1)


def person(
    *, sex: str = "not_recorded", country: str | None = "SLV", given: str = "", family: str = ""
) -> Participant:
    """A made-up person from `country` (ISO alpha-3, or None for no country)."""
    n = next(_numbers)
    given = given or f"Given{n}"
    family = family or f"Family{n}"
    return Participant.objects.create(
        given_name=given,
        family_name=family,
        sex=sex,
        country=Country.objects.get(iso3=country) if country else None,
        name_key=names.name_key(given, family),
    )


def attend(
    activity: Activity,
    *people: Participant,
    attended: bool = True,
    pre: float | None = None,
    post: float | None = None,
) -> None:
    """Record that `people` attended `activity`, then derive its tallies."""
    for participant in people:
        Attendance.objects.create(
            activity=activity,
            participant=participant,
            attended=attended,
            pre_score=None if pre is None else Decimal(str(pre)),
            post_score=None if post is None else Decimal(str(post)),
        )
    tallies.sync_tallies(activity=activity, by=None)
