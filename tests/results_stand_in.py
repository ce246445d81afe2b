"""A stand-in for activities.results.compute (RESULTS_API.md) while it has not landed:
entered indicators only, read from their IndicatorValue and Target rows, in the
interface's shapes. tests/test_periods.py uses it only when the real module is missing,
so the same tests run against the real one once it is merged."""

from __future__ import annotations

from dataclasses import dataclass, field

from activities.models import Indicator, IndicatorValue, Target

TEXT = {"exact": "{}", "at_least": "at least {}", "more_than": "more than {}", "about": "about {}"}


@dataclass
class Figure:
    value: int | None
    qualifier: str

    def text(self) -> str:
        if self.value is None:
            return "—"
        return TEXT[self.qualifier].format(f"{self.value:,}")


@dataclass
class Cell:
    year: int
    quarter: int | None
    period_label: str
    part: str
    part_label: str
    target: int | None
    actual: Figure | None
    percent: int | None = None
    status: str = "no_target"
    status_text: str = ""
    activities_href: str | None = None
    evidence: str = ""
    comment: str = ""


@dataclass
class IndicatorResult:
    indicator: Indicator
    baseline: Figure | None
    cells: list[Cell] = field(default_factory=list)

    def cell(self, year, quarter=None, part=""):
        for cell in self.cells:
            if (cell.year, cell.quarter, cell.part) == (year, quarter, part):
                return cell
        return None


def _part(row) -> tuple[str, str]:
    if row.sex:
        return row.sex, row.part_label
    if row.country_id:
        return row.country.iso2, row.country.name
    return "", ""


def indicator_results(indicators, *, user):
    results = []
    for indicator in indicators:
        cells: dict[tuple, Cell] = {}
        rows = [
            *Target.objects.filter(indicator=indicator).select_related("country"),
            *IndicatorValue.objects.filter(indicator=indicator).select_related("country"),
        ]
        for row in rows:
            part, part_label = _part(row)
            key = (row.year, row.quarter, part)
            cell = cells.setdefault(
                key, Cell(row.year, row.quarter, row.period_label, part, part_label, None, None)
            )
            if isinstance(row, Target):
                cell.target = row.value
            else:
                cell.actual = Figure(row.value, row.qualifier)
                cell.evidence, cell.comment = row.evidence, row.comment
        for cell in cells.values():
            if cell.actual is None:
                cell.status = "no_value"
            elif cell.target is not None:
                cell.percent = cell.actual.value * 100 // cell.target if cell.target else None
                cell.status = "met" if cell.actual.value >= cell.target else "not_met"
        ordered = sorted(cells.values(), key=lambda c: (c.year, c.quarter or 0, c.part))
        results.append(IndicatorResult(indicator, None, ordered))
    return results


def project_results(project, *, user):
    return indicator_results(list(project.indicators.all()), user=user)
