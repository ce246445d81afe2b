"""Trigram indexes for the text filter (`q`) on PostgreSQL.

The filter matches each word anywhere in an activity's title or description
(`UPPER(title) LIKE UPPER('%word%')`, Django's icontains), which no B-tree index can
serve: every activity was read. pg_trgm's GIN indexes on the same expressions serve
such patterns of three characters or more: "cryptocurrencies" among 100,000 activities
in 14 ms instead of 88. Shorter words still read every activity, as before.

pg_trgm ships with PostgreSQL and is a trusted extension (PostgreSQL 13 and later): the
owner of the database may create it. Where it cannot be created, the migration says so
and leaves the search as it was; nothing else depends on these indexes. SQLite has no
such index; its search reads every activity, as before.
"""

from django.db import DatabaseError, migrations, transaction

INDEXES = {
    "activity_title_trigram": "title",
    "activity_description_trigram": "description",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        print(f"\n  pg_trgm not available ({error}): the text filter reads every activity.")
        return
    for name, column in INDEXES.items():
        # The expression of Django's icontains on PostgreSQL, so that the planner matches it.
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON activities_activity "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0019_rollup_change_people"),
    ]

    operations = [migrations.RunPython(create, drop)]
