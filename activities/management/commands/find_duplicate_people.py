"""List likely duplicate persons (activities/people/duplicates.py). Proposes, never merges.

Prints one pair a line: the two record ids, the score, and the address of the merge
screen that compares them. Names only with --show-names (this is personal data: do not
paste the output anywhere it would be kept).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from activities.models import Country, Participant
from activities.people import duplicates


class Command(BaseCommand):
    help = "List likely duplicate persons (same country, similar names). Merges nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", help="ISO alpha-3 code: only persons of this country")
        parser.add_argument(
            "--threshold",
            type=int,
            default=duplicates.DEFAULT_THRESHOLD,
            help="minimum score, 0 to 100 (default %(default)s)",
        )
        parser.add_argument("--limit", type=int, default=0, help="print at most this many pairs")
        parser.add_argument("--show-names", action="store_true", help="print the names too")

    def handle(self, *args: Any, **options: Any) -> None:
        country_id = None
        if options["country"]:
            country = Country.objects.filter(iso3=options["country"].upper()).first()
            if country is None:
                raise CommandError(f"No country with the code {options['country']!r}.")
            country_id = country.pk
        started = time.monotonic()
        people = duplicates.candidates(country_id=country_id)
        pairs = duplicates.find_pairs(people, threshold=options["threshold"])
        elapsed = time.monotonic() - started
        shown = pairs[: options["limit"]] if options["limit"] else pairs
        names: dict[int, str] = {}
        if options["show_names"]:
            ids = {pk for pair in shown for pk in (pair.first, pair.second)}
            names = {p.pk: p.display_name for p in Participant.objects.filter(pk__in=ids)}
        for pair in shown:
            line = (
                f"{pair.first}\t{pair.second}\t{pair.score:.0f}\t"
                f"{reverse('people:merge', args=[pair.first])}?with={pair.second}"
            )
            if names:
                line += f"\t{names.get(pair.first, '')}\t{names.get(pair.second, '')}"
            self.stdout.write(line)
        self.stderr.write(
            f"{len(pairs)} likely duplicate pairs among {len(people)} persons "
            f"({elapsed:.1f} s). Nothing was merged."
        )
