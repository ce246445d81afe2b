"""How a draft says its numbers: lists of places, counts of countries, sex splits.

Every phrase keeps the qualifier of its number ("more than 5,600", "at least 15
countries") and never turns a lower bound into an exact count; a split nobody recorded is
"sex not recorded", never "0 women".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..templatetags.figures import AT_LEAST

# Up to this many countries are named ("in El Salvador, Guatemala and Honduras"); more
# are counted ("in 15 countries").
MAX_NAMED_COUNTRIES = 6
WORLD = "World"  # the M49 name of 001, the scope of a global figure


# A count of named people, or of the participations resting on them, that the viewer may
# not see exactly is a string: "<5" or "suppressed" (activities/people/suppression.py).
Count = int | str


def number(value: Count) -> str:
    if isinstance(value, str):
        return value  # suppressed: shown as it is
    return number_format(value, force_grouping=True)


def count_words(value: Count | None, qualifier: str) -> str:
    """5600, "more_than" or "at_least" -> "more than 5,600"; "about" -> "about 5,600"."""
    if value is None:
        return _("not recorded")
    if isinstance(value, str):
        return value
    shown = number(value)
    if qualifier in AT_LEAST:
        return _("more than %(value)s") % {"value": shown}
    if qualifier == "about":
        return _("about %(value)s") % {"value": shown}
    return shown


def period(year: int, quarter: int | None) -> str:
    """'2021 Q1' as the language writes it ('T1 2021'); a whole year is its number. (The
    draft's file name and its query keep Period.label, in English.)"""
    if not quarter:
        return str(year)
    return _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter}


def then(said: str, more: str) -> str:
    """Two clauses of one statement ("...; sex not recorded"), punctuated as the language
    writes them (French: a space before the semicolon)."""
    return _("%(said)s; %(more)s") % {"said": said, "more": more}


def labelled(label: str, value: str) -> str:
    """ "Region: Asia", punctuated as the language writes it ("Région : Asie")."""
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def join_names(names: Sequence[str]) -> str:
    """["A", "B", "C"] -> "A, B and C"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


@dataclass(frozen=True)
class Places:
    """Where a statement's records are: the countries named (their names, when few),
    the lower bound the engine gives (named, or a source's "from N countries"), and the
    regions a record is scoped to when it names no country."""

    names: tuple[str, ...] = ()
    count: int = 0
    qualifier: str = "exact"
    regions: tuple[str, ...] = ()

    @property
    def lower_bound(self) -> bool:
        return self.qualifier in AT_LEAST

    def words(self) -> str:
        # Regions are kept by their M49 names (WORLD), said in the reader's language.
        regions = [_(name) for name in self.regions]
        if self.count and len(self.names) == self.count and self.count <= MAX_NAMED_COUNTRIES:
            where = _("in %(countries)s") % {"countries": join_names(self.names)}
            if self.lower_bound and not self.regions:
                # Named countries, and records scoped to a region naming none.
                where = _("in %(countries)s, and in regions where no country is named") % {
                    "countries": join_names(self.names)
                }
            if self.regions:
                where = _("%(countries)s and in %(regions)s") % {
                    "countries": where,
                    "regions": join_names(regions),
                }
            return where
        if self.count:
            if self.lower_bound:
                return ngettext(
                    "in at least %(count)s country", "in at least %(count)s countries", self.count
                ) % {"count": number(self.count)}
            return ngettext("in %(count)s country", "in %(count)s countries", self.count) % {
                "count": number(self.count)
            }
        if self.regions == (WORLD,):
            return _("worldwide (no country named)")
        if self.regions:
            return _("in %(regions)s (no country named)") % {"regions": join_names(regions)}
        return _("no place recorded")


@dataclass(frozen=True)
class SexSplit:
    """The sex split of participations (or of people): recorded or not."""

    female: Count
    male: Count
    not_recorded: Count

    @property
    def recorded(self) -> bool:
        return bool(self.female or self.male)

    @property
    def suppressed(self) -> bool:
        return any(isinstance(part, str) for part in (self.female, self.male, self.not_recorded))

    def words(self) -> str:
        if self.suppressed:
            return _("sex split not shown (small numbers of named people)")
        if not self.recorded:
            return _("sex not recorded")
        said = _("%(female)s women and %(male)s men") % {
            "female": number(self.female),
            "male": number(self.male),
        }
        if self.not_recorded:
            said = _("%(said)s, sex not recorded for %(count)s") % {
                "said": said,
                "count": number(self.not_recorded),
            }
        return said


def participations(value: Count | None, qualifier: str) -> str:
    """Participations (one person at two activities counts twice), never "people"."""
    if not value:
        return _("no participations recorded")
    shown = count_words(value, qualifier)
    amount = value if isinstance(value, int) else 2  # a suppressed count: the plural
    return ngettext("%(count)s participation", "%(count)s participations", amount) % {
        "count": shown
    }


def activities(value: int) -> str:
    return ngettext("%(count)s activity", "%(count)s activities", value) % {"count": number(value)}


def people(value: Count) -> str:
    """Distinct people named in attendance records (counted once however often they came)."""
    return ngettext(
        "%(count)s distinct person named in attendance records",
        "%(count)s distinct people named in attendance records",
        value if isinstance(value, int) else 2,
    ) % {"count": number(value)}


def unit_of(unit: str, value: int | None) -> str:
    """A reported figure's unit as its source gives it ("meetings"), in the singular for
    one ("1 meeting")."""
    if value == 1 and unit.endswith("s") and not unit.endswith("ss"):
        return unit[:-1]
    return unit
