"""The counts engine behind /api/v1/stats/, the dashboard, and the region and country pages.

It applies the rules of `counting.py` in SQL. Every measure of every group is one
aggregate query over relations that each hold one row per (record, group key), so
nothing is multiplied by a join and nothing is counted in a Python loop:

- `activities`: COUNT(DISTINCT activity) per group. An activity in five countries is in
  five country rows and counts once in the totals.
- `participants`: SUM over beneficiary rows, each row joined to at most one key of a
  dimension that places people (country, region, audience...) and to each key of a
  dimension that tags the whole activity (theme, partner, language). Rows that cannot be
  placed in one group of the dimension go to the row whose key is None: the
  "unattributed" row for places, "not recorded" for the other dimensions.
- `countries`: COUNT(DISTINCT country) named by the group's activities, and the largest
  "from N countries" count the source gives where it names none. Both are lower bounds of
  the countries reached, so they combine as `at_least = max(named, reported_max)`; they
  are never summed (two webinars "from 15 countries" may be the same 15).

Totals are computed over the whole filtered set, never by adding rows, and `additive`
says whether the rows happen to add up to them.

A restriction (a country, a region, an audience) limits the people counted to those who
certainly belong to it; the other people of the matched activities are reported apart as
`unattributed`, with the activities they come from. They are never spread or guessed.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any

from django.db import connection, models, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from . import data_version
from .counting import QUALIFIER_ABOUT, QUALIFIER_AT_LEAST, QUALIFIER_EXACT
from .models import (
    Activity,
    Audience,
    BeneficiaryGroup,
    Country,
    Language,
    Partner,
    Region,
    Theme,
)

MEASURES = ("activities", "participants", "countries")
MAX_GROUP_BY = 3
QUALIFIER_BY_RANK = {0: QUALIFIER_EXACT, 1: QUALIFIER_AT_LEAST, 2: QUALIFIER_ABOUT}
SEXES = ("female", "male", "not_recorded")
UNATTRIBUTED_LISTED = 50


class StatsError(ValueError):
    """A request the engine cannot answer honestly; the message says why."""

    def __init__(self, message: str, *, param: str = "group_by"):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Restriction:
    """What the people counted must certainly belong to (from the request's filters)."""

    place: Country | Region | None = None
    audience: Audience | None = None
    theme: Theme | None = None
    partner: Partner | None = None
    language: Language | None = None
    year_from: int | None = None
    year_to: int | None = None


@dataclass
class Relation:
    """A SQL subquery with its parameters."""

    sql: str
    params: list[Any] = field(default_factory=list)


def _relation(queryset: QuerySet) -> Relation:
    sql, params = queryset.order_by().query.sql_with_params()
    return Relation(sql, list(params))


def _union(*querysets: QuerySet) -> Relation:
    parts = [_relation(qs) for qs in querysets]
    return Relation(
        # UNION ALL: the relations feed COUNT(DISTINCT) and MAX only, which duplicates
        # cannot change, so the sort a plain UNION would need is saved.
        " UNION ALL ".join(f"SELECT * FROM ({part.sql}) u{i}" for i, part in enumerate(parts)),
        [param for part in parts for param in part.params],
    )


# --- Dimensions ---------------------------------------------------------------------------


class Dimension:
    """A way of splitting the counts.

    Which groups an activity is in follows the filter of the same name, so that a row's
    `activities_href` lists exactly its activities:
    - `activity_key_expression()`: the one key of a single-valued dimension (kind), or
    - `activity_keys()`: a relation (a_id, k[, kp]) for a multi-valued one (country).
    Which group a beneficiary row's people certainly belong to:
    - `row_key_expression()`: at most one key per row (its place, audience, year...), or
      None for a dimension that tags the whole activity (theme, partner, language),
      whose people count under each of the activity's keys.
    """

    name: str = ""
    param: str = ""  # the filter a row drills down with
    geographic = False
    splits_measures: tuple[str, ...] = MEASURES

    def activity_key_expression(self):
        return None

    def activity_keys(self, restriction: Restriction) -> Relation:
        raise NotImplementedError

    def row_key_expression(self, restriction: Restriction):
        return None

    @property
    def tags_activity(self) -> bool:
        return self.row_key_expression(Restriction()) is None

    def labels(self, keys: set) -> dict[Any, dict[str, Any]]:
        return {key: {"code": key, "name": str(key)} for key in keys}

    def href_value(self, key, label: dict[str, Any]) -> str:
        return str(label["code"])


class KindDimension(Dimension):
    name = param = "kind"
    field = "kind"
    choices = dict(Activity.Kind.choices)

    def activity_key_expression(self):
        return F(self.field)

    def row_key_expression(self, restriction):
        return F(f"activity__{self.field}")

    def labels(self, keys):
        return {key: {"code": key, "name": self.choices.get(key, key)} for key in keys}


class ModalityDimension(KindDimension):
    name = param = "modality"
    field = "modality"
    choices = dict(Activity.Modality.choices)


class ThemeDimension(Dimension):
    """Top-level themes; a training topic counts under the theme it belongs to."""

    name = param = "theme"

    def activity_keys(self, restriction):
        through = Activity.themes.through.objects.annotate(
            top=Coalesce(F("theme__parent_id"), F("theme_id"))
        )
        if restriction.theme is not None:
            top = restriction.theme.parent_id or restriction.theme.pk
            through = through.filter(top=top)
        # DISTINCT: a topic and its theme on one activity are one key.
        return _relation(through.values(a_id=F("activity_id"), k=F("top")).distinct())

    def labels(self, keys):
        themes = Theme.objects.filter(pk__in=keys).values("pk", "slug", "name")
        return {t["pk"]: {"code": t["slug"], "name": t["name"]} for t in themes}


class _ManyToManyTagDimension(Dimension):
    """A many-to-many tag of the activity (`Activity.<relation>`); a filter on the same
    dimension limits the keys to the value filtered by, as the drill-down link keeps it."""

    relation = ""

    def activity_keys(self, restriction):
        through = getattr(Activity, self.relation).through.objects.all()
        chosen = getattr(restriction, self.name)
        if chosen is not None:
            through = through.filter(**{self.name: chosen})
        return _relation(through.values(a_id=F("activity_id"), k=F(f"{self.name}_id")))


class PartnerDimension(_ManyToManyTagDimension):
    name = param = "partner"
    relation = "partners"

    def labels(self, keys):
        partners = Partner.objects.filter(pk__in=keys).values("pk", "name", "short_name")
        return {p["pk"]: {"code": p["pk"], "name": p["short_name"] or p["name"]} for p in partners}


class LanguageDimension(_ManyToManyTagDimension):
    name = param = "language"
    relation = "languages"

    def labels(self, keys):
        languages = Language.objects.filter(pk__in=keys).values("pk", "code", "name")
        return {lang["pk"]: {"code": lang["code"], "name": lang["name"]} for lang in languages}


class YearDimension(Dimension):
    """Calendar years an activity's period overlaps (as the `year` filter).

    People are placed in a year only when their activity lies within that one year.
    """

    name = param = "year"

    def _years(self, restriction: Restriction) -> list[int]:
        bounds = Activity.objects.aggregate(
            first=ExtractYear(_min("start_date")), last=ExtractYear(_max("end_date"))
        )
        if bounds["first"] is None:
            return []
        first = max(int(bounds["first"]), restriction.year_from or int(bounds["first"]))
        last = min(int(bounds["last"]), restriction.year_to or int(bounds["last"]))
        return list(range(first, last + 1))

    def activity_keys(self, restriction):
        years = self._years(restriction) or [0]  # no activity is dated in year 0
        periods = _relation(
            Activity.objects.values(
                "id", start_year=ExtractYear("start_date"), end_year=ExtractYear("end_date")
            )
        )
        # The years are integers computed here, not user input, so they are inlined.
        calendar = " UNION ALL ".join(f"SELECT {int(year)} AS y" for year in years)
        return Relation(
            f"SELECT p.id AS a_id, cal.y AS k FROM ({periods.sql}) p "
            f"JOIN ({calendar}) cal ON cal.y >= p.start_year AND cal.y <= p.end_year",
            periods.params,
        )

    def row_key_expression(self, restriction):
        start = ExtractYear("activity__start_date")
        single_year = Q(activity__start_date__year=ExtractYear("activity__end_date"))
        if restriction.year_from is not None:
            single_year &= Q(activity__start_date__year__gte=restriction.year_from)
        if restriction.year_to is not None:
            single_year &= Q(activity__start_date__year__lte=restriction.year_to)
        return Case(When(single_year, then=start), default=None)

    def labels(self, keys):
        return {key: {"code": int(key), "name": str(int(key))} for key in keys}


class MonthDimension(Dimension):
    """The month an activity is known to lie within (as the `month` filter).

    An activity dated only by its year lies in no month: it is in the None row.
    """

    name = param = "month"

    @staticmethod
    def _month_key(prefix: str):
        start, end = f"{prefix}start_date", f"{prefix}end_date"
        within = (
            Q(**{f"{prefix}date_precision__in": ["month", "day"]})
            & Q(**{f"{start}__year": ExtractYear(end)})
            & Q(**{f"{start}__month": ExtractMonth(end)})
        )
        return Case(When(within, then=ExtractYear(start) * 100 + ExtractMonth(start)), default=None)

    def activity_key_expression(self):
        return self._month_key("")

    def row_key_expression(self, restriction):
        return self._month_key("activity__")

    def labels(self, keys):
        return {
            key: {"code": f"{int(key) // 100:04d}-{int(key) % 100:02d}", "name": _month(key)}
            for key in keys
        }


class AudienceDimension(Dimension):
    """Who was reached. People are placed by their row's audience; a row that mixes
    several audiences without a split is in the None row ("not split by audience")."""

    name = param = "audience"

    def activity_keys(self, restriction):
        declared = Activity.audiences.through.objects.values(
            a_id=F("activity_id"), k=F("audience_id")
        )
        counted = BeneficiaryGroup.objects.filter(audience__isnull=False).values(
            a_id=F("activity_id"), k=F("audience_id")
        )
        if restriction.audience is not None:
            declared = declared.filter(audience=restriction.audience)
            counted = counted.filter(audience=restriction.audience)
        return _union(declared, counted)

    def row_key_expression(self, restriction):
        return F("audience_id")

    def labels(self, keys):
        audiences = Audience.objects.filter(pk__in=keys).values("pk", "slug", "name")
        return {a["pk"]: {"code": a["slug"], "name": a["name"]} for a in audiences}


class _GeographicDimension(Dimension):
    geographic = True

    def labels(self, keys):
        regions = Region.objects.filter(pk__in=keys).values("pk", "code", "name")
        return {r["pk"]: {"code": r["code"], "name": r["name"]} for r in regions}


def _place_q(restriction: Restriction, prefix: str) -> Q:
    """Records under the restriction's place; `prefix` leads to a Country or Region."""
    place = restriction.place
    if place is None:
        return Q()
    if isinstance(place, Country):
        return Q(**{f"{prefix}path": place.path})
    return Q(**{f"{prefix}path__startswith": place.path})


class CountryDimension(_GeographicDimension):
    """The countries an activity lists; people placed in a country (counting rule 2)."""

    name = param = "country"

    def activity_keys(self, restriction):
        through = Activity.countries.through.objects.filter(_place_q(restriction, "country__"))
        return _relation(
            through.values(a_id=F("activity_id"), k=F("country_id"), kp=F("country__path"))
        )

    def row_key_expression(self, restriction):
        return F("place_country_id")

    def row_key_path_expression(self):
        return F("place_country__path")

    def labels(self, keys):
        countries = Country.objects.filter(pk__in=keys).values("pk", "iso2", "iso3", "name")
        return {
            c["pk"]: {"code": c["iso2"], "iso3": c["iso3"], "name": c["name"]} for c in countries
        }


class RegionLevelDimension(_GeographicDimension):
    """M49 regions at one level. An activity is in a region when one of its countries
    or scope regions lies under it (as the `region` filter); people are placed there
    when their attributed place lies under it."""

    def __init__(self, name: str, ancestor_field: str):
        self.name = name
        self.param = "region"
        self.ancestor = ancestor_field  # m49_region or m49_subregion

    def activity_keys(self, restriction):
        by_country = (
            Activity.countries.through.objects.filter(_place_q(restriction, "country__"))
            .filter(**{f"country__{self.ancestor}__isnull": False})
            .values(
                a_id=F("activity_id"),
                k=F(f"country__{self.ancestor}_id"),
                kp=F(f"country__{self.ancestor}__path"),
            )
        )
        by_region = (
            Activity.regions.through.objects.filter(_place_q(restriction, "region__"))
            .filter(**{f"region__{self.ancestor}__isnull": False})
            .values(
                a_id=F("activity_id"),
                k=F(f"region__{self.ancestor}_id"),
                kp=F(f"region__{self.ancestor}__path"),
            )
        )
        return _union(by_country, by_region)

    def row_key_expression(self, restriction):
        return Coalesce(
            F(f"place_country__{self.ancestor}_id"), F(f"place_region__{self.ancestor}_id")
        )

    def row_key_path_expression(self):
        return Coalesce(
            F(f"place_country__{self.ancestor}__path"), F(f"place_region__{self.ancestor}__path")
        )


class SexDimension(Dimension):
    """Splits people by recorded sex. Only participants can be split so."""

    name = "sex"
    param = ""
    splits_measures = ("participants",)

    def row_key_expression(self, restriction):
        return Value("sex")  # placeholder: the engine unpivots the rows by sex

    def labels(self, keys):
        names = {"female": "female", "male": "male", "not_recorded": "not recorded"}
        return {key: {"code": key, "name": names[key]} for key in keys}


DIMENSIONS: dict[str, Dimension] = {
    "region": RegionLevelDimension("region", "m49_region"),
    "subregion": RegionLevelDimension("subregion", "m49_subregion"),
    "country": CountryDimension(),
    "year": YearDimension(),
    "month": MonthDimension(),
    "theme": ThemeDimension(),
    "kind": KindDimension(),
    "modality": ModalityDimension(),
    "audience": AudienceDimension(),
    "sex": SexDimension(),
    "partner": PartnerDimension(),
    "language": LanguageDimension(),
}


# --- The engine ---------------------------------------------------------------------------


def parse_group_by(text: str | None) -> list[str]:
    """'country,year' -> ['country', 'year'], or StatsError naming what is wrong."""
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    unknown = [name for name in names if name not in DIMENSIONS]
    if unknown:
        raise StatsError(
            f"Unknown group_by value {', '.join(unknown)}: use up to {MAX_GROUP_BY} of "
            f"{', '.join(DIMENSIONS)}."
        )
    if len(names) > MAX_GROUP_BY:
        raise StatsError(f"group_by takes at most {MAX_GROUP_BY} dimensions, not {len(names)}.")
    if len(set(names)) != len(names):
        raise StatsError("group_by names a dimension twice.")
    geographic = [name for name in names if DIMENSIONS[name].geographic]
    if len(geographic) > 1:
        raise StatsError(
            f"group_by takes one geographic dimension at a time, not {' and '.join(geographic)}."
        )
    return names


def parse_measures(text: str | None, group_by: Sequence[str]) -> list[str]:
    """The measures asked for, or by default all that the grouping can split."""
    splittable = [
        measure
        for measure in MEASURES
        if all(measure in DIMENSIONS[name].splits_measures for name in group_by)
    ]
    if not text:
        return splittable
    asked = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in asked if name not in MEASURES]
    if unknown:
        raise StatsError(
            f"Unknown measure {', '.join(unknown)}: use {', '.join(MEASURES)}.", param="measures"
        )
    for measure in asked:
        for name in group_by:
            if measure not in DIMENSIONS[name].splits_measures:
                raise StatsError(
                    f"{measure} cannot be split by {name}: "
                    f"only {', '.join(DIMENSIONS[name].splits_measures)} can.",
                    param="measures",
                )
    return [measure for measure in MEASURES if measure in asked]


