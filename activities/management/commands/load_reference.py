from django.core.management.base import BaseCommand

from activities import seeding


class Command(BaseCommand):
    help = "Load the UN M49 regions and countries, audiences and languages (idempotent)."

    def handle(self, *args, **options):
        counts = seeding.load_reference()
        seeding.analyze_tables()
        self.stdout.write(", ".join(f"{n} {name}" for name, n in counts.items()))
