"""The reference version (answer_cache/triggers.py, filters/plans.py).

The triggers write the version row: on SQLite they are dropped before its table is
rebuilt to add the column, and on both databases before the column is dropped again (a
trigger bumping it would fail every later write). They are installed again after every
migrate (answer_cache.install), bumping the column only where the table has it.
"""

from django.db import migrations, models


def without_triggers(apps, schema_editor):
    from activities.answer_cache.triggers import drop_triggers

    drop_triggers(schema_editor.connection.alias)


def without_sqlite_triggers(apps, schema_editor):
    # PostgreSQL adds a column in place: its triggers stay, and keep counting writes.
    if schema_editor.connection.vendor == "sqlite":
        without_triggers(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0023_activity_public_ids_index"),
    ]

    operations = [
        migrations.RunPython(without_sqlite_triggers, migrations.RunPython.noop),
        migrations.AddField(
            model_name="dataversion",
            name="reference",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(migrations.RunPython.noop, without_triggers),
    ]
