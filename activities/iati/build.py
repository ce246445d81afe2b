"""The IATI 2.03 XML of published activities, written as a stream.

One file holds two levels (the `hierarchy` attribute):

- each **project** that an exported activity belongs to is an iati-activity of
  hierarchy 1 (identifier `<org ref>-project-<code>`), carrying what IATI puts on a
  funded piece of work: its donors (participating-org role 1), its budgets (the committed
  funding by currency; a project running over more than a year has one budget per
  calendar year, spread in proportion to the days and marked indicative, as IATI wants a
  budget period of a year at most), its transactions (each commitment as an incoming
  commitment, type 11; each disbursement as incoming funds, type 1, from the donor) and
  its results (activities/results/compute.py: indicators, baselines, targets and
  actuals per period, by sex or by country as `dimension`s, counted as the public sees
  them: suppressed small numbers stay suppressed);
- each **published activity** (a training, a course...) is an iati-activity of
  hierarchy 2 (identifier `<org ref>-<reference>` with "/" made "-", or
  `<org ref>-activity-<id>` without a reference), pointing to its projects with
  related-activity type 1 (parent). Activities carry no money: IATI reports money at one
  level only, so nothing is counted twice.

The file is written with `lxml.etree.xmlfile`: one iati-activity element is built,
checked against the XSD and the rules (validate.Checker: `Written.report` is the file's
verdict), written and dropped at a time, the activities read CHUNK at a time
(activities/iati/records.py), so 100,000 activities never sit in memory. The results of
all the projects are computed together, in a fixed number of engine statements. The codes and
the rules that choose them: activities/iati/mapping.py. Drafts are never read: the
activities are filtered to published ones here, whatever the caller passes.
"""

from __future__ import annotations

import datetime
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from lxml import etree

from ..models import Activity, Project
from ..results import compute
from ..results.batch import Period
from . import mapping, validate
from .records import (
    ActivityRecord,
    Directory,
    ProjectRecord,
    activity_records,
    project_records,
    total_committed,
)

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# IATI: an activity identifier must not contain "/", "&", "|" or "?".
_NOT_IN_IDENTIFIER = re.compile(r"[^A-Za-z0-9._:\-]")
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Written:
    activities: int  # iati-activity elements, projects included
    projects: int
    # Each iati-activity checked as it was written (validate.Checker): the file's verdict.
    report: validate.Report


# --- Entry points ---------------------------------------------------------------------------


def write_activities(out: IO[bytes], activities: QuerySet[Activity]) -> Written:
    """The published activities of `activities` (a filtered queryset) and their projects."""
    published = activities.filter(status=Activity.Status.PUBLISHED)
    ids = list(published.order_by("pk").values_list("pk", flat=True))
    # As a subquery, not the list of ids: a database caps the parameters of a statement.
    projects = Project.objects.filter(
        pk__in=Activity.projects.through.objects.filter(
            activity_id__in=published.order_by().values("pk")
        ).values("project_id")
    ).order_by("code")
    return _write(out, ids, projects)


