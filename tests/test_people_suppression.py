"""Small-number suppression of person-level counts, against a brute-force oracle.

Hypothesis draws stats answers whose rows partition the people (so every equation a
reader could write holds): each row's sex split adds up to its total, each column of the
rows adds up to the totals' cell, participations and learning counts too. After
`suppress()`:
- no cell between 1 and threshold - 1 is visible;
- no hidden cell can be recovered from the visible numbers: the oracle writes every
  equation of the answer (female + male + not_recorded = total in each row and the
  totals; each column of the rows = the totals' cell, for the sex columns, the
  participations, and the learning counts), substitutes the visible numbers, and by
  exact Gaussian elimination over the hidden ones finds any hidden cell the system pins
  to one value. It is written from linear algebra, not from the suppression's graph.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from activities.people import suppression
from activities.people.suppression import SECONDARY_MARK, suppress

SEX = ("female", "male", "not_recorded")
THRESHOLD = 5


# --- answers ------------------------------------------------------------------------------


def people_block(female: int, male: int, not_recorded: int, extra: int) -> dict[str, Any]:
    total = female + male + not_recorded
    return {
        "total": total,
        "female": female,
        "male": male,
        "not_recorded": not_recorded,
        "participations": total + extra,
    }


def learning_block(people: int, repeats: int, score: int) -> dict[str, Any]:
    return {
        "assessed": people + repeats if people else 0,
        "people": people,
        "mean_pre": float(score) if people else None,
        "mean_post": float(score + 10) if people else None,
        "mean_gain": 10.0 if people else None,
    }


def answer_of(rows: list[tuple[dict, dict]], grouped: bool) -> dict[str, Any]:
    """An answer whose rows partition the people: the totals are the rows' sums."""
    totals_people = {
        key: sum(people[key] for people, _ in rows) for key in ("total", *SEX, "participations")
    }
    assessed = sum(learning["assessed"] for _, learning in rows)
    persons = sum(learning["people"] for _, learning in rows)
    totals_learning = {
        "assessed": assessed,
        "people": persons,
        "mean_pre": 50.0 if persons else None,
        "mean_post": 60.0 if persons else None,
        "mean_gain": 10.0 if persons else None,
    }
    return {
        "group_by": ["country"] if grouped else [],
        "measures": ["activities", "people", "learning"],
        "rows": [
            {
                "country": {"code": f"C{index}", "name": f"Country {index}"},
                "unattributed": False,
                "activities": 1,
                "people": people,
                "learning": learning,
            }
            for index, (people, learning) in enumerate(rows)
        ]
        if grouped
        else [],
        "totals": {"activities": len(rows), "people": totals_people, "learning": totals_learning},
        "additive": {"people": True, "learning": True} if grouped else {},
        "includes_drafts": False,
    }


# Mostly small numbers, so that hidden cells meet in every pattern (a bridge between two
# groups of hidden cells among them).
small = st.one_of(st.integers(min_value=0, max_value=4), st.integers(min_value=0, max_value=12))
row = st.tuples(
    st.builds(people_block, small, small, small, st.integers(0, 3)),
    st.builds(learning_block, small, st.integers(0, 2), st.integers(0, 80)),
)
answers = st.builds(answer_of, st.lists(row, min_size=1, max_size=9), st.booleans())


# --- the oracle ---------------------------------------------------------------------------

Cell = tuple[int, str, str]  # (record: a row, or len(rows) for the totals; measure; key)


def equations(answer: dict[str, Any]) -> list[dict[Cell, int]]:
    """Every linear equation a reader can write about the answer, as {cell: coefficient}
    (= 0). Learning means are left out: they are withheld whole with their counts."""
    records = [*answer["rows"], answer["totals"]]
    totals = len(records) - 1
    found: list[dict[Cell, int]] = []
    for index in range(len(records)):
        found.append({(index, "people", "total"): -1, **{(index, "people", key): 1 for key in SEX}})
    if answer["group_by"] and answer["rows"]:
        columns = [("people", key) for key in ("total", *SEX, "participations")]
        columns += [("learning", "assessed"), ("learning", "people")]
        for measure, key in columns:
            equation = {(index, measure, key): 1 for index in range(totals)}
            equation[(totals, measure, key)] = -1
            found.append(equation)
    return found


def value_of(answer: dict[str, Any], cell: Cell) -> Any:
    index, measure, key = cell
    records = [*answer["rows"], answer["totals"]]
    return records[index][measure][key]


