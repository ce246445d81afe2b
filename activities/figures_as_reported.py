"""A reported figure "as reported": the value a closed period's snapshot froze for it,
beside the figure as it stands now.

A programme-wide period closed for a report (the 2020 report is the first, seeded by
activities/seeding.py) keeps a SnapshotFigure per figure, keyed by the figure's code.
`annotate` adds the latest such value to a ReportedFigure queryset in the same query (one
correlated subquery per column, so a page or an API list costs no extra query), and
`of_figure` reads it back as an `AsReported`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from .models import ReportedFigure, SnapshotFigure
from .templatetags.figures import format_count_words

_COLUMNS = {
    "reported_value": "value",
    "reported_qualifier": "qualifier",
    "reported_report": "snapshot__report",
    "reported_at": "snapshot__taken_at",
    "reported_period": "snapshot__period__label",
}


def annotate(figures: QuerySet[ReportedFigure]) -> QuerySet[ReportedFigure]:
    """Each figure with the value the latest programme-wide snapshot froze for it."""
    frozen = SnapshotFigure.objects.filter(
        key=OuterRef("code"), indicator__isnull=True, snapshot__period__project__isnull=True
    ).order_by("-snapshot__taken_at", "-pk")
    return figures.annotate(
        **{name: Subquery(frozen.values(column)[:1]) for name, column in _COLUMNS.items()}
    )


@dataclass(frozen=True)
class AsReported:
    period: str
    report: str
    taken_at: datetime.datetime
    value: int | None
    qualifier: str
    now_value: int | None
    now_qualifier: str

    @property
    def text(self) -> str:
        return format_count_words(self.value, self.qualifier) if self.value is not None else "—"

    @property
    def now_text(self) -> str:
        if self.now_value is None:
            return "—"
        return format_count_words(self.now_value, self.now_qualifier)

    @property
    def changed(self) -> bool:
        return (self.value, self.qualifier) != (self.now_value, self.now_qualifier)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "report": self.report,
            "taken_at": self.taken_at,
            "value": self.value,
            "qualifier": self.qualifier,
            "text": self.text,
            "changed_since": self.changed,
        }


@dataclass(frozen=True)
class ReportedPeriod:
    label: str
    report: str
    closed_on: datetime.datetime


def periods_of(figures: Iterable[ReportedFigure]) -> list[ReportedPeriod]:
    """The closed periods the (annotated) figures were reported for, oldest first; read
    from the figures already fetched, so a page asks no query more."""
    found = {
        (frozen.period, frozen.report, frozen.taken_at)
        for figure in figures
        if (frozen := of_figure(figure)) is not None
    }
    return [
        ReportedPeriod(label, report, taken_at)
        for label, report, taken_at in sorted(found, key=lambda item: item[2])
    ]


def of_figure(figure: ReportedFigure) -> AsReported | None:
    """The figure as reported, if a snapshot holds it (the queryset went through
    `annotate`); None otherwise."""
    taken_at = getattr(figure, "reported_at", None)
    if taken_at is None:
        return None
    if isinstance(taken_at, str):  # SQLite hands a subquery's datetime back as text
        taken_at = datetime.datetime.fromisoformat(taken_at)
    return AsReported(
        period=figure.reported_period or "",  # type: ignore[attr-defined]
        report=figure.reported_report or "",  # type: ignore[attr-defined]
        taken_at=taken_at,
        value=figure.reported_value,  # type: ignore[attr-defined]
        qualifier=figure.reported_qualifier or "",  # type: ignore[attr-defined]
        now_value=figure.value,
        now_qualifier=figure.qualifier,
    )