def write_project(out: IO[bytes], project: Project) -> Written:
    """One project and its published activities that took place (counting rule 10)."""
    ids = list(
        Activity.objects.published()
        .delivered_as()
        .filter(projects=project)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return _write(out, ids, Project.objects.filter(pk=project.pk))


def reporting_org_ref() -> str:
    return str(settings.IATI_REPORTING_ORG_REF)


def activity_identifier(reference: str | None, pk: int) -> str:
    suffix = _NOT_IN_IDENTIFIER.sub("-", reference) if reference else f"activity-{pk}"
    return f"{reporting_org_ref()}-{suffix}"


def project_identifier(code: str) -> str:
    return f"{reporting_org_ref()}-project-{_NOT_IN_IDENTIFIER.sub('-', code)}"


# --- The file -------------------------------------------------------------------------------


def _write(out: IO[bytes], ids: Sequence[int], projects: QuerySet[Project]) -> Written:
    """Projects first, then the deliveries. The deliveries are built first all the same,
    into a spool, while the projects' results are computed beside them on a connection
    of their own (`_results_beside`): the database counts while Python writes. Then the
    file: the projects, the spooled deliveries, the end."""
    fragments = Fragments(Directory.load())
    today = timezone.localdate()
    generated = timezone.now().replace(microsecond=0).isoformat()
    root = {"version": IATI_VERSION, "generated-datetime": generated}
    checker = validate.Checker(root, today=today)
    with translation.override(settings.IATI_DEFAULT_LANGUAGE):
        results = _results_beside(projects.all())  # a queryset of its own for the thread
        records = project_records(projects)
        project_donors = {
            record.project.pk: sorted({funding.donor_id for funding in record.fundings})
            for record in records
        }
        with tempfile.TemporaryFile() as spool:
            deliveries = 0
            for activity in activity_records(ids):
                missing = [pk for pk in activity.projects if pk not in project_donors]
                if missing:  # a project of an activity in a single project's file
                    project_donors.update(_donors_of(missing))
                element = activity_element(activity, fragments, project_donors, today)
                checker.check(element)
                # What xmlfile.write(element, pretty_print=True) writes (the tests compare).
                spool.write(etree.tostring(element, encoding="utf-8", pretty_print=True))
                deliveries += 1
            results_by_project = results()
            with etree.xmlfile(out, encoding="utf-8") as xml:
                xml.write_declaration()
                with xml.element("iati-activities", root):
                    xml.write("\n")
                    for record in records:
                        element = project_element(
                            record, fragments, today, results_by_project.get(record.project.pk, [])
                        )
                        checker.check(element)
                        xml.write(element, pretty_print=True)
                    # The spooled deliveries go straight to the stream, after what xmlfile
                    # holds: its buffer flushed first, so the bytes stay in order.
                    xml.flush()
                    spool.seek(0)
                    shutil.copyfileobj(spool, out)
    return Written(
        activities=len(records) + deliveries, projects=len(records), report=checker.finish()
    )


def _results_beside(projects: QuerySet[Project]) -> Callable[[], ResultsByProject]:
    """The projects' results, computed in a thread with its own database connection
    while the caller writes the deliveries; call the function returned to wait for them.

    Inside a transaction (a test, a caller's atomic block) another connection would not
    see what it has written: the results are then computed in this thread, when asked.
    The thread's connection is closed when it is done. Its answers are those of the
    data committed when it runs, as are the deliveries' (neither is one snapshot)."""
    if connection.in_atomic_block:
        return lambda: _results_of(projects)
    language = translation.get_language()

    def compute_beside() -> ResultsByProject:
        try:
            with translation.override(language):
                return _results_of(projects)
        finally:
            connections.close_all()  # this thread's own

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="iati-results")
    future = executor.submit(compute_beside)
    executor.shutdown(wait=False)
    return future.result


def _donors_of(project_ids: Sequence[int]) -> dict[int, list[int]]:
    from ..models import Funding

    donors: dict[int, list[int]] = {pk: [] for pk in project_ids}
    for project_id, donor_id in (
        Funding.objects.filter(project_id__in=project_ids)
        .order_by("donor_id")
        .values_list("project_id", "donor_id")
    ):
        if donor_id not in donors[project_id]:
            donors[project_id].append(donor_id)
    return donors


# --- Elements -------------------------------------------------------------------------------


def _sub(parent: Any, tag: str, **attributes: str) -> Any:
    return etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})


def _narrative(parent: Any, text: str, language: str | None = None) -> None:
    narrative = etree.SubElement(parent, "narrative")
    if language and language != settings.IATI_DEFAULT_LANGUAGE:
        narrative.set(XML_LANG, language)
    narrative.text = _xml_safe(text)


def _xml_safe(text: str) -> str:
    """XML 1.0 has no place for control characters (a pasted form feed, say)."""
    return _CONTROL_CHARACTERS.sub("", text)


def _text_element(parent: Any, tag: str, text: str, **attributes: str) -> None:
    element = _sub(parent, tag, **attributes)
    _narrative(element, text)


def _copy(element: Any) -> Any:
    """A copy of an element with its whole subtree (lxml's copy is deep; called without
    the copy module's dispatch, which costs more than the copy at 100,000 activities)."""
    return element.__copy__()


