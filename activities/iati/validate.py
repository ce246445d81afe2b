"""An IATI file checked against the official 2.03 XSD and the standard's rules.

Two ways, with the same verdict:

- `Checker`: while the export writes the file (activities/iati/build.py), each
  iati-activity element is checked the moment before it is written, then dropped. This
  is how every export is validated before it is kept or served: nothing is read back.
- `validate_file(path)`: a file read back as a stream (lxml's iterparse, libxml2
  validating against the schema as it reads), for a file from elsewhere and for the
  tests, which hold the two to the same verdict.

The schema files: activities/data/iati-2.03/. Each iati-activity read is handed to
rules.Rules and then dropped, so one activity is in memory at a time whatever the size
of the file. The rules report every problem (the first MAX_LISTED listed, all counted).
`validate_file`'s schema stops at its first violation, reported with its line (libxml2
gives no line number while it validates a stream: a file under LINE_LOOKUP_BYTES is
validated once more as a tree to find it; a larger one names how far the reading got);
the Checker names each invalid activity and the schema's first complaint about it.
"""

from __future__ import annotations

import copy
import datetime
import functools
from collections.abc import Mapping
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


class Checker:
    """Validates a file element by element as it is written: `check(activity)` before
    each iati-activity is written, `finish()` once the last one is.

    Why this is the whole file's verdict (what validating the file read back gives):
    - The file is the XML declaration, the iati-activities element with `root`'s
      attributes, and the iati-activity elements checked here, serialized by lxml as
      they were checked, with whitespace between them. lxml writes only well-formed XML
      that reads back as the same elements, attributes and text (it refuses the
      characters XML cannot hold when they are set; build.py strips them first), and the
      whitespace pretty-printing adds lies between elements of element-only content,
      which XSD ignores.
    - In the 2.03 schema, iati-activities is one or more iati-activity (a global element
      declaration, the same one an iati-activity validated on its own is checked
      against), then elements of other namespaces, and three attributes. The schema has
      no identity constraint (xsd:key, xsd:unique, xsd:keyref) and the export writes no
      xml:id (the one attribute of type xsd:ID it knows, whose values must differ across
      the file): nothing in one iati-activity's validity depends on another. So
      the file is valid exactly when every iati-activity is, and the iati-activities
      element with its attributes around one of them is; `finish()` checks the latter.
    - The rules are per activity except the identifiers' uniqueness, which the one
      Rules object of the file keeps across the activities, as validate_file does.
    tests/test_iati.py holds the Checker and validate_file to the same verdict on the
    files it breaks (a percentage, a code, a date, an element out of place).
    """

    def __init__(self, root: Mapping[str, str], *, today: datetime.date | None = None):
        self.report = Report()
        self.root = dict(root)
        self.rules = Rules(today)
        self._first_valid: Any = None

    def check(self, activity: Any) -> None:
        self.report.activities += 1
        checker = schema()
        if checker.validate(activity):
            if self._first_valid is None:
                self._first_valid = copy.deepcopy(activity)
        else:
            identifier = activity.findtext("iati-identifier") or "(no identifier)"
            error = next(iter(checker.error_log), None)
            message = error.message if error is not None else "not valid"
            self.report.add([f"XSD: {identifier}: {message}"])
        self.report.add(self.rules.check(activity))

    def finish(self) -> Report:
        """The report; the iati-activities element checked around the first valid
        activity (with none valid, the file is invalid already)."""
        if self.report.activities == 0:
            if self.report.problem_count == 0:
                self.report.add(["the file holds no iati-activity"])
            return self.report
        if self._first_valid is not None:
            wrapper = etree.Element("iati-activities", self.root)
            wrapper.append(self._first_valid)
            checker = schema()
            if not checker.validate(wrapper):
                error = next(iter(checker.error_log), None)
                message = error.message if error is not None else "not valid"
                self.report.add([f"XSD: iati-activities: {message}"])
        return self.report
