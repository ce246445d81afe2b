"""Indicator actuals against a brute-force count, on random small programmes.

The programmes, the writing and the brute force are those of the stats engine's property
test (tests/test_stats_properties.py): single-country, multi-country and region-scoped
activities, rows naming a country or not, sex splits, "more than" and "about" figures,
periods known to the day, the month or only the year. Here some of the activities belong
to a project, and the project gets random computed indicators: a measure, filters
(kind, theme, region, country), by sex or not, with targets over random years and
quarters. Every actual of `compute.project_results` must equal the plain Python count of
the project's activities that match the indicator's filters and the period, with the
same qualifier; the activities outside the project never count. The indicators are
answered together (activities/results/batch.py), so this also checks that a batch gives
each question the answer it would get alone.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import given, note
from hypothesis import strategies as st

from activities.models import Activity, Indicator, Project, Target
from activities.results import compute
from tests.test_stats_properties import (
    COUNTRIES,
    FILTER_REGIONS,
    KINDS,
    PROPERTY_SETTINGS,
    SEXES,
    THEMES,
    Act,
    brute_force,
    geography,  # noqa: F401  (the module-scoped fixture)
    programmes,
    write,
)

pytestmark = pytest.mark.django_db

indicator_filters = st.fixed_dictionaries(
    {},
    optional={
        "region": st.sampled_from(FILTER_REGIONS),
        "country": st.sampled_from([*COUNTRIES, "FR"]),
        "kind": st.sampled_from(KINDS),
        "theme": st.sampled_from(THEMES),
    },
)
shapes = st.one_of(
    st.fixed_dictionaries(
        {"measure": st.just("participants"), "disaggregation": st.sampled_from(["", "sex"])}
    ),
    st.fixed_dictionaries({"measure": st.just("activities"), "disaggregation": st.just("")}),
)
periods = st.tuples(st.integers(2019, 2022), st.one_of(st.none(), st.integers(1, 4)))
indicators = st.lists(
    st.tuples(shapes, indicator_filters, st.lists(periods, min_size=1, max_size=3, unique=True)),
    min_size=1,
    max_size=4,
)


def _in_quarter(act: Act, year: int, quarter: int) -> bool:
    """Counting rule 5, written again from its words: known to lie within the quarter."""
    first = datetime.date(year, 3 * quarter - 2, 1)
    last = (
        datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    ) - datetime.timedelta(days=1)
    return act.precision != "year" and first <= act.start and act.end <= last


def _expected(geo, acts: list[Act], filters, year: int, quarter: int | None, group_by):
    if quarter is None:
        return brute_force(geo, acts, {**filters, "year": year}, group_by)
    within = [act for act in acts if _in_quarter(act, year, quarter)]
    return brute_force(geo, within, filters, group_by)


@PROPERTY_SETTINGS
@given(
    programme=programmes,
    in_project=st.lists(st.booleans(), min_size=6, max_size=6),
    asked=indicators,
)
def test_indicator_actuals_equal_a_brute_force_count(
    db,
    geography,  # noqa: F811
    programme,
    in_project,
    asked,
):
    with transaction.atomic():
        note(f"programme={programme!r}")
        note(f"in_project={in_project!r} asked={asked!r}")
        ids = write(programme)
        project = Project.objects.create(code="property-project", title="Property project")
        members = [act for act, inside in zip(programme, in_project, strict=False) if inside]
        project.activities.set(
            Activity.objects.filter(
                pk__in=[pk for pk, inside in zip(ids, in_project, strict=False) if inside]
            )
        )
        made = []
        for number, (shape, filters, targets) in enumerate(asked):
            indicator = Indicator.objects.create(
                project=project,
                code=str(number),
                title=f"Indicator {number}",
                kind=Indicator.Kind.COMPUTED,
                filters={name: str(value) for name, value in filters.items()},
                **shape,
            )
            for year, quarter in targets:
                Target.objects.create(indicator=indicator, year=year, quarter=quarter, value=10)
            made.append((indicator, shape, filters, targets))

        results = {
            r.indicator.pk: r for r in compute.project_results(project, user=AnonymousUser())
        }
        for indicator, shape, filters, targets in made:
            result = results[indicator.pk]
            assert not result.error, result.error
            for year, quarter in targets:
                by_sex = shape["disaggregation"] == "sex"
                expected = _expected(
                    geography, members, filters, year, quarter, ["sex"] if by_sex else []
                )
                cell = result.cell(year, quarter)
                note(f"indicator {indicator.code} {year} Q{quarter}: {cell}")
                if shape["measure"] == "activities":
                    assert cell.actual.value == len(expected["matched"])
                    assert cell.actual.qualifier == "exact"
                    continue
                totals = expected["totals"]
                assert (cell.actual.value, cell.actual.qualifier) == (
                    totals["total"],
                    totals["qualifier"],
                )
                if by_sex:
                    for sex in SEXES:
                        part = result.cell(year, quarter, sex)
                        people = expected["cells_people"].get((sex,))
                        if people is None or (not people["total"] and part is None):
                            assert part is None or not part.actual.value
                            continue
                        assert part is not None, (sex, people)
                        assert (part.actual.value, part.actual.qualifier) == (
                            people["total"],
                            people["qualifier"],
                        ), sex
        transaction.set_rollback(True)