class Fragments:
    """The parts that repeat from one iati-activity to the next, built once per file and
    copied into each (lxml copies the nodes in C), not built again 100,000 times: the
    reporting organisation, the reporter as implementer, the aid type, each donor as a
    funder, each country and region with its names, each sector. A copy is the same XML
    as a part built in place: the tests compare the files."""

    def __init__(self, directory: Directory):
        self.directory = directory
        self.language = str(settings.IATI_DEFAULT_LANGUAGE)
        self.reporter_ref = reporting_org_ref()
        reporter_type = str(settings.IATI_REPORTING_ORG_TYPE)
        reporter_name = str(settings.IATI_REPORTING_ORG_NAME)
        self.reporting = etree.Element(
            "reporting-org", {"ref": self.reporter_ref, "type": reporter_type}
        )
        _narrative(self.reporting, reporter_name)
        self.implementer = etree.Element(
            "participating-org",
            {"role": mapping.ROLE_IMPLEMENTING, "ref": self.reporter_ref, "type": reporter_type},
        )
        _narrative(self.implementer, reporter_name)
        self.aid_type = etree.Element(
            "default-aid-type",
            {
                "code": mapping.AID_TYPE_TECHNICAL_ASSISTANCE,
                "vocabulary": mapping.AID_TYPE_VOCABULARY_DAC,
            },
        )
        self._funders: dict[int, Any] = {}
        self._countries: dict[int, Any] = {}
        self._regions: dict[int, Any] = {}
        self._sectors: dict[tuple[str, str], Any] = {}
        self._partners: dict[int, Any] = {}
        self._parents: dict[int, Any] = {}

    def funder(self, donor_id: int) -> Any:
        if donor_id not in self._funders:
            donor = self.directory.donors[donor_id]
            org = etree.Element("participating-org", {"role": mapping.ROLE_FUNDING})
            org_type = mapping.donor_type(donor.kind)
            if org_type:
                org.set("type", org_type)
            _narrative(org, donor.name)
            self._funders[donor_id] = org
        return _copy(self._funders[donor_id])

    def country(self, country_id: int, percentage: str) -> Any:
        """A recipient-country: its code, the percentage, its names (the default
        language's first, then the others by language code)."""
        if country_id not in self._countries:
            place = self.directory.countries[country_id]
            # The percentage is set on each copy; a placeholder keeps the attribute order.
            country = etree.Element("recipient-country", {"code": place.code, "percentage": ""})
            _narrative(country, place.names.get(self.language) or place.name)
            for language, name in sorted(place.names.items()):
                if language != self.language and name:
                    _narrative(country, name, language)
            self._countries[country_id] = country
        element = _copy(self._countries[country_id])
        element.set("percentage", percentage)
        return element

    def region(self, region_id: int, percentage: str) -> Any:
        if region_id not in self._regions:
            place = self.directory.regions[region_id]
            region = etree.Element(
                "recipient-region",
                {
                    "code": place.code,
                    "vocabulary": mapping.REGION_VOCABULARY_UN_M49,
                    "percentage": "",
                },
            )
            _narrative(region, place.name)
            self._regions[region_id] = region
        element = _copy(self._regions[region_id])
        element.set("percentage", percentage)
        return element

    def partner(self, partner_id: int) -> Any:
        """A partner as an implementer (no ref: tacbapp does not record their IATI
        identifiers)."""
        if partner_id not in self._partners:
            partner = self.directory.partners[partner_id]
            org = etree.Element(
                "participating-org",
                {
                    "role": mapping.ROLE_IMPLEMENTING,
                    "type": mapping.PARTNER_TYPES.get(partner.kind, "90"),
                },
            )
            _narrative(org, partner.name)
            self._partners[partner_id] = org
        return _copy(self._partners[partner_id])

    def parent(self, project_id: int) -> Any:
        """The related-activity that points a delivery to its project."""
        if project_id not in self._parents:
            self._parents[project_id] = etree.Element(
                "related-activity",
                {
                    "ref": project_identifier(self.directory.projects[project_id]),
                    "type": mapping.RELATED_PARENT,
                },
            )
        return _copy(self._parents[project_id])

    def sector(self, code: str, percentage: str) -> Any:
        if (code, percentage) not in self._sectors:
            self._sectors[code, percentage] = etree.Element(
                "sector",
                {
                    "vocabulary": mapping.SECTOR_VOCABULARY_DAC,
                    "code": code,
                    "percentage": percentage,
                },
            )
        return _copy(self._sectors[code, percentage])


