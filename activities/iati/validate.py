"""An IATI file checked against the official 2.03 XSD and the standard's rules, as a
stream: one iati-activity in memory at a time, whatever the size of the file.

libxml2 validates against the schema while lxml's iterparse reads the file (the schema
files: activities/data/iati-2.03/); each iati-activity read is handed to rules.Rules and
then dropped. The schema stops at its first violation, which is reported with its line;
the rules report every problem (the first MAX_LISTED listed, all counted). libxml2 gives
no line number while it validates a stream: a file under LINE_LOOKUP_BYTES is validated
once more as a tree to find the line; a larger one names how far the reading got.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from .rules import Rules

SCHEMA = (
    Path(__file__).resolve().parent.parent / "data" / "iati-2.03" / "iati-activities-schema.xsd"
)
MAX_LISTED = 100
LINE_LOOKUP_BYTES = 20 * 1024 * 1024


@dataclass
class Report:
    activities: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def valid(self) -> bool:
        return self.problem_count == 0 and self.activities > 0

    def add(self, problems: list[str]) -> None:
        self.problem_count += len(problems)
        room = MAX_LISTED - len(self.problems)
        if room > 0:
            self.problems.extend(problems[:room])


@functools.cache
def schema() -> Any:
    """The 2.03 activity schema (it includes iati-common.xsd and imports xml.xsd from its
    own folder), parsed once per process."""
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def validate_file(path: str | Path, *, today: datetime.date | None = None) -> Report:
    report = Report()
    rules = Rules(today)
    last = ""  # the identifier of the last activity read, to say where the schema stopped
    try:
        for _event, activity in etree.iterparse(
            str(path), events=("end",), tag="iati-activity", schema=schema(), huge_tree=True
        ):
            report.activities += 1
            report.add(rules.check(activity))
            last = activity.findtext("iati-identifier") or last
            # Drop what has been checked: the activity and the siblings before it.
            activity.clear(keep_tail=True)
            parent = activity.getparent()
            while activity.getprevious() is not None and parent is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        report.add([f"XSD: {_where(path, last)}{error.msg}"])
        # The schema's verdict first: it stops there, the rules may follow from it.
        report.problems.insert(0, report.problems.pop(len(report.problems) - 1))
    if report.activities == 0 and report.problem_count == 0:
        report.add(["the file holds no iati-activity"])
    return report


def _where(path: str | Path, last: str) -> str:
    """Where the schema stopped: a line (small files), or the last activity read."""
    if Path(path).stat().st_size <= LINE_LOOKUP_BYTES:
        checker = schema()
        if not checker.validate(etree.parse(str(path), etree.XMLParser(huge_tree=True))):
            error = checker.error_log.last_error
            if error is not None and error.line:
                return f"line {error.line}: "
    return f"read up to {last}: " if last else ""
