"""A report draft for a year, in the shape of the programme's report, every figure
traceable to the records whose counts give it.

What a draft states, section by section (`sections.SECTIONS`):
- the report's own figures, when the year is a programme-wide period closed for a report
  (its snapshot holds them; the other figures of the same report come with them):
  a DELIVERY figure is stated with the value its records give now (the activity records
  behind it, `/activities/?figure=F16`, counted by the engine: participations for a
  figure in persons, countries for one in countries, activities otherwise), beside the
  value the report gave ("as reported") and the figure as it stands. An UMBRELLA total is
  its own sentence, never added to the itemised figures; CONTEXT, REPOSITORY, REACH and
  OUTCOME figures are stated as what they are, as the source gives them.
- the records of the year under each section's theme, under each mandate, and by M49
  region: what the engine counts for the same filters as their link;
- the results of the projects in scope against their targets (activities/results).

Filters (region, theme, project, donor) narrow everything: the records through the
shared ActivityFilterSet; a figure with records appears when some of its records remain
(and states what they give); a figure without records (an umbrella total, a context
statistic) appears under a region or theme it is about, never under a project or donor.
Who asks decides what is counted (`Activity.objects.aggregated_for`: the public counts
published records only). A draft holds no personal data: counts only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .. import counting, figures_as_reported, stats
from ..figures_as_reported import AsReported
from ..filters import ActivityFilterSet, ReportedFigureFilterSet
from ..filters.fields import behind_figure, linked_to, under_theme
from ..models import (
    Activity,
    FigureRole,
    Mandate,
    Project,
    ReportedFigure,
    ReportingPeriod,
    SnapshotFigure,
    Theme,
)
from ..results.batch import Period
from . import records, words
from .sections import SECTIONS, SectionSpec, section_of_paragraph
from .words import Places, SexSplit

if TYPE_CHECKING:
    from ..counting import AnyUser

FILTERS = ("region", "theme", "project", "donor")
PERSON_UNITS = frozenset({"persons"})
COUNTRY_UNITS = frozenset({"countries"})
# Results are computed for at most this many projects in one draft: each project's
# results are a batch of engine questions (seconds at 100,000 activities); beyond it the
# draft links each project's results page (narrow the draft by project or donor).
MAX_RESULT_PROJECTS = 3


class DraftError(ValueError):
    """The draft's parameters are not valid: `errors` maps each to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(str(errors))
        self.errors = errors


@dataclass
class Statement:
    """One figure of the draft, with all it takes to say it and to trace it."""

    key: str
    kind: str  # "figure", "records", "region", "mandate", "result", "note"
    text: str
    role: str = ""  # a figure's role (delivery, umbrella...), "" for records
    subject: str = ""
    value: int | None = None
    qualifier: str = counting.QUALIFIER_EXACT
    measure: str = ""  # what the value counts: participants, activities, countries, ...
    words: str = ""  # the value with its qualifier, in words
    unit: str = ""
    places: Places | None = None
    sex: SexSplit | None = None
    people: int | None = None
    activities: int | None = None
    link: str = ""  # the records: the activity list with the filters that give the value
    stats_link: str = ""  # the same filters asked of /api/v1/stats/
    stats_params: dict[str, str] = field(default_factory=dict)
    as_reported: AsReported | None = None
    figure_value: int | None = None  # the reported figure as it stands (corrections in)
    figure_qualifier: str = ""
    code: str = ""
    paragraph: str = ""
    source: str = ""
    note: str = ""
    number: int = 0  # its footnote's number in the draft

    @property
    def footnote(self) -> str:
        """Where the figure comes from and where its records are, in words (the link
        itself is rendered beside)."""
        parts = []
        if self.code:
            parts.append(
                _("Figure %(code)s, paragraph %(paragraph)s of %(source)s.")
                % {"code": self.code, "paragraph": self.paragraph, "source": self.source}
            )
        if self.activities is not None and self.link:
            parts.append(
                _("Records: %(activities)s, listed at the link; their counts give %(value)s.")
                % {"activities": words.activities(self.activities), "value": self.words}
                if self.measure not in ("", "reported")
                else _("Records: %(activities)s behind it, listed at the link.")
                % {"activities": words.activities(self.activities)}
            )
        if self.as_reported is not None:
            parts.append(
                _("As reported for %(period)s (%(report)s, closed %(date)s): %(value)s.")
                % {
                    "period": self.as_reported.period,
                    "report": self.as_reported.report,
                    "date": self.as_reported.taken_at.date().isoformat(),
                    "value": self.as_reported.text,
                }
            )
            if self.as_reported.changed:
                parts.append(
                    _("The figure has been corrected since: now %(value)s.")
                    % {"value": self.as_reported.now_text}
                )
        if (
            self.role == FigureRole.DELIVERY
            and self.figure_value is not None
            and self.value is not None
            and not self.agrees
        ):
            parts.append(
                _("The records now give %(records)s; the figure says %(figure)s.")
                % {
                    "records": self.words,
                    "figure": words.count_words(self.figure_value, self.figure_qualifier),
                }
            )
        if self.note:
            parts.append(self.note)
        return " ".join(parts)

    @property
    def agrees(self) -> bool:
        """Whether the records give the figure's value with the same kind of qualifier
        ("at least" and "more than" are both lower bounds)."""
        return self.value == self.figure_value and _bound(self.qualifier) == _bound(
            self.figure_qualifier
        )