def _root(
    fragments: Fragments, identifier: str, updated: datetime.datetime | None, hierarchy: str
) -> Any:
    element = etree.Element("iati-activity", {XML_LANG: fragments.language, "hierarchy": hierarchy})
    if updated is not None:
        element.set("last-updated-datetime", updated.replace(microsecond=0).isoformat())
    etree.SubElement(element, "iati-identifier").text = identifier
    element.append(_copy(fragments.reporting))
    return element


def _dates(element: Any, dates: list[tuple[str, datetime.date]], label: str | None) -> None:
    for code, day in dates:
        date = etree.SubElement(
            element, "activity-date", {"type": code, "iso-date": day.isoformat()}
        )
        if label:
            _narrative(date, label)


def _recipients(
    element: Any,
    fragments: Fragments,
    countries: Sequence[tuple[int, Decimal]],
    regions: Sequence[tuple[int, Decimal]],
) -> None:
    for country_id, share in countries:
        element.append(fragments.country(country_id, mapping.format_percentage(share)))
    for region_id, share in regions:
        element.append(fragments.region(region_id, mapping.format_percentage(share)))


def _sectors(element: Any, fragments: Fragments, theme_ids: Sequence[int]) -> None:
    themes = fragments.directory.themes
    codes = sorted({mapping.sector_of(*themes[pk]) for pk in theme_ids} or {mapping.DEFAULT_SECTOR})
    for code, share in zip(codes, mapping.percentages([1] * len(codes)), strict=True):
        element.append(fragments.sector(code, mapping.format_percentage(share)))


# --- A delivery -----------------------------------------------------------------------------


def activity_element(
    record: ActivityRecord,
    fragments: Fragments,
    project_donors: dict[int, list[int]],
    today: datetime.date,
) -> Any:
    directory = fragments.directory
    element = _root(
        fragments,
        activity_identifier(record.reference, record.pk),
        record.updated_at,
        hierarchy="2",
    )
    _text_element(element, "title", record.title)
    description = record.description.strip() or _("%(kind)s, %(period)s.") % {
        "kind": directory.kinds[record.kind].display_name.capitalize(),
        "period": record.period_label,
    }
    _text_element(element, "description", description, type="1")
    source = directory.sources.get(record.source_document_id or 0)
    if source is not None:
        cited = str(source)
        if record.source_paragraph:
            cited = _("%(source)s, paragraph %(paragraph)s") % {
                "source": cited,
                "paragraph": record.source_paragraph,
            }
        _text_element(element, "description", _("Source: %(cited)s.") % {"cited": cited}, type="4")
    funders = sorted(
        set(record.donors) | {d for pk in record.projects for d in project_donors.get(pk, [])},
        key=lambda pk: directory.donors[pk].name,
    )
    for donor_id in funders:
        element.append(fragments.funder(donor_id))
    element.append(_copy(fragments.implementer))
    for partner_id in record.partners:
        element.append(fragments.partner(partner_id))
    _sub(element, "activity-status", code=mapping.DELIVERY_STATUS[record.delivery])
    precise = record.date_precision == "day"
    _dates(
        element,
        mapping.delivery_dates(record.delivery, record.start_date, record.end_date, today),
        None if precise else record.period_label,
    )
    scope = mapping.activity_scope(
        len(record.countries), [directory.regions[pk].code for pk in record.regions]
    )
    if scope:
        _sub(element, "activity-scope", code=scope)
    countries, regions = mapping.recipient_shares(
        record.countries, record.regions, record.participations_by_country
    )
    _recipients(element, fragments, countries, regions)
    _sectors(element, fragments, record.themes)
    element.append(_copy(fragments.aid_type))
    for project_id in record.projects:
        element.append(fragments.parent(project_id))
    return element


