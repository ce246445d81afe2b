"""The typed draft: a Draft holds Sections, which hold Statements; a Statement holds
one figure with all it takes to say it (its value, qualifier and words, its places, its
sex split, its people) and to trace it (its link to the records, its counts' link, its
value as reported, its provenance). `draft.build_draft` fills it; the renderers read it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .. import counting
from ..figures_as_reported import AsReported
from ..models import (
    FigureRole,
    ReportingPeriod,
)
from ..results.batch import Period
from . import words
from .sections import SectionSpec
from .words import Places, SexSplit

if TYPE_CHECKING:
    pass


FILTERS = ("region", "theme", "project", "donor")


class DraftError(ValueError):
    """The draft's parameters are not valid: `errors` maps each to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(str(errors))
        self.errors = errors


@dataclass
class Statement:
    """One figure of the draft, with all it takes to say it and to trace it."""

    key: str
    kind: str  # "figure", "records", "region", "mandate", "result", "note"
    text: str
    role: str = ""  # a figure's role (delivery, umbrella...), "" for records
    subject: str = ""
    value: int | None = None
    qualifier: str = counting.QUALIFIER_EXACT
    measure: str = ""  # what the value counts: participants, activities, countries, ...
    words: str = ""  # the value with its qualifier, in words
    unit: str = ""
    places: Places | None = None
    sex: SexSplit | None = None
    people: int | str | None = None  # distinct people; a string when suppressed
    activities: int | None = None
    link: str = ""  # the records: the activity list with the filters that give the value
    stats_link: str = ""  # the same filters asked of /api/v1/stats/
    stats_params: dict[str, str] = field(default_factory=dict)
    as_reported: AsReported | None = None
    figure_value: int | None = None  # the reported figure as it stands (corrections in)
    figure_qualifier: str = ""
    code: str = ""
    paragraph: str = ""
    source: str = ""
    note: str = ""
    number: int = 0  # its footnote's number in the draft

    @property
    def footnote(self) -> str:
        """Where the figure comes from and where its records are, in words (the link
        itself is rendered beside)."""
        parts = []
        if self.code:
            parts.append(
                _("Figure %(code)s, paragraph %(paragraph)s of %(source)s.")
                % {"code": self.code, "paragraph": self.paragraph, "source": self.source}
            )
        if self.activities is not None and self.link:
            parts.append(
                _("Records: %(activities)s, listed at the link; their counts give %(value)s.")
                % {"activities": words.activities(self.activities), "value": self.words}
                if self.measure not in ("", "reported")
                else _("Records: %(activities)s behind it, listed at the link.")
                % {"activities": words.activities(self.activities)}
            )
        if self.as_reported is not None:
            parts.append(
                # The report closing the period is named once, in the draft's
                # introduction; each of its many notes gives the period and the date.
                _("As reported for %(period)s (closed %(date)s): %(value)s.")
                % {
                    "period": self.as_reported.period,
                    "date": date_format(self.as_reported.taken_at.date()),
                    "value": self.as_reported.text,
                }
            )
            if self.as_reported.changed:
                parts.append(
                    _("The figure has been corrected since: now %(value)s.")
                    % {"value": self.as_reported.now_text}
                )
        if (
            self.role == FigureRole.DELIVERY
            and self.figure_value is not None
            and self.value is not None
            and not self.agrees
        ):
            parts.append(
                _("The records now give %(records)s; the figure says %(figure)s.")
                % {
                    "records": self.words,
                    "figure": words.count_words(self.figure_value, self.figure_qualifier),
                }
            )
        if self.note:
            parts.append(self.note)
        return " ".join(parts)

    @property
    def agrees(self) -> bool:
        """Whether the records give the figure's value with the same kind of qualifier
        ("at least" and "more than" are both lower bounds)."""
        return self.value == self.figure_value and _bound(self.qualifier) == _bound(
            self.figure_qualifier
        )


def _bound(qualifier: str) -> str:
    return "lower" if qualifier in ("at_least", "more_than") else qualifier or "exact"


@dataclass
class Section:
    spec: SectionSpec
    statements: list[Statement] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.spec.title)


@dataclass
class Draft:
    year: int
    quarter: int | None
    filters: dict[str, str]  # the filters as asked (codes)
    filter_labels: list[tuple[str, str]]  # (label, value shown)
    sections: list[Section]
    period: ReportingPeriod | None
    reported: bool  # the period was closed for a report: its figures are stated
    includes_drafts: bool
    generated_at: datetime.datetime

    @property
    def title(self) -> str:
        return _("Draft report on technical assistance and capacity-building, %(period)s") % {
            "period": words.period(self.year, self.quarter)
        }

    @property
    def label(self) -> str:
        return Period(self.year, self.quarter).label

    @property
    def filters_text(self) -> str:
        """'Region: Asia; Theme: Prevention', punctuated as the language writes it."""
        said = [words.labelled(label, value) for label, value in self.filter_labels]
        text = said[0] if said else ""
        for more in said[1:]:
            text = words.then(text, more)
        return text

    @property
    def statements(self) -> list[Statement]:
        return [statement for section in self.sections for statement in section.statements]

    def params(self) -> dict[str, str]:
        return {**Period(self.year, self.quarter).params(), **self.filters}