def restriction_from_filters(cleaned_data: dict[str, Any]) -> Restriction:
    """The restriction that the filters of a request imply (see ActivityFilterSet)."""
    place = cleaned_data.get("country") or cleaned_data.get("region")
    year = cleaned_data.get("year")
    date_from = cleaned_data.get("date_from")
    date_to = cleaned_data.get("date_to")
    lower = [int(year) if year else None, date_from.year if date_from else None]
    upper = [int(year) if year else None, date_to.year if date_to else None]
    year_from = max((y for y in lower if y is not None), default=None)
    year_to = min((y for y in upper if y is not None), default=None)
    return Restriction(
        place=place,
        audience=cleaned_data.get("audience"),
        theme=cleaned_data.get("theme"),
        partner=cleaned_data.get("partner"),
        language=cleaned_data.get("language"),
        year_from=year_from,
        year_to=year_to,
    )


def place_from_filters(cleaned_data: dict[str, Any]) -> Country | Region | None:
    """The most specific place a request filters by: its country, else its region."""
    return cleaned_data.get("country") or cleaned_data.get("region")


def compute(
    activities: QuerySet,
    *,
    group_by: Sequence[str] = (),
    place: Country | Region | None = None,
    measures: Sequence[str] | None = None,
    restriction: Restriction | None = None,
) -> dict[str, Any]:
    """Counts of the given (already filtered, visibility-scoped) activities.

    Returns {"rows": [...], "totals": {...}, "additive": {...}} as described in the
    module docstring; `place` (or a full `restriction`) limits the people counted to
    those who certainly belong to it.
    """
    group_by = parse_group_by(",".join(group_by))
    measures = parse_measures(",".join(measures) if measures else None, group_by)
    if restriction is None:
        restriction = Restriction(place=place)
    # The same matched set (its SQL holds the filters and who may see what), grouping,
    # measures and restriction at the same data version give the same answer.
    sql, params = activities.order_by().values("pk").query.sql_with_params()
    parts = (sql, tuple(params), tuple(group_by), tuple(measures), _restriction_key(restriction))
    return data_version.cached(
        "stats", parts, lambda: _compute(activities, group_by, measures, restriction)
    )


