"""The chart and map geometry: pure functions from numbers to SVG-ready data."""

from __future__ import annotations

from activities import charts, maps
from activities.templatetags.figures import format_count, format_count_words


def test_counts_keep_their_qualifier():
    assert format_count(5600, "at_least") == "5,600+"
    assert format_count(5600, "more_than") == "5,600+"
    assert format_count(5600, "about") == "about 5,600"
    assert format_count(5600, "exact") == "5,600"
    assert format_count_words(5600, "at_least") == "more than 5,600"
    assert format_count(None) == "not recorded"


def test_bars_are_drawn_to_scale_and_keep_their_order():
    chart = charts.bar_chart(
        [
            charts.Bar("Americas", 6905, "at_least", href="/activities/?region=019"),
            charts.Bar("Asia", 130, "at_least"),
            charts.Bar("Europe", 0),
        ],
        title="People by region",
        description="d",
    )
    americas, asia, europe = chart["rows"]
    assert americas["bar_width"] == charts.WIDTH - charts.VALUE_SPACE - charts.PADDING
    assert round(asia["bar_width"] / americas["bar_width"], 2) == round(130 / 6905, 2)
    assert europe["bar_width"] == 0
    assert americas["value_text"] == "6,905+"
    assert americas["href"] == "/activities/?region=019"
    assert asia["bar_y"] > americas["bar_y"]
    assert chart["view_box"] == f"0 0 {charts.WIDTH} {chart['height']}"


def test_a_small_non_zero_value_stays_visible():
    chart = charts.bar_chart(
        [charts.Bar("big", 100000), charts.Bar("tiny", 1)], title="t", description="d"
    )
    assert chart["rows"][1]["bar_width"] >= 2


def test_an_empty_chart_has_no_rows_and_does_not_divide_by_zero():
    chart = charts.bar_chart([charts.Bar("none", 0)], title="t", description="d")
    assert chart["rows"][0]["bar_width"] == 0


def test_colour_classes_are_round_and_open_ended():
    classes = maps.colour_classes(8)
    assert [(c.low, c.high) for c in classes] == [(1, 1), (2, 4), (5, None)]
    assert classes[0].colour == maps.SCALE_COLOURS[0]
    assert classes[-1].colour == maps.SCALE_COLOURS[-1]
    wide = maps.colour_classes(7832)
    assert [c.low for c in wide] == [1, 10, 100, 1000]
    assert len(maps.colour_classes(10**9)) == len(maps.SCALE_COLOURS)
    assert maps.colour_classes(0) == []


def test_a_country_without_a_value_gets_the_no_data_colour():
    classes = maps.colour_classes(10)
    assert maps.colour_for(None, classes) == maps.NO_DATA_COLOUR
    assert maps.colour_for(0, classes) == maps.NO_DATA_COLOUR
    assert maps.colour_for(10, classes) == classes[-1].colour


def test_the_projection_puts_places_where_they_belong():
    width, height = maps.WIDTH, maps.map_height()
    x, _ = maps.project(0, 0)
    assert abs(x - width / 2) < 0.01
    west, _ = maps.project(-89, 13.7)  # San Salvador
    east, _ = maps.project(100.5, 13.7)  # Bangkok
    assert west < width / 2 < east
    _, north = maps.project(16.4, 48.2)  # Vienna
    _, south = maps.project(-17.4, 14.7)  # Dakar
    assert north < south < height


def test_the_shape_file_has_the_50m_countries_and_records_its_source():
    data = maps.world_shapes()
    assert data["source"]["package"] == "world-atlas"
    assert data["source"]["version"] == "2.0.2"
    shapes = data["shapes"]
    assert len(shapes) >= 235
    for code in [
        "222",
        "320",
        "340",
        "048",
        "052",
        "132",
    ]:  # SV GT HN, Bahrain, Barbados, Cabo Verde
        assert code in shapes and shapes[code]["d"].startswith("M")
    assert "010" not in shapes  # Antarctica is left out


def test_small_states_become_dots_and_disputed_areas_are_not_links():
    countries = [
        maps.MapCountry("SV", "222", "El Salvador", 13.7, -88.9, value=5, label="5 activities"),
        maps.MapCountry("TV", "798", "Tuvalu", -8.5, 179.2),
    ]
    world = maps.build_world_map(countries)
    assert [s["href"] for s in world["shapes"]] == ["/countries/SV/"]
    assert world["shapes"][0]["title"] == "El Salvador: 5 activities"
    assert world["dots"][0]["href"] == "/countries/TV/"
    assert any(shape["name"] == "Kosovo" for shape in world["other_shapes"])
    assert world["table"] == [
        {"name": "El Salvador", "href": "/countries/SV/", "label": "5 activities"}
    ]
    assert world["legend"][0]["label"] == "nothing recorded"
