"""The stats engine against a brute-force count, on random small programmes.

Hypothesis draws a few activities over a handful of countries in three M49 regions
(Central and South America, South-eastern Asia, Western Africa): single-country,
multi-country and region-scoped ones, beneficiary rows with and without a country, sex
splits, "more than" and "about" figures. It writes them through the ORM and the services
(so the derived places are the real ones), asks `stats.compute` the way the API does,
and compares every number with a plain Python count written here from the rules, not
from the engine:

- counting.py and issue 3: people belong to a row's country; else to the one country of
  a single-country activity; else to the smallest M49 region holding the whole scope.
  Under a country or region filter only the people who certainly belong to it are
  counted; the rest of the matched activities' people are `unattributed`. Qualifiers:
  any "about" makes "about", else any "more than" makes "at_least", else "exact".
  Activities are counted distinct; totals are never a sum of rows.
- counting rule 3: an activity is in a place when a country it lists, a scope region
  or a country one of its rows names lies under the place (filters and groupings);
- the dimensions as the API documents them: an activity is in a country row when it
  lists the country or a row names it, in a region row when one of its countries,
  scope regions or row countries lies under the region, in each calendar year its
  period overlaps, in a month only when its known period lies within that month, under
  each top-level theme of its themes (a topic under its theme); people are placed in a
  group only when they certainly belong to it (a year only when the activity lies
  within that one year), otherwise in the row whose group value is None; an activity
  is in that row when it is in no group of the dimension (a region-scoped activity
  under `country`, one dated by its year under `month`) or when some of its counted
  people are.

- counting rule 10: only delivered and ongoing activities are counted, unless the
  `delivery` filter names other statuses (or `all`);
- counting rule 11: where an activity was held (its venue, any country, often not one
  it served) decides only `held_in`, never where its people are counted.

Assumptions of the generator (not of the rules): a row that names a country names one
of its activity's countries or a country under one of its scope regions (as the form
and the API require), and a row counts at least one person.
"""

from __future__ import annotations

import datetime
import itertools
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from activities import services, stats
from activities.filters import ActivityFilterSet
from activities.models import Activity, BeneficiaryGroup, Country, Region, Theme

pytestmark = pytest.mark.django_db

COUNTRIES = ["SV", "GT", "HN", "BZ", "BR", "AR", "TH", "VN", "SN", "BF"]
SCOPE_REGIONS = ["013", "005", "419", "019", "035", "142", "011", "002", "001"]
FILTER_REGIONS = ["013", "419", "019", "035", "142", "011", "002", "001", "150"]
THEMES = ["investigations-forensics", "crypto-darknet", "ocsea", "topic-cryptocurrencies"]
KINDS = ["training", "webinar", "workshop"]
QUALIFIER_OF = {"exact": "exact", "more_than": "at_least", "about": "about"}
GEOGRAPHIC = {"region", "subregion", "country"}
DIMENSIONS = ["region", "subregion", "country", "year", "month", "theme", "kind", "sex"]
SEXES = ("female", "male", "not_recorded")
DELIVERY = ["delivered", "ongoing", "scheduled", "postponed", "cancelled"]
COUNTED_BY_DEFAULT = {"delivered", "ongoing"}
HELD_IN = [*COUNTRIES, "FR", "035", "013", "150"]
PREFIX = "property/"
# Which of COUNTRIES lie under each scope region (checked against the M49 tables by
# test_the_generators_tree_is_m49): a region-scoped activity's rows may name them.
COUNTRIES_UNDER = {
    "013": ["SV", "GT", "HN", "BZ"],
    "005": ["BR", "AR"],
    "419": ["SV", "GT", "HN", "BZ", "BR", "AR"],
    "019": ["SV", "GT", "HN", "BZ", "BR", "AR"],
    "035": ["TH", "VN"],
    "142": ["TH", "VN"],
    "011": ["SN", "BF"],
    "002": ["SN", "BF"],
    "001": COUNTRIES,
}


@dataclass(frozen=True)
class Row:
    country: str | None
    female: int
    male: int
    not_recorded: int
    qualifier: str

    @property
    def total(self) -> int:
        return self.female + self.male + self.not_recorded


