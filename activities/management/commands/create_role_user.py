"""Create (or update) a user with a role and, for officers, a scope.

    manage.py create_role_user olga --role officer --regions 013 --email olga@example.org
    manage.py create_role_user wale --role officer --countries SEN BFA
    manage.py create_role_user elsa --role officer --hub el-salvador
    manage.py create_role_user mona --role manager
    manage.py create_role_user dana --role donor --donor "Example Foundation"
    manage.py create_role_user ada --role administrator

The password is asked for interactively, or read from the environment variable named by
--password-env (for scripts); without either the user gets an unusable password and
can be given one with `manage.py changepassword`.

--hub (a hub code) makes the hub's coverage part of an officer's scope, as it changes
(activities/access.py); with countries or regions, the scope is both.

--donor (name or id, repeatable in one list) links a donor viewer to their donors
(DonorViewer): they count the drafts those donors fund and see their projects at
/donor/. Given, it replaces the user's links; `--donor` with no name removes them all.
"""

from __future__ import annotations

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from activities.models import Country, Donor, DonorViewer, Hub, OfficerScope, Region
from activities.roles import (
    ADMINISTRATOR,
    DONOR_VIEWER,
    PROGRAMME_MANAGER,
    PROGRAMME_OFFICER,
    ROLES,
    setup_roles,
)

ROLE_NAMES = {
    "officer": PROGRAMME_OFFICER,
    "manager": PROGRAMME_MANAGER,
    "donor": DONOR_VIEWER,
    "administrator": ADMINISTRATOR,
}


class Command(BaseCommand):
    help = "Create or update a user with a role (officer, manager, donor, administrator)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_NAMES))
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--countries", nargs="*", default=[], help="ISO alpha-3 codes (officers)"
        )
        parser.add_argument("--regions", nargs="*", default=[], help="M49 codes (officers)")
        parser.add_argument("--hub", default=None, help="Hub code (officers): its coverage")
        parser.add_argument(
            "--password-env", help="Read the password from this environment variable"
        )
        parser.add_argument("--no-password", action="store_true", help="Unusable password")
        parser.add_argument(
            "--donor",
            nargs="*",
            dest="donors",
            default=None,
            help="Donor names or ids (donor viewers): replaces the user's donor links",
        )

    @transaction.atomic
    def handle(self, *args, username, role, email, countries, regions, **options):
        groups = setup_roles()
        role_name = ROLE_NAMES[role]
        found_countries = list(Country.objects.filter(iso3__in=[c.upper() for c in countries]))
        found_regions = list(Region.objects.filter(code__in=regions))
        unknown = sorted(
            {c.upper() for c in countries} - {c.iso3 for c in found_countries}
            | set(regions) - {r.code for r in found_regions}
        )
        if unknown:
            raise CommandError(f"Unknown country or region codes: {', '.join(unknown)}")
        hub = None
        if options.get("hub"):
            hub = Hub.objects.filter(code=options["hub"]).first()
            if hub is None:
                raise CommandError(f"Unknown hub code: {options['hub']}")
        if role == "officer" and not (found_countries or found_regions or hub):
            raise CommandError(
                "An officer needs --countries, --regions and/or --hub (their scope)."
            )
        donors = self._donors(options.get("donors"))
        if donors and role != "donor":
            raise CommandError("--donor is for donor viewers (--role donor).")

        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"email": email}
        )
        if email:
            user.email = email
        user.is_staff = role == "administrator"
        password = self._password(user, options)
        if password is not None:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        user.groups.remove(*[groups[name] for name in ROLES])
        user.groups.add(Group.objects.get(name=role_name))
        if found_countries or found_regions or hub:
            scope, _ = OfficerScope.objects.get_or_create(user=user)
            scope.countries.set(found_countries)
            scope.regions.set(found_regions)
            if scope.hub != hub:
                scope.hub = hub
                scope.save(update_fields=["hub"])
        if donors is not None:
            DonorViewer.objects.filter(user=user).exclude(donor__in=donors).delete()
            for donor in donors:
                DonorViewer.objects.get_or_create(user=user, donor=donor)
        codes = [c.iso3 for c in found_countries] + [r.code for r in found_regions]
        codes += [f"hub {hub.code}"] if hub else []
        scope_text = f", scope {', '.join(codes)}" if codes else ""
        donor_text = f", donors {', '.join(d.name for d in donors)}" if donors else ""
        self.stdout.write(
            f"{'Created' if created else 'Updated'} {username}: {role_name}{scope_text}{donor_text}"
        )

    def _donors(self, given: list[str] | None) -> list[Donor] | None:
        """The donors named (by name or id), or None when --donor was not given."""
        if given is None:
            return None
        found, unknown = [], []
        for text in given:
            donor = Donor.objects.filter(name=text).first()
            if donor is None and text.isdigit():
                donor = Donor.objects.filter(pk=int(text)).first()
            if donor is None:
                unknown.append(text)
            else:
                found.append(donor)
        if unknown:
            raise CommandError(f"Unknown donors: {', '.join(unknown)}")
        return found

    def _password(self, user, options) -> str | None:
        if options.get("no_password"):
            return None
        if options.get("password_env"):
            password = os.environ.get(options["password_env"], "")
            if not password:
                raise CommandError(f"{options['password_env']} is empty")
        elif options.get("interactive", True) and os.isatty(0):
            password = getpass.getpass(f"Password for {user.username}: ")
        else:
            return None
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        return password
