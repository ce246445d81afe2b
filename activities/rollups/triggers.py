"""The triggers that note, in the writing transaction, which activities' rollups a
write made stale (`RollupChange`).

- A table with an `activity_id` column (beneficiary rows, the activity's many-to-many
  tags, attendance, sessions...) notes the activity of each row written, old and new.
- The activity table notes the activity itself.
- The places and the themes (a country's region, a topic's theme) note every activity
  at once (a NULL note): such writes are rare, and move many cells.

PostgreSQL: statement-level triggers with transition tables, so a bulk write (COPY of a
million rows) adds one INSERT ... SELECT DISTINCT per statement, not one per row.
SQLite: row-level triggers. Installed after every migrate, with the data version's.
"""

from __future__ import annotations

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from ..answer_cache.triggers import versioned_tables

TRIGGER = "activities_rollup_change"
FUNCTION = "activities_note_rollup_change"
CHANGES = "activities_rollupchange"
EVERYTHING = ""  # the column argument of a table whose writes note every activity

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = '' OR TG_OP = 'TRUNCATE' THEN
        INSERT INTO {CHANGES} (activity_id) VALUES (NULL);
    ELSIF TG_OP = 'INSERT' THEN
        EXECUTE format('INSERT INTO {CHANGES} (activity_id) '
                       'SELECT DISTINCT %I FROM new_rows', TG_ARGV[0]);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('INSERT INTO {CHANGES} (activity_id) '
                       'SELECT DISTINCT %I FROM old_rows', TG_ARGV[0]);
    ELSE
        EXECUTE format('INSERT INTO {CHANGES} (activity_id) '
                       'SELECT %1$I FROM new_rows UNION SELECT %1$I FROM old_rows',
                       TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$
"""
_EVENTS = ("insert", "update", "delete")


def watched_tables() -> dict[str, str]:
    """{table: the column naming the activity, or EVERYTHING}."""
    from ..models import Activity, Country, Region, Theme

    everything = {model._meta.db_table for model in (Country, Region, Theme)}
    versioned = set(versioned_tables())
    watched: dict[str, str] = {}
    for model in apps.get_app_config("activities").get_models(include_auto_created=True):
        table = model._meta.db_table
        if table not in versioned:
            continue
        if model is Activity:
            watched[table] = "id"
        elif table in everything:
            watched[table] = EVERYTHING
        elif any(getattr(f, "column", None) == "activity_id" for f in model._meta.fields):
            watched[table] = "activity_id"
    # The tables of Region's and Country's own many-to-many relations, if any.
    for model in (Country, Region, Theme):
        for field in model._meta.many_to_many:
            watched[field.remote_field.through._meta.db_table] = EVERYTHING
    return watched


def install(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Create (or re-create) the triggers; idempotent. Returns the tables watched."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if CHANGES not in existing:
        return []
    tables = {t: c for t, c in watched_tables().items() if t in existing}
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table, column in sorted(tables.items()):
                quoted = connection.ops.quote_name(table)
                for event in _EVENTS:
                    transitions = {
                        "insert": "REFERENCING NEW TABLE AS new_rows",
                        "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                        "delete": "REFERENCING OLD TABLE AS old_rows",
                    }[event]
                    cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_{event} ON {quoted}")
                    cursor.execute(
                        f"CREATE TRIGGER {TRIGGER}_{event} AFTER {event.upper()} ON {quoted} "
                        f"{transitions} FOR EACH STATEMENT "
                        f"EXECUTE FUNCTION {FUNCTION}('{column}')"
                    )
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_truncate ON {quoted}")
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER}_truncate AFTER TRUNCATE ON {quoted} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}('{column}')"
                )
        else:
            for table, column in sorted(tables.items()):
                quoted = connection.ops.quote_name(table)
                for event in _EVENTS:
                    name = f"{TRIGGER}_{event}_{table}"
                    if column == EVERYTHING:
                        body = f"INSERT INTO {CHANGES} (activity_id) VALUES (NULL);"
                    else:
                        body = "".join(
                            f"INSERT INTO {CHANGES} (activity_id) VALUES ({row}.{column});"
                            for row in {"insert": ["NEW"], "delete": ["OLD"]}.get(
                                event, ["OLD", "NEW"]
                            )
                        )
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
                    cursor.execute(
                        f'CREATE TRIGGER "{name}" AFTER {event.upper()} ON {quoted} '
                        f"BEGIN {body} END"
                    )
        # Whatever was written while a table had no trigger (SQLite drops a table's
        # triggers when a migration rebuilds it) is rolled up again.
        cursor.execute(f"INSERT INTO {CHANGES} (activity_id) VALUES (NULL)")
    return sorted(tables)
