"""Synthetic projects with results, for the benchmark of the results pages.

`PROJECTS` projects (each marked `is_synthetic`, code `synthetic-<seed>-<n>`); project
`n` holds every activity whose index is `n` modulo `PROJECTS` (5,000 of 100,000), runs
over the last three years of the programme, and has the ten indicators of a demanding
results framework: participations (whole, by sex, with filters), activities by country,
countries, people, people by sex, and one entered indicator, with a target for each of
its three years. Nothing here is real: no donor, no funding, no snapshot.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from ..models import Indicator, IndicatorValue, Project, Target
from .shape import LAST_YEAR
from .writer import Writer

PROJECTS = 20
YEARS = (LAST_YEAR - 2, LAST_YEAR - 1, LAST_YEAR)


def indicator_shapes(theme_slug: str) -> list[dict[str, Any]]:
    """The ten indicators of each synthetic project (one theme filter among them)."""
    return [
        {"measure": "participants"},
        {"measure": "participants", "disaggregation": "sex"},
        {"measure": "activities", "disaggregation": "country"},
        {"measure": "countries"},
        {"measure": "people"},
        {"measure": "participants", "filters": {"kind": "training"}},
        {"measure": "activities", "filters": {"theme": theme_slug}},
        {"measure": "participants", "filters": {"modality": "online"}},
        {"kind": Indicator.Kind.ENTERED, "measure": ""},
        {"measure": "people", "disaggregation": "sex", "filters": {"kind": "webinar"}},
    ]


def write_projects(
    writer: Writer, activity_ids: Sequence[int], *, seed: int, theme_slug: str, using: str
) -> dict[str, int]:
    """Write the projects, their links to the activities, indicators and targets."""
    written = {"projects": 0, "project_links": 0, "indicators": 0, "targets": 0}
    # The projects of an earlier run of this seed whose activities were deleted since.
    Project.objects.using(using).filter(
        is_synthetic=True, code__startswith=f"synthetic-{seed}-"
    ).delete()
    if not activity_ids:
        return written
    for number in range(PROJECTS):
        project = Project.objects.using(using).create(
            code=f"synthetic-{seed}-{number + 1}",
            title=f"Synthetic project {number + 1}",
            description="Generated for benchmarks; not real data.",
            start_date=datetime.date(YEARS[0], 1, 1),
            end_date=datetime.date(YEARS[-1], 12, 31),
            is_synthetic=True,
        )
        pairs = [(pk, project.pk) for pk in activity_ids[number::PROJECTS]]
        writer.links("projects", pairs)
        written["projects"] += 1
        written["project_links"] += len(pairs)
        for code, shape in enumerate(indicator_shapes(theme_slug), start=1):
            values = {"kind": Indicator.Kind.COMPUTED, **shape}
            indicator = Indicator.objects.using(using).create(
                project=project, code=str(code), title=f"Synthetic indicator {code}", **values
            )
            written["indicators"] += 1
            targets = [Target(indicator=indicator, year=year, value=1000 * code) for year in YEARS]
            if shape.get("disaggregation") == "sex":
                targets += [
                    Target(indicator=indicator, year=year, sex="female", value=500 * code)
                    for year in YEARS
                ]
            Target.objects.using(using).bulk_create(targets)
            written["targets"] += len(targets)
            if indicator.kind == Indicator.Kind.ENTERED:
                IndicatorValue.objects.using(using).bulk_create(
                    IndicatorValue(indicator=indicator, year=year, value=code, comment="synthetic")
                    for year in YEARS[:-1]
                )
    return written
