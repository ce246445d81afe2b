"""Answers restricted to one place, kept under that place's version.

Every write moves the data version, and every answer kept under it is computed again:
at one write a second, the workers spent their time recomputing answers that the write
had not changed. A question restricted to one region or country counts only the
activities in or under it (counting rule 3), and the refresh that rolls a write up moves
the version of every place the written activity was in and is in, and of the regions
above them (rollups/footprints.py). Such an answer is kept under

    "database:epoch:r<reference version>:<place's M49 path>@<place's version>"

instead of the data version: a write in El Salvador leaves Africa's answers kept. A
question of one year ("year=2020") is kept under the place's version in that year
("<path>2020@<n>"), which only a write to an activity whose period overlapped or
overlaps that year moves: this year's trainings logged in El Salvador leave its 2020
answers kept.

That key holds only:
- while no write waits to be rolled up: until its refresh, the places of a write have
  not moved on (version.read_versions says so, and the data version is used);
- for a question that reads nothing but the activities in the place and reference data
  (whose every write moves the reference version, part of the key): asked anonymously
  (who may see a draft is no activity's write), counting activities, participations
  and countries (not people or learning, whose persons are written apart from their
  activities), filtered and grouped by the activities' own records only
  (`place_of`). Anything else is kept under the data version, as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

from ..models import Country, Region

# One of these names the place (one code, not a list).
PLACE_FILTERS = frozenset({"region", "country"})
# Filters that narrow the place's activities by their own fields, links and rows.
KEPT_FILTERS = frozenset(
    {
        "year",
        "date_from",
        "date_to",
        "month",
        "quarter",
        "held_in",
        "delivery",
        "theme",
        "kind",
        "modality",
        "status",
        "language",
        "audience",
        "q",
        "format",
        "hxl",
    }
)
KEPT_MEASURES = frozenset({"activities", "participants", "countries"})
KEPT_GROUPINGS = frozenset(
    {
        "region",
        "subregion",
        "country",
        "year",
        "month",
        "theme",
        "kind",
        "modality",
        "audience",
        "sex",
        "language",
    }
)


@dataclass(frozen=True)
class Place:
    """The place a question names, as the version read finds it: the row of `table`
    whose `column` is `code`, looked up as the filter looks it up (filters/fields.py:
    a country by its ISO alpha-2 or alpha-3 code, upper case; a region by its M49
    code). A code that finds none: no place, and the data version serves."""

    table: str
    column: str
    code: str
    year: str = ""  # the one year asked ("2020"), or "" for the place in every year


def place_of(params: Mapping[str, str], authenticated: bool) -> Place | None:
    """The place a stats question (its query parameters) may be kept under: asked
    anonymously, one place, and only the filters, measures and groupings above."""
    if authenticated or not getattr(settings, "ROLLUPS", True):
        return None
    names = set(params)
    if names - PLACE_FILTERS - KEPT_FILTERS - {"measures", "group_by"}:
        return None
    if not (_listed(params.get("measures")) <= KEPT_MEASURES):
        return None
    if not (_listed(params.get("group_by")) <= KEPT_GROUPINGS):
        return None
    named = names & PLACE_FILTERS
    year = _year(params.get("year"))
    if named == {"region"}:
        return Place(Region._meta.db_table, "code", params["region"], year)
    if named == {"country"}:
        code = params["country"].strip().upper()
        return Place(Country._meta.db_table, "iso2" if len(code) == 2 else "iso3", code, year)
    return None


def _year(text: str | None) -> str:
    """The year a question names, as its place's versions are kept by year (the
    plausible years: rollups/footprints.py), or "" (none, or one the versions do not
    keep: the place's own version then serves, which every write there moves)."""
    first, last = settings.PLAUSIBLE_YEARS
    # Four ASCII digits: str.isdigit() also takes "²", which int() refuses.
    if text is None or not re.fullmatch(r"[0-9]{4}", text) or not first <= int(text) <= last:
        return ""
    return text


def _listed(text: str | None) -> set[str]:
    return {name.strip() for name in (text or "").split(",") if name.strip()}
