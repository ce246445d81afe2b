"""The database triggers that move the data version with every write.

Every domain table carries a trigger that bumps `activities_dataversion.version` in the
same transaction as the write, whatever makes it (the ORM, a bulk update, COPY, raw SQL,
the admin, a migration).

- PostgreSQL: a deferred row-level constraint trigger, so the version row is locked only
  while the writing transaction commits (no deadlock with the rows it writes), and bumped
  once per transaction however many rows it writes; TRUNCATE has a statement trigger.
- SQLite: row-level triggers (writers are serialised by the database anyway).

They are (re)installed after every migrate (`install`, connected in activities/apps.py).
Each process checks once per database that they are all there and enabled; if one is
missing, the answer cache stays off in that process (`triggers_in_place`).
"""

from __future__ import annotations

import logging
import uuid

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)

TRIGGER = "activities_data_version"
FUNCTION = "activities_bump_data_version"
REFERENCE_FUNCTION = "activities_bump_reference_version"


_BUMPED_IN = {
    "version": "tacbapp.data_version_bumped_in",
    "reference": "tacbapp.reference_version_bumped_in",
}


def _bump_once(column: str, setting: str) -> str:
    """PL/pgSQL: `column` of the version row moves on, once per transaction: the first
    event bumps it and notes this transaction's id in `setting`; the others see it.
    (The id, not a plain flag, so no setting left at any other level can ever silence
    the bump.)"""
    return f"""
    IF current_setting('{setting}', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE activities_dataversion SET {column} = {column} + 1 WHERE id = 1;
        PERFORM set_config('{setting}', txid_current()::text, true);
    END IF;"""


def _pg_function(name: str, columns: tuple[str, ...]) -> str:
    bumps = "".join(_bump_once(column, _BUMPED_IN[column]) for column in columns)
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN{bumps}\n    RETURN NULL;\nEND\n$$"
    )


_PG_FUNCTIONS = {
    FUNCTION: _pg_function(FUNCTION, ("version",)),
    # A reference table's writes move both versions.
    REFERENCE_FUNCTION: _pg_function(REFERENCE_FUNCTION, ("version", "reference")),
}
_SQLITE_EVENTS = ("insert", "update", "delete")
# The version row itself, and the rollups: derived data that a refresh rewrites without
# changing any answer (activities/rollups/), so it must not throw the answers away.
UNVERSIONED = (
    "dataversion",
    "activityplace",
    "activitystamp",
    "placeversion",
    "rollupcell",
    "rollupchange",
    "rolluptotal",
    "personcell",
    "persontotal",
)


def versioned_tables() -> list[str]:
    """The tables whose contents any count, list or page can depend on.

    Every table of the domain app, many-to-many tables included; not the audit history
    (it changes only with the table it records), the version row itself or the rollups.
    """
    config = apps.get_app_config("activities")
    tables = set()
    for model in config.get_models(include_auto_created=True):
        table = model._meta.db_table
        if "historical" in table or model._meta.model_name in UNVERSIONED:
            continue
        tables.add(table)
    return sorted(tables)


# The delivery records: what officers write all day (activities, their links and rows,
# people, attendance, sessions, evidence) and what follows from it. No filter looks any
# of them up by a code: they enter a filter's SQL as subqueries, read when it runs. A
# write to any other versioned table (a place, a theme, a project, a donor, a hub's
# coverage...) also moves the reference version, under which validated filters are
# kept (filters/plans.py): a table left out of this list only costs those a new check.
FACT_MODELS = (
    "activity",
    "activitypostponement",
    "activitysession",
    "sessionattendance",
    "beneficiarygroup",
    "participant",
    "attendance",
    "attendanceimport",
    "participantmerge",
    "personerasure",
    "evidencefile",
    "indicatorvalue",
    "notification",
    "notificationpreference",
)


def fact_tables() -> set[str]:
    """The delivery records' tables, and the many-to-many tables that link an activity."""
    config = apps.get_app_config("activities")
    activity = config.get_model("activity")
    tables = set()
    for model in config.get_models(include_auto_created=True):
        meta = model._meta
        linked = meta.auto_created and any(
            getattr(field, "related_model", None) is activity for field in meta.fields
        )
        if meta.model_name in FACT_MODELS or linked:
            tables.add(meta.db_table)
    return tables


def _sqlite_trigger(event: str, table: str) -> str:
    return f"{TRIGGER}_{event}_{table}"


