from django.core.management.base import BaseCommand

from activities import seeding


class Command(BaseCommand):
    help = "Load the 2020 report seed: entities, activities, beneficiaries, figures (idempotent)."

    def handle(self, *args, **options):
        counts = seeding.load_report_seed()
        seeding.analyze_tables()
        self.stdout.write(", ".join(f"{n} {name}" for name, n in counts.items()))