def _bound(qualifier: str) -> str:
    return "lower" if qualifier in ("at_least", "more_than") else qualifier or "exact"


@dataclass
class Section:
    spec: SectionSpec
    statements: list[Statement] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.spec.title)


@dataclass
class Draft:
    year: int
    quarter: int | None
    filters: dict[str, str]  # the filters as asked (codes)
    filter_labels: list[tuple[str, str]]  # (label, value shown)
    sections: list[Section]
    period: ReportingPeriod | None
    reported: bool  # the period was closed for a report: its figures are stated
    includes_drafts: bool
    generated_at: datetime.datetime

    @property
    def title(self) -> str:
        return _("Draft report on technical assistance and capacity-building, %(period)s") % {
            "period": self.label
        }

    @property
    def label(self) -> str:
        return Period(self.year, self.quarter).label

    @property
    def statements(self) -> list[Statement]:
        return [statement for section in self.sections for statement in section.statements]

    def params(self) -> dict[str, str]:
        return {**Period(self.year, self.quarter).params(), **self.filters}


# --- Building ---------------------------------------------------------------------------


def build_draft(
    *, year: int, quarter: int | None = None, filters: dict[str, str], user: AnyUser
) -> Draft:
    """The draft of `year` (or of one `quarter` of it: the activities known to lie within
    it, as the activity list's `quarter` filter says) for `user`, narrowed by `filters`
    (region, theme, project, donor: their codes as in the activity list's query)."""
    span = Period(year, quarter)
    asked = {name: value for name, value in filters.items() if name in FILTERS and value}
    filterset = ActivityFilterSet(
        {**asked, **span.params()},
        queryset=Activity.objects.aggregated_for(user),
        request=_UserOnly(user),  # type: ignore[arg-type]
    )
    if not filterset.is_valid():
        raise DraftError({name: list(errors) for name, errors in filterset.errors.items()})
    cleaned = filterset.form.cleaned_data
    whole = ActivityFilterSet(
        asked,
        queryset=Activity.objects.aggregated_for(user),
        request=_UserOnly(user),  # type: ignore[arg-type]
    )
    whole.is_valid()
    union: QuerySet[Activity] = whole.qs  # every question's activities: no period
    in_period = filterset.qs
    full = stats.restriction_from_filters(cleaned)
    restriction = stats.Restriction(place=full.place, audience=full.audience)

    period = _period_of(span)
    reported = period is not None and period.snapshots.exists()
    figures = _figures(period, cleaned) if reported and period is not None else []
    sections = {spec.key: Section(spec) for spec in SECTIONS}
    questions: list[records.Question] = []
    pending: list[tuple[Section, Any, records.Question | None]] = []

    for figure in figures:
        spec = section_of_paragraph(figure.source_paragraph) or SECTIONS[1]
        question = None
        if figure.role != FigureRole.UMBRELLA and figure.backed:  # type: ignore[attr-defined]
            question = records.Question(
                key=f"figure:{figure.code}",
                activities=union.filter(behind_figure(figure)),
                params={**asked, "figure": figure.code},
            )
            questions.append(question)
        pending.append((sections[spec.key], figure, question))

    themes = {t.slug: t for t in Theme.objects.filter(slug__in=[s.theme for s in SECTIONS])}
    for spec in SECTIONS:
        if spec.kind == "theme" and spec.theme in themes:
            question = records.Question(
                key=f"theme:{spec.theme}",
                activities=in_period.filter(under_theme(Activity, themes[spec.theme])),
                params={**asked, **span.params(), "theme": spec.theme},
            )
            if "theme" in asked and asked["theme"] != spec.theme:
                # The draft is about another theme: this one's records are those of
                # both, which the activity list cannot ask; leave the section to figures.
                continue
            questions.append(question)
            pending.append((sections[spec.key], "records", question))

    mandates = list(
        Mandate.objects.filter(
            Exists(
                Activity.mandates.through.objects.filter(
                    mandate_id=OuterRef("pk"), activity_id__in=in_period.values("pk")
                )
            )
        ).order_by("year", "symbol")
    )
    for mandate in mandates:
        question = records.Question(
            key=f"mandate:{mandate.pk}",
            activities=in_period.filter(linked_to(Activity, "mandates", mandate)),
            params={**asked, **span.params(), "mandate": str(mandate.pk)},
        )
        questions.append(question)
        pending.append((sections["mandates"], mandate, question))

    # Without figure questions every question is about the period: the engine then
    # matches the period's activities only, not those of every year.
    named = [q for q in questions if q.key.startswith("figure:")]
    behind_figures = Exists(
        ReportedFigure.activities.through.objects.filter(
            activity_id=OuterRef("pk"), reportedfigure_id__in=[figure.pk for figure in figures]
        )
    )
    # Every question's activities and no more: those of the period, and the records of
    # the figures (which may lie outside it: the Expert Group's meetings since 2011).
    # Matching every year's activities instead was measured at 23 s at 100,000.
    asked_union = union.filter(_within(span) | behind_figures) if named else in_period
    answers = records.answer_all(
        questions,
        union=asked_union,
        restriction=restriction,
        user=user,
    )
    for section, subject, question in pending:
        counts = answers.get(question.key) if question is not None else None
        if subject == "records":
            assert question is not None and counts is not None
            section.statements.append(
                _records_statement(section.spec, question, counts, span.label)
            )
        elif isinstance(subject, Mandate):
            assert question is not None and counts is not None
            section.statements.append(_mandate_statement(subject, question, counts))
        else:
            statement = _figure_statement(subject, question, counts)
            if statement is not None:
                section.statements.append(statement)

    by_region = stats.compute(in_period, group_by=["region"], restriction=full)
    sections["regions"].statements += _region_statements(by_region, asked, span)
    sections["results"].statements += _result_statements(
        in_period, asked, cleaned, span=span, user=user
    )
    for section in sections.values():
        section.statements.sort(key=_statement_order)
    ordered = [sections[spec.key] for spec in SECTIONS]
    for number, statement in enumerate(
        (s for section in ordered for s in section.statements), start=1
    ):
        statement.number = number
    return Draft(
        year=year,
        quarter=quarter,
        filters=asked,
        filter_labels=_filter_labels(cleaned),
        sections=ordered,
        period=period,
        reported=reported,
        includes_drafts=counting.includes_drafts(in_period),
        generated_at=datetime.datetime.now(datetime.UTC),
    )


