from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from activities import synthetic


class Command(BaseCommand):
    help = (
        "Generate a synthetic programme (benchmarks, scale tests): activities marked "
        "is_synthetic with references synthetic/<seed>/<n>. Refuses a database holding "
        "real activities unless --allow-mixed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--activities", type=int, default=1000, help="How many (1000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")
        parser.add_argument("--database", default="default", help="Database alias (default).")
        parser.add_argument(
            "--rows-per-activity",
            type=float,
            default=10.0,
            help="Mean beneficiary rows per activity (10).",
        )
        parser.add_argument(
            "--attendance-share",
            type=float,
            default=synthetic.ATTENDANCE_SHARE,
            help="Share of activities with attendance (synthetic persons) and the tallies "
            "derived from it (0.4; 0 for none).",
        )
        parser.add_argument(
            "--allow-mixed",
            action="store_true",
            help="Write even though the database holds real (non-synthetic) activities.",
        )

    def handle(self, *args, **options):
        if options["database"] not in settings.DATABASES:
            raise CommandError(f"Unknown database alias {options['database']!r}.")
        if options["activities"] < 0:
            raise CommandError("--activities cannot be negative.")
        if not 0 <= options["attendance_share"] <= 1:
            raise CommandError("--attendance-share is a share, between 0 and 1.")
        try:
            written = synthetic.generate(
                activities=options["activities"],
                seed=options["seed"],
                using=options["database"],
                allow_mixed=options["allow_mixed"],
                rows_per_activity=options["rows_per_activity"],
                attendance_share=options["attendance_share"],
            )
        except synthetic.MixedDataError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(", ".join(f"{value} {name}" for name, value in written.items()))
