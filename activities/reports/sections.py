"""The shape of the programme's report, written once as data.

A draft follows the chapters of the Global Programme on Cybercrime's 2020 report. Each
section says where its content comes from:

- `paragraphs`: the report's paragraphs it covers. A reported figure goes to the section
  holding its paragraph (the report's own placement: F03 "Burkina Faso" is support by
  region, paragraph 14, although its activity is tagged investigations).
- `theme`: the theme whose activity records the section states for the period (the
  activity list's `theme` filter, so a theme also takes its topics).
- `kind`: what else the section states: the mandates behind the period's records, the
  records by M49 region, the projects' results against their targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: StrOrPromise  # lazily translated
    paragraphs: tuple[int, int] | None = None
    theme: str = ""
    kind: str = "theme"  # "mandates", "regions", "theme", "results"
    chapter: str = ""


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("mandates", _("Mandates"), (1, 12), kind="mandates", chapter="I"),
    SectionSpec(
        "regions",
        _("Normative and capacity-building support by region"),
        (13, 14),
        kind="regions",
        chapter="III",
    ),
    SectionSpec(
        "investigations",
        _("Cybercrime investigations and digital forensics"),
        (15, 17),
        theme="investigations-forensics",
        chapter="III.A",
    ),
    SectionSpec(
        "crypto",
        _("Cryptocurrencies and darknet investigations"),
        (18, 19),
        theme="crypto-darknet",
        chapter="III.B",
    ),
    SectionSpec(
        "ocsea",
        _("Online child sexual exploitation and abuse"),
        (20, 26),
        theme="ocsea",
        chapter="III.C",
    ),
    SectionSpec(
        "e-evidence",
        _("International cooperation to obtain electronic evidence"),
        (27, 27),
        theme="e-evidence",
        chapter="III.D",
    ),
    SectionSpec(
        "information-sharing",
        _("Information-sharing"),
        (28, 30),
        theme="information-sharing",
        chapter="IV",
    ),
    SectionSpec(
        "research", _("Research and analysis"), (31, 31), theme="research-analysis", chapter="V"
    ),
    SectionSpec("prevention", _("Prevention"), (32, 34), theme="prevention", chapter="VI"),
    SectionSpec(
        "expert-group",
        _("Expert Group to Conduct a Comprehensive Study on Cybercrime"),
        (35, 39),
        theme="expert-group",
        chapter="VII",
    ),
    SectionSpec("results", _("Results against targets"), kind="results"),
)


def section_of_paragraph(paragraph: str) -> SectionSpec | None:
    """The section holding a source paragraph ("17", "11-12": its first number)."""
    first = paragraph.split("-")[0].strip()
    if not first.isdigit():
        return None
    number = int(first)
    for section in SECTIONS:
        if section.paragraphs and section.paragraphs[0] <= number <= section.paragraphs[1]:
            return section
    return None