@dataclass(frozen=True)
class Act:
    kind: str
    start: datetime.date
    end: datetime.date
    precision: str
    countries: tuple[str, ...]
    regions: tuple[str, ...]
    themes: tuple[str, ...]
    reported_countries_count: int | None
    rows: tuple[Row, ...]
    status: str = "published"
    delivery: str = "delivered"
    venue: str | None = None
    hours: float | None = None

    @property
    def all_countries(self) -> tuple[str, ...]:
        """The countries the activity is in: listed, or named by a row (rule 3)."""
        named = [row.country for row in self.rows if row.country is not None]
        return tuple(sorted(set(self.countries).union(named)))


# --- Strategies -----------------------------------------------------------------------


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


@st.composite
def periods(draw) -> tuple[datetime.date, datetime.date, str]:
    year = draw(st.integers(2019, 2021))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        last = year + draw(st.sampled_from([0, 0, 1]))
        return datetime.date(year, 1, 1), datetime.date(last, 12, 31), precision
    month = draw(st.integers(1, 12))
    if precision == "month":
        span = draw(st.sampled_from([0, 0, 1]))
        end_year, end_month = (year, month + span) if month + span <= 12 else (year + 1, 1)
        return datetime.date(year, month, 1), _month_end(end_year, end_month), precision
    start = datetime.date(year, month, draw(st.integers(1, 28)))
    days = draw(st.sampled_from([0, 1, 3, 10, 40]))
    return start, start + datetime.timedelta(days=days), precision


@st.composite
def activities(draw) -> Act:
    countries = tuple(draw(st.lists(st.sampled_from(COUNTRIES), max_size=3, unique=True)))
    regions = tuple(
        draw(
            st.lists(
                st.sampled_from(SCOPE_REGIONS),
                min_size=0 if countries else 1,
                max_size=1 if countries else 2,
                unique=True,
            )
        )
    )
    start, end, precision = draw(periods())
    # Rows may name a listed country, or a country inside a scope region (a West Africa
    # workshop whose sheet says Senegal): the case counting rule 3 is about.
    nameable = sorted(set(countries).union(*(COUNTRIES_UNDER[r] for r in regions)))
    row_country = st.one_of(st.none(), st.sampled_from(nameable)) if nameable else st.none()
    rows = draw(
        st.lists(
            st.builds(
                Row,
                country=row_country,
                female=st.integers(0, 30),
                male=st.integers(0, 30),
                not_recorded=st.integers(0, 60),
                qualifier=st.sampled_from(["exact", "exact", "more_than", "about"]),
            ).filter(lambda row: row.total > 0),
            max_size=3,
        )
    )
    reported = draw(st.one_of(st.none(), st.integers(1, 40))) if not countries else None
    return Act(
        kind=draw(st.sampled_from(KINDS)),
        start=start,
        end=end,
        precision=precision,
        countries=countries,
        regions=regions,
        themes=tuple(draw(st.lists(st.sampled_from(THEMES), max_size=2, unique=True))),
        reported_countries_count=reported,
        rows=tuple(rows),
        delivery=draw(st.sampled_from(["delivered", "delivered", *DELIVERY])),
        # Held anywhere, often in a country it did not serve (a Bangkok training for
        # Cambodia and Laos): the venue must never move people.
        venue=draw(st.one_of(st.none(), st.sampled_from([*COUNTRIES, "FR"]))),
        hours=draw(st.one_of(st.none(), st.sampled_from([0.5, 1, 2.25, 6, 8, 40]))),
    )


filters = st.fixed_dictionaries(
    {},
    optional={
        "region": st.sampled_from(FILTER_REGIONS),
        "country": st.sampled_from([*COUNTRIES, "FR"]),
        "year": st.integers(2019, 2022),
        "kind": st.sampled_from(KINDS),
        "theme": st.sampled_from(THEMES),
        "delivery": st.sampled_from(
            ["all", "scheduled", "delivered", "delivered,ongoing", "postponed,cancelled"]
        ),
        "held_in": st.sampled_from(HELD_IN),
    },
)


