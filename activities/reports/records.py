"""The counts behind a draft's statements, asked of the stats engine together.

Each statement that rests on activity records asks a question: "the activities behind
F16", "the activities of 2020 under the theme ocsea", "those under resolution 74/173".
Asked one by one, a draft's statements would grow with its figures and sections; here
every question is one key of a single grouping (`results.batch.QuestionDimension`: an
activity is in the key of each question it answers), so the whole draft costs two
engine answers (the measures; the names of the countries of the questions that are in
a few), whatever the number of statements.
(A third, by kind of activity, was measured at 2.3 s at 100,000 activities and dropped
to keep the draft of a year under 10 s.) Each question's cell is what `/api/v1/stats/`
answers for its filters (tests/test_reports_draft.py follows every link and compares).
"""

from __future__ import annotations

import operator
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from .. import stats
from ..models import Activity, Country
from ..people import suppression
from ..results.batch import QuestionDimension
from ..stats import results as shapes
from .words import MAX_NAMED_COUNTRIES

if TYPE_CHECKING:
    from ..counting import AnyUser

MEASURES = ["activities", "participants", "countries", "people"]


@dataclass(frozen=True)
class Question:
    """The activities a statement rests on, and the filters that list them."""

    key: str
    activities: QuerySet[Activity]
    params: dict[str, str]


@dataclass
class Counts:
    """One question's answer: the engine's measures, with the names of the countries its
    activities are in."""

    activities: int = 0
    participants: dict[str, Any] = field(default_factory=shapes.no_people)
    countries: dict[str, Any] = field(default_factory=shapes.no_countries)
    people: dict[str, Any] = field(default_factory=shapes.no_persons)
    country_names: list[str] = field(default_factory=list)
    includes_drafts: bool = False


def answer_all(
    questions: Sequence[Question],
    *,
    union: QuerySet[Activity],
    restriction: stats.Restriction,
    user: AnyUser,
    max_named: int = MAX_NAMED_COUNTRIES,
) -> dict[str, Counts]:
    """Each question's counts, as `stats.compute` gives them to `user` for its filters.

    `union` holds every question's activities; `restriction` is the draft's (which
    people certainly belong: its region). The questions whose activities are in a few
    countries (`max_named` at most) also get their countries' names, from a second
    answer over their activities only: grouping every question by country was measured
    at 2.6 s at 100,000 activities, for names a long list never says ("in 60 countries")."""
    if not questions:
        return {}
    dimension = QuestionDimension(
        [(question.activities, [(None, number)]) for number, question in enumerate(questions)]
    )
    whole = stats.compute_by(union, [dimension], measures=MEASURES, restriction=restriction)
    whole = suppression.for_user(whole, user)
    few = [
        questions[row["question"]["code"]]
        for row in whole["rows"]
        if row["question"] is not None and 0 < row["countries"]["named"] <= max_named
    ]
    names: dict[str, list[str]] = defaultdict(list)
    if few:
        holding = union.filter(
            reduce(operator.or_, (Q(pk__in=question.activities.values("pk")) for question in few))
        )
        by_country = stats.compute_by(
            holding,
            [
                QuestionDimension(
                    [(question.activities, [(None, number)]) for number, question in enumerate(few)]
                ),
                stats.DIMENSIONS["country"],
            ],
            measures=["activities"],
            restriction=restriction,
        )
        placed = [
            (few[row["question"]["code"]].key, row["country"]["code"])
            for row in by_country["rows"]
            if row["question"] is not None and row["country"] is not None
        ]
        # The engine names countries in English (the API's data); a draft says them in
        # the reader's language (UNSD's names): one query for all the statements.
        shown = {
            country.iso2: country.display_name
            for country in Country.objects.filter(iso2__in={code for _, code in placed}).only(
                "iso2", "name", "names"
            )
        }
        for key, code in placed:
            names[key].append(shown[code])
    answers = {question.key: Counts() for question in questions}
    for row in whole["rows"]:
        if row["question"] is None:
            continue
        index = row["question"]["code"]
        answers[questions[index].key] = Counts(
            activities=row["activities"],
            participants=row["participants"],
            countries=row["countries"],
            people=row["people"],
            country_names=sorted(names.get(questions[index].key, []), key=_collation_key),
            includes_drafts=whole["includes_drafts"],
        )
    return answers


def _collation_key(name: str) -> str:
    """'États-Unis' among the E's, not after Z."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
