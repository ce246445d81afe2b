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

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: the first event bumps and notes this transaction's id; the
    -- others see it. (The id, not a plain flag, so no setting left at any other level
    -- can ever silence the bump.)
    IF current_setting('tacbapp.data_version_bumped_in', true)
            IS DISTINCT FROM txid_current()::text THEN
        UPDATE activities_dataversion SET version = version + 1 WHERE id = 1;
        PERFORM set_config('tacbapp.data_version_bumped_in', txid_current()::text, true);
    END IF;
    RETURN NULL;
END
$$
"""
_SQLITE_EVENTS = ("insert", "update", "delete")
# The version row itself, and the rollups: derived data that a refresh rewrites without
# changing any answer (activities/rollups/), so it must not throw the answers away.
UNVERSIONED = (
    "dataversion",
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


def _sqlite_trigger(event: str, table: str) -> str:
    return f"{TRIGGER}_{event}_{table}"


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Create (or re-create) the triggers on every versioned table, then move the version.

    In one transaction, so that no write can slip between dropping and re-creating a
    trigger; the final bump covers writes made while a table had none (SQLite loses a
    table's triggers when a migration rebuilds it). Idempotent.
    """
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if "activities_dataversion" not in existing:
        return []
    tables = [table for table in versioned_tables() if table in existing]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table in tables:
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quoted}")
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE "
                    f"ON {quoted} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    f"EXECUTE FUNCTION {FUNCTION}()"
                )
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_truncate ON {quoted}")
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER}_truncate AFTER TRUNCATE ON {quoted} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                )
        elif connection.vendor == "sqlite":
            for table in tables:
                quoted = connection.ops.quote_name(table)
                for event in _SQLITE_EVENTS:
                    cursor.execute(
                        f'CREATE TRIGGER IF NOT EXISTS "{_sqlite_trigger(event, table)}" '
                        f"AFTER {event.upper()} ON {quoted} BEGIN "
                        "UPDATE activities_dataversion SET version = version + 1 WHERE id = 1; "
                        "END"
                    )
        else:  # pragma: no cover - no other database is supported
            raise NotImplementedError(connection.vendor)
        cursor.execute("UPDATE activities_dataversion SET version = version + 1 WHERE id = 1")
    _verified.pop(_database_key(connection), None)
    return tables


def missing_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Versioned tables lacking one of their triggers, or with one disabled (catalogue)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
                " WHERE tgname IN (%s, %s) AND tgenabled <> 'D'",
                [TRIGGER, f"{TRIGGER}_truncate"],
            )
            present = {(table.strip('"'), name) for table, name in cursor.fetchall()}
            wanted = {(t, n) for t in versioned_tables() for n in (TRIGGER, f"{TRIGGER}_truncate")}
        else:
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{TRIGGER}_%"],
            )
            present = set(cursor.fetchall())
            wanted = {
                (t, _sqlite_trigger(e, t)) for t in versioned_tables() for e in _SQLITE_EVENTS
            }
    return sorted({table for table, _ in wanted - present})


def ensure_row(using: str = DEFAULT_DB_ALIAS) -> None:
    """The single version row, made with a new epoch if the database has none."""
    from ..models import DataVersion

    DataVersion.objects.using(using).get_or_create(pk=1, defaults={"epoch": uuid.uuid4()})


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
