"""The benchmark's comparison of a public (suppressed) answer with the hand-written SQL:
a number shown must be the SQL's, "<5" must stand for 1 to 4, "suppressed" hides any."""

from __future__ import annotations

from bench import queries


def test_a_shown_number_must_be_the_sqls():
    assert queries.same((3, 2, 1), (3, 2, 1))
    assert not queries.same((3, 2, 1), (3, 1, 2))
    assert not queries.same((3, 2), (3, 2, 1))


def test_a_small_cell_stands_for_1_to_threshold_minus_1():
    assert queries.same(("<5", 7), (4, 7))
    assert queries.same(("<5", 7), (1, 7))
    assert not queries.same(("<5", 7), (0, 7))
    assert not queries.same(("<5", 7), (5, 7))


def test_a_secondary_cell_hides_any_value_and_is_counted():
    assert queries.same(("suppressed", 7), (120, 7))
    answer = {"totals": (("<5", "suppressed", 3),), "rows": {("SV",): ((1, 0, 1),)}}
    assert queries.hidden_cells(answer) == 2


def test_withheld_learning_means_are_suppressed_cells():
    query = queries.PeopleQuery("t", "", queries.Filters(), measures=("learning",))
    data = {
        "totals": {
            "learning": {
                "assessed": "<5",
                "people": "<5",
                "mean_pre": None,
                "mean_post": None,
                "mean_gain": None,
                "suppressed": True,
            }
        }
    }
    api = queries.people_from_api(query, data)
    sql = queries.people_from_sql(query, [[(3, 2, 40.0, 55.5)]])
    assert sql["totals"] == ((3, 2, 40.0, 55.5, 15.5),)
    assert not queries.people_differences(api, sql)
    assert queries.people_differences(api, queries.people_from_sql(query, [[(0, 0, None, None)]]))
