"""The IATI Standard's basic rules that the XSD cannot express, checked on each
iati-activity element of a file, and the code values checked against the codelists.

- Identifiers: the iati-identifier starts with the reporting-org's ref and a hyphen,
  holds none of "/", "&", "|", "?", and is unique in the file.
- Percentages: the recipient-country and recipient-region percentages of an activity sum
  to 100 (when there is more than one recipient, each has one); the sector percentages of
  each vocabulary sum to 100.
- Dates in order: a start (planned or actual) is given; planned start <= planned end;
  actual start <= actual end; no actual date lies in the future; a budget's and a result
  period's start <= end; a budget covers a year at most.
- Codes: every code the export writes is in its codelist (activities/data/iati-2.03/
  codelists/) and not withdrawn; the xml:lang values are in the Language codelist.

`Rules.check(element)` returns the problems of one activity, each naming its
identifier; `Rules` keeps the identifiers seen for the uniqueness check.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

CODELISTS = Path(__file__).resolve().parent.parent / "data" / "iati-2.03" / "codelists"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FORBIDDEN_IN_IDENTIFIER = "/&|?"
HUNDRED = Decimal(100)
ONE_YEAR_DAYS = 366


@functools.cache
def codes(name: str) -> frozenset[str]:
    """The active codes of a codelist (withdrawn ones left out)."""
    tree = etree.parse(str(CODELISTS / f"{name}.xml"))
    return frozenset(
        item.findtext("code").strip()
        for item in tree.iter("codelist-item")
        if item.get("status", "active") != "withdrawn" and item.findtext("code")
    )


# (XPath relative to iati-activity, attribute, codelist): the codes the export writes.
# Sector and aid-type codes are checked only in vocabulary 1 (DAC), recipient-region codes
# only in vocabulary 1 too: the UN M49 codes of vocabulary 2 are not an IATI codelist.
CODED = (
    ("reporting-org", "type", "OrganisationType"),
    ("participating-org", "role", "OrganisationRole"),
    ("participating-org", "type", "OrganisationType"),
    ("activity-status", "code", "ActivityStatus"),
    ("activity-date", "type", "ActivityDateType"),
    ("activity-scope", "code", "ActivityScope"),
    ("recipient-country", "code", "Country"),
    ("recipient-region", "vocabulary", "RegionVocabulary"),
    ("recipient-region[@vocabulary='1']", "code", "Region"),
    ("sector", "vocabulary", "SectorVocabulary"),
    ("sector[@vocabulary='1']", "code", "Sector"),
    ("default-aid-type", "vocabulary", "AidTypeVocabulary"),
    ("default-aid-type[@vocabulary='1']", "code", "AidType"),
    ("budget", "type", "BudgetType"),
    ("budget", "status", "BudgetStatus"),
    ("budget/value", "currency", "Currency"),
    ("transaction/transaction-type", "code", "TransactionType"),
    ("transaction/value", "currency", "Currency"),
    ("transaction/provider-org", "type", "OrganisationType"),
    ("result", "type", "ResultType"),
    ("result/indicator", "measure", "IndicatorMeasure"),
)


class Rules:
    def __init__(self, today: datetime.date | None = None):
        self.today = today or datetime.date.today()
        self.seen: set[str] = set()

    def check(self, activity: Any) -> list[str]:
        identifier = (activity.findtext("iati-identifier") or "").strip()
        problems = [
            *self._identifier(activity, identifier),
            *self._recipients(activity),
            *self._sectors(activity),
            *self._dates(activity),
            *self._codes(activity),
        ]
        return [f"{identifier or '(no identifier)'}: {problem}" for problem in problems]

    def _identifier(self, activity: Any, identifier: str) -> list[str]:
        problems = []
        reporting = activity.find("reporting-org")
        prefix = reporting.get("ref", "") if reporting is not None else ""
        if not prefix or not identifier.startswith(f"{prefix}-"):
            problems.append(
                f'the identifier does not start with the reporting organisation\'s ref "{prefix}-"'
            )
        if any(ch in identifier for ch in FORBIDDEN_IN_IDENTIFIER):
            problems.append(f'the identifier holds one of "{FORBIDDEN_IN_IDENTIFIER}"')
        if identifier in self.seen:
            problems.append("the identifier is used twice in the file")
        self.seen.add(identifier)
        return problems

    def _recipients(self, activity: Any) -> list[str]:
        recipients = activity.findall("recipient-country") + activity.findall("recipient-region")
        if not recipients:
            return []
        given = [element.get("percentage") for element in recipients]
        if len(recipients) > 1 and None in given:
            return ["several recipients, not all of them with a percentage"]
        if all(value is None for value in given):
            return []
        total = _sum(given)
        if total is None:
            return ["a recipient percentage is not a number"]
        if total != HUNDRED:
            return [f"the recipient country and region percentages sum to {_show(total)}, not 100"]
        return []

    def _sectors(self, activity: Any) -> list[str]:
        by_vocabulary: dict[str, list[str | None]] = defaultdict(list)
        for sector in activity.findall("sector"):
            by_vocabulary[sector.get("vocabulary", "1")].append(sector.get("percentage"))
        problems = []
        for vocabulary, given in sorted(by_vocabulary.items()):
            if len(given) == 1 and given[0] is None:
                continue
            total = _sum(given)
            if total != HUNDRED:
                problems.append(
                    f"the sector percentages of vocabulary {vocabulary} sum to "
                    f"{_show(total)}, not 100"
                )
        return problems

    def _dates(self, activity: Any) -> list[str]:
        problems = []
        dates: dict[str, datetime.date] = {}
        for element in activity.findall("activity-date"):
            day = _date(element.get("iso-date"))
            if day is not None:
                dates[element.get("type", "")] = day
        if "1" not in dates and "2" not in dates:
            problems.append("no start date (planned or actual)")
        for start, end, what in (("1", "3", "planned"), ("2", "4", "actual")):
            if start in dates and end in dates and dates[start] > dates[end]:
                problems.append(f"the {what} start date is after the {what} end date")
        for code in ("2", "4"):
            if code in dates and dates[code] > self.today:
                problems.append(f"an actual date ({dates[code].isoformat()}) is in the future")
        for path, what in (("budget", "budget"), ("result/indicator/period", "result period")):
            for element in activity.iterfind(path):
                first = _date(element.find("period-start").get("iso-date"))
                last = _date(element.find("period-end").get("iso-date"))
                if first is None or last is None:
                    continue
                if first > last:
                    problems.append(f"a {what} ends ({last}) before it starts ({first})")
                elif what == "budget" and (last - first).days >= ONE_YEAR_DAYS:
                    problems.append(f"a budget covers more than a year ({first} to {last})")
        return problems

    def _codes(self, activity: Any) -> list[str]:
        """Each CODED path's values against its codelist, in one pass over the activity's
        children (not one search per path): the problems come out in the order of
        CODED, each path's in document order, as a search per path gives them."""
        found: dict[int, list[str]] = {}
        by_tag = _coded_by_tag()
        for child in activity:
            for index, sub, condition, attribute, allowed in by_tag.get(child.tag, ()):
                if condition is not None and child.get(condition[0]) != condition[1]:
                    continue
                for element in child.iterchildren(sub) if sub else (child,):
                    value = element.get(attribute)
                    if value is not None and value not in allowed:
                        found.setdefault(index, []).append(value)
        problems = [
            f"{CODED[index][0]}/@{CODED[index][1]} {value!r} is not in {CODED[index][2]}"
            for index in sorted(found)
            for value in found[index]
        ]
        languages = codes("Language")
        for language in _LANGUAGES(activity):
            if language not in languages:
                problems.append(f"xml:lang {language!r} is not in the Language codelist")
        return problems