def _restriction_key(restriction: Restriction) -> tuple:
    # The fields the engine reads from these records, not only their keys: a region's
    # path or a theme's parent read before the answer's snapshot is part of the question.
    return tuple(
        (
            type(value).__name__,
            value.pk,
            getattr(value, "path", None),
            getattr(value, "parent_id", None),
        )
        if isinstance(value, models.Model)
        else value
        for value in (getattr(restriction, f.name) for f in fields(restriction))
    )


def _compute(activities, group_by, measures, restriction) -> dict[str, Any]:
    with _matched_once(activities) as matched:
        engine = _Engine(matched, group_by, restriction)
        rows = engine.rows_for(measures) if group_by else []
        totals = engine.totals(measures)
    additive = {
        measure: _adds_up(measure, rows, totals[measure]) for measure in measures if group_by
    }
    return {
        "group_by": list(group_by),
        "measures": measures,
        "rows": rows,
        "totals": totals,
        "additive": additive,
    }


@contextmanager
def _matched_once(activities: QuerySet) -> Iterator[QuerySet]:
    """The ids of the matched activities, computed once for all the request's queries.

    Every aggregate joins the matched set. Left as a subquery, the filters (a region's
    EXISTS, a text search) are evaluated again in each statement, and the planner cannot
    know how many activities they keep: it guesses 20,000 for 365 and scans every
    beneficiary row. A temporary table, analysed, gives it the real number. It lives in
    this connection and this transaction only, so concurrent requests never see it.
    """
    name = f"stats_matched_{uuid.uuid4().hex[:12]}"
    sql, params = activities.order_by().values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {sql}", params)
        cursor.execute(f"ANALYZE {name}")
        yield Activity.objects.filter(pk__in=RawSQL(f"SELECT pk FROM {name}", []))
        # On an error the transaction's rollback drops the table with everything else.
        cursor.execute(f"DROP TABLE {name}")


