"""Erase the persons kept longer than PERSONAL_DATA_RETENTION_YEARS after their last
attended activity (activities/people/erasure.py). Run it from cron, e.g. monthly.

`--dry-run` says how many would be erased and erases nothing. Prints counts and record
ids only, never names.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from activities.models import Participant
from activities.people import erasure


class Command(BaseCommand):
    help = "Erase persons whose last attended activity is older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help="retention in years (default: the PERSONAL_DATA_RETENTION_YEARS setting)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, erase nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        years = options["years"] or settings.PERSONAL_DATA_RETENTION_YEARS
        expired = erasure.expired_people(years=years)
        if options["dry_run"]:
            self.stdout.write(f"{len(expired)} persons would be erased (retention {years} years).")
            return
        reason = f"retention period of {years} years passed"
        with transaction.atomic():
            for person in Participant.objects.filter(pk__in=expired).order_by("pk"):
                erasure.erase(participant=person, by=None, reason=reason)
        self.stdout.write(f"{len(expired)} persons erased (retention {years} years).")
