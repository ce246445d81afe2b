"""The statements of a draft, one builder per kind: a reported figure (by its role), the
records of a section's theme, of a mandate, of a region, a project's indicator result.
Each says its figure in words (`words`) and carries the links that give it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .. import counting, figures_as_reported
from ..models import (
    Activity,
    FigureRole,
    Mandate,
    Project,
    ReportedFigure,
)
from ..results.batch import Period
from . import records, words
from .document import Statement
from .sections import SectionSpec

if TYPE_CHECKING:
    from ..counting import AnyUser


PERSON_UNITS = frozenset({"persons"})
COUNTRY_UNITS = frozenset({"countries"})
# Results are computed for at most this many projects in one draft: each project's
# results are a batch of engine questions (seconds at 100,000 activities); beyond it the
# draft links each project's results page (narrow the draft by project or donor).
MAX_RESULT_PROJECTS = 3


def _source_title(figure: ReportedFigure) -> str:
    document = figure.source_document
    if document is None:
        return _("its source")
    return document.symbol or document.title


def _figure_places(figure: ReportedFigure) -> words.Places:
    names = tuple(c.display_name for c in figure.country_list)  # type: ignore[attr-defined]
    regions = tuple(r.name for r in figure.region_list)  # type: ignore[attr-defined]
    count = figure.countries_count or len(names)
    return words.Places(
        names=names,
        count=count,
        qualifier="exact",
        regions=() if names and not regions else regions,
    )


def figure_statement(
    figure: ReportedFigure,
    question: records.Question | None,
    counts: records.Counts | None,
    *,
    filtered: bool = False,
) -> Statement | None:
    """The statement of a reported figure; `filtered`: the draft is narrowed, and a figure
    without records (stated as the source gives it) says it is not narrowed."""
    frozen = figures_as_reported.of_figure(figure)
    base: dict[str, Any] = {
        "key": f"figure:{figure.code}",
        "kind": "figure",
        "role": figure.role,
        "subject": figure.subject,
        "unit": figure.unit,
        "as_reported": frozen,
        "figure_value": figure.value,
        "figure_qualifier": figure.qualifier,
        "code": figure.code,
        "paragraph": figure.source_paragraph,
        "source": _source_title(figure),
        "link": f"{reverse('pages:figure_list')}#figure-{figure.code}",
    }
    when = figure.period_label
    unbacked = False
    if question is not None and counts is not None and counts.activities == 0:
        if filtered:
            return None  # none of its records is in the draft's scope
        # A figure of the report whose records are not counted (its activity postponed:
        # counting rule 10, or not public): stated as the source gives it, and said so.
        question = counts = None
        unbacked = True
    if figure.role == FigureRole.DELIVERY and question is not None and counts is not None:
        measure, value, qualifier = _records_value(figure, counts)
        places = _places(counts) if counts.activities else _figure_places(figure)
        if not places.count and not places.regions:
            places = _figure_places(figure)
        sex = None
        said = words.count_words(value, qualifier)
        if measure == "participants":
            sex = words.SexSplit(
                counts.participants["female"],
                counts.participants["male"],
                counts.participants["not_recorded"],
            )
            amount = words.participations(value, qualifier)
        else:
            amount = (
                f"{said} {words.unit_of(figure.unit, value if isinstance(value, int) else None)}"
            )
        text = _("%(subject)s: %(amount)s %(where)s (%(when)s)") % {
            "subject": figure.subject,
            "amount": amount,
            "where": places.words(),
            "when": when,
        }
        if sex is not None:
            text = words.then(text, sex.words())
        if counts.people["total"]:
            text = words.then(text, words.people(counts.people["total"]))
        return Statement(
            **{
                **base,
                "link": _list_link(question.params),
                "stats_link": _stats_link(question.params),
                "stats_params": question.params,
            },
            text=text + ".",
            value=value if isinstance(value, int) else None,  # None: suppressed, in words
            qualifier=qualifier,
            measure=measure,
            words=said,
            places=places,
            sex=sex,
            people=counts.people["total"],
            activities=counts.activities,
        )
    said = words.count_words(figure.value, figure.qualifier) if figure.value is not None else ""
    places = _figure_places(figure)
    amount = f"{said} {words.unit_of(figure.unit, figure.value)}".strip()
    values = {"subject": figure.subject, "amount": amount, "where": places.words(), "when": when}
    if figure.role == FigureRole.UMBRELLA:
        where = places.words()
        if figure.countries_count and not places.names:
            where = _("from %(countries)s countries") % {
                "countries": words.number(figure.countries_count)
            }
        text = _(
            "Overall, %(amount)s %(where)s (%(when)s): %(subject)s. This programme-wide "
            "total may overlap the itemised figures of this draft and is never added to them."
        ) % {**values, "where": where}
    elif figure.role == FigureRole.DELIVERY:  # backed by other records (mentors)
        text = _("%(subject)s: %(amount)s %(where)s (%(when)s).") % values
    elif figure.role == FigureRole.EVENT:
        text = _("%(subject)s (%(when)s).") % values
    else:
        what = {
            FigureRole.CONTEXT: _("context statistic"),
            FigureRole.REPOSITORY: _("repository count"),
            FigureRole.REACH: _("reach, not participants"),
            FigureRole.OUTCOME: _("an outcome, not a delivery count"),
        }.get(FigureRole(figure.role), figure.role)
        text = _("%(subject)s: %(amount)s %(where)s (%(when)s; %(what)s).") % {
            **values,
            "what": what,
        }
    statement = Statement(
        **base,
        text=text,
        value=figure.value,
        qualifier=figure.qualifier,
        measure="reported",
        words=said,
        places=places,
        note=_("As the source gives it: not counted from activity records."),
    )
    if question is not None and counts is not None:  # an outcome or reach of some records
        statement.link = _list_link(question.params)
        statement.stats_link = _stats_link(question.params)
        statement.stats_params = question.params
        statement.activities = counts.activities
    if unbacked:
        statement.note = _(
            "As the source gives it: no activity record you may read backs it (its "
            "records are drafts, not yet public)."
        )
    if figure.role == FigureRole.DELIVERY and figure.hubs:  # type: ignore[attr-defined]
        statement.value = figure.hubs  # type: ignore[attr-defined]
        statement.qualifier = counting.QUALIFIER_EXACT
        statement.words = words.number(figure.hubs)  # type: ignore[attr-defined]
        statement.measure = "mentor_hubs"
        statement.link = reverse("pages:mentor_list")
        statement.note = _("Records: the mentors of the programme, by the country of their hub.")
        statement.text = _("%(subject)s: %(amount)s %(where)s (%(when)s).") % {
            **values,
            "amount": f"{statement.words} {words.unit_of(figure.unit, figure.hubs)}",  # type: ignore[attr-defined]
        }
    if filtered and question is None:
        statement.text += " " + _("(As the report gives it: not narrowed by the filters.)")
    return statement


def _records_value(figure: ReportedFigure, counts: records.Counts) -> tuple[str, int | str, str]:
    """What a delivery figure's records give, in the figure's unit."""
    if figure.unit in PERSON_UNITS:
        people = counts.participants
        return "participants", people["total"], str(people["qualifier"])
    if figure.unit in COUNTRY_UNITS:
        countries = counts.countries
        return "countries", int(countries["at_least"]), str(countries["qualifier"])
    return "activities", counts.activities, counting.QUALIFIER_EXACT


def _places(counts: records.Counts) -> words.Places:
    countries = counts.countries
    return words.Places(
        names=tuple(counts.country_names),
        count=int(countries["at_least"]),
        qualifier=str(countries["qualifier"]),
    )


def records_statement(
    spec: SectionSpec, question: records.Question, counts: records.Counts, year: str
) -> Statement:
    if not counts.activities:
        text = _("No activity recorded under this theme in %(year)s.") % {"year": year}
    else:
        text = _(
            "The records of %(year)s under this theme (the figures above included, no "
            "programme-wide total): %(activities)s, %(participations)s, "
            "%(where)s"
        ) % {
            "year": year,
            "activities": words.activities(counts.activities),
            "participations": words.participations(
                counts.participants["total"], counts.participants["qualifier"]
            ),
            "where": _places(counts).words(),
        }
        text = words.then(text, _sex(counts).words())
        if counts.people["total"]:
            text = words.then(text, words.people(counts.people["total"]))
        text += "."
    return _counted(f"theme:{spec.theme}", "records", text, question, counts)


def mandate_statement(
    mandate: Mandate, question: records.Question, counts: records.Counts
) -> Statement:
    text = _("Under %(symbol)s (%(body)s, %(year)s): %(activities)s, %(participations)s.") % {
        "body": mandate.body,
        "symbol": mandate.symbol,
        "year": mandate.year or _("year not recorded"),
        "activities": words.activities(counts.activities),
        "participations": words.participations(
            counts.participants["total"], counts.participants["qualifier"]
        ),
    }
    return _counted(f"mandate:{mandate.pk}", "mandate", text, question, counts)


def _sex(counts: records.Counts) -> words.SexSplit:
    people = counts.participants
    return words.SexSplit(people["female"], people["male"], people["not_recorded"])


def _counted(
    key: str, kind: str, text: str, question: records.Question, counts: records.Counts
) -> Statement:
    """A records statement: its value is its activities; its participations and places
    are said in its text and kept beside."""
    return Statement(
        key=key,
        kind=kind,
        text=text,
        value=counts.activities,
        qualifier=counting.QUALIFIER_EXACT,
        measure="activities",
        words=words.number(counts.activities),
        places=_places(counts),
        sex=_sex(counts),
        people=counts.people["total"],
        activities=counts.activities,
        link=_list_link(question.params),
        stats_link=_stats_link(question.params),
        stats_params=question.params,
    )


def region_statements(
    answer: dict[str, Any], asked: dict[str, str], span: Period, within: str = ""
) -> list[Statement]:
    """The year's records by M49 region (the engine's `region` grouping: each row is
    what the activity list gives for that region). Under a region filter the one row is
    that region's (`within`, its name), not the whole continent's."""
    statements = []
    for row in answer["rows"]:
        if row["region"] is None:
            continue
        code = row["region"]["code"]
        params = {**asked, **span.params()}
        if "region" not in asked:
            params["region"] = code
        people = row["participants"]
        countries = row["countries"]
        places = words.Places(
            count=int(countries["at_least"]), qualifier=str(countries["qualifier"])
        )
        sex = words.SexSplit(people["female"], people["male"], people["not_recorded"])
        placed = (
            _("%(participations)s placed in the region")
            % {"participations": words.participations(people["total"], people["qualifier"])}
            if people["total"]
            else _("no participations placed in the region")
        )
        text = _("%(region)s: %(activities)s %(where)s; %(placed)s; %(sex)s.") % {
            "region": within or _(row["region"]["name"]),
            "activities": words.activities(row["activities"]),
            "placed": placed,
            "where": places.words(),
            "sex": sex.words(),
        }
        statements.append(
            Statement(
                key=f"region:{code}",
                kind="region",
                text=text,
                value=row["activities"],
                measure="activities",
                words=words.number(row["activities"]),
                places=places,
                sex=sex,
                activities=row["activities"],
                link=_list_link(params),
                stats_link=_stats_link(params),
                stats_params=params,
                note=_(
                    "Participations count for a region when they certainly belong to it: "
                    "those of an activity across several regions are placed in none."
                ),
            )
        )
    return statements


def result_statements(
    in_period: QuerySet[Activity],
    asked: dict[str, str],
    cleaned: dict[str, Any],
    *,
    span: Period,
    user: AnyUser,
) -> list[Statement]:
    """Each indicator's result for the year against its target, for the projects in
    scope that have indicators (a few; beyond MAX_RESULT_PROJECTS, a link to each)."""
    from ..results import compute

    through = Activity.projects.through
    projects = Project.objects.filter(indicators__isnull=False).distinct()
    if cleaned.get("project") is not None:
        projects = projects.filter(pk=cleaned["project"].pk)
    else:
        projects = projects.filter(
            Exists(
                through.objects.filter(
                    project_id=OuterRef("pk"), activity_id__in=in_period.values("pk")
                )
            )
        )
    found = list(projects.order_by("code")[: MAX_RESULT_PROJECTS + 1])
    if not found:
        return [
            Statement(
                key="results:none",
                kind="note",
                text=_("No project in scope has indicators with targets for %(year)s.")
                % {"year": words.period(span.year, span.quarter)},
                link=reverse("pages:project_list"),
            )
        ]
    if len(found) > MAX_RESULT_PROJECTS:
        return [
            Statement(
                key="results:many",
                kind="note",
                text=_(
                    "More than %(count)s projects in scope have indicators: narrow the draft "
                    "by project or donor to state their results against targets, or see each "
                    "project's results page."
                )
                % {"count": MAX_RESULT_PROJECTS},
                link=reverse("pages:project_list") + "?" + urlencode({"year": span.year}),
            )
        ]
    indicators = [indicator for project in found for indicator in compute.indicators_of(project)]
    statements = []
    for result in compute.indicator_results(indicators, user=user):
        indicator = result.indicator
        cell = result.cell(span.year, span.quarter)
        if cell is None:
            continue
        actual = cell.actual
        statements.append(
            Statement(
                key=f"result:{indicator.project.code}:{indicator.code}",
                kind="result",
                text=_("%(project)s, indicator %(code)s (%(title)s), %(year)s: %(status)s.")
                % {
                    "project": indicator.project.title,
                    "code": indicator.code,
                    "title": indicator.title,
                    "year": words.period(span.year, span.quarter),
                    "status": cell.status_text,
                },
                value=actual.value if actual else None,
                qualifier=actual.qualifier if actual else counting.QUALIFIER_EXACT,
                measure=indicator.measure,
                words=actual.text() if actual else "",
                unit=indicator.unit,
                link=cell.activities_href
                or reverse("pages:project_results", args=[indicator.project.code]),
                note=_("Against a target of %(target)s.") % {"target": words.number(cell.target)}
                if cell.target is not None
                else _("No target set."),
            )
        )
    return statements


_ROLE_ORDER = {
    FigureRole.UMBRELLA: 0,
    FigureRole.CONTEXT: 1,
    FigureRole.EVENT: 2,
    FigureRole.DELIVERY: 3,
    FigureRole.OUTCOME: 4,
    FigureRole.REACH: 5,
    FigureRole.REPOSITORY: 6,
}
# Mandates first (chapter I lists them); the report's figures before the records.
_KIND_ORDER = {"mandate": 0, "figure": 1, "region": 2, "records": 2, "result": 3, "note": 4}


def statement_order(statement: Statement) -> tuple[int, int, int, str]:
    paragraph = statement.paragraph.split("-")[0]
    return (
        _KIND_ORDER.get(statement.kind, 9),
        int(paragraph) if paragraph.isdigit() else 0,
        _ROLE_ORDER.get(FigureRole(statement.role), 9) if statement.role else 0,
        statement.code or statement.key,
    )


def _list_link(params: dict[str, str]) -> str:
    return f"{reverse('pages:activity_list')}?{urlencode(sorted(params.items()))}"


def _stats_link(params: dict[str, str]) -> str:
    return f"{reverse('api-stats')}?{urlencode(sorted(params.items()))}"
