"""Create or update the roles (groups and permissions). Idempotent; `make setup` runs it."""

from django.core.management.base import BaseCommand

from activities.roles import ROLE_PERMISSIONS, setup_roles


class Command(BaseCommand):
    help = "Create or update the Programme officer, manager, Donor viewer and Administrator roles."

    def handle(self, *args, **options):
        groups = setup_roles()
        for name, group in groups.items():
            count = group.permissions.count()
            self.stdout.write(f"{name}: {count} permissions")
        assert set(groups) == set(ROLE_PERMISSIONS)
