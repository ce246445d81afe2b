"""The reference version (answer_cache/triggers.py, filters/plans.py).

The triggers write the version row: they are dropped before its table is altered (SQLite
rebuilds it; a trigger bumping a column migrated away would fail every later write),
and installed again after every migrate (answer_cache.install), bumping the column
only where the table has it.
"""

from django.db import migrations, models


def without_triggers(apps, schema_editor):
    from activities.answer_cache.triggers import drop_triggers

    drop_triggers(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0023_activity_public_ids_index"),
    ]

    operations = [
        migrations.RunPython(without_triggers, migrations.RunPython.noop),
        migrations.AddField(
            model_name="dataversion",
            name="reference",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(migrations.RunPython.noop, without_triggers),
    ]
