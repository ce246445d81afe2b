"""The triggers that note, in the writing transaction, which activities' and persons'
rollups a write made stale (`RollupChange`).

- A table with an `activity_id` column (beneficiary rows, the activity's many-to-many
  tags, attendance, sessions...) notes the activity of each row written, old and new.
- The activity table notes the activity itself; the participant table, the person
  (their sex, country, a merge, an erasure); attendance, its person too.
- The places and the themes note everything at once (a note with neither) when what
  places a record in a group changes (a country's region or M49 path, a topic's theme):
  such writes are rare, and move many cells. Their names, and new places, move none.

PostgreSQL: statement-level triggers with transition tables, so a bulk write (COPY of a
million rows) adds one INSERT ... SELECT DISTINCT per statement, not one per row.
SQLite: row-level triggers. Installed after every migrate, with the data version's.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from ..answer_cache.triggers import versioned_tables

TRIGGER = "activities_rollup_change"
FUNCTION = "activities_note_rollup_change"
CHANGES = "activities_rollupchange"

# TG_ARGV: the column of the written table, the column of the note it fills, and
# whether the note concerns the activity's people ('true' or 'false').
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO {CHANGES} (activity_id, participant_id) VALUES (NULL, NULL);
    ELSIF TG_OP = 'INSERT' THEN
        EXECUTE format('INSERT INTO {CHANGES} (%I, people) '
                       'SELECT DISTINCT %I, %L::boolean FROM new_rows',
                       TG_ARGV[1], TG_ARGV[0], COALESCE(TG_ARGV[2], 'true'));
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('INSERT INTO {CHANGES} (%I, people) '
                       'SELECT DISTINCT %I, %L::boolean FROM old_rows',
                       TG_ARGV[1], TG_ARGV[0], COALESCE(TG_ARGV[2], 'true'));
    ELSE
        EXECUTE format('INSERT INTO {CHANGES} (%1$I, people) '
                       'SELECT %2$I, %3$L::boolean FROM new_rows '
                       'UNION SELECT %2$I, %3$L::boolean FROM old_rows',
                       TG_ARGV[1], TG_ARGV[0], COALESCE(TG_ARGV[2], 'true'));
    END IF;
    RETURN NULL;
END
$$
"""
_EVENTS = ("insert", "update", "delete")

