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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from .. import counting, figures_as_reported, stats
from ..filters import ActivityFilterSet, ReportedFigureFilterSet
from ..filters.fields import ALL_DELIVERY, behind_figure, linked_to, under_theme
from ..models import (
    Activity,
    FigureRole,
    Mandate,
    ReportedFigure,
    ReportingPeriod,
    SnapshotFigure,
    Theme,
)
from ..results.batch import Period
from . import records, words
from .document import FILTERS, Draft, DraftError, Section
from .sections import SECTIONS, section_of_paragraph
from .statements import (
    figure_statement,
    mandate_statement,
    records_statement,
    region_statements,
    result_statements,
    statement_order,
)

if TYPE_CHECKING:
    from ..counting import AnyUser


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
    # Every question's activities: no period, and whatever their delivery status. A
    # reported figure's records are asked as the figure says them, postponed or not (F31,
    # the Ad Hoc Committee's session the report says was postponed); the period's own
    # questions (themes, mandates, regions) count as the activity list does by default.
    whole = ActivityFilterSet(
        {**asked, "delivery": ALL_DELIVERY},
        queryset=Activity.objects.aggregated_for(user),
        request=_UserOnly(user),  # type: ignore[arg-type]
    )
    whole.is_valid()
    union: QuerySet[Activity] = whole.qs
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
                params={**asked, "figure": figure.code, "delivery": ALL_DELIVERY},
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
                records_statement(
                    section.spec, question, counts, words.period(span.year, span.quarter)
                )
            )
        elif isinstance(subject, Mandate):
            assert question is not None and counts is not None
            section.statements.append(mandate_statement(subject, question, counts))
        else:
            statement = figure_statement(subject, question, counts, filtered=bool(asked))
            if statement is not None:
                section.statements.append(statement)

    by_region = stats.compute(in_period, group_by=["region"], restriction=full)
    within = cleaned["region"].display_name if cleaned.get("region") else ""
    sections["regions"].statements += region_statements(by_region, asked, span, within)
    sections["results"].statements += result_statements(
        in_period, asked, cleaned, span=span, user=user
    )
    for section in sections.values():
        section.statements.sort(key=statement_order)
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
                    str(
                        getattr(value, "display_name", None)
                        or getattr(value, "name", None)
                        or getattr(value, "title", None)
                        or value
                    ),
                )
            )
    return shown
