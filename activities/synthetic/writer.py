"""Writing batches of synthetic records: COPY through psycopg 3 on PostgreSQL,
bulk_create elsewhere.

A writer knows tables and columns, nothing of what the records mean. The audit history
(simple-history) is not written for synthetic records: bulk inserts bypass it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections
from django.db.models import ManyToManyField

from ..models import Activity, Attendance, BeneficiaryGroup, Participant
from .generator import BATCH_SIZE

ACTIVITY_COLUMNS = (
    "reference",
    "kind",
    "title",
    "description",
    "start_date",
    "end_date",
    "date_precision",
    "modality",
    "delivery",
    "venue_city",  # NOT NULL without a database default: COPY must give it
    "reported_countries_count",
    "status",
    "source_paragraph",
    "source_note",
    "is_synthetic",
    "scope_region_id",
    "created_at",
    "updated_at",
    "version",
)
ROW_COLUMNS = (
    "activity_id",
    "audience_id",
    "country_id",
    "female",
    "male",
    "not_recorded",
    "total",
    "qualifier",
    "note",
    "place_country_id",
    "place_region_id",
    "from_attendance",
)
PERSON_COLUMNS = (
    "given_name",
    "family_name",
    "sex",
    "birth_year",
    "age_band",
    "institution",
    "audience_id",
    "country_id",
    "email",
    "phone",
    "name_key",
    "is_synthetic",
    "created_at",
)
ATTENDANCE_COLUMNS = (
    "activity_id",
    "participant_id",
    "attended",
    "completed",
    "pre_score",
    "post_score",
)


def _m2m_field(name: str) -> ManyToManyField[Any, Any]:
    """Activity's many-to-many field `name` (`get_field` may return any kind of field)."""
    model_field = Activity._meta.get_field(name)
    if not isinstance(model_field, ManyToManyField):
        raise TypeError(f"Activity.{name} is not a many-to-many field")
    return model_field


class Writer:
    """Writes batches with bulk_create (any database)."""

    def __init__(self, using: str):
        self.using = using

    def activity_ids(self, activities: list[dict[str, Any]]) -> list[int]:
        """Insert the activities (field values); return their ids, in the same order."""
        objects = Activity.objects.using(self.using).bulk_create(
            [Activity(source_paragraph="", version=1, **values) for values in activities]
        )
        return [obj.pk for obj in objects]

    def links(self, name: str, pairs: list[tuple[int, int]]) -> None:
        """Insert (activity id, other id) pairs of the many-to-many field `name`."""
        m2m = _m2m_field(name)
        through = m2m.remote_field.through
        assert through is not None  # None only before the models are loaded
        column, other = m2m.m2m_field_name() + "_id", m2m.m2m_reverse_field_name() + "_id"
        through._default_manager.using(self.using).bulk_create(
            [through(**{column: a, other: b}) for a, b in pairs], batch_size=BATCH_SIZE
        )

    def rows(self, rows: list[dict[str, Any]]) -> None:
        """Insert beneficiary rows (field values, `activity_id` included)."""
        BeneficiaryGroup.objects.using(self.using).bulk_create(
            [BeneficiaryGroup(**row) for row in rows], batch_size=BATCH_SIZE
        )

    def participant_ids(self, persons: list[dict[str, Any]]) -> list[int]:
        """Insert persons (field values); return their ids, in the same order."""
        objects = Participant.objects.using(self.using).bulk_create(
            [Participant(**values) for values in persons], batch_size=BATCH_SIZE
        )
        return [obj.pk for obj in objects]

    def attendance(self, rows: list[dict[str, Any]]) -> None:
        """Insert attendance rows (field values, activity and participant ids included)."""
        Attendance.objects.using(self.using).bulk_create(
            [Attendance(**row) for row in rows], batch_size=BATCH_SIZE
        )

    def analyze(self) -> None:
        """Refresh the planner's statistics after the writes (nothing to do here)."""


class PostgresWriter(Writer):
    """Writes batches with COPY ... FROM STDIN through psycopg 3."""

    def _copy(self, table: str, columns: tuple[str, ...], values: Iterable[Sequence[Any]]) -> None:
        with connections[self.using].cursor() as cursor:
            sql = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
            with cursor.cursor.copy(sql) as copy:
                for row in values:
                    copy.write_row(row)

    def activity_ids(self, activities: list[dict[str, Any]]) -> list[int]:
        table = Activity._meta.db_table
        ids = self._next_ids(table, len(activities))
        defaults = {"source_paragraph": "", "venue_city": "", "version": 1}
        self._copy(
            table,
            ("id", *ACTIVITY_COLUMNS),
            (
                (pk, *(values.get(c, defaults.get(c)) for c in ACTIVITY_COLUMNS))
                for pk, values in zip(ids, activities, strict=True)
            ),
        )
        return ids

    def _next_ids(self, table: str, count: int) -> list[int]:
        # COPY returns nothing: take the ids from the sequence first.
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def participant_ids(self, persons: list[dict[str, Any]]) -> list[int]:
        table = Participant._meta.db_table
        ids = self._next_ids(table, len(persons))
        self._copy(
            table,
            ("id", *PERSON_COLUMNS),
            (
                (pk, *(values[c] for c in PERSON_COLUMNS))
                for pk, values in zip(ids, persons, strict=True)
            ),
        )
        return ids

    def attendance(self, rows: list[dict[str, Any]]) -> None:
        self._copy(
            Attendance._meta.db_table,
            ATTENDANCE_COLUMNS,
            (tuple(row[c] for c in ATTENDANCE_COLUMNS) for row in rows),
        )

    def links(self, name: str, pairs: list[tuple[int, int]]) -> None:
        m2m = _m2m_field(name)
        columns = (m2m.m2m_column_name(), m2m.m2m_reverse_name())
        self._copy(m2m.m2m_db_table(), columns, pairs)

    def rows(self, rows: list[dict[str, Any]]) -> None:
        self._copy(
            BeneficiaryGroup._meta.db_table,
            ROW_COLUMNS,
            (
                tuple(row.get(c, False) if c == "from_attendance" else row[c] for c in ROW_COLUMNS)
                for row in rows
            ),
        )

    def analyze(self) -> None:
        # Fresh statistics for every table, the reference tables too: without them (a new
        # database, autovacuum off or not yet run) the planner takes the 248 countries
        # for one row and picks plans that are a thousand times slower.
        with connections[self.using].cursor() as cursor:
            cursor.execute("ANALYZE")


def writer_for(using: str) -> Writer:
    """The fastest writer the database `using` supports."""
    is_postgres = connections[using].vendor == "postgresql"
    return PostgresWriter(using) if is_postgres else Writer(using)