def pinned_cells(answer: dict[str, Any]) -> list[Cell]:
    """Hidden cells whose value the visible cells and the equations determine.

    Reduced row echelon form of the system over the hidden cells (exact fractions): a
    hidden cell is determined exactly when it is a pivot whose row has no free cell."""
    system = equations(answer)
    unknowns = sorted(
        {cell for equation in system for cell in equation if not visible(value_of(answer, cell))}
    )
    position = {cell: number for number, cell in enumerate(unknowns)}
    matrix = []
    for equation in system:
        coefficients = [Fraction(0)] * len(unknowns)
        for cell, coefficient in equation.items():
            if cell in position:
                coefficients[position[cell]] = Fraction(coefficient)
        if any(coefficients):
            matrix.append(coefficients)
    pivots: list[int] = []
    top = 0
    for column in range(len(unknowns)):
        chosen = next((r for r in range(top, len(matrix)) if matrix[r][column] != 0), None)
        if chosen is None:
            continue
        matrix[top], matrix[chosen] = matrix[chosen], matrix[top]
        pivot = matrix[top][column]
        matrix[top] = [value / pivot for value in matrix[top]]
        for other in range(len(matrix)):
            if other != top and matrix[other][column] != 0:
                factor = matrix[other][column]
                matrix[other] = [
                    a - factor * b for a, b in zip(matrix[other], matrix[top], strict=True)
                ]
        pivots.append(column)
        top += 1
    free = set(range(len(unknowns))) - set(pivots)
    return [
        unknowns[column]
        for line, column in enumerate(pivots)
        if not any(matrix[line][other] != 0 for other in free)
    ]