# --- A project ------------------------------------------------------------------------------


def project_element(
    record: ProjectRecord,
    fragments: Fragments,
    today: datetime.date,
    results: Sequence[compute.IndicatorResult],
) -> Any:
    directory = fragments.directory
    project = record.project
    element = _root(fragments, project_identifier(project.code), project.updated_at, hierarchy="1")
    currencies = {funding.currency for funding in record.fundings}
    if len(currencies) == 1:
        element.set("default-currency", next(iter(currencies)))
    _text_element(element, "title", project.title)
    _text_element(
        element,
        "description",
        project.description.strip() or _("Project %(code)s.") % {"code": project.code},
        type="1",
    )
    for donor_id in sorted(
        {funding.donor_id for funding in record.fundings},
        key=lambda pk: directory.donors[pk].name,
    ):
        element.append(fragments.funder(donor_id))
    element.append(_copy(fragments.implementer))
    start, end = project.start_date, project.end_date
    if (start is None or end is None) and record.activity_span is not None:
        start = start or record.activity_span[0]
        end = end or record.activity_span[1]
    _sub(element, "activity-status", code=mapping.project_status(start, end, today))
    dates: list[tuple[str, datetime.date]] = []
    if start is not None:
        dates.append((mapping.PLANNED_START, start))
        if start <= today:
            dates.append((mapping.ACTUAL_START, start))
    if end is not None:
        dates.append((mapping.PLANNED_END, end))
    if not dates:  # neither dates nor published activities: the day it was recorded
        dates.append((mapping.PLANNED_START, timezone.localdate(project.created_at)))
    _dates(element, dates, None)
    countries = record.countries or ([] if record.regions else record.activity_countries)
    regions = record.regions or ([] if record.countries else record.activity_regions)
    scope = mapping.activity_scope(len(countries), [directory.regions[pk].code for pk in regions])
    if scope:
        _sub(element, "activity-scope", code=scope)
    country_shares, region_shares = mapping.recipient_shares(countries, regions, {})
    _recipients(element, fragments, country_shares, region_shares)
    _sectors(element, fragments, record.themes or record.activity_themes)
    element.append(_copy(fragments.aid_type))
    if start is not None and end is not None:
        _budgets(element, record, start, end)
    _transactions(element, record, directory, start)
    _results(element, project, results)
    return element