def _valid_grouping(dimensions: list[str]) -> bool:
    return len(GEOGRAPHIC.intersection(dimensions)) <= 1


# --- The brute force ------------------------------------------------------------------


class Geography:
    """The M49 tree as plain paths, read once from the reference tables."""

    def __init__(self):
        self.region_path = dict(Region.objects.values_list("code", "path"))
        self.region_level = dict(Region.objects.values_list("code", "level"))
        self.region_name = dict(Region.objects.values_list("code", "name"))
        self.code_of_path = {path: code for code, path in self.region_path.items()}
        self.country_path = dict(Country.objects.values_list("iso2", "path"))
        self.country_name = dict(Country.objects.values_list("iso2", "name"))

    def path(self, place: tuple[str, str] | None) -> str | None:
        if place is None:
            return None
        kind, code = place
        return self.country_path[code] if kind == "country" else self.region_path[code]

    def ancestors(self, path: str) -> list[str]:
        """Codes of the regions on the path, from World down."""
        return [segment for segment in path.strip("/").split("/") if segment.isdigit()]

    def place_of(self, act: Act, row: Row) -> tuple[str, str] | None:
        if row.country is not None:
            return ("country", row.country)
        if len(act.countries) == 1 and not act.regions:
            return ("country", act.countries[0])
        chains = [self.ancestors(self.country_path[c]) for c in act.countries] + [
            self.ancestors(self.region_path[r]) for r in act.regions
        ]
        if not chains:
            return None
        common = set(chains[0]).intersection(*chains[1:])
        if not common:
            return None
        return ("region", max(common, key=lambda code: self.region_level[code]))

    def within(self, place: tuple[str, str] | None, restriction) -> bool:
        if restriction is None:
            return True
        if place is None:
            return False
        return self.path(place).startswith(self.path(restriction))

    def overlaps(self, place: tuple[str, str], restriction) -> bool:
        if restriction is None:
            return True
        path, other = self.path(place), self.path(restriction)
        return path.startswith(other) or other.startswith(path)

    def level_key(self, path: str, level: int) -> str | None:
        chain = self.ancestors(path)
        return chain[level] if len(chain) > level else None


def matches(geo: Geography, act: Act, query: dict[str, Any]) -> bool:
    asked = query.get("delivery")
    statuses = (
        COUNTED_BY_DEFAULT
        if asked is None
        else set(DELIVERY)
        if asked == "all"
        else set(asked.split(","))
    )
    if act.delivery not in statuses:
        return False
    if "held_in" in query:
        code = query["held_in"]
        place = geo.region_path[code] if code.isdigit() else geo.country_path[code]
        if act.venue is None or not geo.country_path[act.venue].startswith(place):
            return False
    if "year" in query:
        year = query["year"]
        if not (act.start <= datetime.date(year, 12, 31) and act.end >= datetime.date(year, 1, 1)):
            return False
    if "region" in query:
        path = geo.region_path[query["region"]]
        scope = [geo.country_path[c] for c in act.all_countries] + [
            geo.region_path[r] for r in act.regions
        ]
        if not any(p.startswith(path) for p in scope):
            return False
    if "country" in query and query["country"] not in act.all_countries:
        return False
    if "kind" in query and act.kind != query["kind"]:
        return False
    if "theme" in query:
        wanted = query["theme"]
        if not any(t == wanted or PARENT.get(t) == wanted for t in act.themes):
            return False
    return True


PARENT = {"topic-cryptocurrencies": "investigations-forensics"}


def top_theme(slug: str) -> str:
    return PARENT.get(slug, slug)


