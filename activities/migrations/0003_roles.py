"""Create the four roles (groups and their permissions): activities/roles.py."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from activities.roles import setup_roles

    # Permissions are normally created after migrate; create them now so the groups
    # can hold them on a fresh database.
    for label in ["activities", "auth", "authtoken", "axes"]:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    setup_roles(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
        in_migration=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_officer_scope_and_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("authtoken", "__latest__"),
        ("axes", "__latest__"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