def _year_slices(
    start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """The project's period cut at each 31 December: budgets of a year at most."""
    slices = []
    first = start
    while first <= end:
        last = min(end, datetime.date(first.year, 12, 31))
        slices.append((first, last))
        first = last + datetime.timedelta(days=1)
    return slices


def _budgets(element: Any, record: ProjectRecord, start: datetime.date, end: datetime.date) -> None:
    slices = _year_slices(start, end)
    days = [(last - first).days + 1 for first, last in slices]
    for currency, total in sorted(total_committed(record.fundings).items()):
        cents = int((total * 100).to_integral_value())
        # Shares of the total in proportion to the days, in whole cents, summing to it.
        amounts = mapping.split(cents, days)
        status = mapping.BUDGET_COMMITTED if len(slices) == 1 else mapping.BUDGET_INDICATIVE
        for (first, last), amount in zip(slices, amounts, strict=True):
            budget = _sub(element, "budget", type=mapping.BUDGET_ORIGINAL, status=status)
            _sub(budget, "period-start", iso_date=first.isoformat())
            _sub(budget, "period-end", iso_date=last.isoformat())
            value = _sub(budget, "value", currency=currency, value_date=first.isoformat())
            value.text = mapping.format_amount(Decimal(amount) / 100)


def _transactions(
    element: Any, record: ProjectRecord, directory: Directory, start: datetime.date | None
) -> None:
    for funding in record.fundings:
        entries: list[tuple[str, datetime.date, Decimal]] = []
        committed_on = funding.committed_on or start
        if funding.committed_amount is not None and committed_on is not None:
            entries.append(
                (mapping.TRANSACTION_INCOMING_COMMITMENT, committed_on, funding.committed_amount)
            )
        entries += [
            (mapping.TRANSACTION_INCOMING_FUNDS, paid.date, paid.amount)
            for paid in funding.disbursements.all()
        ]
        for code, day, amount in entries:
            transaction = _sub(element, "transaction")
            _sub(transaction, "transaction-type", code=code)
            _sub(transaction, "transaction-date", iso_date=day.isoformat())
            value = _sub(
                transaction, "value", currency=funding.currency, value_date=day.isoformat()
            )
            value.text = mapping.format_amount(amount)
            provider = _sub(transaction, "provider-org")
            donor_type = mapping.donor_type(funding.donor.kind)
            if donor_type:
                provider.set("type", donor_type)
            _narrative(provider, directory.donors[funding.donor_id].name)


# --- Results --------------------------------------------------------------------------------


ResultsByProject = dict[int, list[compute.IndicatorResult]]


def _results_of(projects: QuerySet[Project]) -> ResultsByProject:
    """Every project's results as the public sees them, all projects' questions asked
    together (compute.projects_results): the statements do not grow with the projects."""
    return compute.projects_results(projects, user=AnonymousUser())


def _results(element: Any, project: Project, results: Sequence[compute.IndicatorResult]) -> None:
    """The project's indicators grouped by outcome (a result of type 2, outcome), those
    without one in a result of type 1 (output) named after the project."""
    groups: dict[int | None, list[compute.IndicatorResult]] = {}
    for result in results:
        groups.setdefault(result.indicator.outcome_id, []).append(result)
    for outcome_id, members in groups.items():
        outcome = members[0].indicator.outcome
        result_element = _sub(
            element,
            "result",
            type=mapping.RESULT_OUTCOME if outcome_id else mapping.RESULT_OUTPUT,
        )
        if outcome is not None:
            _text_element(result_element, "title", f"{outcome.code}. {outcome.title}")
            if outcome.description.strip():
                _text_element(result_element, "description", outcome.description)
        else:
            _text_element(result_element, "title", project.title)
        for result in members:
            _indicator(result_element, result)


def _indicator(parent: Any, result: compute.IndicatorResult) -> None:
    indicator = result.indicator
    element = _sub(parent, "indicator", measure=mapping.INDICATOR_UNIT, ascending="1")
    _text_element(element, "title", f"{indicator.code} {indicator.title}")
    about = indicator.description.strip() or indicator.unit.strip()
    if about:
        _text_element(element, "description", about)
    baseline = result.baseline
    if baseline is not None and indicator.baseline_year:
        base = _sub(element, "baseline", year=str(indicator.baseline_year))
        if baseline.value is not None:
            base.set("value", str(baseline.value))
        comment = " ".join(filter(None, [baseline.text(), indicator.baseline_note]))
        _text_element(base, "comment", comment)
    for year, quarter, _label in result.periods():
        cells = [cell for cell in result.cells if (cell.year, cell.quarter) == (year, quarter)]
        if not any(cell.target is not None or cell.actual is not None for cell in cells):
            continue
        first, last = Period(year, quarter).bounds
        period = _sub(element, "period")
        _sub(period, "period-start", iso_date=first.isoformat())
        _sub(period, "period-end", iso_date=last.isoformat())
        for cell in cells:
            if cell.target is not None:
                target = _sub(period, "target", value=str(cell.target))
                _dimension(target, cell.part)
        for cell in cells:
            actual = cell.actual
            if actual is None or (actual.value is None and not actual.suppressed):
                continue
            element_actual = _sub(period, "actual")
            if actual.value is not None:
                element_actual.set("value", str(actual.value))
            _dimension(element_actual, cell.part)
            if actual.suppressed or actual.qualifier != "exact":
                # "at least 5,600", "about 300", "<5": the qualifier said in words.
                _text_element(element_actual, "comment", actual.text())


def _dimension(parent: Any, part: str) -> None:
    """A part of a disaggregation: dimension "sex" (female, male, not_recorded) or
    "country" (ISO alpha-2)."""
    if part:
        _sub(parent, "dimension", name="sex" if part in compute.SEXES else "country", value=part)