def activity_keys(geo: Geography, dimension: str, act: Act, query=None) -> set:
    """The groups an activity is in, whether or not it counted people there.

    A filter on the same attribute keeps only the groups that overlap it: filtered on
    Central America, an activity in El Salvador and South-eastern Asia is in the
    Americas, not in Asia; filtered on one theme, an activity is under that theme only.
    """
    query = query or {}
    restriction = None
    if "country" in query:
        restriction = ("country", query["country"])
    elif "region" in query:
        restriction = ("region", query["region"])
    scope = [geo.country_path[c] for c in act.all_countries] + [
        geo.region_path[r] for r in act.regions
    ]
    if dimension == "country":
        return {c for c in act.all_countries if geo.overlaps(("country", c), restriction)}
    if dimension in ("region", "subregion"):
        level = 1 if dimension == "region" else 2
        keys = {key for path in scope if (key := geo.level_key(path, level))}
        return {key for key in keys if geo.overlaps(("region", key), restriction)}
    if dimension == "year":
        years = set(range(act.start.year, act.end.year + 1))
        return years & {query["year"]} if "year" in query else years
    if dimension == "month":
        same_month = (act.start.year, act.start.month) == (act.end.year, act.end.month)
        if act.precision in ("month", "day") and same_month:
            return {f"{act.start.year}-{act.start.month:02d}"}
        return set()
    if dimension == "theme":
        themes = {top_theme(t) for t in act.themes}
        return themes & {top_theme(query["theme"])} if "theme" in query else themes
    if dimension == "kind":
        return {act.kind}
    raise AssertionError(dimension)


def people_keys(geo: Geography, dimension: str, act: Act, place, query) -> set:
    """The groups a row's people certainly belong to ({None} when none)."""
    if dimension == "country":
        return {place[1]} if place and place[0] == "country" else {None}
    if dimension in ("region", "subregion"):
        level = 1 if dimension == "region" else 2
        return {geo.level_key(geo.path(place), level) if place else None}
    if dimension == "year":
        return {act.start.year} if act.start.year == act.end.year else {None}
    if dimension in ("theme", "month", "kind"):
        return activity_keys(geo, dimension, act, query) or {None}
    raise AssertionError(dimension)


class Hours:
    """Hours or person-hours (counting rule 12): what is known, what is not."""

    def __init__(self):
        self.total = 0.0
        self.without = 0
        self.qualifiers: set[str] = set()

    def add(self, hours: float | None, times: int = 1, qualifier: str = "exact") -> None:
        if hours is None:
            self.without += times
            return
        self.total += hours * times
        self.qualifiers.add(QUALIFIER_OF[qualifier])

    def as_dict(self, without_name: str) -> dict[str, Any]:
        qualifier = "exact"
        if "about" in self.qualifiers:
            qualifier = "about"
        elif "at_least" in self.qualifiers or self.without:
            qualifier = "at_least"
        return {"total": round(self.total, 2), without_name: self.without, "qualifier": qualifier}


class People:
    def __init__(self):
        self.female = self.male = self.not_recorded = 0
        self.qualifiers: set[str] = set()

    def add(self, female: int, male: int, not_recorded: int, qualifier: str) -> None:
        self.female += female
        self.male += male
        self.not_recorded += not_recorded
        self.qualifiers.add(QUALIFIER_OF[qualifier])

    def as_dict(self) -> dict[str, Any]:
        qualifier = "exact"
        if "about" in self.qualifiers:
            qualifier = "about"
        elif "at_least" in self.qualifiers:
            qualifier = "at_least"
        return {
            "total": self.female + self.male + self.not_recorded,
            "female": self.female,
            "male": self.male,
            "not_recorded": self.not_recorded,
            "qualifier": qualifier,
        }


