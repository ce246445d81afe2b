"""The rollups (activities/rollups/) answer exactly what the base tables answer.

Hypothesis draws a programme, writes it and rolls it up; then draws a second programme
and rewrites the first into it in place (activities edited, their rows replaced, tags
and dates changed, some deleted, some added), which only the triggers' notes tell the
rollups about. Every grouping the rollups keep is then asked through the engine: the
answer must come from the rollups and equal a brute-force count of the second programme
(tests/test_stats_properties.py's oracle) and the engine's own answer from the base
tables. Other tests: the triggers note every kind of write (ORM, bulk update, raw SQL),
a question the rollups do not hold goes to the base tables, a replica with notes never
reads stale rollups, and a computed answer's statements do not grow with the data.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from hypothesis import given, note
from hypothesis import strategies as st

from activities import rollups, stats
from activities.filters import ActivityFilterSet
from activities.models import (
    Activity,
    Audience,
    BeneficiaryGroup,
    Country,
    Region,
    RollupCell,
    RollupChange,
    RollupTotal,
    Theme,
)
from activities.rollups import universe
from activities.rollups.shapes import LAYOUT_SHAPE, SHAPES, measures_of
from tests.test_stats_properties import (
    COUNTRIES,
    FILTER_REGIONS,
    HELD_IN,
    KINDS,
    PREFIX,
    PROPERTY_SETTINGS,
    SCOPE_REGIONS,
    THEMES,
    Act,
    Geography,
    brute_force,
    fill,
    key_of,
    programmes,
    write,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _readers_catch_up(settings):
    """As in production: a reader rolls up what writes left (tests/conftest.py)."""
    settings.ROLLUPS_READERS_CATCH_UP = True


# Filters that restrict no one's place or audience: the rollups hold them, except where a
# grouping reads the filter (a year filter grouped by year keeps that year's key only).
unrestricted_filters = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(KINDS),
        "delivery": st.sampled_from(["all", "delivered,ongoing", "postponed,cancelled"]),
        "held_in": st.sampled_from(HELD_IN),
        "year": st.integers(2019, 2022),
        "theme": st.sampled_from(THEMES),
    },
)
# A place too: the people counted are those attributed under it. The cells by place hold
# such questions ungrouped and by kind or theme; by place or year, the base tables.
place_filters = st.one_of(
    st.fixed_dictionaries({"region": st.sampled_from(FILTER_REGIONS)}),
    st.fixed_dictionaries({"country": st.sampled_from([*COUNTRIES, "FR"])}),
)
any_filters = st.one_of(
    unrestricted_filters,
    st.tuples(unrestricted_filters, place_filters).map(lambda parts: {**parts[0], **parts[1]}),
)
# The groupings the brute force knows, among those the rollups keep.
CHECKED_SHAPES = [
    list(shape)
    for shape in SHAPES
    if all(name in ("region", "country", "year", "theme", "kind", "sex") for name in shape)
]


@pytest.fixture(scope="module")
def geography(django_db_setup, django_db_blocker) -> Geography:
    with django_db_blocker.unblock():
        return Geography()


def rewrite(ids: list[int], programme: list[Act]) -> list[int]:
    """Make the written activities `ids` into `programme`, in place where both have one;
    delete the rest, create what is new."""
    countries = {c.iso2: c for c in Country.objects.filter(iso2__in=[*COUNTRIES, "FR"])}
    regions = {r.code: r for r in Region.objects.filter(code__in=SCOPE_REGIONS)}
    themes = {t.slug: t for t in Theme.objects.filter(slug__in=THEMES)}
    kept = ids[: len(programme)]
    Activity.objects.filter(pk__in=ids[len(programme) :]).delete()
    for pk, act in zip(kept, programme, strict=False):
        Activity.objects.filter(pk=pk).update(
            kind=act.kind,
            start_date=act.start,
            end_date=act.end,
            date_precision=act.precision,
            reported_countries_count=act.reported_countries_count,
            status=act.status,
            delivery=act.delivery,
            venue_country=countries[act.venue] if act.venue else None,
            hours=act.hours,
        )
        activity = Activity.objects.get(pk=pk)
        BeneficiaryGroup.objects.filter(activity=activity).delete()
        fill(activity, act, countries, regions, themes)
    # write() numbers references from 0: the kept ones make way.
    for pk in kept:
        Activity.objects.filter(pk=pk).update(reference=f"{PREFIX}kept-{pk}")
    added = write(programme[len(kept) :]) if len(programme) > len(kept) else []
    return kept + added


def held_by_rollups(query: dict[str, Any], group_by: list[str]) -> bool:
    """Which questions the rollups answer, written out here rather than asked of
    rollups.answerable: a filter that a grouping reads (a year filter grouped by year
    keeps that year's key only) goes to the base tables; with a place, so does every
    grouping but kind and theme."""
    if any(name in query and name in group_by for name in ("year", "theme")):
        return False
    placed = "region" in query or "country" in query
    return not placed or group_by in ([], ["kind"], ["theme"])


def ask(
    query: dict[str, Any],
    group_by: list[str],
    *,
    use_rollups: bool = True,
    measures: list[str] | None = None,
):
    filterset = ActivityFilterSet(
        {k: str(v) for k, v in query.items()},
        queryset=Activity.objects.filter(reference__startswith=PREFIX),
    )
    assert filterset.is_valid(), filterset.errors
    with override_settings(ROLLUPS=use_rollups):
        answer = stats.compute(
            filterset.qs,
            group_by=group_by,
            measures=measures or measures_for(group_by, query),
            restriction=stats.restriction_from_filters(filterset.form.cleaned_data),
        )
    return filterset, answer


def measures_for(group_by: list[str], query: dict[str, Any] | None = None) -> list[str]:
    """The measures the rollups hold for the grouping (countries only ungrouped, and
    not within a place)."""
    placed = bool(query) and ("region" in query or "country" in query)
    return list(measures_of(group_by)) + ([] if group_by or placed else ["countries"])


def check_public(group_by: list[str]) -> None:
    """The public activities (seed and programme): their kept sums, as the base tables;
    and so are those of each theme, as an anonymous "theme=" question finds them."""
    measures = measures_for(group_by)
    answer = stats.compute(universe.public(), group_by=group_by, measures=measures)
    assert rollups.path() == rollups.PUBLIC_TOTALS
    with override_settings(ROLLUPS=False):
        base = stats.compute(universe.public(), group_by=group_by, measures=measures)
    assert answer == base
    if group_by in ([], ["year"], ["theme"]):
        for theme in Theme.objects.filter(slug__in=THEMES):
            check_public_theme(theme, group_by)
    if group_by in ([], ["kind"]):
        for place in [*({"region": code} for code in FILTER_REGIONS), *PLACES]:
            check_public_place(place, group_by)


# Every country of the programmes, one listed by no activity, and one that only rows
# name (counting rule 3 puts an activity there all the same).
PLACES = [{"country": code} for code in [*COUNTRIES, "FR"]]


def check_public_place(filters: dict[str, str], group_by: list[str]) -> None:
    """A place's public activities (an anonymous "region=" or "country="): from the kept
    sums of their cells in the place, as the base tables count them, the unattributed
    people included."""
    filterset = ActivityFilterSet(
        filters, queryset=Activity.objects.aggregated_for(AnonymousUser())
    )
    assert filterset.is_valid(), filterset.errors
    restriction = stats.restriction_from_filters(filterset.form.cleaned_data)
    for measures in (["activities", "participants"], ["participants"], ["activities"]):
        answers = []
        for use_rollups in (True, False):
            with override_settings(ROLLUPS=use_rollups):
                answers.append(
                    stats.compute(
                        filterset.qs, group_by=group_by, measures=measures, restriction=restriction
                    )
                )
            if use_rollups:
                assert rollups.path() == rollups.PUBLIC_TOTALS, (filters, group_by)
        assert answers[0] == answers[1], (filters, group_by, measures)


def check_public_theme(theme: Theme, group_by: list[str]) -> None:
    """A theme's public activities: a thematic area's from the kept sums by theme (a
    topic's from the activities' cells), and as the base tables count them."""
    filterset = ActivityFilterSet(
        {"theme": theme.slug}, queryset=Activity.objects.aggregated_for(AnonymousUser())
    )
    assert filterset.is_valid(), filterset.errors
    restriction = stats.restriction_from_filters(filterset.form.cleaned_data)
    for measures in (["activities", "participants"], ["participants"]):
        answers = []
        for use_rollups in (True, False):
            with override_settings(ROLLUPS=use_rollups):
                answers.append(
                    stats.compute(
                        filterset.qs, group_by=group_by, measures=measures, restriction=restriction
                    )
                )
            if use_rollups and theme.parent_id is None:
                assert rollups.path() == rollups.PUBLIC_TOTALS, (theme.slug, group_by)
        assert answers[0] == answers[1], (theme.slug, group_by, measures)


def check(geography: Geography, programme: list[Act], ids: list[int], query, group_by) -> None:
    check_public(group_by)
    # The refresh deleted every totals row its write left summing nothing (refresh.
    # _delete_empty): such a row would be a group of no one.
    empty = RollupTotal.objects.filter(
        activities=0, total=0, with_people=0, rank1=0, rank2=0, named=0
    ).exclude(shape=LAYOUT_SHAPE)
    assert not empty.exists(), list(empty.values_list("shape", "k0", "k1")[:5])
    _, answer = ask(query, group_by)
    if held_by_rollups(query, group_by):
        assert rollups.path() in (rollups.ROLLUPS, rollups.PUBLIC_TOTALS)
    else:
        assert rollups.path() == rollups.BASE_TABLES
    _, base = ask(query, group_by, use_rollups=False)
    assert rollups.path() == rollups.BASE_TABLES
    assert answer == base
    # Participations alone: only the cells where someone is counted, as from the rows.
    _, alone = ask(query, group_by, measures=["participants"])
    _, alone_base = ask(query, group_by, use_rollups=False, measures=["participants"])
    assert alone == alone_base
    expected = brute_force(geography, programme, query, group_by)
    if "sex" not in group_by:
        assert answer["totals"]["activities"] == len(expected["matched"])
    if "countries" in answer["totals"]:
        assert answer["totals"]["countries"]["named"] == expected["countries_named"]
    assert answer["totals"]["participants"] == expected["totals"]
    if not group_by:
        return
    rows = {tuple(key_of(d, row[d]) for d in group_by): row for row in answer["rows"]}
    people = expected["cells_people"]
    empty = {"total": 0, "female": 0, "male": 0, "not_recorded": 0, "qualifier": "exact"}
    if "sex" in group_by:
        for cell, values in people.items():
            if values["total"]:
                assert rows[cell]["participants"] == values, cell
        return
    activities = expected["cells_per_dimension"]
    assert set(rows) == set(activities)
    for cell, row in rows.items():
        assert row["activities"] == len(activities[cell]), cell
        assert row["participants"] == people.get(cell, empty), cell


@PROPERTY_SETTINGS
@given(
    first=programmes,
    second=programmes,
    query=any_filters,
    group_by=st.sampled_from(CHECKED_SHAPES),
)
def test_rollups_equal_a_brute_force_count_after_random_writes(
    db, geography, first, second, query, group_by
):
    note(f"first={first!r}\nsecond={second!r}\nquery={query!r} group_by={group_by!r}")
    with transaction.atomic():
        ids = write(first)
        assert rollups.catch_up()
        assert not RollupChange.objects.exists()
        ids = rewrite(ids, second)
        assert RollupChange.objects.exists()  # only the triggers told the rollups
        check(geography, second, ids, query, group_by)
        transaction.set_rollback(True)


def _one_activity(kind: str = "training", people: int | None = 10) -> Activity:
    """A published activity of `kind` with one row of `people` (None: no row)."""
    activity = Activity.objects.create(
        reference=f"{PREFIX}one-{Activity.objects.count()}",
        title="One",
        kind=kind,
        start_date=datetime.date(2020, 3, 1),
        end_date=datetime.date(2020, 3, 2),
        status="published",
        delivery="delivered",
    )
    if people is not None:
        BeneficiaryGroup.objects.create(activity=activity, total=people, not_recorded=people)
    return activity


def test_every_kind_of_write_is_noted(db):
    rollups.catch_up()
    activity = _one_activity()
    assert set(RollupChange.objects.values_list("activity_id", flat=True)) == {activity.pk}
    rollups.catch_up()
    assert not RollupChange.objects.exists()
    # A bulk update of the rows, no model method called.
    BeneficiaryGroup.objects.filter(activity=activity).update(total=12, not_recorded=12)
    assert RollupChange.objects.filter(activity_id=activity.pk).exists()
    # Only its rows: no person's cells to roll up again.
    assert not RollupChange.objects.filter(people=True).exists()
    rollups.catch_up()
    Activity.objects.filter(pk=activity.pk).update(title="Renamed")
    assert RollupChange.objects.filter(activity_id=activity.pk, people=True).exists()
    rollups.catch_up()
    # Raw SQL.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE activities_beneficiarygroup SET total = 13, not_recorded = 13 "
            "WHERE activity_id = %s",
            [activity.pk],
        )
    assert RollupChange.objects.filter(activity_id=activity.pk).exists()
    rollups.catch_up()
    # A place's name: nothing to roll up.
    Country.objects.filter(iso2="SV").update(name="El Salvador (renamed)")
    assert not RollupChange.objects.exists()
    # A place moved to another subregion: every activity at once (a note of neither),
    # rolled up by the command, not by a web request (which counts from the base tables).
    salvador = Country.objects.get(iso2="SV")
    subregion = salvador.m49_subregion
    Country.objects.filter(pk=salvador.pk).update(m49_subregion=Region.objects.get(code="005"))
    Country.objects.filter(pk=salvador.pk).update(m49_subregion=subregion)
    assert RollupChange.objects.filter(activity_id=None, participant_id=None).exists()
    assert not rollups.catch_up()
    stats.compute(Activity.objects.filter(pk=activity.pk), measures=["participants"])
    assert rollups.path() == rollups.BASE_TABLES
    rollups.rebuild()
    totals = stats.compute(Activity.objects.filter(pk=activity.pk), measures=["participants"])
    assert rollups.path() in (rollups.ROLLUPS, rollups.PUBLIC_TOTALS)
    assert totals["totals"]["participants"]["total"] == 13
    # Deleted: its cells go with the next catch-up.
    pk = activity.pk
    activity.delete()
    rollups.catch_up()
    assert not RollupCell.objects.filter(activity_id=pk).exists()


def test_questions_the_rollups_do_not_hold_go_to_the_base_tables(db):
    rollups.catch_up()
    everything = Activity.objects.all()
    stats.compute(everything, group_by=["region"], measures=["activities", "participants"])
    assert rollups.path() in (rollups.ROLLUPS, rollups.PUBLIC_TOTALS)
    stats.compute(everything, group_by=["region"])  # countries: distinct across activities
    assert rollups.path() == rollups.BASE_TABLES
    stats.compute(everything, measures=["people"])
    assert rollups.path() == rollups.BASE_TABLES
    stats.compute(everything, group_by=["partner"], measures=["activities"])
    assert rollups.path() == rollups.BASE_TABLES
    # A place: the cells by place, ungrouped and by kind, modality or theme; not by place.
    central_america = Region.objects.get(code="013")
    stats.compute(everything, place=central_america, measures=["activities", "participants"])
    assert rollups.path() == rollups.ROLLUPS
    stats.compute(everything, place=central_america, group_by=["kind"], measures=["activities"])
    assert rollups.path() == rollups.ROLLUPS
    stats.compute(everything, place=central_america, group_by=["country"], measures=["activities"])
    assert rollups.path() == rollups.BASE_TABLES
    stats.compute(everything, place=central_america, group_by=["year"], measures=["activities"])
    assert rollups.path() == rollups.BASE_TABLES
    stats.compute(everything, place=central_america, measures=["countries"])
    assert rollups.path() == rollups.BASE_TABLES
    # A theme filter narrows a grouping by theme to that theme's key; by year, it does not.
    theme = Theme.objects.filter(parent=None).first()
    restriction = stats.Restriction(theme=theme)
    stats.compute(everything, group_by=["theme"], measures=["activities"], restriction=restriction)
    assert rollups.path() == rollups.BASE_TABLES
    stats.compute(everything, group_by=["year"], measures=["activities"], restriction=restriction)
    assert rollups.path() in (rollups.ROLLUPS, rollups.PUBLIC_TOTALS)
    audience = stats.Restriction(audience=Audience.objects.first())
    stats.compute(everything, group_by=["year"], measures=["activities"], restriction=audience)
    assert rollups.path() == rollups.BASE_TABLES


def test_an_answer_with_notes_left_counts_from_the_base_tables(db, monkeypatch):
    """A replica that has not replayed the refresh (or a refresh that failed) never
    reads rollups that miss a write."""
    rollups.catch_up()
    activity = _one_activity()
    monkeypatch.setattr(rollups.refresh, "catch_up", lambda *a, **k: False)
    monkeypatch.setattr(rollups, "catch_up", lambda *a, **k: False)
    answer = stats.compute(Activity.objects.filter(pk=activity.pk), measures=["participants"])
    assert rollups.path() == rollups.BASE_TABLES
    assert answer["totals"]["participants"]["total"] == 10


def test_a_computed_answers_statements_do_not_grow_with_the_data(db):
    rollups.catch_up()
    counts = []
    for number in range(2):
        for _ in range(3 * number + 1):
            _one_activity()
        rollups.catch_up()
        with CaptureQueriesContext(connection) as queries:
            stats.compute(Activity.objects.all(), group_by=["country"], measures=["activities"])
        assert rollups.path() in (rollups.ROLLUPS, rollups.PUBLIC_TOTALS)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_refresh_command_rebuilds_every_cell(db):
    from django.core.management import call_command

    _one_activity()
    RollupCell.objects.all().delete()
    call_command("refresh_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert RollupCell.objects.filter(shape="").count() == Activity.objects.count()


def _post_a_training(client) -> None:
    from activities.roles import PROGRAMME_MANAGER
    from tests.fixtures_roles import make_role_user
    from tests.test_api_writes import TRAINING

    client.force_login(make_role_user("rollup-manager", PROGRAMME_MANAGER))
    response = client.post("/api/v1/activities/", TRAINING, content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_write_request_rolls_up_what_it_wrote(db, client):
    rollups.catch_up()
    _post_a_training(client)
    assert not RollupChange.objects.exists()


def test_a_big_write_is_rolled_up_as_its_response_closes(db, client, monkeypatch):
    from activities.rollups import middleware

    rollups.catch_up()
    monkeypatch.setattr(middleware, "INLINE_NOTES", 0)
    _post_a_training(client)  # the test client closes the response, as WSGI does
    assert not RollupChange.objects.exists()


def test_the_api_list_counts_the_public_activities_from_the_rollups(db, client):
    """An anonymous list without filters is the public set: its count is the kept sum,
    with no COUNT(*); a filtered list, or one with a write not rolled up, counts."""
    for _ in range(3):
        _one_activity()
    draft = _one_activity()
    Activity.objects.filter(pk=draft.pk).update(status="draft")
    rollups.catch_up()
    public = universe.public().count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/activities/?page_size=2")
    assert response.status_code == 200
    assert response.json()["count"] == public
    assert not [q for q in queries if "COUNT(*)" in q["sql"].upper()]
    assert rollups.path() == rollups.PUBLIC_TOTALS
    # A filter: not the public set, counted.
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/activities/?page_size=2&year=2020")
    assert response.json()["count"] == universe.public().filter(start_date__year=2020).count()
    assert [q for q in queries if "COUNT(*)" in q["sql"].upper()]
    # A write not rolled up yet (a reader would roll it up; here none does): counted,
    # and the new activity is in the count.
    _one_activity()
    assert rollups.pending()
    assert rollups.public_count(universe.public()) is None
    response = client.get("/api/v1/activities/?page_size=2")
    assert response.json()["count"] == public + 1


def test_participations_alone_have_only_the_cells_where_someone_is_counted(db):
    """An activity without beneficiary rows (or whose people all belong elsewhere) is in
    its kind's cell for the activities measure only: asked for participations alone,
    the rollups give no row for it, as the base tables do."""
    webinar = _one_activity(kind="webinar", people=None)
    webinar.countries.add(Country.objects.get(iso2="SV"))
    training = _one_activity()  # ten people, attributed to no place
    training.countries.add(Country.objects.get(iso2="SV"))
    rollups.catch_up()
    programme = Activity.objects.filter(pk__in=[webinar.pk, training.pk])
    salvador = Country.objects.get(iso2="SV")
    for place in (None, salvador):
        for group_by in (["kind"], ["theme"], []):
            answer = stats.compute(
                programme, group_by=group_by, place=place, measures=["participants"]
            )
            assert rollups.path() == rollups.ROLLUPS
            with override_settings(ROLLUPS=False):
                base = stats.compute(
                    programme, group_by=group_by, place=place, measures=["participants"]
                )
            assert answer == base, (place, group_by)
    kinds = stats.compute(programme, group_by=["kind"], measures=["participants"])["rows"]
    assert [row["kind"]["code"] for row in kinds] == ["training"]


def test_rollups_built_with_other_groupings_are_not_read(db):
    """Code served before the `migrate` that rebuilds its groupings (the database holds
    those of the code before) counts from the base tables until the rebuild."""
    activity = _one_activity()
    rollups.catch_up()
    programme = Activity.objects.filter(pk=activity.pk)
    stats.compute(programme, measures=["participants"])
    assert rollups.path() == rollups.ROLLUPS
    RollupTotal.objects.filter(shape="layout").update(k0="built-by-older-code")
    answer = stats.compute(programme, measures=["participants"])
    assert rollups.path() == rollups.BASE_TABLES
    assert answer["totals"]["participants"]["total"] == 10
    rollups.rebuild()
    stats.compute(programme, measures=["participants"])
    assert rollups.path() == rollups.ROLLUPS


def test_a_themes_public_question_waits_for_the_roll_up_and_reads_the_kept_sums(db):
    """An anonymous "theme=<area>" question after a write no request rolled up, grouped
    by theme too (where the activities' cells could not answer): the reader rolls the
    write up, then reads the theme's kept sums, as the base tables count."""
    rollups.catch_up()
    area = Theme.objects.filter(parent=None).first()
    activity = _one_activity(people=7)
    activity.themes.add(area)
    assert RollupChange.objects.exists()
    filterset = ActivityFilterSet(
        {"theme": area.slug}, queryset=Activity.objects.aggregated_for(AnonymousUser())
    )
    assert filterset.is_valid()
    restriction = stats.restriction_from_filters(filterset.form.cleaned_data)
    for group_by in ([], ["year"], ["theme"]):
        answers = []
        for use_rollups in (True, False):
            with override_settings(ROLLUPS=use_rollups):
                answers.append(
                    stats.compute(
                        filterset.qs,
                        group_by=group_by,
                        measures=["activities", "participants"],
                        restriction=restriction,
                    )
                )
            if use_rollups:
                assert rollups.path() == rollups.PUBLIC_TOTALS, group_by
        assert answers[0] == answers[1], group_by
        assert answers[0]["totals"]["participants"]["total"] >= 7
    assert not RollupChange.objects.exists()
    # The same question over what a manager counts (drafts too): not the public set,
    # and grouped by theme, not the activities' cells either.
    with override_settings(ROLLUPS=True):
        stats.compute(
            Activity.objects.all(),
            group_by=["theme"],
            measures=["activities"],
            restriction=restriction,
        )
    assert rollups.path() == rollups.BASE_TABLES