class _Engine:
    def __init__(self, activities: QuerySet, group_by: Sequence[str], restriction: Restriction):
        self.group_by = list(group_by)
        self.dimensions = [DIMENSIONS[name] for name in group_by]
        self.restriction = restriction
        matched = activities.order_by().values("pk")
        self.activities = activities
        # Every beneficiary row of the matched activities, marked by whether its people
        # certainly belong to the restriction (a CASE, so that unknown places are "no").
        belongs = self._belongs_q()
        self.restricted = bool(belongs)
        self.rows = BeneficiaryGroup.objects.filter(activity__in=matched).annotate(
            belongs=Case(When(belongs, then=Value(1)), default=Value(0)) if belongs else Value(1)
        )
        self.rows_in = self.rows.filter(belongs=1)

    def _belongs_q(self) -> Q:
        """Beneficiary rows whose people certainly belong to the restriction."""
        restriction = self.restriction
        condition = Q()
        place = restriction.place
        if isinstance(place, Country):
            condition &= Q(place_country=place)
        elif isinstance(place, Region):
            countries_below = Country.objects.filter(path__startswith=place.path).values("pk")
            regions_below = Region.objects.filter(path__startswith=place.path).values("pk")
            condition &= Q(place_country__in=countries_below) | Q(place_region__in=regions_below)
        if restriction.audience is not None:
            condition &= Q(audience=restriction.audience)
        return condition

    # -- rows

    def rows_for(self, measures: Sequence[str]) -> list[dict[str, Any]]:
        groups: dict[tuple, dict[str, Any]] = {}
        if "activities" in measures or "countries" in measures:
            for key, values in self._activity_measures(self.dimensions).items():
                groups.setdefault(key, {}).update(values)
        if "participants" in measures:
            for key, values in self._participant_measures().items():
                groups.setdefault(key, {}).update(values)
        labels = self._labels(groups)
        result = []
        for key in sorted(groups, key=lambda k: self._sort_key(k, labels)):
            values = groups[key]
            row: dict[str, Any] = {}
            for dimension, part in zip(self.dimensions, key, strict=True):
                row[dimension.name] = None if part is None else labels[dimension.name][part]
            row["unattributed"] = any(part is None for part in key)
            if "activities" in measures:
                row["activities"] = values.get("activities", 0)
            if "participants" in measures:
                row["participants"] = values.get("participants", _no_people())
            if "countries" in measures:
                row["countries"] = values.get("countries", _countries(0, None, False))
            result.append(row)
        return result

    def _activity_measures(self, dimensions: Sequence[Dimension]) -> dict[tuple, dict[str, Any]]:
        region_scoped = Activity.regions.through.objects.filter(activity_id=OuterRef("pk"))
        activity = _relation(
            self.activities.annotate(
                region_scoped=Exists(region_scoped),
                scope_path=Coalesce(F("scope_region__path"), Value("")),
            ).values("id", "reported_countries_count", "region_scoped", "scope_path")
        )
        params = list(activity.params)
        keys = [f"c.k{index}" for index in range(len(dimensions))]
        if dimensions:
            cells = self._activity_cells(dimensions)
            source = f"({cells.sql}) c JOIN ({activity.sql}) a ON a.id = c.a_id"
            params = cells.params + params
        else:
            source = f"({activity.sql}) a"
        countries = _relation(
            Activity.countries.through.objects.filter(
                _place_q(self.restriction, "country__")
            ).values(a_id=F("activity_id"), c_id=F("country_id"), c_path=F("country__path"))
        )
        country_join = f"LEFT JOIN ({countries.sql}) ac ON ac.a_id = a.id"
        scope_ok = self._reported_scope_condition()
        geographic = [i for i, d in enumerate(dimensions) if d.geographic]
        if geographic:
            # Within a place's row, only the countries under that place count.
            i = geographic[0]
            country_join += f" AND (c.k{i} IS NULL OR ac.c_path LIKE c.kp || '%%')"
            scope_ok.append(f"(c.k{i} IS NULL OR a.scope_path LIKE c.kp || '%%')")
        params += countries.params
        reported = "a.reported_countries_count"
        reported_expr = (
            f"MAX(CASE WHEN {' AND '.join(scope_ok)} THEN {reported} END)"
            if scope_ok
            else f"MAX({reported})"
        )
        sql = (
            f"SELECT {''.join(key + ', ' for key in keys)}COUNT(DISTINCT a.id), "
            f"COUNT(DISTINCT ac.c_id), {reported_expr}, "
            f"MAX(CASE WHEN a.region_scoped THEN 1 ELSE 0 END) "
            f"FROM {source} {country_join}" + (f" GROUP BY {', '.join(keys)}" if keys else "")
        )
        result = {}
        for record in _fetch(sql, params):
            key = tuple(_key(v) for v in record[: len(keys)])
            n_activities, named, reported_max, region_scoped = record[len(keys) :]
            result[key] = {
                "activities": n_activities,
                "countries": _countries(named, reported_max, bool(region_scoped)),
            }
        return result

    def _activity_cells(self, dimensions: Sequence[Dimension]) -> Relation:
        """(a_id, k0, k1..., kp): the cells each activity is in.

        An activity is in every combination of its own keys (None for a dimension in
        which it has none), and in the cell of each of its counted beneficiary rows: a
        row whose people cannot be placed in a dimension puts its activity in that
        dimension's None group, combined with the row's keys in the other dimensions
        (so an activity in El Salvador and Guatemala whose people belong to Central
        America is in (None, 2020), not in (El Salvador, None)). `kp` is the M49 path of
        the geographic key, for the countries measure.
        """
        geographic = [i for i, d in enumerate(dimensions) if d.geographic]
        # 1. The combinations of the activity's own keys.
        single = {}
        for index, dimension in enumerate(dimensions):
            expression = dimension.activity_key_expression()
            if expression is not None:
                single[f"k{index}"] = expression
        base = _relation(self.activities.values(a_id=F("id"), **single))
        kp = f"j{geographic[0]}.kp" if geographic else "NULL"
        own = self._cells_from(base, "b", single, dimensions, kp)
        # 2. The cells of the activity's people.
        placed = {}
        for index, dimension in enumerate(dimensions):
            if not dimension.tags_activity:
                placed[f"k{index}"] = dimension.row_key_expression(self.restriction)
        if geographic:
            placed["kp"] = dimensions[geographic[0]].row_key_path_expression()
        # Distinct, and a UNION, not UNION ALL: the cells feed COUNT(DISTINCT) and MAX only,
        # which duplicates cannot change, and most of a programme's million beneficiary
        # rows repeat their activity's cell. Collapsed here (hashing two or three narrow
        # columns), they are not multiplied by each activity's themes and countries and
        # then sorted on disk for the COUNT(DISTINCT): 1.9 million rows become 0.3.
        rows = _relation(self.rows_in.values(a_id=F("activity_id"), **placed).distinct())
        people = self._cells_from(rows, "r", placed, dimensions, "r.kp" if geographic else "NULL")
        return Relation(f"{own.sql} UNION {people.sql}", own.params + people.params)

    def _cells_from(
        self, source: Relation, alias: str, present: dict, dimensions, kp: str
    ) -> Relation:
        """SELECT a_id, k0, k1..., kp from `source`: the keys it carries itself (`present`)
        and, for the others, the activity's keys joined in (None where it has none)."""
        joins, params, columns = [], list(source.params), []
        for index, dimension in enumerate(dimensions):
            if f"k{index}" in present:
                columns.append(f"{alias}.k{index} AS k{index}")
                continue
            relation = dimension.activity_keys(self.restriction)
            joins.append(f"LEFT JOIN ({relation.sql}) j{index} ON j{index}.a_id = {alias}.a_id")
            params += relation.params
            columns.append(f"j{index}.k AS k{index}")
        return Relation(
            f"SELECT {alias}.a_id AS a_id, {', '.join(columns)}, {kp} AS kp "
            f"FROM ({source.sql}) {alias} {' '.join(joins)}",
            params,
        )

    def _reported_scope_condition(self) -> list[str]:
        """A "from N countries" count holds for a place only if the activity's whole
        scope lies within it; for a single country the named country says it all."""
        place = self.restriction.place
        if place is None:
            return []
        if isinstance(place, Country):
            return ["1 = 0"]
        return [f"a.scope_path LIKE '{_sql_path(place.path)}%%'"]

    def _participant_measures(self) -> dict[tuple, dict[str, Any]]:
        placed = {}
        for index, dimension in enumerate(self.dimensions):
            if not dimension.tags_activity and not isinstance(dimension, SexDimension):
                placed[f"k{index}"] = dimension.row_key_expression(self.restriction)
        rows = _relation(
            self.rows_in.annotate(qrank=_rank()).values(
                "id",
                "total",
                "female",
                "male",
                "not_recorded",
                "qrank",
                a_id=F("activity_id"),
                **placed,
            )
        )
        joins, params, keys = [], list(rows.params), []
        sex_at = None
        for index, dimension in enumerate(self.dimensions):
            if isinstance(dimension, SexDimension):
                sex_at = index  # split below from the three sums: no second pass
            elif f"k{index}" in placed:
                keys.append(f"r.k{index}")
            else:
                relation = dimension.activity_keys(self.restriction)
                joins.append(f"LEFT JOIN ({relation.sql}) t{index} ON t{index}.a_id = r.a_id")
                params += relation.params
                keys.append(f"t{index}.k")
        # "More than 100: 60 female, 40 male" makes each recorded part a lower bound, but
        # a part with nobody recorded is exactly nobody; the people beyond the figure are
        # of unknown sex, so "not recorded" always keeps the qualifier.
        sql = (
            f"SELECT {''.join(key + ', ' for key in keys)}SUM(r.total), SUM(r.female), "
            f"SUM(r.male), SUM(r.not_recorded), MAX(r.qrank), "
            f"MAX(CASE WHEN r.female > 0 THEN r.qrank ELSE 0 END), "
            f"MAX(CASE WHEN r.male > 0 THEN r.qrank ELSE 0 END) "
            f"FROM ({rows.sql}) r {' '.join(joins)}"
            + (f" GROUP BY {', '.join(keys)}" if keys else "")
        )
        result = {}
        for record in _fetch(sql, params):
            key = tuple(_key(v) for v in record[: len(keys)])
            total, female, male, not_recorded, rank, female_rank, male_rank = record[len(keys) :]
            if total is None:
                continue  # no row at all: an aggregate without GROUP BY still answers
            if sex_at is None:
                result[key] = {"participants": _people(total, female, male, not_recorded, rank)}
                continue
            parts = {
                "female": _people(female, female, 0, 0, female_rank),
                "male": _people(male, 0, male, 0, male_rank),
                "not_recorded": _people(not_recorded, 0, 0, not_recorded, rank),
            }
            for sex in SEXES:
                result[(*key[:sex_at], sex, *key[sex_at:])] = {"participants": parts[sex]}
        return result

    # -- totals

    def totals(self, measures: Sequence[str]) -> dict[str, Any]:
        totals: dict[str, Any] = {}
        if "activities" in measures or "countries" in measures:
            overall = self._activity_measures([]).get((), {})
            if "activities" in measures:
                totals["activities"] = overall.get("activities", 0)
            if "countries" in measures:
                totals["countries"] = overall.get("countries", _countries(0, None, False))
        if "participants" in measures:
            inside, outside = self._people_inside_and_outside()
            totals["participants"] = inside
            totals["unattributed"] = self._unattributed(outside) if self.restricted else None
        return totals

    def _people_inside_and_outside(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """One pass over the rows: the people who belong to the restriction, and the rest."""
        sums = {}
        for side, flag in (("in", 1), ("out", 0)):
            only = Q(belongs=flag)
            for column in ("total", *SEXES):
                sums[f"{side}_{column}"] = Coalesce(Sum(column, filter=only), 0)
            sums[f"{side}_rank"] = Max(_rank(), filter=only)
        values = self.rows.aggregate(**sums)
        return tuple(
            _people(
                values[f"{side}_total"],
                values[f"{side}_female"],
                values[f"{side}_male"],
                values[f"{side}_not_recorded"],
                values[f"{side}_rank"],
            )
            for side in ("in", "out")
        )

    def _unattributed(self, people: dict[str, Any]) -> dict[str, Any]:
        """The people of the matched activities who do not certainly belong to the
        restriction: the activities they come from (the largest first) and, for each,
        the places where they do belong (one activity may have people in several)."""
        # exclude() rather than the CASE column: the planner estimates it far better.
        rows_out = self.rows.exclude(self._belongs_q())
        sums = {
            "total": Coalesce(Sum("total"), 0),
            "female": Coalesce(Sum("female"), 0),
            "male": Coalesce(Sum("male"), 0),
            "not_recorded": Coalesce(Sum("not_recorded"), 0),
            "rank": Max(_rank()),
        }
        by_activity = (
            rows_out.values("activity_id").annotate(**sums).order_by("-total", "activity_id")
        )
        count = by_activity.count()
        listed = list(by_activity[:UNATTRIBUTED_LISTED]) if count else []
        ids = [item["activity_id"] for item in listed]
        by_place: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
        titles: dict[int, str] = {}
        if ids:
            titles = dict(Activity.objects.filter(pk__in=ids).values_list("pk", "title"))
            parts = list(
                rows_out.filter(activity_id__in=ids)
                .values("activity_id", "place_country_id", "place_region_id")
                .annotate(**sums)
                .order_by("activity_id", "-total")
            )
            labels = self._place_labels(parts)
            for part in parts:
                where = labels.get((part["place_country_id"], part["place_region_id"]))
                by_place[part["activity_id"]].append(
                    {
                        **(where or {"type": None, "code": None, "name": "no place recorded"}),
                        "participants": _people_of(part),
                    }
                )
        return {
            "participants": people,
            "activities_count": count,
            "activities": [
                {
                    "id": item["activity_id"],
                    "title": titles.get(item["activity_id"], ""),
                    "participants": _people_of(item),
                    "attributed_to": by_place[item["activity_id"]],
                }
                for item in listed
            ],
        }

    @staticmethod
    def _place_labels(parts) -> dict[tuple, dict[str, str]]:
        country_ids = {p["place_country_id"] for p in parts if p["place_country_id"]}
        region_ids = {p["place_region_id"] for p in parts if p["place_region_id"]}
        labels: dict[tuple, dict[str, str]] = {}
        for pk, code, name in Country.objects.filter(pk__in=country_ids).values_list(
            "pk", "iso2", "name"
        ):
            labels[(pk, None)] = {"type": "country", "code": code, "name": name}
        for pk, code, name in Region.objects.filter(pk__in=region_ids).values_list(
            "pk", "code", "name"
        ):
            labels[(None, pk)] = {"type": "region", "code": code, "name": name}
        return labels

    # -- labels

    def _labels(self, groups: dict[tuple, Any]) -> dict[str, dict]:
        labels = {}
        for index, dimension in enumerate(self.dimensions):
            keys = {key[index] for key in groups if key[index] is not None}
            labels[dimension.name] = dimension.labels(keys) if keys else {}
        return labels

    def _sort_key(self, key: tuple, labels) -> tuple:
        parts = []
        for dimension, part in zip(self.dimensions, key, strict=True):
            if part is None:
                parts.append((1, ""))
            elif isinstance(dimension, YearDimension | MonthDimension):
                parts.append((0, f"{int(part):08d}"))
            elif isinstance(dimension, SexDimension):
                parts.append((0, str(SEXES.index(part))))
            else:
                parts.append((0, str(labels[dimension.name][part]["name"]).lower()))
        return tuple(parts)


# --- helpers ------------------------------------------------------------------------------


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _key(value):
    """Group keys come back as int, str or (on PostgreSQL, for EXTRACT) Decimal."""
    if value is None or isinstance(value, str | int):
        return value
    return int(value)


def _sql_path(path: str) -> str:
    # M49 paths are digits, letters and slashes (checked by the loader); refuse anything
    # else rather than inlining it.
    if not all(ch.isalnum() or ch == "/" for ch in path):
        raise ValueError(f"unexpected path {path!r}")
    return path


def _no_people() -> dict[str, Any]:
    return _people(0, 0, 0, 0, 0)


def _people(total, female, male, not_recorded, rank) -> dict[str, Any]:
    return {
        "total": int(total or 0),
        "female": int(female or 0),
        "male": int(male or 0),
        "not_recorded": int(not_recorded or 0),
        "qualifier": QUALIFIER_BY_RANK[int(rank or 0)],
    }


def _people_of(values: dict[str, Any]) -> dict[str, Any]:
    return _people(
        values["total"], values["female"], values["male"], values["not_recorded"], values["rank"]
    )


def _countries(named, reported_max, region_scoped: bool) -> dict[str, Any]:
    named = int(named or 0)
    reported = int(reported_max) if reported_max is not None else None
    at_least = max(named, reported or 0)
    exact = reported is None and not region_scoped
    return {
        "named": named,
        "reported_max": reported,
        "at_least": at_least,
        "qualifier": QUALIFIER_EXACT if exact else QUALIFIER_AT_LEAST,
    }


def _adds_up(measure: str, rows: list[dict[str, Any]], total) -> bool:
    if measure == "activities":
        return sum(row["activities"] for row in rows) == total
    if measure == "participants":
        return sum(row["participants"]["total"] for row in rows) == total["total"]
    return sum(row["countries"]["at_least"] for row in rows) == total["at_least"]


def _month(key) -> str:
    key = int(key)
    return datetime.date(key // 100, key % 100, 1).strftime("%B %Y")


def _min(name: str):
    return Min(name)


def _max(name: str):
    return Max(name)


def _rank():
    """The qualifier as a number, so that MAX combines them (counting rule 3)."""
    return Case(
        When(qualifier="about", then=Value(2)),
        When(qualifier="more_than", then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
