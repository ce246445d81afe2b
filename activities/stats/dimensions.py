"""The dimensions a stats answer can be grouped by.

Which groups an activity is in follows the filter of the same name, so that a row's
`activities_href` lists exactly its activities (counting rule 3 for places). Which group
a beneficiary row's people certainly belong to follows the attribution of counting rule 4.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db.models import Case, Exists, F, Max, Min, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from .. import counting
from ..models import (
    Activity,
    Audience,
    BeneficiaryGroup,
    Country,
    Kind,
    Language,
    ModalityOption,
    Partner,
    Region,
    Theme,
)
from .request import MEASURES, Restriction
from .sql import Relation, relation, union_all

SEXES = ("female", "male", "not_recorded")


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
    # The fields of a Restriction that change this dimension's keys (a theme filter keeps
    # one theme's key): cells computed without them (the rollups) cannot answer then.
    reads: tuple[str, ...] = ()
    # Every activity, and every one of its rows, is in exactly one group (its kind): the
    # groups' sums add up to the totals, which need not be counted again.
    one_group_per_activity = False

    def activity_key_expression(self) -> Combinable | None:
        return None

    def activity_keys(self, restriction: Restriction) -> Relation:
        raise NotImplementedError

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return None

    def row_key_path_expression(self) -> Combinable:
        raise NotImplementedError

    def person_key_expression(self, restriction: Restriction) -> Combinable | None:
        """The one key an attendance row's person is in (counting rule 9). A property of
        the activity (kind, year...) reads the same through `activity__` as a
        beneficiary row's; places and audiences are the person's own."""
        return self.row_key_expression(restriction)

    def cache_key(self) -> Any:
        """What identifies this grouping in a cached answer: its name, for the fixed
        dimensions; a dimension built for one question adds its SQL."""
        return self.name

    @contextmanager
    def prepared(self) -> Iterator[Dimension]:
        """The dimension that one answer's statements read, entered inside the answer's
        transaction (engine._compute). The fixed dimensions are read as they are; one
        whose keys are costly to compute (a results batch's questions) computes them
        once here, for all the statements, rather than once in each."""
        yield self

    @property
    def tags_activity(self) -> bool:
        return self.row_key_expression(Restriction()) is None

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        return {key: {"code": key, "name": str(key)} for key in keys}

    def href_value(self, key: Any, label: dict[str, Any]) -> str:
        return str(label["code"])


class KindDimension(Dimension):
    """The kind of activity, by its code (the activity's column holds it: no join)."""

    name = param = "kind"
    field = "kind"
    model: type[Kind] | type[ModalityOption] = Kind
    one_group_per_activity = True  # the activity's column: one value (a NULL is a group)

    def activity_key_expression(self) -> Combinable | None:
        return F(self.field)

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return F(f"activity__{self.field}")

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        rows = {row.code: row for row in self.model.objects.filter(code__in=keys)}
        return {
            key: {"code": key, "name": rows[key].display_name if key in rows else key}
            for key in keys
        }


class ModalityDimension(KindDimension):
    name = param = "modality"
    field = "modality"
    model = ModalityOption


class ThemeDimension(Dimension):
    """Top-level themes; a training topic counts under the theme it belongs to."""

    name = param = "theme"
    reads = ("theme",)

    def activity_keys(self, restriction: Restriction) -> Relation:
        def tops() -> QuerySet[Any]:
            return Activity.themes.through.objects.annotate(
                top=Coalesce(F("theme__parent_id"), F("theme_id"))
            )

        through = tops()
        if restriction.theme is not None:
            top = restriction.theme.parent_id or restriction.theme.pk
            through = through.filter(top=top)
        # A topic and its theme on one activity are one key: the first link of each
        # (activity, theme) only. Not DISTINCT: a statement that joins these keys to a
        # few activities then reads just their links (by index), where DISTINCT would
        # group every activity's links first (150 ms at 100,000 activities).
        earlier = tops().filter(
            activity_id=OuterRef("activity_id"), top=OuterRef("top"), pk__lt=OuterRef("pk")
        )
        through = through.filter(~Exists(earlier))
        return relation(through.values(a_id=F("activity_id"), k=F("top")))

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        themes = Theme.objects.filter(pk__in=keys).values("pk", "slug", "name")
        return {t["pk"]: {"code": t["slug"], "name": t["name"]} for t in themes}


class _ManyToManyTagDimension(Dimension):
    """A many-to-many tag of the activity (`Activity.<m2m>`); a filter on the same
    dimension limits the keys to the value filtered by, as the drill-down link keeps it."""

    m2m = ""

    def activity_keys(self, restriction: Restriction) -> Relation:
        through = getattr(Activity, self.m2m).through.objects.all()
        chosen = getattr(restriction, self.name)
        if chosen is not None:
            through = through.filter(**{self.name: chosen})
        return relation(through.values(a_id=F("activity_id"), k=F(f"{self.name}_id")))


class PartnerDimension(_ManyToManyTagDimension):
    name = param = "partner"
    reads = ("partner",)
    m2m = "partners"

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        partners = Partner.objects.filter(pk__in=keys).values("pk", "name", "short_name")
        return {p["pk"]: {"code": p["pk"], "name": p["short_name"] or p["name"]} for p in partners}


class LanguageDimension(_ManyToManyTagDimension):
    name = param = "language"
    reads = ("language",)
    m2m = "languages"

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        languages = Language.objects.filter(pk__in=keys).values("pk", "code", "name")
        return {lang["pk"]: {"code": lang["code"], "name": lang["name"]} for lang in languages}


class YearDimension(Dimension):
    """Calendar years an activity's period overlaps (as the `year` filter).

    People are placed in a year only when their activity lies within that one year.
    The calendar of years never spans more than settings.PLAUSIBLE_YEARS: the dates of
    all activities, drafts included, only narrow it, so one record dated 231 or 9999
    cannot make every answer longer or costlier (writes refuse such dates anyway).
    """

    name = param = "year"
    reads = ("year_from", "year_to")
    # The first and last year of the activities' dates, when fixed by `at()`.
    _dates: tuple[int, int] | None = None
    _fixed = False

    def dates(self) -> tuple[int, int] | None:
        """The first and last year of all activities' dates (None: no activity)."""
        if self._fixed:
            return self._dates
        bounds = Activity.objects.aggregate(
            first=ExtractYear(Min("start_date")), last=ExtractYear(Max("end_date"))
        )
        if bounds["first"] is None:
            return None
        return int(bounds["first"]), int(bounds["last"])

    def at(self, dates: tuple[int, int] | None) -> YearDimension:
        """This dimension with the activities' dates read already: statements built
        from it inline the calendar of those dates (rollups/statements.py keeps them)."""
        fixed = copy.copy(self)
        fixed._dates, fixed._fixed = dates, True
        return fixed

    def calendar(self, restriction: Restriction) -> list[int]:
        """The years a question by year has keys for (see the class)."""
        dates = self.dates()
        if dates is None:
            return []
        lower = [dates[0], settings.PLAUSIBLE_YEARS[0], restriction.year_from]
        upper = [dates[1], settings.PLAUSIBLE_YEARS[1], restriction.year_to]
        first = max(year for year in lower if year is not None)
        last = min(year for year in upper if year is not None)
        return list(range(first, last + 1))

    def activity_keys(self, restriction: Restriction) -> Relation:
        years = self.calendar(restriction) or [0]  # no activity is dated in year 0
        periods = relation(
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

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        start = ExtractYear("activity__start_date")
        single_year = Q(activity__start_date__year=ExtractYear("activity__end_date"))
        if restriction.year_from is not None:
            single_year &= Q(activity__start_date__year__gte=restriction.year_from)
        if restriction.year_to is not None:
            single_year &= Q(activity__start_date__year__lte=restriction.year_to)
        return Case(When(single_year, then=start), default=None)

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        return {key: {"code": int(key), "name": str(int(key))} for key in keys}


class MonthDimension(Dimension):
    """The month an activity is known to lie within (as the `month` filter).

    An activity dated only by its year lies in no month: it is in the None row.
    """

    name = param = "month"

    @staticmethod
    def _month_key(prefix: str) -> Case:
        start, end = f"{prefix}start_date", f"{prefix}end_date"
        within = (
            Q(**{f"{prefix}date_precision__in": ["month", "day"]})
            & Q(**{f"{start}__year": ExtractYear(end)})
            & Q(**{f"{start}__month": ExtractMonth(end)})
        )
        return Case(When(within, then=ExtractYear(start) * 100 + ExtractMonth(start)), default=None)

    def activity_key_expression(self) -> Combinable | None:
        return self._month_key("")

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return self._month_key("activity__")

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        return {
            key: {"code": f"{int(key) // 100:04d}-{int(key) % 100:02d}", "name": _month(key)}
            for key in keys
        }


class AudienceDimension(Dimension):
    """Who was reached. People are placed by their row's audience; a row that mixes
    several audiences without a split is in the None row ("not split by audience")."""

    name = param = "audience"
    reads = ("audience",)

    def activity_keys(self, restriction: Restriction) -> Relation:
        declared = Activity.audiences.through.objects.values(
            a_id=F("activity_id"), k=F("audience_id")
        )
        counted = BeneficiaryGroup.objects.filter(audience__isnull=False).values(
            a_id=F("activity_id"), k=F("audience_id")
        )
        if restriction.audience is not None:
            declared = declared.filter(audience=restriction.audience)
            counted = counted.filter(audience=restriction.audience)
        return union_all(declared, counted)

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return F("audience_id")

    def person_key_expression(self, restriction: Restriction) -> Combinable | None:
        return F("participant__audience_id")

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        audiences = Audience.objects.filter(pk__in=keys).values("pk", "slug", "name")
        return {a["pk"]: {"code": a["slug"], "name": a["name"]} for a in audiences}


class _GeographicDimension(Dimension):
    geographic = True
    reads = ("place",)

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        regions = Region.objects.filter(pk__in=keys).values("pk", "code", "name")
        return {r["pk"]: {"code": r["code"], "name": r["name"]} for r in regions}


def _place_q(restriction: Restriction, path_field: str) -> Q:
    """Records whose `path_field` lies under the restriction's place (all without one)."""
    if restriction.place is None:
        return Q()
    return counting.under(restriction.place, path_field)


def country_links(restriction: Restriction) -> list[QuerySet[Any]]:
    """(a_id, k, kp) of the countries an activity is in (counting rule 3), under the
    restriction's place: the country and its M49 path."""
    return [
        source.values(a_id=F("activity_id"), k=F("country_id"), kp=F("country__path"))
        for source in counting.country_link_sources(restriction.place)
    ]


class CountryDimension(_GeographicDimension):
    """The countries an activity is in (counting rule 3); people placed in a country
    (counting rule 4)."""

    name = param = "country"

    def activity_keys(self, restriction: Restriction) -> Relation:
        return union_all(*country_links(restriction))

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return F("place_country_id")

    def row_key_path_expression(self) -> Combinable:
        return F("place_country__path")

    def person_key_expression(self, restriction: Restriction) -> Combinable | None:
        return F("participant__country_id")

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        countries = Country.objects.filter(pk__in=keys).values("pk", "iso2", "iso3", "name")
        return {
            c["pk"]: {"code": c["iso2"], "iso3": c["iso3"], "name": c["name"]} for c in countries
        }


class RegionLevelDimension(_GeographicDimension):
    """M49 regions at one level. An activity is in a region when one of its countries,
    scope regions or row countries lies under it (counting rule 3, as the `region`
    filter); people are placed there when their attributed place lies under it."""

    def __init__(self, name: str, ancestor_field: str) -> None:
        self.name = name
        self.param = "region"
        self.ancestor = ancestor_field  # m49_region or m49_subregion

    def activity_keys(self, restriction: Restriction) -> Relation:
        ancestor = self.ancestor
        by_country = [
            links.filter(**{f"country__{ancestor}__isnull": False}).values(
                a_id=F("activity_id"),
                k=F(f"country__{ancestor}_id"),
                kp=F(f"country__{ancestor}__path"),
            )
            for links in counting.country_link_sources(restriction.place)
        ]
        by_region = (
            Activity.regions.through.objects.filter(_place_q(restriction, "region__path"))
            .filter(**{f"region__{ancestor}__isnull": False})
            .values(
                a_id=F("activity_id"),
                k=F(f"region__{ancestor}_id"),
                kp=F(f"region__{ancestor}__path"),
            )
        )
        return union_all(*by_country, by_region)

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return Coalesce(
            F(f"place_country__{self.ancestor}_id"), F(f"place_region__{self.ancestor}_id")
        )

    def row_key_path_expression(self) -> Combinable:
        return Coalesce(
            F(f"place_country__{self.ancestor}__path"), F(f"place_region__{self.ancestor}__path")
        )

    def person_key_expression(self, restriction: Restriction) -> Combinable | None:
        return F(f"participant__country__{self.ancestor}_id")


class AttributedRegionDimension(_GeographicDimension):
    """The region a beneficiary row's people are attributed to when no one country holds
    them all (counting rule 4, third case: the smallest region holding the activity's
    scope, stored as the row's `place_region`). Rows attributed to a country have no key
    here: their group is None. It answers "how much reach is region-wide, and for which
    region" (the 5,600 teachers of El Salvador, Guatemala and Honduras belong to Central
    America), so it splits participations only; it is not offered by the stats API, whose
    `region` groups hold countries and regions alike."""

    name = "attributed_region"
    param = "region"
    splits_measures = ("participants",)

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return F("place_region_id")

    def row_key_path_expression(self) -> Combinable:
        return F("place_region__path")

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
        regions = Region.objects.filter(pk__in=keys).values("pk", "code", "name", "level")
        return {
            r["pk"]: {"code": r["code"], "name": r["name"], "level": r["level"]} for r in regions
        }


ATTRIBUTED_REGION = AttributedRegionDimension()


class SexDimension(Dimension):
    """Splits people by recorded sex: participations (from the rows' split) and persons
    (by their own record)."""

    name = "sex"
    param = ""
    splits_measures = ("participants", "people", "learning", "session_attendances")

    def row_key_expression(self, restriction: Restriction) -> Combinable | None:
        return Value("sex")  # placeholder: the engine unpivots the rows by sex

    def person_key_expression(self, restriction: Restriction) -> Combinable | None:
        return F("participant__sex")

    def labels(self, keys: set[Any]) -> dict[Any, dict[str, Any]]:
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


def _month(key: Any) -> str:
    key = int(key)
    return datetime.date(key // 100, key % 100, 1).strftime("%B %Y")
