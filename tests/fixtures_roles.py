"""Users of every role, their clients, and a draft in West Africa (activities/roles.py).

- `donor_viewer` (linked to the donor `viewers_donor`: they count the drafts it funds,
  see `fund`), `officer` (Central America, M49 013), `west_africa_officer` (Senegal and
  Burkina Faso), `manager`, `administrator` (the Administrator role, staff, not a
  superuser); each has a logged-in `*_client`.
- `sahel_draft`: a draft training in Senegal and Burkina Faso, which the Central America
  officer may not edit (nor see: it is a draft outside their scope).
- `salvador_draft`: a draft training in El Salvador, within the officer's scope.
- `role_users`: every role by name, anonymous included as None, for matrix tests.

Every user's password is PASSWORD.
"""

from __future__ import annotations

import datetime
import functools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.test import Client

from activities import services
from activities.models import Activity, Audience, Country, Donor, DonorViewer, OfficerScope, Region
from activities.roles import (
    ADMINISTRATOR,
    DONOR_VIEWER,
    PROGRAMME_MANAGER,
    PROGRAMME_OFFICER,
    setup_roles,
)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def roles(db):
    """The four groups (a flushed, transactional database has lost them)."""
    return setup_roles()


@functools.cache
def _password_hash() -> str:
    # Hashed once per test run: the password hasher is slow on purpose, and matrix tests
    # create five users per test. The hash is real, so signing in works as in production.
    return make_password(PASSWORD)


def make_role_user(username, role, *, countries=(), regions=(), staff=False):
    user = get_user_model().objects.create(
        username=username,
        email=f"{username}@example.org",
        password=_password_hash(),
        is_staff=staff,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    if countries or regions:
        scope = OfficerScope.objects.create(user=user)
        scope.countries.set(Country.objects.filter(iso3__in=countries))
        scope.regions.set(Region.objects.filter(code__in=regions))
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewers_donor(db):
    return Donor.objects.create(name="Fondation Alpha")


@pytest.fixture
def donor_viewer(roles, viewers_donor):
    """A donor viewer of `viewers_donor`: they count the drafts it funds, no other."""
    user = make_role_user("dana-donor", DONOR_VIEWER)
    DonorViewer.objects.create(user=user, donor=viewers_donor)
    return user


def fund(activity, donor) -> None:
    """Tag the activity with the donor: a donor viewer of it now counts it, draft or not."""
    activity.donors.add(donor)


@pytest.fixture
def officer(roles):
    """A Programme officer for Central America (M49 013), at the El Salvador hub."""
    return make_role_user("olga-officer", PROGRAMME_OFFICER, regions=["013"])


@pytest.fixture
def west_africa_officer(roles):
    return make_role_user("wale-officer", PROGRAMME_OFFICER, countries=["SEN", "BFA"])


@pytest.fixture
def manager(roles):
    return make_role_user("mona-manager", PROGRAMME_MANAGER)


@pytest.fixture
def administrator(roles):
    return make_role_user("ada-admin", ADMINISTRATOR, staff=True)


@pytest.fixture
def donor_client(donor_viewer):
    return logged_in(donor_viewer)


@pytest.fixture
def officer_client(officer):
    return logged_in(officer)


@pytest.fixture
def west_africa_officer_client(west_africa_officer):
    return logged_in(west_africa_officer)


@pytest.fixture
def manager_client(manager):
    return logged_in(manager)


@pytest.fixture
def administrator_client(administrator):
    return logged_in(administrator)


def make_draft(title, countries, *, by, not_recorded=40, female=0, male=0):
    return services.activity_create(
        fields={
            "kind": Activity.Kind.TRAINING,
            "title": title,
            "start_date": datetime.date(2021, 3, 1),
            "end_date": datetime.date(2021, 3, 3),
            "date_precision": "day",
            "modality": Activity.Modality.IN_PERSON,
        },
        relations={"countries": list(Country.objects.filter(iso3__in=countries))},
        beneficiary_rows=[
            {
                "audience": Audience.objects.order_by("pk").first(),
                "country": None,
                "female": female,
                "male": male,
                "not_recorded": not_recorded,
                "qualifier": "exact",
            }
        ],
        by=by,
    )


@pytest.fixture
def sahel_draft(west_africa_officer):
    """A draft in Senegal and Burkina Faso with 4,321 people (an unmistakable total)."""
    return make_draft(
        "Sahel first responders on electronic evidence",
        ["SEN", "BFA"],
        by=west_africa_officer,
        not_recorded=4321,
    )


@pytest.fixture
def salvador_draft(officer):
    return make_draft(
        "San Salvador prosecutors on cryptocurrency tracing",
        ["SLV"],
        by=officer,
        female=12,
        male=9,
        not_recorded=0,
    )


@pytest.fixture
def role_users(donor_viewer, officer, west_africa_officer, manager, administrator):
    """Every role by name; "officer out of scope" is the Central America officer facing
    West African records."""
    return {
        "anonymous": None,
        "donor viewer": donor_viewer,
        "officer": officer,
        "west africa officer": west_africa_officer,
        "manager": manager,
        "administrator": administrator,
    }


def resubmitted(response) -> dict:
    """The data a browser would post back from an officer form page, unchanged: every
    field of the activity form and of the beneficiary formset, with its current value."""
    data: dict = {}
    forms = [response.context["form"], response.context["formset"].management_form]
    forms += list(response.context["formset"].forms)
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None:
                value = ""
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
                continue
            if isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = str(value)
    return data


def work_from_hub(user, code: str, iso2: str):
    """The officer's scope gets the hub `code`, located in the country `iso2` (created
    when the seed has not made it)."""
    from activities.models import Country, Hub, OfficerScope

    hub = Hub.objects.get_or_create(
        code=code, defaults={"location": Country.objects.get(iso2=iso2)}
    )[0]
    OfficerScope.objects.filter(user=user).update(hub=hub)
    return hub