def brute_force(geo: Geography, programme: list[Act], query, group_by: list[str]):
    restriction = None
    if "country" in query:
        restriction = ("country", query["country"])
    elif "region" in query:
        restriction = ("region", query["region"])
    matched = [index for index, act in enumerate(programme) if matches(geo, act, query)]

    totals = People()
    unattributed = People()
    unattributed_by_activity: dict[int, People] = {}
    unattributed_places: dict[int, dict] = defaultdict(dict)
    cells_people: dict[tuple, People] = defaultdict(People)
    person_hours = Hours()
    cells_person_hours: dict[tuple, Hours] = defaultdict(Hours)
    cells_activities: dict[tuple, set[int]] = defaultdict(set)
    cells_per_dimension: dict[tuple, set[int]] = defaultdict(set)
    for index in matched:
        act = programme[index]
        if group_by and "sex" not in group_by:
            # An activity in no group of a dimension is in its None row.
            key_sets = [activity_keys(geo, d, act, query) or {None} for d in group_by]
            for cell in itertools.product(*key_sets):
                cells_activities[cell].add(index)
            # The engine's reading: each dimension's groups, plus its None group when
            # some of the activity's counted people are in no group of that dimension.
            widened = []
            for dimension, keys in zip(group_by, key_sets, strict=True):
                unplaced = any(
                    None in people_keys(geo, dimension, act, geo.place_of(act, row), query)
                    for row in act.rows
                    if geo.within(geo.place_of(act, row), restriction)
                )
                widened.append(keys | {None} if unplaced else keys)
            for cell in itertools.product(*widened):
                cells_per_dimension[cell].add(index)
        for row in act.rows:
            place = geo.place_of(act, row)
            if not geo.within(place, restriction):
                unattributed.add(row.female, row.male, row.not_recorded, row.qualifier)
                unattributed_by_activity.setdefault(index, People()).add(
                    row.female, row.male, row.not_recorded, row.qualifier
                )
                unattributed_places[index].setdefault(place, People()).add(
                    row.female, row.male, row.not_recorded, row.qualifier
                )
                continue
            totals.add(row.female, row.male, row.not_recorded, row.qualifier)
            person_hours.add(act.hours, row.total, row.qualifier)
            if not group_by:
                continue
            key_sets = []
            for dimension in group_by:
                if dimension == "sex":
                    # "More than 1: 1 man" says nothing of the sex of the people beyond
                    # the figure: they are of unknown sex, so the row's qualifier reaches
                    # the not-recorded cell even when it counts nobody there (the
                    # engine's rule, stats/participants.py).
                    key_sets.append(
                        [
                            s
                            for s in SEXES
                            if getattr(row, s) > 0
                            or (s == "not_recorded" and row.qualifier != "exact")
                        ]
                    )
                else:
                    key_sets.append(sorted(people_keys(geo, dimension, act, place, query), key=str))
            for cell in itertools.product(*key_sets):
                parts = dict.fromkeys(SEXES, 0)
                if "sex" in group_by:
                    sex = cell[group_by.index("sex")]
                    parts[sex] = getattr(row, sex)
                else:
                    parts = {s: getattr(row, s) for s in SEXES}
                cells_people[cell].add(
                    parts["female"], parts["male"], parts["not_recorded"], row.qualifier
                )
                if "sex" not in group_by:
                    cells_person_hours[cell].add(act.hours, row.total, row.qualifier)
                if "sex" not in group_by:
                    cells_activities[cell].add(index)

    named = {
        c
        for index in matched
        for c in programme[index].all_countries
        if geo.within(("country", c), restriction)
    }
    hours = Hours()
    for index in matched:
        hours.add(programme[index].hours)
    return {
        "matched": matched,
        "hours": hours.as_dict("activities_without_hours"),
        "person_hours": person_hours.as_dict("participations_without_hours"),
        "cells_person_hours": {
            cell: h.as_dict("participations_without_hours")
            for cell, h in cells_person_hours.items()
        },
        "totals": totals.as_dict(),
        "unattributed": unattributed.as_dict() if unattributed_by_activity else None,
        "unattributed_by_activity": {i: p.as_dict() for i, p in unattributed_by_activity.items()},
        "unattributed_places": unattributed_places,
        "cells_people": {cell: p.as_dict() for cell, p in cells_people.items()},
        "cells_activities": dict(cells_activities),
        "cells_per_dimension": dict(cells_per_dimension),
        "countries_named": len(named),
    }


# --- Writing a programme and asking the engine ----------------------------------------