@dataclass(frozen=True)
class _UserOnly:
    """What ActivityFilterSet reads of a request: who asks (the text filter)."""

    user: Any


def _within(span: Period) -> Q:
    """The activities of the period, as the activity list's `year` or `quarter` filter
    keeps them (the same counting rules)."""
    if span.quarter:
        return counting.within_quarter(span.year, span.quarter)
    return counting.overlapping(*span.bounds)


def _period_of(span: Period) -> ReportingPeriod | None:
    start, end = span.bounds
    return (
        ReportingPeriod.objects.filter(project__isnull=True, start_date=start, end_date=end)
        .order_by("pk")
        .first()
    )


def _figures(period: ReportingPeriod, cleaned: dict[str, Any]) -> list[ReportedFigure]:
    """The figures of the report the period was closed for: those its snapshot froze,
    and the other figures of the same source document (context, reach...)."""
    frozen = SnapshotFigure.objects.filter(snapshot__period=period, indicator__isnull=True)
    documents = ReportedFigure.objects.filter(code__in=frozen.values("key")).values(
        "source_document_id"
    )
    figures = ReportedFigure.objects.filter(source_document_id__in=documents)
    unbacked = ~Exists(
        ReportedFigure.activities.through.objects.filter(reportedfigure_id=OuterRef("pk"))
    )
    narrowing = {name: cleaned[name] for name in ("region", "theme") if cleaned.get(name)}
    if cleaned.get("project") or cleaned.get("donor"):
        # A figure with no records cannot belong to a project or a donor.
        figures = figures.exclude(unbacked)
    elif narrowing:
        about = ReportedFigureFilterSet(
            {name: getattr(value, "code", None) or value.slug for name, value in narrowing.items()},
            queryset=ReportedFigure.objects.all(),
        )
        about.is_valid()
        figures = figures.filter(~unbacked | Q(pk__in=about.qs.values("pk")))
    annotated = figures_as_reported.annotate(
        figures.select_related("source_document").annotate(
            backed=~unbacked, hubs=Count("mentors__hub_country", distinct=True)
        )
    )
    return list(
        annotated.prefetch_related(
            Prefetch("countries", to_attr="country_list"),
            Prefetch("regions", to_attr="region_list"),
        ).order_by("code")
    )


