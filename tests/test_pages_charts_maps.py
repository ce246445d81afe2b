"""The chart and map geometry: pure functions from numbers to SVG-ready data."""

from __future__ import annotations

import itertools
import re

import pytest

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


def test_columns_over_time_are_drawn_to_scale_and_mark_the_chosen_year():
    chart = charts.column_chart([("2019", 1), ("2020", 19), ("2021", 0)], highlighted="2020")
    first, chosen, empty = chart["columns"]
    assert chosen["height"] == charts.COLUMN_AREA_HEIGHT
    assert first["height"] == round(charts.COLUMN_AREA_HEIGHT / 19, 1)
    assert empty["height"] == 0 and empty["value"] == 0
    assert [c["highlighted"] for c in chart["columns"]] == [False, True, False]
    assert first["centre"] < chosen["centre"] < empty["centre"]


def test_stacked_segments_lie_end_to_end_on_one_scale():
    chart = charts.stacked_bar_chart(
        [
            (
                "Americas",
                "6,905+",
                [charts.Segment(650, "named", "a"), charts.Segment(6255, "region_wide", "b")],
            ),
            ("Asia", "130+", [charts.Segment(130, "region_wide", "c")]),
        ]
    )
    americas, asia = chart["rows"]
    named, region_wide = americas["segments"]
    assert region_wide["x"] == round(named["x"] + named["width"], 1)
    assert named["width"] + region_wide["width"] == pytest.approx(
        charts.WIDTH - charts.VALUE_SPACE - charts.PADDING, abs=0.2
    )
    assert asia["segments"][0]["width"] < named["width"]
    assert americas["value_text"] == "6,905+"


def test_a_share_of_zero_is_left_out_and_not_recorded_is_a_share_of_its_own():
    bar = charts.share_bar(
        [("Female", 0, "female"), ("Male", 0, "male"), ("Not recorded", 40267, "not_recorded")]
    )
    assert [(p["kind"], p["share"]) for p in bar["parts"]] == [("not_recorded", 100)]
    split = charts.share_bar(
        [("Female", 30, "female"), ("Male", 10, "male"), ("Not recorded", 60, "not_recorded")]
    )
    assert [p["share"] for p in split["parts"]] == [30, 10, 60]


def test_a_long_label_is_condensed_to_fit_and_a_short_one_is_not():
    chart = charts.bar_chart(
        [
            charts.Bar("Prevention", 5),
            charts.Bar("Exploitation et atteintes sexuelles visant des enfants en ligne", 3),
        ],
        title="t",
        description="d",
    )
    short, long = chart["rows"]
    assert short["label_length"] is None
    assert long["label_length"] == charts.WIDTH - 2 * charts.PADDING


def test_a_region_view_frames_its_countries_at_the_zoom_aspect():
    view = maps.region_view_box(["222", "320", "340"])  # SV, GT, HN
    assert view is not None
    assert view.width / view.height == pytest.approx(maps.ZOOM_ASPECT, rel=0.01)
    x0, y0, x1, y1 = maps.bounds_of(["222", "320", "340"])
    assert view.x <= x0 and x1 <= view.x + view.width
    assert view.y <= y0 and y1 <= view.y + view.height
    assert view.scale < 0.2
    assert maps.region_view_box(["999"]) is None


def test_region_circles_have_areas_in_proportion_and_keep_their_size_when_zoomed():
    regions = [
        maps.MapRegion(
            "013", "Central America", 6255, "l", "6,255+", "/regions/013/", ("222", "320", "340")
        ),
        maps.MapRegion("142", "Asia", 130, "l", "130+", "/regions/142/", ("156", "356")),
    ]
    world = maps.region_symbols(regions, maps.world_view_box())
    big, small = world
    assert big["code"] == "013"  # the largest is drawn first, under the smaller
    assert big["r"] == maps.SYMBOL_MAX_RADIUS
    assert small["r"] == max(maps.SYMBOL_MAX_RADIUS * (130 / 6255) ** 0.5, maps.SYMBOL_MIN_RADIUS)
    view = maps.region_view_box(["222", "320", "340"])
    zoomed = maps.region_symbols(regions, view)
    assert zoomed[0]["r"] == pytest.approx(maps.SYMBOL_MAX_RADIUS * view.scale, abs=0.01)


# --- The dashboard's map and charts, against the stats API and the lists behind them ---


def _stats(client, query: str) -> dict:
    response = client.get(f"/api/v1/stats/?{query}")
    assert response.status_code == 200, response.content[:300]
    return response.json()


@pytest.mark.django_db
def test_the_map_draws_central_americas_region_wide_reach_in_2020_as_a_circle(client):
    response = client.get("/?year=2020")
    regions = {region["code"]: region for region in response.context["world_map"]["regions"]}
    # The 5,600+ teachers and 655 investigators of SV, GT and HN belong to Central America.
    assert regions["013"]["value_text"] == "6,255+"
    assert regions["013"]["href"] == "/regions/013/"
    html = response.content.decode()
    circle = re.search(r'<a class="map-region" href="/regions/013/" aria-label="([^"]+)"', html)
    assert circle and "more than 6,255 participations" in circle.group(1)
    assert "not attributable to one country" in circle.group(1)
    assert ">6,255+</text>" in html
    # World-wide reach belongs to no one place: said beside the map, not drawn.
    assert "001" not in regions
    assert "add 33,232+ participations" in " ".join(html.split())


