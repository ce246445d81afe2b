"""Reporting periods (issue #15): the project GLOT-CYB with F28 and an entered indicator,
its 2020 period and the period's snapshot. Imported by the
test modules that use them (`from tests.fixtures_periods import *`), so that their short
names stay local to those modules."""

from __future__ import annotations

import datetime

import pytest

from activities.models import (
    Activity,
    Indicator,
    IndicatorValue,
    Project,
    ReportingPeriod,
    Target,
)
from activities.results import periods

REPORT = "E/CN.15/2021/8"
__all__ = [
    "REPORT",
    "closed_programme_period",
    "f28",
    "indicator",
    "period",
    "project",
    "snapshot",
]


@pytest.fixture
def f28():
    return Activity.objects.get(reference="report-2020/F28")


@pytest.fixture
def project(f28):
    project = Project.objects.create(code="GLOT-CYB", title="Cybercrime, Central America")
    f28.projects.add(project)
    return project


@pytest.fixture
def indicator(project):
    indicator = Indicator.objects.create(
        project=project, code="1.1", title="Officials trained", kind=Indicator.Kind.ENTERED
    )
    IndicatorValue.objects.create(indicator=indicator, year=2020, value=5600, qualifier="more_than")
    IndicatorValue.objects.create(indicator=indicator, year=2020, quarter=3, value=300)
    IndicatorValue.objects.create(indicator=indicator, year=2020, sex="female", value=2100)
    IndicatorValue.objects.create(indicator=indicator, year=2021, value=7000)
    Target.objects.create(indicator=indicator, year=2020, value=5000)
    return indicator


@pytest.fixture
def period(project, indicator):
    return ReportingPeriod.objects.create(
        project=project,
        label="2020",
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2020, 12, 31),
    )


def closed_programme_period(year: int, *, by) -> ReportingPeriod:
    """The programme-wide period of `year`, closed (the seed may hold it already)."""
    period, _created = ReportingPeriod.objects.get_or_create(
        project=None,
        start_date=datetime.date(year, 1, 1),
        end_date=datetime.date(year, 12, 31),
        defaults={"label": str(year)},
    )
    if not period.is_closed:
        periods.close_period(period, user=by, report=REPORT)
    return period


@pytest.fixture
def snapshot(period, manager):
    return periods.close_period(period, user=manager, report=REPORT, note="As sent.")
