"""An IATI file checked against the official 2.03 XSD and the standard's rules, as a
stream: one iati-activity in memory at a time, whatever the size of the file.

libxml2 validates against the schema while lxml's iterparse reads the file (the schema
files: activities/data/iati-2.03/); each iati-activity read is handed to rules.Rules and
then dropped. The schema stops at its first violation, which is reported with its line;
the rules report every problem (the first MAX_LISTED listed, all counted). libxml2 gives
no line number while it validates a stream, so a schema error names the last activity
read before it.
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
        # libxml2 gives no line while it validates a stream: say which activity it was in.
        where = f"after {last}: " if last else "in the first iati-activity: "
        where = f"line {error.lineno}: " if error.lineno else where
        report.add([f"XSD: {where}{error.msg}"])
        # The schema's verdict first: it stops there, the rules may follow from it.
        report.problems.insert(0, report.problems.pop(len(report.problems) - 1))
    if report.activities == 0 and report.problem_count == 0:
        report.add(["the file holds no iati-activity"])
    return report
