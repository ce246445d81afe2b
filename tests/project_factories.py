"""Made-up projects for the project pages and API (the seed's own project, if any, is
the 2020 report's: these never touch it).

`make_project()` builds "CYB-SV-TEST": 2021-2022, El Salvador, a theme, two donors (one
commits EUR 1,200,000 with two disbursements, the other USD 300,000), two outcomes and
three indicators:
- 1.1 participations computed from the activities, targets 2021: 50 (female 30, male 20);
- 1.2 prosecutors' offices equipped, entered: 2021 value 3 (evidence, comment), target 5;
- 2.1 activities computed, target 2022: 2 (project-level when `loose_indicator`).
and `activities` published trainings in El Salvador in 2021 (30 participations each:
10 women, 20 men) that belong to it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from activities.models import (
    Disbursement,
    Donor,
    Funding,
    Indicator,
    IndicatorValue,
    Outcome,
    Project,
    Target,
    Theme,
)
from tests.factories import ActivityFactory, DonorFactory, country

CODE = "CYB-SV-TEST"


def make_project(code: str = CODE, *, activities: int = 2, loose_indicator: bool = True):
    project = Project.objects.create(
        code=code,
        title="Cybercrime investigation capacity in El Salvador",
        description="Police and prosecutors trained to investigate cybercrime.",
        start_date=datetime.date(2021, 1, 1),
        end_date=datetime.date(2022, 12, 31),
        source_paragraph="",
    )
    project.countries.set([country("SLV")])
    project.themes.set([Theme.objects.order_by("pk").first()])
    eu = Donor.objects.filter(name="Made-up Union").first() or DonorFactory(name="Made-up Union")
    state = Donor.objects.filter(name="Made-up State").first() or DonorFactory(name="Made-up State")
    eu_funding = Funding.objects.create(
        project=project,
        donor=eu,
        committed_amount=Decimal("1200000"),
        currency="EUR",
        committed_on=datetime.date(2020, 11, 2),
    )
    Disbursement.objects.create(
        funding=eu_funding, date=datetime.date(2021, 2, 1), amount=Decimal("400000")
    )
    Disbursement.objects.create(
        funding=eu_funding, date=datetime.date(2022, 2, 1), amount=Decimal("350000.50")
    )
    Funding.objects.create(
        project=project, donor=state, committed_amount=Decimal("300000"), currency="USD"
    )
    trained = Outcome.objects.create(project=project, code="1", title="Investigators trained")
    Outcome.objects.create(project=project, code="2", title="Cases investigated")
    participations = Indicator.objects.create(
        project=project,
        outcome=trained,
        code="1.1",
        title="Participations in trainings",
        kind=Indicator.Kind.COMPUTED,
        unit="participations",
        measure="participants",
        disaggregation="sex",
        baseline_value=0,
        baseline_qualifier="exact",
        baseline_year=2020,
    )
    Target.objects.create(indicator=participations, year=2021, value=50)
    Target.objects.create(indicator=participations, year=2021, sex="female", value=30)
    Target.objects.create(indicator=participations, year=2021, sex="male", value=20)
    offices = Indicator.objects.create(
        project=project,
        outcome=trained,
        code="1.2",
        title="Prosecutors' offices equipped",
        kind=Indicator.Kind.ENTERED,
        unit="offices",
    )
    Target.objects.create(indicator=offices, year=2021, value=5)
    IndicatorValue.objects.create(
        indicator=offices,
        year=2021,
        value=3,
        evidence="Handover minutes, ref. SV-2021-14",
        comment="Two more delivered in January 2022.",
    )
    activities_indicator = Indicator.objects.create(
        project=project,
        outcome=None if loose_indicator else trained,
        code="2.1",
        title="Trainings delivered",
        kind=Indicator.Kind.COMPUTED,
        unit="activities",
        measure="activities",
    )
    Target.objects.create(indicator=activities_indicator, year=2022, value=2)
    for _ in range(activities):
        ActivityFactory().projects.add(project)
    return project


def make_wide_project(code: str, *, indicators: int, years: int):
    """A project with `indicators` computed indicators (participations), each with a
    target in each of `years` years from 2021, one funding with one disbursement, and
    one activity in 2021."""
    project = Project.objects.create(
        code=code,
        title=f"Wide project {code}",
        start_date=datetime.date(2021, 1, 1),
        end_date=datetime.date(2021 + years - 1, 12, 31),
    )
    funding = Funding.objects.create(
        project=project, donor=DonorFactory(), committed_amount=Decimal(1000), currency="EUR"
    )
    Disbursement.objects.create(funding=funding, date=datetime.date(2021, 5, 1), amount=500)
    for number in range(indicators):
        indicator = Indicator.objects.create(
            project=project,
            code=f"{number + 1}",
            title=f"Indicator {number + 1}",
            kind=Indicator.Kind.COMPUTED,
            measure="participants",
        )
        for year in range(2021, 2021 + years):
            Target.objects.create(indicator=indicator, year=year, value=100 + number)
    ActivityFactory().projects.add(project)
    return project