Coded = tuple[int, str | None, tuple[str, str] | None, str, frozenset[str]]


@functools.cache
def _coded_by_tag() -> dict[str, list[Coded]]:
    """CODED by the tag of the activity's child each path starts at: (its index in
    CODED, the grandchild's tag or None, the [@name='value'] condition or None, the
    attribute, the codelist's codes)."""
    by_tag: dict[str, list[Coded]] = {}
    for index, (path, attribute, codelist) in enumerate(CODED):
        first, _slash, sub = path.partition("/")
        tag, _bracket, test = first.partition("[@")
        condition = None
        if test:
            name, _equals, quoted = test.rstrip("]").partition("=")
            condition = (name, quoted.strip("'"))
        entry = (index, sub or None, condition, attribute, codes(codelist))
        by_tag.setdefault(tag, []).append(entry)
    return by_tag


# Every xml:lang in the activity, the activity's own included, in document order.
_LANGUAGES = etree.XPath(
    "descendant-or-self::*/@xml:lang",
    namespaces={"xml": "http://www.w3.org/XML/1998/namespace"},
)


def _sum(values: list[str | None]) -> Decimal | None:
    try:
        return sum((Decimal(value or "0") for value in values), Decimal(0))
    except InvalidOperation:
        return None


def _show(total: Decimal | None) -> str:
    if total is None:
        return "(not a number)"
    text = format(total, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None