def write(programme: list[Act]) -> list[int]:
    countries = {c.iso2: c for c in Country.objects.filter(iso2__in=[*COUNTRIES, "FR"])}
    regions = {r.code: r for r in Region.objects.filter(code__in=SCOPE_REGIONS)}
    themes = {t.slug: t for t in Theme.objects.filter(slug__in=THEMES)}
    ids = []
    for number, act in enumerate(programme):
        activity = Activity.objects.create(
            reference=f"{PREFIX}{number}",
            title=f"Property activity {number}",
            kind=act.kind,
            start_date=act.start,
            end_date=act.end,
            date_precision=act.precision,
            reported_countries_count=act.reported_countries_count,
            status=act.status,
            delivery=act.delivery,
            venue_country=countries[act.venue] if act.venue else None,
            hours=act.hours,
            is_synthetic=True,
        )
        fill(activity, act, countries, regions, themes)
        ids.append(activity.pk)
    return ids


def fill(activity: Activity, act: Act, countries, regions, themes) -> None:
    """The activity's places, themes and beneficiary rows as `act` has them."""
    activity.countries.set([countries[c] for c in act.countries])
    activity.regions.set([regions[r] for r in act.regions])
    activity.themes.set([themes[t] for t in act.themes])
    BeneficiaryGroup.objects.bulk_create(
        BeneficiaryGroup(
            activity=activity,
            country=countries[row.country] if row.country else None,
            female=row.female,
            male=row.male,
            not_recorded=row.not_recorded,
            total=row.total,
            qualifier=row.qualifier,
        )
        for row in act.rows
    )
    services.refresh_attribution(activity=activity)


def ask_engine(query: dict[str, Any], group_by: list[str]):
    params = {name: str(value) for name, value in query.items()}
    filterset = ActivityFilterSet(
        params, queryset=Activity.objects.filter(reference__startswith=PREFIX)
    )
    assert filterset.is_valid(), filterset.errors
    measures = (
        ["participants"]
        if "sex" in group_by
        else ["activities", "participants", "countries", "hours", "person_hours"]
    )
    result = stats.compute(
        filterset.qs,
        group_by=group_by,
        measures=measures,
        restriction=stats.restriction_from_filters(filterset.form.cleaned_data),
    )
    return filterset, result


def key_of(dimension: str, value: dict | None):
    return None if value is None else value["code"]


