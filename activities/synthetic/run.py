"""One run of `manage.py generate_synthetic`: check the database, draw, write, analyse.

Everything is written in one transaction (all or nothing), in batches of BATCH_SIZE
activities with their links and beneficiary rows, then the persons first drawn in the
batch and the batch's attendance; last, the synthetic projects with their indicators
(projects.py).
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import Theme
from .generator import M2M_FIELDS_ALL, Generator
from .guard import refuse_mixed_data
from .people import ATTENDANCE_SHARE, People
from .projects import write_projects
from .vocabulary import ensure_vocabulary, load_vocabulary
from .writer import writer_for


def generate(
    *,
    activities: int,
    seed: int,
    using: str = "default",
    allow_mixed: bool = False,
    rows_per_activity: float = 10.0,
    attendance_share: float = ATTENDANCE_SHARE,
) -> dict[str, Any]:
    """Write `activities` synthetic activities drawn from `seed`; return what was written.

    About `attendance_share` of the activities have attendance (synthetic persons) and
    the tallies derived from it instead of typed ones (0: none).

    Raises MixedDataError when the database holds real activities (unless allow_mixed)
    or already holds the synthetic activities of this seed.
    """
    if activities < 0:
        raise ValueError("the number of activities cannot be negative")
    refuse_mixed_data(using=using, seed=seed, allow_mixed=allow_mixed)
    started = time.monotonic()
    writer = writer_for(using)
    written: dict[str, int | float] = {
        "activities": 0,
        "beneficiary_rows": 0,
        **dict.fromkeys(M2M_FIELDS_ALL, 0),
        "participants": 0,
        "attendance": 0,
    }
    with transaction.atomic(using=using):
        ensure_vocabulary(using)
        vocabulary = load_vocabulary(using)
        people = People(vocabulary, seed, attendance_share) if attendance_share > 0 else None
        generator = Generator(vocabulary, seed, rows_per_activity, people)
        person_ids: list[int] = []  # by index of the person drawn
        activity_ids: list[int] = []
        now = timezone.now()
        for batch in generator.batches(activities):
            ids = writer.activity_ids(batch.activities)
            activity_ids += ids
            for name, pairs in batch.links.items():
                if pairs:
                    writer.links(name, [(ids[index], pk) for index, pk in pairs])
                written[name] += len(pairs)
            rows = [
                {**row, "activity_id": pk}
                for pk, activity_rows in zip(ids, batch.rows, strict=True)
                for row in activity_rows
            ]
            if rows:
                writer.rows(rows)
            if batch.persons.persons:
                assert batch.persons.first == len(person_ids)
                person_ids += writer.participant_ids(
                    [{**person, "created_at": now} for person in batch.persons.persons]
                )
            attendance = [
                {
                    "activity_id": pk,
                    "participant_id": person_ids[attendee.person],
                    "attended": attendee.attended,
                    "completed": attendee.completed,
                    "pre_score": attendee.pre,
                    "post_score": attendee.post,
                }
                for pk, attendees in zip(ids, batch.attendance, strict=True)
                for attendee in attendees
            ]
            if attendance:
                writer.attendance(attendance)
            written["activities"] += len(ids)
            written["beneficiary_rows"] += len(rows)
            written["participants"] += len(batch.persons.persons)
            written["attendance"] += len(attendance)
        theme_slug = (
            Theme.objects.using(using).order_by("slug").values_list("slug", flat=True).first()
        )
        written.update(
            write_projects(
                writer, activity_ids, seed=seed, theme_slug=theme_slug or "", using=using
            )
        )
    writer.analyze()
    written["seconds"] = round(time.monotonic() - started, 2)
    return written
