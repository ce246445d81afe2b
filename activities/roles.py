"""The roles, as Django groups with permissions, and how to set them up.

Roles
- Programme officer: logs activities and edits them, only within the countries and M49
  regions of their OfficerScope; sees published records and the drafts in their scope.
- Programme manager: edits every activity, publishes, reads the audit history.
- Donor viewer: reads published records; statistics (aggregates) include the drafts
  their donors fund (DonorViewer links: tagged with the donor, or in a project it
  funds), record lists and exports do not. Their projects and funding: /donor/. No
  editing.
- Administrator: everything, including users, roles and reference data (they also get
  the admin site through `is_staff`, which `manage.py create_role_user` sets).
- Anonymous users (no role): published records and their counts only.

What a role may do is decided in activities/access.py from these permissions, never from
the group name, so a user given the same permissions directly behaves the same.

`setup_roles()` is idempotent: it creates missing groups and sets each group's
permissions to exactly the list below. It runs in migration 0003 and in
`manage.py setup_roles` (which `make setup` calls).
"""

from __future__ import annotations

from typing import Any

PROGRAMME_OFFICER = "Programme officer"
PROGRAMME_MANAGER = "Programme manager"
DONOR_VIEWER = "Donor viewer"
ADMINISTRATOR = "Administrator"

ROLES = [PROGRAMME_OFFICER, PROGRAMME_MANAGER, DONOR_VIEWER, ADMINISTRATOR]

_ROWS = ["add_beneficiarygroup", "change_beneficiarygroup", "delete_beneficiarygroup"]
_VIEW = ["view_activity", "view_beneficiarygroup"]
# Attendance sheets and the people they name (personal data: activities/people/privacy.py
# adds the officer's scope to these permissions).
_PEOPLE = [
    "view_personal_data",
    "view_participant",
    "add_participant",
    "change_participant",
    "view_attendance",
    "add_attendance",
    "change_attendance",
    "delete_attendance",
]

# Projects and their results: a manager keeps them and closes reporting periods.
_RESULTS = [
    f"{action}_{model}"
    for model in (
        "project",
        "funding",
        "disbursement",
        "outcome",
        "indicator",
        "target",
        "indicatorvalue",
    )
    for action in ("add", "change", "delete", "view")
]

# Permission codenames of the `activities` app for each role; the Administrator also
# gets every permission of `auth` and `authtoken` (users, groups, API tokens).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    PROGRAMME_OFFICER: [*_VIEW, "add_activity", "change_activity", *_ROWS, *_PEOPLE],
    PROGRAMME_MANAGER: [
        *_VIEW,
        "add_activity",
        "change_activity",
        "delete_activity",
        *_ROWS,
        "publish_activity",
        "edit_any_activity",
        "view_draft_aggregates",
        "view_activity_history",
        *_PEOPLE,
        "merge_participants",
        "erase_participant",
        *_RESULTS,
        "close_period",
    ],
    DONOR_VIEWER: ["view_draft_aggregates"],
    ADMINISTRATOR: [],  # every permission: see setup_roles
}

_ADMINISTRATOR_APPS = ["activities", "auth", "authtoken", "axes"]


def setup_roles(
    *, group_model: Any = None, permission_model: Any = None, in_migration: bool = False
) -> dict[str, Any]:
    """Create or update the four groups; returns them by name.

    The model classes are parameters so that a data migration can pass its historical
    models; by default the current ones are used. Permissions must exist already
    (Django creates them after migrate; the migration creates them first). A migration
    passes `in_migration=True`: the permissions of models created by later migrations do
    not exist yet, and the groups get them from `manage.py setup_roles` (`make setup`).
    """
    if group_model is None or permission_model is None:
        from django.contrib.auth.models import Group, Permission

        group_model, permission_model = Group, Permission
    groups = {}
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        if role == ADMINISTRATOR:
            permissions = permission_model.objects.filter(
                content_type__app_label__in=_ADMINISTRATOR_APPS
            )
        else:
            wanted = ROLE_PERMISSIONS[role]
            permissions = permission_model.objects.filter(
                content_type__app_label="activities", codename__in=wanted
            )
            missing = set(wanted) - set(permissions.values_list("codename", flat=True))
            if missing and not in_migration:
                raise RuntimeError(f"Permissions missing for {role}: {sorted(missing)}")
        group.permissions.set(permissions)
        groups[role] = group
    return groups
