"""The activities a question matched and their beneficiary rows, computed once for all
the statements of one answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, ExpressionWrapper, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from .. import counting
from ..models import Activity, Attendance, BeneficiaryGroup
from .request import Restriction
from .sql import Relation, fetch, relation, stored, temporary_tables_allowed


@dataclass
class Matched:
    """The matched activities, their beneficiary rows marked `belongs` (1 when the
    people certainly belong to the restriction), the rows that do (`rows_in`), and the
    attendance of the persons who do (`attendance_in`, counting rule 9)."""

    activities: QuerySet[Activity]
    restriction: Restriction
    rows: QuerySet[BeneficiaryGroup]
    rows_in: QuerySet[BeneficiaryGroup]
    belongs: Q
    attendance_in: QuerySet[Attendance]

    @property
    def restricted(self) -> bool:
        return bool(self.belongs)

    @classmethod
    def of(cls, activities: QuerySet[Activity], restriction: Restriction) -> Matched:
        belongs = belongs_q(restriction)
        # A CASE, so that rows of unknown place are "no".
        flag: Any = Case(When(belongs, then=Value(1)), default=Value(0)) if belongs else Value(1)
        rows = BeneficiaryGroup.objects.filter(
            activity__in=activities.order_by().values("pk")
        ).annotate(belongs=flag)
        attendance_in = counting.attended(activities).filter(persons_belong_q(restriction))
        return cls(activities, restriction, rows, rows.filter(belongs=1), belongs, attendance_in)


def belongs_q(restriction: Restriction) -> Q:
    """Beneficiary rows whose people certainly belong to the restriction."""
    condition = Q()
    if restriction.place is not None:
        condition &= counting.attributed_under(restriction.place)
    if restriction.audience is not None:
        condition &= Q(audience=restriction.audience)
    return condition


def persons_belong_q(restriction: Restriction) -> Q:
    """Attendance whose person belongs to the restriction: they come from a country
    under its place, and are of its audience."""
    condition = Q()
    if restriction.place is not None:
        condition &= counting.person_under(restriction.place)
    if restriction.audience is not None:
        condition &= Q(participant__audience=restriction.audience)
    return condition


@contextmanager
def matched_once(activities: QuerySet[Activity]) -> Iterator[QuerySet[Activity]]:
    """The ids of the matched activities, computed once for all the answer's statements.

    Every aggregate joins the matched set. Left as a subquery, the filters (a region's
    EXISTS, a text search) are evaluated again in each statement, and the planner cannot
    know how many activities they keep: it guesses 20,000 for 365 and scans every
    beneficiary row. A temporary table, analysed, gives it the real number (sql.stored).
    On a replica, which cannot create one, the matched set stays a subquery.
    """
    if not temporary_tables_allowed():
        yield Activity.objects.filter(pk__in=activities.values("pk"))
        return
    # Each id with whether it is a draft (counting.is_draft), for includes_drafts().
    draft = ExpressionWrapper(counting.is_draft(), output_field=BooleanField())
    with stored(relation(activities.values("pk", draft=draft)), "stats_matched") as name:
        matched = Activity.objects.filter(pk__in=RawSQL(f"SELECT pk FROM {name}", []))
        setattr(matched, _STORED, name)  # for ids_of(); a clone (a further filter) drops it
        yield matched


_STORED = "_stored_ids_table"


def includes_drafts(activities: QuerySet[Activity]) -> bool:
    """counting.includes_drafts; for the set matched_once() yielded, read from its
    temporary table, which knows each id's drafts (a scan of the matched ids only,
    where the COUNT joins them to the activities: 6 ms of a text search's answer)."""
    name = getattr(activities, _STORED, None)
    if name is None:
        return counting.includes_drafts(activities)
    return bool(fetch(f"SELECT EXISTS (SELECT 1 FROM {name} WHERE draft)", [])[0][0])


def ids_of(activities: QuerySet[Activity]) -> Relation:
    """SELECT of the activities' ids: for the set matched_once() yielded, its temporary
    table itself. Through the queryset, the database semi-joins every activity's id to
    the table in each statement (6 ms at 100,000 activities, 60 at a million)."""
    name = getattr(activities, _STORED, None)
    if name is not None:
        return Relation(f"SELECT pk FROM {name}", [])
    return relation(activities.values("pk"))