# The beneficiary rows' own: each activity of the rows written, its note's `people` true
# only when a (activity, country) pair of the written rows appears or goes (a row naming
# a country puts its activity in that country, counting rule 3, which moves the home
# cells of its people: rollups/shapes.py HOME_SHAPES). Saved again unchanged, or with
# other counts, no pair moves. TG_ARGV: the activity column, the country column.
ROWS_FUNCTION = f"{FUNCTION}_rows"
_PG_ROWS_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {ROWS_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO {CHANGES} (activity_id, participant_id) VALUES (NULL, NULL);
    ELSIF TG_OP = 'INSERT' THEN
        EXECUTE format('INSERT INTO {CHANGES} (activity_id, people) '
                       'SELECT %1$I, bool_or(%2$I IS NOT NULL) FROM new_rows GROUP BY %1$I',
                       TG_ARGV[0], TG_ARGV[1]);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('INSERT INTO {CHANGES} (activity_id, people) '
                       'SELECT %1$I, bool_or(%2$I IS NOT NULL) FROM old_rows GROUP BY %1$I',
                       TG_ARGV[0], TG_ARGV[1]);
    ELSE
        EXECUTE format('INSERT INTO {CHANGES} (activity_id, people) '
                       'SELECT a, bool_or(moved) FROM ('
                       '  SELECT %1$I AS a, false AS moved FROM new_rows'
                       '  UNION ALL SELECT %1$I, false FROM old_rows'
                       '  UNION ALL SELECT a, true FROM ('
                       '    (SELECT %1$I AS a, %2$I FROM new_rows WHERE %2$I IS NOT NULL'
                       '     EXCEPT SELECT %1$I, %2$I FROM old_rows WHERE %2$I IS NOT NULL)'
                       '    UNION ALL'
                       '    (SELECT %1$I, %2$I FROM old_rows WHERE %2$I IS NOT NULL'
                       '     EXCEPT SELECT %1$I, %2$I FROM new_rows WHERE %2$I IS NOT NULL)'
                       '  ) pairs'
                       ') written GROUP BY a',
                       TG_ARGV[0], TG_ARGV[1]);
    END IF;
    RETURN NULL;
END
$$
"""


Watch = tuple[str, str]  # (the written table's column, the note's column)


def structural_columns() -> dict[str, list[str]]:
    """{table: the columns that place records in groups} of the places and the themes."""
    from ..models import Country, Region, Theme

    fields: dict[type[models.Model], list[str]] = {
        Country: ["region", "m49_region", "m49_subregion", "path"],
        Region: ["level", "parent", "path", "m49_region", "m49_subregion"],
        Theme: ["parent"],
    }
    return {
        model._meta.db_table: [_column(model, name) for name in names]
        for model, names in fields.items()
    }


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return field.column


def rows_only_tables() -> dict[str, str]:
    """{table: its country column} of the tables whose writes change no person's cells
    unless a row's country comes or goes (`ROWS_FUNCTION`): their other notes say so
    (`people` false), and the refresh does not roll up the people of their activities
    again."""
    from ..models import BeneficiaryGroup

    return {BeneficiaryGroup._meta.db_table: _column(BeneficiaryGroup, "country")}


def watched_tables() -> dict[str, list[Watch]]:
    """{table: what its writes note}; the places and themes are `structural_columns`."""
    from ..models import Activity, Attendance, Participant

    versioned = set(versioned_tables())
    watched: dict[str, list[Watch]] = {}
    for model in apps.get_app_config("activities").get_models(include_auto_created=True):
        table = model._meta.db_table
        if table not in versioned:
            continue
        if model is Activity:
            watched[table] = [("id", "activity_id")]
        elif model is Participant:
            watched[table] = [("id", "participant_id")]
        elif any(getattr(f, "column", None) == "activity_id" for f in model._meta.fields):
            watched[table] = [("activity_id", "activity_id")]
            if model is Attendance:
                watched[table].append(("participant_id", "participant_id"))
    return watched


def _name(event: str, target: str) -> str:
    return f"{TRIGGER}_{event}" + ("_person" if target == "participant_id" else "")


def install(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Create (or re-create) the triggers; idempotent. Returns the tables watched."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if CHANGES not in existing:
        return []
    tables = {t: w for t, w in watched_tables().items() if t in existing}
    rows_only = rows_only_tables()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            cursor.execute(_PG_ROWS_FUNCTION)
            for table, watches in sorted(tables.items()):
                quoted = connection.ops.quote_name(table)
                for column, target in watches:
                    call = (
                        f"{ROWS_FUNCTION}('{column}', '{rows_only[table]}')"
                        if table in rows_only
                        else f"{FUNCTION}('{column}', '{target}', 'true')"
                    )
                    for event in _EVENTS:
                        transitions = {
                            "insert": "REFERENCING NEW TABLE AS new_rows",
                            "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                            "delete": "REFERENCING OLD TABLE AS old_rows",
                        }[event]
                        name = _name(event, target)
                        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {quoted}")
                        cursor.execute(
                            f"CREATE TRIGGER {name} AFTER {event.upper()} ON {quoted} "
                            f"{transitions} FOR EACH STATEMENT EXECUTE FUNCTION {call}"
                        )
                    name = _name("truncate", target)
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {quoted}")
                    cursor.execute(
                        f"CREATE TRIGGER {name} AFTER TRUNCATE ON {quoted} "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION {call}"
                    )
        else:
            for table, watches in sorted(tables.items()):
                quoted = connection.ops.quote_name(table)
                for column, target in watches:
                    for event in _EVENTS:
                        name = f"{_name(event, target)}_{table}"
                        rows = {"insert": ["NEW"], "delete": ["OLD"]}.get(event, ["OLD", "NEW"])
                        body = "".join(
                            f"INSERT INTO {CHANGES} ({target}, people) "
                            f"VALUES ({row}.{column}, "
                            f"{_sqlite_people(event, row, column, rows_only.get(table))});"
                            for row in rows
                        )
                        cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
                        cursor.execute(
                            f'CREATE TRIGGER "{name}" AFTER {event.upper()} ON {quoted} '
                            f"BEGIN {body} END"
                        )
        for table, columns in structural_columns().items():
            if table in existing:
                _install_structural(connection, cursor, table, columns)
    return sorted(tables)


def _sqlite_people(event: str, row: str, activity: str, country: str | None) -> str:
    """A row trigger's `people` (ROWS_FUNCTION's rule, row by row): 1 for the tables
    not of rows alone; for those, whether this row's (activity, country) pair, with a
    country, comes or goes."""
    if country is None:
        return "1"
    named = f"{row}.{country} IS NOT NULL"
    if event != "update":
        return f"({named})"
    moved = f"OLD.{activity} IS NOT NEW.{activity} OR OLD.{country} IS NOT NEW.{country}"
    return f"({named} AND ({moved}))"


_PG_EVERYTHING = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {CHANGES} (activity_id, participant_id) VALUES (NULL, NULL);
    RETURN NULL;
END
$$
"""


def _install_structural(connection: Any, cursor: Any, table: str, columns: list[str]) -> None:
    """A row whose grouping columns really change (not merely saved again) notes all."""
    quoted = connection.ops.quote_name(table)
    changed = " OR ".join(
        f"OLD.{column} IS DISTINCT FROM NEW.{column}"
        if connection.vendor == "postgresql"
        else f"OLD.{column} IS NOT NEW.{column}"
        for column in columns
    )
    name = f"{TRIGGER}_structure"
    if connection.vendor == "postgresql":
        cursor.execute(_PG_EVERYTHING)
        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {quoted}")
        cursor.execute(
            f"CREATE TRIGGER {name} AFTER UPDATE ON {quoted} FOR EACH ROW "
            f"WHEN ({changed}) EXECUTE FUNCTION {FUNCTION}_all()"
        )
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}_truncate ON {quoted}")
        cursor.execute(
            f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {quoted} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}_all()"
        )
    else:
        cursor.execute(f'DROP TRIGGER IF EXISTS "{name}_{table}"')
        cursor.execute(
            f'CREATE TRIGGER "{name}_{table}" AFTER UPDATE ON {quoted} WHEN {changed} '
            f"BEGIN INSERT INTO {CHANGES} (activity_id) VALUES (NULL); END"
        )