@pytest.fixture(scope="module")
def geography(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return Geography()


PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("STATS_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check(
    geography: Geography, programme: list[Act], query, group_by: list[str], *, strict_cells: bool
) -> None:
    note(f"programme={programme!r}")
    note(f"query={query!r} group_by={group_by!r}")
    ids = write(programme)
    index_of = {pk: index for index, pk in enumerate(ids)}
    filterset, result = ask_engine(query, group_by)
    expected = brute_force(geography, programme, query, group_by)
    # The filters themselves: the same activities as the rules say.
    assert (
        sorted(index_of[pk] for pk in filterset.qs.values_list("pk", flat=True))
        == expected["matched"]
    )
    totals = result["totals"]
    if "sex" not in group_by:
        assert totals["activities"] == len(expected["matched"])
        assert totals["countries"]["named"] == expected["countries_named"]
        # Counting rule 12: hours of the distinct activities, person-hours of the rows.
        assert totals["hours"] == expected["hours"]
        assert totals["person_hours"] == expected["person_hours"]
    assert totals["participants"] == expected["totals"]

    unattributed = totals.get("unattributed")
    if expected["unattributed"] is None:
        assert not unattributed or not unattributed["activities"], unattributed
    else:
        assert unattributed["participants"] == expected["unattributed"]
        listed = {index_of[item["id"]]: item for item in unattributed["activities"]}
        assert {i: item["participants"] for i, item in listed.items()} == expected[
            "unattributed_by_activity"
        ]
        for index, item in listed.items():
            # Where the people do belong: each place with its own count, never one
            # place standing for several.
            where = {(place["type"], place["code"]): place for place in item["attributed_to"]}
            expected_places = expected["unattributed_places"][index]
            assert {key: place["participants"] for key, place in where.items()} == {
                key: people.as_dict() for key, people in expected_places.items()
            }, index
            for (kind, code), place in where.items():
                names = geography.country_name if kind == "country" else geography.region_name
                assert names[code] == place["name"], place

    if not group_by:
        return
    rows = {tuple(key_of(d, row[d]) for d in group_by): row for row in result["rows"]}
    people = expected["cells_people"]
    if "sex" in group_by:
        # Only people can be split by sex: a row per cell that counts someone.
        counted = {cell for cell, values in people.items() if values["total"]}
        assert {cell for cell, row in rows.items() if row["participants"]["total"]} == counted
        for cell, expected_people in people.items():
            if cell in rows or expected_people["total"]:
                assert rows[cell]["participants"] == expected_people, cell
        return
    # strict: an activity is in a cell when it is in its groups or its people are;
    # otherwise the engine's own reading (see test_no_phantom_cells_in_two_dimensions).
    activities = expected["cells_activities" if strict_cells else "cells_per_dimension"]
    empty = People().as_dict()
    assert set(rows) == set(activities), (sorted(map(str, rows)), sorted(map(str, activities)))
    no_person_hours = Hours().as_dict("participations_without_hours")
    for cell, row in rows.items():
        assert row["activities"] == len(activities[cell]), cell
        assert row["participants"] == people.get(cell, empty), cell
        assert row["person_hours"] == expected["cells_person_hours"].get(cell, no_person_hours)
        expected_hours = Hours()
        for index in activities[cell]:
            expected_hours.add(programme[index].hours)
        assert row["hours"] == expected_hours.as_dict("activities_without_hours"), cell
        assert row["unattributed"] == any(value is None for value in cell), cell
    additive = result["additive"]
    activity_sum = sum(row["activities"] for row in rows.values())
    assert additive["activities"] == (activity_sum == totals["activities"])
    people_sum = sum(row["participants"]["total"] for row in rows.values())
    assert additive["participants"] == (people_sum == totals["participants"]["total"])


def run(geography, programme, query, group_by, *, strict_cells: bool = False) -> None:
    """Write the programme, compare, roll back: every example starts from the seed."""
    with transaction.atomic():
        check(geography, programme, query, group_by, strict_cells=strict_cells)
        transaction.set_rollback(True)


programmes = st.lists(activities(), min_size=1, max_size=6)
one_dimension = st.lists(st.sampled_from(DIMENSIONS), min_size=1, max_size=1)
two_dimensions = st.lists(st.sampled_from(DIMENSIONS), min_size=2, max_size=2, unique=True).filter(
    _valid_grouping
)


@PROPERTY_SETTINGS
@given(programme=programmes, query=filters)
def test_totals_equal_a_brute_force_count(db, geography, programme, query):
    run(geography, programme, query, [])


@PROPERTY_SETTINGS
@given(programme=programmes, query=filters, group_by=one_dimension)
def test_rows_by_one_dimension_equal_a_brute_force_count(db, geography, programme, query, group_by):
    run(geography, programme, query, group_by, strict_cells=True)


@PROPERTY_SETTINGS
@given(programme=programmes, query=filters, group_by=two_dimensions)
def test_rows_by_two_dimensions_equal_a_brute_force_count(
    db, geography, programme, query, group_by
):
    run(geography, programme, query, group_by, strict_cells=True)


def _act(**values) -> Act:
    defaults = {
        "kind": "training",
        "start": datetime.date(2019, 1, 1),
        "end": datetime.date(2019, 12, 31),
        "precision": "year",
        "countries": (),
        "regions": (),
        "themes": (),
        "reported_countries_count": None,
        "rows": (),
    }
    return Act(**{**defaults, **values})


@PROPERTY_SETTINGS
@given(nothing=st.none())  # check() writes hypothesis notes, so it runs under @given
def test_no_phantom_cells_in_two_dimensions(db, geography, nothing):
    programme = [
        _act(
            countries=("SV", "GT"),
            end=datetime.date(2020, 12, 31),
            rows=(Row(country=None, female=0, male=0, not_recorded=1, qualifier="exact"),),
        )
    ]
    run(geography, programme, {}, ["country", "year"], strict_cells=True)


def test_the_generators_tree_is_m49(db, geography):
    for code, countries in COUNTRIES_UNDER.items():
        path = geography.region_path[code]
        below = {c for c in COUNTRIES if geography.country_path[c].startswith(path)}
        assert below == set(countries), code