def visible(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def all_counts(answer: dict[str, Any]):
    for index, record in enumerate([*answer["rows"], answer["totals"]]):
        for key in ("total", *SEX, "participations"):
            yield (index, "people", key), record["people"][key]
        for key in ("assessed", "people"):
            yield (index, "learning", key), record["learning"][key]


# --- the properties -----------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(answers)
def test_no_small_person_count_is_visible(answer):
    shown = suppress(answer, THRESHOLD)
    note(f"shown: {shown}")
    for cell, value in all_counts(shown):
        assert not (visible(value) and 0 < value < THRESHOLD), cell


@settings(max_examples=400, deadline=None)
@given(answers)
def test_no_hidden_cell_can_be_recovered_by_subtraction(answer):
    shown = suppress(answer, THRESHOLD)
    note(f"shown: {shown}")
    assert pinned_cells(shown) == []


@settings(max_examples=200, deadline=None)
@given(answers)
def test_hidden_cells_say_what_they_hide_and_visible_ones_are_unchanged(answer):
    shown = suppress(answer, THRESHOLD)
    for (cell, before), (_, after) in zip(all_counts(answer), all_counts(shown), strict=True):
        if visible(after):
            assert after == before, cell
        elif 0 < before < THRESHOLD:
            assert after == "<5", cell
        else:
            assert after == SECONDARY_MARK, cell
    for record in [*shown["rows"], shown["totals"]]:
        learning = record["learning"]
        if learning["suppressed"]:
            assert learning["mean_pre"] is learning["mean_post"] is learning["mean_gain"] is None
        elif learning["people"]:
            assert learning["people"] >= THRESHOLD
            assert learning["mean_gain"] is not None
        hidden_people = [key for key in record["people"] if not visible(record["people"][key])]
        assert record["people"]["suppressed"] is bool(
            [key for key in hidden_people if key != "suppressed"]
        )
    assert shown["suppression"] == {"threshold": THRESHOLD}


@given(answers)
def test_the_answer_given_is_never_changed(answer):
    import copy

    before = copy.deepcopy(answer)
    suppress(answer, THRESHOLD)
    assert answer == before


# --- examples a reader can check by hand ------------------------------------------------


def test_a_lone_small_sex_part_takes_the_next_smallest_with_it():
    answer = answer_of([(people_block(3, 7, 10, 0), learning_block(0, 0, 0))], grouped=False)
    people = suppress(answer, 5)["totals"]["people"]
    assert (people["total"], people["female"], people["male"], people["not_recorded"]) == (
        20,
        "<5",
        SECONDARY_MARK,
        10,
    )
    assert people["suppressed"] is True


def test_a_zero_stays_zero_and_is_not_taken_as_the_second_hidden_cell():
    # female 1 hidden; hiding the 0 would leave female = 6 - 5 - 0 pinned by "at least 1".
    answer = answer_of([(people_block(1, 5, 0, 0), learning_block(0, 0, 0))], grouped=False)
    people = suppress(answer, 5)["totals"]["people"]
    assert (people["female"], people["male"], people["not_recorded"]) == ("<5", "suppressed", 0)


def test_a_lone_small_row_takes_the_next_smallest_row_with_it():
    rows = [
        (people_block(0, 0, 3, 0), learning_block(0, 0, 0)),
        (people_block(0, 0, 8, 0), learning_block(0, 0, 0)),
        (people_block(0, 0, 30, 0), learning_block(0, 0, 0)),
    ]
    shown = suppress(answer_of(rows, grouped=True), 5)
    totals = [row["people"]["total"] for row in shown["rows"]]
    assert totals == ["<5", SECONDARY_MARK, 30]
    assert shown["totals"]["people"]["total"] == 41
    assert pinned_cells(shown) == []


def test_a_cell_between_two_groups_of_hidden_cells_is_mended_too():
    """Every line has two hidden cells or more, yet El Salvador's women are pinned: the
    women and men of rows A and B add up to known sums, so the women's column gives E's
    women back. The graph of hidden cells has a bridge (E's women and not recorded)."""
    rows = [
        (people_block(2, 3, 10, 0), learning_block(0, 0, 0)),  # A
        (people_block(1, 4, 10, 0), learning_block(0, 0, 0)),  # B
        (people_block(0, 0, 3, 0), learning_block(0, 0, 0)),  # C
        (people_block(0, 0, 2, 0), learning_block(0, 0, 0)),  # D
        (people_block(4, 10, 4, 0), learning_block(0, 0, 0)),  # E
    ]
    answer = answer_of(rows, grouped=True)
    shown = suppress(answer, 5)
    assert pinned_cells(shown) == []
    # Without the bridge's mending, the line rule alone leaves E's women recoverable.
    hidden_by_rule = [[key for key in SEX if 0 < people[key] < 5] for people, _ in rows]
    assert all(len(keys) != 1 for keys in hidden_by_rule[:2] + hidden_by_rule[4:])
    assert shown["rows"][4]["people"]["male"] == SECONDARY_MARK or (
        shown["rows"][4]["people"]["total"] == SECONDARY_MARK
    )


def test_learning_over_fewer_people_than_the_threshold_is_withheld():
    answer = answer_of([(people_block(2, 2, 0, 0), learning_block(4, 0, 50))], grouped=False)
    learning = suppress(answer, 5)["totals"]["learning"]
    assert learning == {
        "assessed": "<5",
        "people": "<5",
        "mean_pre": None,
        "mean_post": None,
        "mean_gain": None,
        "suppressed": True,
    }


def test_learning_of_one_small_row_withholds_another_row_too():
    rows = [
        (people_block(5, 5, 0, 0), learning_block(3, 0, 40)),
        (people_block(5, 5, 0, 0), learning_block(9, 0, 60)),
        (people_block(5, 5, 0, 0), learning_block(20, 0, 70)),
    ]
    shown = suppress(answer_of(rows, grouped=True), 5)
    withheld = [row["learning"]["suppressed"] for row in shown["rows"]]
    assert withheld == [True, True, False]
    assert shown["rows"][1]["learning"]["mean_post"] is None
    assert shown["totals"]["learning"]["people"] == 32


def test_large_numbers_pass_unchanged_but_marked():
    answer = answer_of([(people_block(10, 12, 0, 4), learning_block(20, 2, 50))], grouped=False)
    shown = suppress(answer, 5)
    assert shown["totals"]["people"] == {**answer["totals"]["people"], "suppressed": False}
    assert shown["totals"]["learning"] == {**answer["totals"]["learning"], "suppressed": False}


def test_a_threshold_of_one_hides_nothing():
    answer = answer_of([(people_block(1, 2, 0, 0), learning_block(1, 0, 50))], grouped=False)
    shown = suppress(answer, 1)
    assert shown["totals"]["people"]["female"] == 1


def test_an_answer_without_person_level_measures_is_left_alone():
    answer = {"group_by": [], "measures": ["participants"], "rows": [], "totals": {}}
    assert suppression.for_user(answer, None) == answer


@pytest.mark.django_db
def test_anonymous_users_get_suppressed_answers_and_managers_exact_ones(role_users, settings):
    settings.PERSON_COUNT_THRESHOLD = 5
    answer = answer_of([(people_block(1, 9, 0, 0), learning_block(0, 0, 0))], grouped=False)
    assert suppression.for_user(answer, None)["totals"]["people"]["female"] == "<5"
    donor = role_users["donor viewer"]
    assert suppression.for_user(answer, donor)["totals"]["people"]["female"] == "<5"
    manager = role_users["manager"]
    assert suppression.for_user(answer, manager)["totals"]["people"]["female"] == 1