def _drop_table_triggers(connection, cursor, table: str) -> None:
    if connection.vendor == "postgresql":
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quoted}")
        cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_truncate ON {quoted}")
    else:
        for event in _SQLITE_EVENTS:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{_sqlite_trigger(event, table)}"')


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Create (or re-create) the triggers on every versioned table, then move the version.

    In one transaction, so that no write can slip between dropping and re-creating a
    trigger; the final bump covers writes made while a table had none (SQLite loses a
    table's triggers when a migration rebuilds it). Idempotent. The reference tables
    move the reference version too, if the version row has that column (a database
    migrated back before 0024 has not).
    """
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if "activities_dataversion" not in existing:
        return []
    tables = [table for table in versioned_tables() if table in existing]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "activities_dataversion")
        reference = any(column.name == "reference" for column in columns)
        # Without the column, every table is as a delivery record's: the version only.
        facts = fact_tables() if reference else set(tables)
        if connection.vendor == "postgresql":
            for sql in _PG_FUNCTIONS.values():
                cursor.execute(sql)
            for table in tables:
                quoted = connection.ops.quote_name(table)
                function = FUNCTION if table in facts else REFERENCE_FUNCTION
                _drop_table_triggers(connection, cursor, table)
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE "
                    f"ON {quoted} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    f"EXECUTE FUNCTION {function}()"
                )
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER}_truncate AFTER TRUNCATE ON {quoted} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                )
        elif connection.vendor == "sqlite":
            for table in tables:
                quoted = connection.ops.quote_name(table)
                bump = "version = version + 1"
                if table not in facts:
                    bump += ", reference = reference + 1"
                # Dropped first: a trigger of an earlier release may bump less.
                _drop_table_triggers(connection, cursor, table)
                for event in _SQLITE_EVENTS:
                    name = _sqlite_trigger(event, table)
                    cursor.execute(
                        f'CREATE TRIGGER "{name}" AFTER {event.upper()} ON {quoted} BEGIN '
                        f"UPDATE activities_dataversion SET {bump} WHERE id = 1; END"
                    )
        else:  # pragma: no cover - no other database is supported
            raise NotImplementedError(connection.vendor)
        cursor.execute(
            "UPDATE activities_dataversion SET version = version + 1"
            + (", reference = reference + 1" if reference else "")
            + " WHERE id = 1"
        )
    _verified.pop(_database_key(connection), None)
    return tables


def drop_triggers(using: str = DEFAULT_DB_ALIAS) -> None:
    """Drop every trigger: for a migration that rebuilds or alters the version row's
    table, which they write. The next `install` (after every migrate) puts them back."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for table in versioned_tables():
            if table in existing:
                _drop_table_triggers(connection, cursor, table)
    _verified.pop(_database_key(connection), None)


def missing_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Versioned tables lacking one of their triggers, with one disabled, or with one
    that does not move the versions this release moves (an earlier release's `migrate`
    re-installed its own): from the catalogue."""
    connection = connections[using]
    facts = fact_tables()
    tables = versioned_tables()
    # (table, trigger, what it moves: its function, or whether it bumps the reference)
    present: set[tuple[str, str, str | bool]]
    wanted: set[tuple[str, str, str | bool]]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname, tgfoid::regproc::text FROM pg_trigger"
                " WHERE tgname IN (%s, %s) AND tgenabled <> 'D'",
                [TRIGGER, f"{TRIGGER}_truncate"],
            )
            present = {(table.strip('"'), name, f) for table, name, f in cursor.fetchall()}
            wanted = {
                (t, n, FUNCTION if t in facts else REFERENCE_FUNCTION)
                for t in tables
                for n in (TRIGGER, f"{TRIGGER}_truncate")
            }
        else:
            cursor.execute(
                "SELECT tbl_name, name, sql FROM sqlite_master"
                " WHERE type = 'trigger' AND name LIKE %s",
                [f"{TRIGGER}_%"],
            )
            present = {
                (table, name, "reference = reference + 1" in sql)
                for table, name, sql in cursor.fetchall()
            }
            wanted = {
                (t, _sqlite_trigger(e, t), t not in facts) for t in tables for e in _SQLITE_EVENTS
            }
    return sorted({table for table, _, _ in wanted - present})


def ensure_row(using: str = DEFAULT_DB_ALIAS) -> None:
    """The single version row, made with a new epoch if the database has none.

    In SQL over the columns the table has: after every migrate, also one that went back
    to a state of the table older than the model's."""
    from ..models import DataVersion

    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM activities_dataversion WHERE id = 1")
        if cursor.fetchone() is not None:
            return
        epoch = DataVersion._meta.get_field("epoch").get_db_prep_value(uuid.uuid4(), connection)
        values = {"id": 1, "epoch": epoch, "version": 0, "reference": 0}
        present = {
            column.name
            for column in connection.introspection.get_table_description(
                cursor, "activities_dataversion"
            )
        }
        columns = [name for name in values if name in present]
        cursor.execute(
            f"INSERT INTO activities_dataversion ({', '.join(columns)})"
            f" VALUES ({', '.join(['%s'] * len(columns))})",
            [values[name] for name in columns],
        )


def install(sender=None, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: the row and the triggers, on every migrate (tests included)."""
    if "activities_dataversion" in connections[using].introspection.table_names():
        ensure_row(using)
        install_triggers(using)


# Per process and database: were all the triggers there when this process first looked?
_verified: dict[tuple, bool] = {}


def _database_key(connection) -> tuple:
    return (connection.alias, connection.settings_dict["NAME"])


def triggers_in_place(connection) -> bool:
    """Whether every trigger was there, and enabled, when this process first looked.

    A database whose triggers are missing or disabled (restored with --disable-triggers,
    say) would never move the version; asked once per process, and again after
    `install_triggers`.
    """
    key = _database_key(connection)
    if key not in _verified:
        missing = missing_triggers(connection.alias)
        if missing:
            logger.error(
                "Answer cache off: no data-version trigger on %s (run migrate)", ", ".join(missing)
            )
        _verified[key] = not missing
    return _verified[key]