@pytest.mark.django_db
def test_the_map_zooms_to_where_there_was_delivery_and_back_out(client):
    world = client.get("/").context["world_map"]
    assert [view["code"] for view in world["zoom_views"]] == ["011", "013", "035"]
    assert not world["zoomed"]
    response = client.get("/?zoom=013")
    zoomed = response.context["world_map"]
    assert zoomed["zoomed"] and zoomed["zoom_current"]["code"] == "013"
    x, _y, width, _height = (float(n) for n in zoomed["view_box"].split())
    assert width < world["width"] / 5  # a close view of Central America
    # El Salvador lies inside the view.
    salvador = next(s for s in zoomed["shapes"] if s["href"] == "/countries/SV/")
    xs = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", salvador["d"])][0::2]
    assert x < min(xs) and max(xs) < x + width
    html = response.content.decode()
    assert 'data-zoom="013"' in html
    assert '<span class="button-link current" aria-current="true">Central America</span>' in html
    assert '<a class="button-link" href="/#map-section-title">Whole world</a>' in html
    # An unknown view is the world.
    assert not client.get("/?zoom=999").context["world_map"]["zoomed"]


@pytest.mark.django_db
def test_the_legend_says_the_measure_and_its_qualifier(client):
    html = " ".join(client.get("/?map=participants").content.decode().split())
    assert "Participations attributed to one country:</li>" in html
    assert "“6,255+” means at least 6,255" in html
    assert "not attributable to one country" in html


@pytest.mark.django_db
def test_only_countries_with_a_figure_are_in_the_keyboards_tab_order(client):
    world = client.get("/").context["world_map"]
    with_value = {s["href"] for s in world["shapes"] if s["has_value"]}
    assert with_value == {f"/countries/{c}/" for c in ("BF", "BZ", "CR", "SV", "GT", "HN")}
    html = client.get("/").content.decode()
    assert 'aria-label="El Salvador: 5 activities" class="has-value"' in html


@pytest.mark.django_db
def test_the_chart_over_time_matches_the_stats_api(client):
    api = _stats(client, "group_by=year&measures=activities,participants")
    chart = client.get("/?year=2020").context["time_chart"]
    by_year = {row["label"]: row for row in chart["rows"]}
    for row in api["rows"]:
        shown = by_year[str(row["year"]["code"])]
        assert shown["cells"][0] == str(row["activities"])
        total, qualifier = row["participants"]["total"], row["participants"]["qualifier"]
        assert shown["cells"][1] == format_count(total, qualifier)
    # Every year between the first and the last is a column; 2020 is marked.
    columns = chart["drawing"]["columns"]
    years = [row["year"]["code"] for row in api["rows"]]
    assert [c["label"] for c in columns] == [str(y) for y in range(min(years), max(years) + 1)]
    assert [c["label"] for c in columns if c["highlighted"]] == ["2020"]


@pytest.mark.django_db
def test_the_chart_by_region_stacks_named_and_region_wide_reach_as_the_api_counts(client):
    api = _stats(client, "year=2020&group_by=region")
    chart = client.get("/?year=2020").context["region_chart"]
    rows = {row["label"]: row for row in chart["rows"]}
    for row in api["rows"]:
        if row["region"] is None:
            continue
        people = row["participants"]
        assert rows[row["region"]["name"]]["cells"][-1] == format_count(
            people["total"], people["qualifier"]
        )
    assert rows["Americas"]["cells"] == ["650", "Central America 6,255+", "6,905+"]
    assert rows["Asia"]["cells"] == ["0", "Asia 130+", "130+"]
    unattributed = next(row for row in api["rows"] if row["region"] is None)
    worldwide = rows["Worldwide activities, open to every region"]
    assert worldwide["cells"][-1] == format_count(unattributed["participants"]["total"], "at_least")
    assert "Not attributable to one region" not in str(chart)
    americas = next(r for r in chart["drawing"]["rows"] if r["label"] == "Americas")
    assert [s["kind"] for s in americas["segments"]] == ["named", "region_wide"]


@pytest.mark.django_db
def test_each_chart_links_to_a_list_whose_totals_are_the_charts(client):
    response = client.get("/?year=2020")
    context = response.context
    for name in ("time_chart", "region_chart", "sex_chart"):
        chart = context[name]
        listed = client.get(chart["list_href"]).context["totals"]
        if name == "time_chart":
            assert chart["list_href"] == "/activities/"
            continue
        assert chart["list_href"] == "/activities/?year=2020"
        assert listed["activities"] == context["totals"]["activities"]
        assert listed["participants"] == context["totals"]["participants"]
    americas = next(r for r in context["region_chart"]["rows"] if r["label"] == "Americas")
    listed = client.get(americas["href"]).context["totals"]
    assert format_count(listed["participants"]["total"], "at_least") == americas["cells"][-1]
    year_row = next(r for r in context["time_chart"]["rows"] if r["label"] == "2020")
    listed = client.get(year_row["href"]).context["totals"]
    assert str(listed["activities"]) == year_row["cells"][0]


@pytest.mark.django_db
def test_no_chart_puts_links_inside_a_picture_or_a_table_inside_a_figure(client):
    html = client.get("/").content.decode()
    for svg in re.findall(r'<svg class="chart-svg.*?</svg>', html, re.S):
        assert "<a " not in svg
    for figure in re.findall(r"<figure.*?</figure>", html, re.S):
        assert "<details" not in figure
    assert 'class="map-svg" viewBox="0 0 1000' in html
    assert 'role="img"' not in re.search(r'<svg class="map-svg"[^>]*>', html).group(0)


@pytest.mark.django_db
def test_a_country_page_heads_with_what_is_counted_for_it_and_the_region_wide_reach(client):
    html = client.get("/countries/GT/").content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Participations counted for Guatemala none counted for the country alone" in text
    assert (
        "Region-wide participations that include Guatemala 6,255+ counted for Central America"
        in text
    )
    levels = [int(level) for level in re.findall(r"<h([1-6])", html.split("<main", 1)[1])]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
