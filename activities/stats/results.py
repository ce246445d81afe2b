"""The shapes of the numbers in a stats answer: people with their sex split and qualifier,
countries as lower bounds, and whether a grouping's rows add up to its totals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import counting

UNATTRIBUTED_LISTED = 50
# Marks a row (or the participants of the totals) whose participations rest, at least in
# part, on named people (tallies derived from attendance): their small numbers are
# person-level data (activities/people/suppression.py). Internal: never in an answer.
NAMED = "_named"


def people(total: Any, female: Any, male: Any, not_recorded: Any, rank: Any) -> dict[str, Any]:
    """Participations (counting rule 1) with their sex split and combined qualifier."""
    return {
        "total": int(total or 0),
        "female": int(female or 0),
        "male": int(male or 0),
        "not_recorded": int(not_recorded or 0),
        "qualifier": counting.qualifier_of_rank(rank),
    }


def _hours_value(value: Any) -> float:
    return round(float(value or 0), 2)


def hours(total: Any, without_hours: Any, at_least: Any = 0) -> dict[str, Any]:
    """Hours of delivery of distinct activities (counting rule 12); `at_least`
    activities whose hours are a lower bound (rule 13) make the sum one too."""
    return {
        "total": _hours_value(total),
        "activities_without_hours": int(without_hours or 0),
        "qualifier": counting.hours_qualifier(0, int(without_hours or 0) + int(at_least or 0)),
    }


def no_hours() -> dict[str, Any]:
    return hours(0, 0)


def person_hours(total: Any, without_hours: Any, rank: Any, at_least: Any = 0) -> dict[str, Any]:
    """Participations x hours (counting rule 12), the rows' qualifiers carried; rows of
    `at_least` activities whose hours are a lower bound (rule 13) make it one too."""
    return {
        "total": _hours_value(total),
        "participations_without_hours": int(without_hours or 0),
        "qualifier": counting.hours_qualifier(rank, int(without_hours or 0) + int(at_least or 0)),
    }


def no_person_hours() -> dict[str, Any]:
    return person_hours(0, 0, 0)


def sessions(total: Any) -> int:
    """Sessions of distinct activities (counting rule 13)."""
    return int(total or 0)


def session_attendances(total: Any) -> dict[str, Any]:
    """Person-session attendances (counting rule 13), a person-level count."""
    return {"total": int(total or 0)}


def no_session_attendances() -> dict[str, Any]:
    return session_attendances(0)


def no_people() -> dict[str, Any]:
    return people(0, 0, 0, 0, 0)


def people_of(values: Mapping[str, Any]) -> dict[str, Any]:
    return people(
        values["total"], values["female"], values["male"], values["not_recorded"], values["rank"]
    )


def persons(
    total: Any, female: Any, male: Any, not_recorded: Any, participations: Any
) -> dict[str, Any]:
    """Distinct people (counting rule 9) by recorded sex, and the attended participations
    behind them: never a qualifier, a named person is counted exactly."""
    return {
        "total": int(total or 0),
        "female": int(female or 0),
        "male": int(male or 0),
        "not_recorded": int(not_recorded or 0),
        "participations": int(participations or 0),
    }


def no_persons() -> dict[str, Any]:
    return persons(0, 0, 0, 0, 0)


def _score(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def learning(assessed: Any, people: Any, mean_pre: Any, mean_post: Any) -> dict[str, Any]:
    """Participations with both test scores, of how many people, and the mean scores and
    gain over exactly those participations (counting rule 9)."""
    pre, post = _score(mean_pre), _score(mean_post)
    return {
        "assessed": int(assessed or 0),
        "people": int(people or 0),
        "mean_pre": pre,
        "mean_post": post,
        "mean_gain": None if pre is None or post is None else round(post - pre, 2),
    }


def no_learning() -> dict[str, Any]:
    return learning(0, 0, None, None)


def countries(named: Any, reported_max: Any, region_scoped: bool) -> dict[str, Any]:
    """Distinct countries named, and the largest "from N countries" the source gives where
    it names none. Both are lower bounds, so they combine as a max, never a sum."""
    named = int(named or 0)
    reported = int(reported_max) if reported_max is not None else None
    exact = reported is None and not region_scoped
    return {
        "named": named,
        "reported_max": reported,
        "at_least": max(named, reported or 0),
        "qualifier": counting.QUALIFIER_EXACT if exact else counting.QUALIFIER_AT_LEAST,
    }


def no_countries() -> dict[str, Any]:
    return countries(0, None, False)


def adds_up(measure: str, rows: list[dict[str, Any]], total: Any) -> bool:
    """Whether a grouping's rows happen to add up to the total (`additive`). People and
    learning never do by rule (counting rule 9), whatever the numbers."""
    if measure in ("people", "learning"):
        return counting.PEOPLE_ADDITIVE
    if measure == "activities":
        return bool(sum(row["activities"] for row in rows) == total)
    if measure == "participants":
        return bool(sum(row["participants"]["total"] for row in rows) == total["total"])
    if measure == "sessions":
        return bool(sum(row["sessions"] for row in rows) == total)
    if measure == "session_attendances":
        return bool(sum(row[measure]["total"] for row in rows) == total["total"])
    if measure in ("hours", "person_hours"):
        return bool(round(sum(row[measure]["total"] for row in rows), 2) == total["total"])
    return bool(sum(row["countries"]["at_least"] for row in rows) == total["at_least"])