def _source_title(figure: ReportedFigure) -> str:
    document = figure.source_document
    if document is None:
        return _("its source")
    return document.symbol or document.title


def _figure_places(figure: ReportedFigure) -> words.Places:
    names = tuple(c.name for c in figure.country_list)  # type: ignore[attr-defined]
    regions = tuple(r.name for r in figure.region_list)  # type: ignore[attr-defined]
    count = figure.countries_count or len(names)
    return words.Places(
        names=names,
        count=count,
        qualifier="exact",
        regions=() if names and not regions else regions,
    )


def _figure_statement(
    figure: ReportedFigure, question: records.Question | None, counts: records.Counts | None
) -> Statement | None:
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
    if question is not None and counts is not None and counts.activities == 0:
        return None  # none of its records is in the draft's scope
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
            amount = f"{said} {words.unit_of(figure.unit, value)}"
        text = _("%(subject)s: %(amount)s %(where)s (%(when)s)") % {
            "subject": figure.subject,
            "amount": amount,
            "where": places.words(),
            "when": when,
        }
        if sex is not None:
            text += "; " + sex.words()
        if counts.people["total"]:
            text += "; " + words.people(counts.people["total"])
        return Statement(
            **{
                **base,
                "link": _list_link(question.params),
                "stats_link": _stats_link(question.params),
                "stats_params": question.params,
            },
            text=text + ".",
            value=value,
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
    return statement


def _records_value(figure: ReportedFigure, counts: records.Counts) -> tuple[str, int, str]:
    """What a delivery figure's records give, in the figure's unit."""
    if figure.unit in PERSON_UNITS:
        people = counts.participants
        return "participants", int(people["total"]), str(people["qualifier"])
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


def _records_statement(
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
        text += "; " + _sex(counts).words()
        if counts.people["total"]:
            text += "; " + words.people(counts.people["total"])
        text += "."
    return _counted(f"theme:{spec.theme}", "records", text, question, counts)


def _mandate_statement(
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


def _region_statements(
    answer: dict[str, Any], asked: dict[str, str], span: Period
) -> list[Statement]:
    """The year's records by M49 region (the engine's `region` grouping: each row is
    what the activity list gives for that region)."""
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
            "region": row["region"]["name"],
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


def _result_statements(
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
                % {"year": span.label},
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
                    "year": span.label,
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


def _statement_order(statement: Statement) -> tuple[int, int, int, str]:
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


def _filter_labels(cleaned: dict[str, Any]) -> list[tuple[str, str]]:
    labels = {
        "region": _("Region"),
        "theme": _("Theme"),
        "project": _("Project"),
        "donor": _("Donor"),
    }
    shown = []
    for name in FILTERS:
        value = cleaned.get(name)
        if value is not None:
            shown.append(
                (
                    str(labels[name]),
                    str(getattr(value, "name", None) or getattr(value, "title", None) or value),
                )
            )
    return shown
