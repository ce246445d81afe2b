"""Planned against achieved (activities/results/compute.py): actuals, statuses, periods,
freshness after a write, and the number of statements a project's results take."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities import services, stats
from activities.filters import ActivityFilterSet
from activities.models import (
    Activity,
    Audience,
    Country,
    Indicator,
    IndicatorValue,
    Project,
    Target,
)
from activities.results import compute
from activities.results.compute import Figure, judge
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = AnonymousUser()


@pytest.fixture
def project():
    return Project.objects.create(code="CYB-CA", title="Cybercrime capacity in Central America")


def _activity(project, *, start, places=("SLV",), female=10, male=20, **fields):
    activity = ActivityFactory(
        start_date=start,
        end_date=start + datetime.timedelta(days=2),
        places=list(places),
        **fields,
    )
    row = activity.beneficiaries.get()
    row.female, row.male, row.not_recorded, row.total = female, male, 0, female + male
    row.save()
    services.refresh_attribution(activity=activity)
    activity.projects.add(project)
    return activity


def _stats(params: dict[str, str], measure: str, group_by=()) -> dict:
    """What /api/v1/stats/ answers anonymous users for these filters."""
    filterset = ActivityFilterSet(params, queryset=Activity.objects.aggregated_for(None))
    assert filterset.is_valid(), filterset.errors
    return stats.compute(
        filterset.qs,
        group_by=list(group_by),
        measures=[measure],
        restriction=stats.restriction_from_filters(filterset.form.cleaned_data),
    )


def _indicator(project, code="1", **fields) -> Indicator:
    values = {"title": f"Indicator {code}", "kind": Indicator.Kind.COMPUTED}
    values.update(fields)
    return Indicator.objects.create(project=project, code=code, **values)


def test_a_computed_actual_is_the_stats_answer_for_the_project_and_year(project):
    _activity(project, start=datetime.date(2021, 3, 1))
    _activity(project, start=datetime.date(2022, 5, 1), female=5, male=5)
    ActivityFactory(start_date=datetime.date(2021, 4, 1), end_date=datetime.date(2021, 4, 2))
    indicator = _indicator(project, measure="participants")
    Target.objects.create(indicator=indicator, year=2021, value=25)
    Target.objects.create(indicator=indicator, year=2022, value=25)

    [result] = compute.project_results(project, user=ANONYMOUS)

    cell_2021 = result.cell(2021)
    expected = _stats({"project": project.code, "year": "2021"}, "participants")
    assert cell_2021.actual == Figure(expected["totals"]["participants"]["total"], "exact")
    assert cell_2021.actual.value == 30  # the activity outside the project is not counted
    assert (cell_2021.status, cell_2021.percent) == ("met", 120)
    assert cell_2021.status_text == "30 against a target of 25: met"
    assert cell_2021.activities_href == f"/activities/?project={project.code}&year=2021"
    cell_2022 = result.cell(2022)
    assert (cell_2022.actual.value, cell_2022.status, cell_2022.percent) == (10, "not_met", 40)


def test_a_lower_bound_below_the_target_is_not_shown_met_and_above_it_is_met():
    assert judge(Figure(4000, "at_least"), 5000, ended=True)[0] == "not_shown_met"
    status, text = judge(Figure(5600, "at_least"), 5000, ended=True)
    assert status == "met"
    assert text == "at least 5,600 against a target of 5,000: met"
    assert judge(Figure(300, "about"), 400, ended=True)[0] == "not_met"
    assert judge(Figure(300), 400, ended=False)[0] == "in_progress"
    assert judge(Figure(300), None, ended=True) == ("no_target", "300: no target set")
    assert judge(None, 400, ended=True)[0] == "no_value"
    assert judge(None, None, ended=True)[0] == "no_value"


def test_a_more_than_row_makes_the_actual_at_least(project):
    activity = _activity(project, start=datetime.date(2021, 3, 1))
    activity.beneficiaries.update(qualifier="more_than")
    indicator = _indicator(project, measure="participants")
    Target.objects.create(indicator=indicator, year=2021, value=40)
    [result] = compute.project_results(project, user=ANONYMOUS)
    cell = result.cell(2021)
    assert cell.actual == Figure(30, "at_least")
    assert cell.status == "not_shown_met"


def test_sex_targets_are_met_part_by_part(project):
    _activity(project, start=datetime.date(2021, 3, 1), female=12, male=18)
    indicator = _indicator(project, measure="participants", disaggregation="sex")
    Target.objects.create(indicator=indicator, year=2021, value=30)
    Target.objects.create(indicator=indicator, year=2021, sex="female", value=15)
    [result] = compute.project_results(project, user=ANONYMOUS)
    assert result.cell(2021).actual.value == 30
    female = result.cell(2021, part="female")
    assert (female.actual.value, female.target, female.status) == (12, 15, "not_met")
    assert female.part_label == "female"
    assert result.cell(2021, part="male").actual.value == 18
    answer = _stats({"project": project.code, "year": "2021"}, "participants", ["sex"])
    by_sex = {row["sex"]["code"]: row["participants"]["total"] for row in answer["rows"]}
    assert by_sex["female"] == 12


def test_country_parts_and_their_drill_down(project):
    _activity(project, start=datetime.date(2021, 3, 1), places=("SLV", "GTM"))
    indicator = _indicator(project, measure="activities", disaggregation="country")
    guatemala = Country.objects.get(iso3="GTM")
    Target.objects.create(indicator=indicator, year=2021, country=guatemala, value=2)
    [result] = compute.project_results(project, user=ANONYMOUS)
    cell = result.cell(2021, part="GT")
    assert (cell.part_label, cell.actual.value, cell.target) == ("Guatemala", 1, 2)
    assert "country=GT" in cell.activities_href


def test_an_indicator_with_filters_counts_only_its_audience(project):
    judges = Audience.objects.order_by("pk").first()
    _activity(project, start=datetime.date(2021, 3, 1))
    indicator = _indicator(project, measure="participants", filters={"audience": judges.slug})
    other = _indicator(project, code="2", measure="participants", filters={"kind": "webinar"})
    results = compute.project_results(project, user=ANONYMOUS)
    by_code = {result.indicator.code: result for result in results}
    expected = _stats(
        {"project": project.code, "year": "2021", "audience": judges.slug}, "participants"
    )["totals"]["participants"]["total"]
    assert by_code[indicator.code].cell(2021).actual.value == expected == 30
    assert by_code[other.code].cell(2021).actual.value == 0


def test_an_entered_indicator_keeps_its_words_evidence_and_comment(project):
    indicator = _indicator(project, kind=Indicator.Kind.ENTERED, measure="")
    IndicatorValue.objects.create(
        indicator=indicator,
        year=2021,
        quarter=2,
        value=3,
        qualifier="more_than",
        evidence="https://example.org/laws",
        comment="Three draft laws reviewed",
    )
    Target.objects.create(indicator=indicator, year=2021, quarter=2, value=2)
    [result] = compute.project_results(project, user=ANONYMOUS)
    assert result.periods() == [(2021, 2, "2021 Q2")]
    cell = result.cell(2021, 2)
    assert cell.actual.text() == "more than 3"
    assert cell.status == "met"
    assert (cell.evidence, cell.comment) == (
        "https://example.org/laws",
        "Three draft laws reviewed",
    )
    assert cell.activities_href is None


def test_a_quarter_counts_the_activities_known_to_lie_within_it(project):
    _activity(project, start=datetime.date(2021, 5, 1))  # Q2
    year_only = _activity(project, start=datetime.date(2021, 1, 1))
    year_only.end_date, year_only.date_precision = datetime.date(2021, 12, 31), "year"
    year_only.save()
    indicator = _indicator(project, measure="activities")
    Target.objects.create(indicator=indicator, year=2021, quarter=2, value=1)
    [result] = compute.project_results(project, user=ANONYMOUS)
    assert result.cell(2021, 2).actual.value == 1  # the one dated only by its year is in none
    assert result.cell(2021).actual.value == 2
    assert result.cell(2021, 2).activities_href.endswith("quarter=2021-Q2")


def test_an_invalid_question_says_why_and_counts_nothing(project):
    _activity(project, start=datetime.date(2021, 3, 1))
    bad = _indicator(project, measure="participants", filters={"year": "2020"})
    unknown = _indicator(project, code="2", measure="participants", filters={"colour": "red"})
    sex_of_activities = _indicator(project, code="3", measure="activities", disaggregation="sex")
    by_code = {r.indicator.code: r for r in compute.project_results(project, user=ANONYMOUS)}
    assert "year" in by_code[bad.code].error
    assert "colour" in by_code[unknown.code].error
    assert by_code[sex_of_activities.code].error
    assert all(cell.actual is None for cell in by_code[bad.code].cells)


def test_periods_are_the_project_years_and_every_target(project):
    project.start_date, project.end_date = datetime.date(2020, 7, 1), datetime.date(2022, 6, 30)
    project.save()
    indicator = _indicator(project, measure="activities")
    Target.objects.create(indicator=indicator, year=2023, value=1)
    [result] = compute.project_results(project, user=ANONYMOUS)
    assert [label for _, _, label in result.periods()] == ["2020", "2021", "2022", "2023"]


def test_an_actual_changes_in_the_very_next_answer_after_a_write(project):
    activity = _activity(project, start=datetime.date(2021, 3, 1))
    indicator = _indicator(project, measure="participants")
    assert compute.project_results(project, user=ANONYMOUS)[0].cell(2021).actual.value == 30
    current = activity.beneficiaries.get()
    row = {
        "audience": current.audience,
        "country": current.country,
        "female": 40,
        "male": current.male,
        "not_recorded": 0,
        "total": 60,
        "qualifier": current.qualifier,
    }
    services.activity_update(
        activity=activity, expected_version=None, beneficiary_rows=[row], by=None
    )
    fresh = compute.project_results(project, user=ANONYMOUS)[0]
    assert fresh.indicator == indicator
    assert fresh.cell(2021).actual.value == 60


def test_drafts_count_for_managers_not_for_the_public(project, django_user_model):
    from tests.fixtures_roles import make_role_user

    _activity(project, start=datetime.date(2021, 3, 1), status=Activity.Status.DRAFT)
    _indicator(project, measure="participants")
    manager = make_role_user("mona-results", "Programme manager")
    assert compute.project_results(project, user=ANONYMOUS)[0].cell(2021) is None or (
        compute.project_results(project, user=ANONYMOUS)[0].cell(2021).actual.value == 0
    )
    assert compute.project_results(project, user=manager)[0].cell(2021).actual.value == 30


def _results_statements(project) -> int:
    """The statements of a cold answer (the answer cache emptied first)."""
    caches["answers"].clear()
    with CaptureQueriesContext(connection) as queries:
        compute.project_results(Project.objects.get(pk=project.pk), user=ANONYMOUS)
    return len(queries)


SHAPES = [
    {"measure": "participants"},
    {"measure": "participants", "disaggregation": "sex"},
    {"measure": "activities", "disaggregation": "country"},
    {"measure": "countries"},
    {"measure": "people"},
    {"measure": "participants", "filters": {"kind": "training"}},
    {"measure": "activities", "filters": {"theme": "ocsea"}},
    {"measure": "participants", "filters": {"modality": "online"}},
    {"kind": Indicator.Kind.ENTERED, "measure": ""},
    {"measure": "people", "disaggregation": "sex", "filters": {"kind": "webinar"}},
]


def _ten_indicators(project, *, years, first_code=1) -> None:
    for number, shape in enumerate(SHAPES, start=first_code):
        indicator = _indicator(project, code=str(number), **shape)
        for year in years:
            Target.objects.create(indicator=indicator, year=year, value=number)


@pytest.fixture
def dated_project(project):
    project.start_date, project.end_date = datetime.date(2021, 1, 1), datetime.date(2021, 12, 31)
    project.save()
    for year in (2021, 2022, 2023):
        _activity(project, start=datetime.date(year, 3, 1))
    return project


# The statements of a cold results answer for a project with ten indicators over three
# periods: reading the indicators, targets and values (3), the projects' activity years
# and the countries named (2), the filters' theme and project lookups, and one engine
# answer per grouping (the whole, by sex, by country), each in a savepoint (2) with the
# matched activities and the questions' keys stored in temporary tables (create,
# analyse, drop: 6), its measures' statements (no totals: a question's totals are its
# row) and the drafts check. The answer by country asks only what its question asks
# (activities): no participations or people. Since kinds and modalities are reference
# tables (issue 20), the filter forms read them: 6 small lookups, whatever the data.
TEN_BY_THREE = 52


def test_ten_indicators_over_three_periods_take_a_pinned_number_of_statements(dated_project):
    _ten_indicators(dated_project, years=(2021, 2022, 2023))
    assert _results_statements(dated_project) == TEN_BY_THREE


def test_periods_and_targets_add_no_statement(dated_project):
    _ten_indicators(dated_project, years=(2021,))
    one_period = _results_statements(dated_project)
    for indicator in Indicator.objects.filter(project=dated_project):
        for year in (2022, 2023):
            Target.objects.create(indicator=indicator, year=year, value=1)
            Target.objects.create(indicator=indicator, year=year, sex="female", value=1)
    assert _results_statements(dated_project) == one_period


def test_more_indicators_add_no_statement(dated_project):
    _ten_indicators(dated_project, years=(2021, 2022, 2023))
    ten = _results_statements(dated_project)
    _ten_indicators(dated_project, years=(2021, 2022, 2023), first_code=11)
    assert Indicator.objects.filter(project=dated_project).count() == 20
    assert _results_statements(dated_project) == ten


def test_small_counts_of_named_people_are_suppressed_for_the_public(project):
    from tests.fixtures_roles import make_role_user
    from tests.people_helpers import activity_in, attend, make_person

    activity = activity_in("SLV", start_date=datetime.date(2021, 3, 1))
    activity.beneficiaries.all().delete()
    activity.projects.add(project)
    for given in ("Ana", "Berta", "Carla"):
        attend(make_person(given, "Quintanilla"), activity)
    _indicator(project, measure="people")
    _indicator(project, code="2", measure="participants")
    public = {r.indicator.code: r for r in compute.project_results(project, user=ANONYMOUS)}
    for code in ("1", "2"):
        cell = public[code].cell(2021)
        assert cell.actual.value is None and cell.actual.suppressed == "<5", code
        assert cell.actual.text() == "<5"
    manager = make_role_user("mona-small", "Programme manager")
    seen = {r.indicator.code: r for r in compute.project_results(project, user=manager)}
    assert seen["1"].cell(2021).actual.value == 3
    assert seen["2"].cell(2021).actual.value == 3
