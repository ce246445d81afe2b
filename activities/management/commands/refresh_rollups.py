"""Roll every activity up again (after a bulk load), or only what writes noted."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from activities.models import RollupCell
from activities.rollups import catch_up, rebuild


class Command(BaseCommand):
    help = "Roll up every activity's counts again (rollups), or only the noted writes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--noted", action="store_true", help="Only the activities writes have noted."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["noted"]:
            catch_up(everything=True)
        else:
            rebuild()
        self.stdout.write(
            f"{RollupCell.objects.count()} rollup cells in {time.monotonic() - started:.1f} s"
        )
