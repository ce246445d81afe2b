"""A synthetic programme, for benchmarks and scale tests: `manage.py generate_synthetic`.

The shape follows the 2020 report seed and what a programme logs over the years: mostly
trainings, workshops and webinars; countries weighted by region (the Americas, Africa and
Asia far more than Europe and Oceania); about one activity in seven delivered to several
countries and one in seven scoped to a region or the whole world; beneficiary rows with
and without a country, sex splits with some people "not recorded", some "more than" and
"about" figures; partners, mentors, mandates, drafts; periods known to the day, the month
or only the year.

Rules kept here
- Every record is marked `is_synthetic=True` and has the reference
  `synthetic/<seed>/<n>`. A database that holds real (non-synthetic) activities is refused
  unless `allow_mixed` is given: synthetic records must never slip into real counts.
- The same seed gives the same records (natural keys, counts, periods, places), on any
  database: the vocabulary is read in the order of its natural keys, never of its ids.
- Derived attribution fields (`Activity.scope_region`, `BeneficiaryGroup.place_country`
  and `place_region`) are computed with the very rules services.refresh_attribution
  applies (counting.smallest_common_region), from the reference tables read once, and
  written in the same bulk insert: no query per activity.
- Writes are bulk: COPY through psycopg 3 on PostgreSQL, bulk_create in batches
  elsewhere, in one transaction (all or nothing). The audit history (simple-history) is
  not written for synthetic records.
"""

from __future__ import annotations

import datetime
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction
from django.db.models import ManyToManyField
from django.utils import timezone

from . import counting
from .models import (
    Activity,
    ActivityKind,
    Audience,
    BeneficiaryGroup,
    Country,
    DatePrecision,
    Language,
    Mandate,
    Mentor,
    Modality,
    Partner,
    Qualifier,
    Region,
    Theme,
)
from .seeding import REPORT_SEED

REFERENCE_PREFIX = "synthetic/"
BATCH_SIZE = 5_000

# Relative weights. Kinds and modalities follow the seed, tilted towards the trainings a
# programme logs week after week.
KIND_WEIGHTS = {
    ActivityKind.TRAINING: 38,
    ActivityKind.WORKSHOP: 12,
    ActivityKind.WEBINAR: 11,
    ActivityKind.COURSE: 8,
    ActivityKind.MEETING: 8,
    ActivityKind.MENTORING: 4,
    ActivityKind.ASSESSMENT: 4,
    ActivityKind.ADVISORY: 4,
    ActivityKind.CONFERENCE: 3,
    ActivityKind.AWARENESS: 3,
    ActivityKind.CAMPAIGN: 2,
    ActivityKind.PUBLICATION: 2,
    ActivityKind.MECHANISM: 1,
}
# Kinds that rarely count people (an assessment, a publication, a tool).
KINDS_WITHOUT_PEOPLE = {
    ActivityKind.ASSESSMENT,
    ActivityKind.ADVISORY,
    ActivityKind.PUBLICATION,
    ActivityKind.MECHANISM,
}
MODALITY_WEIGHTS = {
    Modality.IN_PERSON: 45,
    Modality.ONLINE: 22,
    Modality.HYBRID: 10,
    Modality.BROADCAST: 2,
    Modality.NOT_RECORDED: 21,
}
# M49 level-1 regions: Americas, Africa, Asia, Europe, Oceania.
REGION_WEIGHTS = {"019": 30, "002": 28, "142": 30, "150": 8, "009": 4}
LANGUAGES_BY_REGION = {
    "019": ["es", "en", "pt", "fr"],
    "002": ["fr", "en", "pt", "ar"],
    "142": ["en", "ar", "ru", "zh"],
    "150": ["en", "ru", "fr"],
    "009": ["en", "fr"],
}
# Scope shapes: one country, several countries, a region below World, the whole world.
SCOPE_WEIGHTS = {"country": 72, "countries": 14, "region": 10, "world": 4}
PRECISION_WEIGHTS = {DatePrecision.DAY: 70, DatePrecision.MONTH: 18, DatePrecision.YEAR: 12}
FIRST_YEAR, LAST_YEAR = 2012, 2025
QUALIFIER_WEIGHTS = {Qualifier.EXACT: 90, Qualifier.MORE_THAN: 7, Qualifier.ABOUT: 3}


class MixedDataError(Exception):
    """The database holds real activities, or synthetic ones of the same seed."""


@dataclass(frozen=True)
class _Place:
    id: int
    path: str
    name: str


@dataclass
class Vocabulary:
    """The reference data the generator draws from, in natural-key order."""

    regions_by_path: dict[str, int]
    region_paths: dict[int, str]
    region_level1_of_country: dict[int, str]
    countries_by_region1: dict[str, list[_Place]]
    country_weights: dict[str, list[float]]
    groups_of_country: dict[int, list[list[_Place]]]
    scope_regions_by_region1: dict[str, list[_Place]]
    world: _Place
    country_region: dict[int, int]
    themes: list[tuple[int, int | None, str]]
    audiences: list[tuple[int, str]]
    languages: dict[str, int]
    partners: list[int]
    mentors: list[int]
    mandates: list[int]


@dataclass
class _Batch:
    activities: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    rows: list[list[dict[str, Any]]] = field(default_factory=list)


M2M_FIELDS = ("countries", "regions", "themes", "partners", "mentors", "mandates")
M2M_FIELDS_ALL = (*M2M_FIELDS, "languages", "audiences")


def _weighted(rng: random.Random, weights: dict) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sample(rng: random.Random, population: list, count: int) -> list:
    return rng.sample(population, k=min(count, len(population)))


def ensure_vocabulary(using: str) -> None:
    """Create the seed's themes, partners, mandates and mentors when there are none.

    A benchmark database holds the M49 reference data and synthetic activities only; it
    borrows the report's vocabulary (never its activities or figures).
    """
    if Theme.objects.using(using).exists():
        return
    seed = json.loads(REPORT_SEED.read_text(encoding="utf-8"))
    themes: dict[str, Theme] = {}
    for row in seed["themes"]:
        themes[row["slug"]] = Theme.objects.using(using).create(
            slug=row["slug"],
            name=row["name"],
            parent=themes.get(row.get("parent") or ""),
            description=row.get("description", ""),
            source_paragraph=row["paragraph"],
        )
    countries = {c.iso3: c for c in Country.objects.using(using).all()}
    Partner.objects.using(using).bulk_create(
        Partner(
            name=row["name"],
            short_name=row.get("short_name", ""),
            kind=row["kind"],
            description=row.get("description", ""),
            country=countries.get(row.get("country") or ""),
            name_is_descriptive=row.get("descriptive", False),
            source_paragraph=row["paragraph"],
        )
        for row in seed["partners"]
    )
    Mandate.objects.using(using).bulk_create(
        Mandate(
            body=row["body"],
            symbol=row["symbol"],
            year=row["year"],
            title=row["title"],
            summary=row["summary"],
            source_paragraph=row["paragraph"],
        )
        for row in seed["mandates"]
    )
    for row in seed["mentors"]:
        mentor = Mentor.objects.using(using).create(
            hub_country=countries[row["hub_country"]],
            note=seed["mentor_note"],
            source_paragraph=row["paragraph"],
        )
        mentor.themes.set([themes[slug] for slug in row["themes"]])


def load_vocabulary(using: str) -> Vocabulary:
    regions = list(
        Region.objects.using(using).order_by("path").values("id", "code", "path", "name")
    )
    if not regions:
        raise MixedDataError("No M49 regions in this database: run `manage.py load_reference`.")
    by_path = {r["path"]: r["id"] for r in regions}
    code_of_path = {r["path"]: r["code"] for r in regions}

    def level1_code(path: str) -> str | None:
        codes = counting.region_codes_on(path)
        return codes[1] if len(codes) > 1 else None

    countries_by_region1: dict[str, list[_Place]] = {code: [] for code in REGION_WEIGHTS}
    region_level1: dict[int, str] = {}
    country_region: dict[int, int] = {}
    by_deepest: dict[str | None, list[_Place]] = {}
    by_subregion: dict[str | None, list[_Place]] = {}
    country_rows = (
        Country.objects.using(using).order_by("iso3").values_list("id", "name", "path", "region_id")
    )
    for country_id, name, path, region_id in country_rows:
        country_region[country_id] = region_id
        code = level1_code(path)
        if code not in countries_by_region1:
            continue
        place = _Place(country_id, path, name)
        countries_by_region1[code].append(place)
        region_level1[country_id] = code
        # Neighbours: the same deepest region (Central America), the same sub-region.
        deepest = counting.region_path_at(path, len(counting.region_codes_on(path)) - 1)
        by_deepest.setdefault(deepest, []).append(place)
        by_subregion.setdefault(counting.region_path_at(path, 2), []).append(place)
    groups: dict[int, list[list[_Place]]] = {}
    for places in countries_by_region1.values():
        for place in places:
            depth = len(counting.region_codes_on(place.path)) - 1
            groups[place.id] = [
                by_deepest[counting.region_path_at(place.path, depth)],
                by_subregion[counting.region_path_at(place.path, 2)],
                countries_by_region1[region_level1[place.id]],
            ]
    # Per-country weights: a few countries host much of a programme (a Pareto tail),
    # drawn from a fixed generator so that they do not depend on the run's seed.
    weight_rng = random.Random(49)
    country_weights = {
        code: [weight_rng.paretovariate(1.2) for _ in places]
        for code, places in countries_by_region1.items()
    }
    scope_regions = {
        code: [
            _Place(r["id"], r["path"], r["name"])
            for r in regions
            if level1_code(r["path"]) == code and r["path"].count("/") >= 3
        ]
        for code in REGION_WEIGHTS
    }
    world_path = next(path for path in by_path if path.count("/") == 2)
    return Vocabulary(
        regions_by_path=by_path,
        region_paths={pk: path for path, pk in by_path.items()},
        region_level1_of_country=region_level1,
        countries_by_region1=countries_by_region1,
        country_weights=country_weights,
        groups_of_country=groups,
        scope_regions_by_region1=scope_regions,
        world=_Place(by_path[world_path], world_path, code_of_path[world_path]),
        country_region=country_region,
        themes=list(
            Theme.objects.using(using).order_by("slug").values_list("id", "parent_id", "name")
        ),
        audiences=list(Audience.objects.using(using).order_by("slug").values_list("id", "name")),
        languages=dict(Language.objects.using(using).values_list("code", "id")),
        partners=list(Partner.objects.using(using).order_by("name").values_list("id", flat=True)),
        mentors=list(
            Mentor.objects.using(using)
            .order_by("hub_country__iso3", "name")
            .values_list("id", flat=True)
        ),
        mandates=list(Mandate.objects.using(using).order_by("symbol").values_list("id", flat=True)),
    )


class _Generator:
    """Draws one activity after another from a seeded random generator."""

    def __init__(self, vocabulary: Vocabulary, seed: int, rows_per_activity: float):
        self.vocabulary = vocabulary
        self.seed = seed
        self.rng = random.Random(seed)
        # Rows of an activity that counts people; about 78% of activities do.
        self.rows_mean = max(1.0, rows_per_activity / 0.84)
        self.now = timezone.now()

    def activity(self, number: int) -> tuple[dict[str, Any], dict[str, list[int]], list[dict]]:
        rng, vocabulary = self.rng, self.vocabulary
        kind = _weighted(rng, KIND_WEIGHTS)
        modality = Modality.ONLINE if kind == ActivityKind.WEBINAR else None
        modality = modality or _weighted(rng, MODALITY_WEIGHTS)
        region1 = _weighted(rng, REGION_WEIGHTS)
        countries, regions, place_name = self._scope(region1)
        reported_count = None
        if not countries and rng.random() < 0.5:
            reported_count = rng.randint(2, 70 if regions[0] == vocabulary.world.id else 15)
        start, end, precision = self._period(kind)
        themes = self._themes()
        audience_pool = _sample(rng, vocabulary.audiences, rng.choice((1, 1, 2, 2, 3)))
        languages = _sample(rng, LANGUAGES_BY_REGION[region1], rng.choice((0, 1, 1, 1, 2)))
        partners = _sample(rng, vocabulary.partners, rng.choice((0,) * 11 + (1,) * 6 + (2, 3)))
        mentor_count = rng.choice((1, 2)) if kind == ActivityKind.MENTORING else 0
        if not mentor_count and rng.random() < 0.05:
            mentor_count = 1
        mentors = _sample(rng, vocabulary.mentors, mentor_count)
        mandates = _sample(rng, vocabulary.mandates, rng.choice((0, 0, 1)))
        theme_name = next(name for pk, _, name in vocabulary.themes if pk == themes[0])
        audience_name = audience_pool[0][1].lower() if audience_pool else "practitioners"
        title = f"{kind.label.capitalize()} on {theme_name.lower()} for {audience_name}"
        title += f" in {place_name}"
        delivery = Activity.Delivery.DELIVERED
        if end.year >= LAST_YEAR and rng.random() < 0.4:
            delivery = Activity.Delivery.SCHEDULED if start.month > 6 else Activity.Delivery.ONGOING
        activity = {
            "reference": f"{REFERENCE_PREFIX}{self.seed}/{number}",
            "kind": str(kind),
            "title": title[:300],
            "description": (
                f"Synthetic {kind.label} number {number} of seed {self.seed}, "
                f"{Modality(modality).label}, {len(countries) or 'no'} named countries."
            ),
            "start_date": start,
            "end_date": end,
            "date_precision": str(precision),
            "modality": str(modality),
            "delivery": str(delivery),
            "reported_countries_count": reported_count,
            "status": "draft" if rng.random() < 0.06 else "published",
            "source_note": f"Synthetic: manage.py generate_synthetic --seed {self.seed}",
        }
        links = {
            "countries": [c.id for c in countries],
            "regions": regions,
            "themes": themes,
            "partners": partners,
            "mentors": mentors,
            "mandates": mandates,
            "languages": [vocabulary.languages[c] for c in languages if c in vocabulary.languages],
            "audiences": [pk for pk, _ in audience_pool],
        }
        rows = self._rows(kind, countries, audience_pool)
        self._attribute(activity, countries, regions, rows)
        return activity, links, rows

    def _scope(self, region1: str) -> tuple[list[_Place], list[int], str]:
        rng, vocabulary = self.rng, self.vocabulary
        shape = _weighted(rng, SCOPE_WEIGHTS)
        if shape == "world":
            return [], [vocabulary.world.id], "all regions"
        if shape == "region":
            scope_regions = rng.sample(
                vocabulary.scope_regions_by_region1[region1], k=rng.choice((1,) * 9 + (2,))
            )
            name = " and ".join(r.name for r in scope_regions)
            return [], [r.id for r in scope_regions], name
        pool = vocabulary.countries_by_region1[region1]
        first = rng.choices(pool, weights=vocabulary.country_weights[region1])[0]
        if shape == "country":
            return [first], [], first.name
        # Several countries: mostly neighbours (the same intermediate or sub-region).
        group = rng.choices(vocabulary.groups_of_country[first.id], weights=(60, 25, 15))[0]
        others = [c for c in group if c.id != first.id]
        if not others:
            others = [c for c in pool if c.id != first.id]
        extra = rng.sample(others, k=min(len(others), rng.choice((1, 1, 2, 2, 3, 4, 5))))
        countries = [first, *extra]
        return countries, [], f"{len(countries)} countries"

    def _period(self, kind: str) -> tuple[datetime.date, datetime.date, str]:
        rng = self.rng
        # Later years are busier: the programme grows.
        years = list(range(FIRST_YEAR, LAST_YEAR + 1))
        year = rng.choices(years, weights=[1 + i for i in range(len(years))])[0]
        precision = _weighted(rng, PRECISION_WEIGHTS)
        if precision == DatePrecision.YEAR:
            last_year = min(LAST_YEAR, year + rng.choice((0,) * 9 + (1, 2)))
            return datetime.date(year, 1, 1), datetime.date(last_year, 12, 31), precision
        month = rng.randint(1, 12)
        first = datetime.date(year, month, 1)
        last = datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
        if precision == DatePrecision.MONTH:
            return first, last, precision
        start = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
        long_kinds = (ActivityKind.COURSE, ActivityKind.MENTORING, ActivityKind.CAMPAIGN)
        days = rng.randint(5, 60) if kind in long_kinds else rng.choice((0, 0, 0, 1, 2, 2, 4))
        end = min(start + datetime.timedelta(days=days), datetime.date(LAST_YEAR, 12, 31))
        return start, end, precision

    def _themes(self) -> list[int]:
        rng, themes = self.rng, self.vocabulary.themes
        weights = [3 if parent is None else 1 for _, parent, _ in themes]
        chosen: list[int] = []
        for _ in range(rng.choice((1,) * 6 + (2,) * 3 + (3,))):
            pk, parent, _ = rng.choices(themes, weights=weights)[0]
            if parent is not None and parent not in chosen and rng.random() < 0.5:
                chosen.append(parent)
            if pk not in chosen:
                chosen.append(pk)
        return chosen

    def _rows(self, kind: str, countries: list[_Place], audiences: list[tuple[int, str]]):
        rng = self.rng
        has_people = rng.random() < (0.12 if kind in KINDS_WITHOUT_PEOPLE else 0.92)
        if not has_people:
            return []
        count = max(1, round(rng.gammavariate(2.0, self.rows_mean / 2.0)))
        # Does the source split the people by country? Often for several countries,
        # sometimes for one, never for a region-scoped activity.
        by_country = bool(countries) and rng.random() < (0.55 if len(countries) > 1 else 0.25)
        split_audience = rng.random() < 0.8
        medians: dict[str, int] = {
            ActivityKind.WEBINAR: 120,
            ActivityKind.CONFERENCE: 90,
            ActivityKind.AWARENESS: 400,
            ActivityKind.CAMPAIGN: 3000,
        }
        median = medians.get(kind, 18)
        rows = []
        for index in range(count):
            total = max(1, round(rng.lognormvariate(0, 0.8) * median / max(1, count**0.5)))
            qualifier = _weighted(rng, QUALIFIER_WEIGHTS)
            female = male = 0
            split = rng.random()
            if qualifier == Qualifier.EXACT and split < 0.55:
                female = round(total * rng.betavariate(2.5, 3))
                male = total - female
            elif qualifier == Qualifier.EXACT and split < 0.7:
                female = round(total * rng.betavariate(2, 4))
                male = round((total - female) * rng.random())
            else:
                total = max(10, round(total, -1)) if qualifier != Qualifier.EXACT else total
            rows.append(
                {
                    "audience_id": audiences[index % len(audiences)][0]
                    if split_audience and audiences
                    else None,
                    "country_id": countries[index % len(countries)].id if by_country else None,
                    "female": female,
                    "male": male,
                    "not_recorded": total - female - male,
                    "total": total,
                    "qualifier": str(qualifier),
                    "note": f"cohort {index // max(1, len(countries)) + 1}" if count > 1 else "",
                }
            )
        return rows

    def _attribute(self, activity, countries: list[_Place], regions: list[int], rows) -> None:
        """Set the derived places with the rules of services.refresh_attribution."""
        vocabulary = self.vocabulary
        path = counting.scope_path(
            [c.path for c in countries], [vocabulary.region_paths[pk] for pk in regions]
        )
        scope: tuple[int | None, int | None]
        if len(countries) == 1 and not regions:
            scope = (countries[0].id, None)
            activity["scope_region_id"] = vocabulary.country_region[countries[0].id]
        else:
            scope = (None, vocabulary.regions_by_path[path] if path else None)
            activity["scope_region_id"] = scope[1]
        for row in rows:
            row["place_country_id"], row["place_region_id"] = counting.attribute(
                row["country_id"], scope
            )

    def batches(self, count: int, start: int = 1) -> Iterator[_Batch]:
        batch = _Batch(links={name: [] for name in M2M_FIELDS_ALL})
        for number in range(start, start + count):
            activity, links, rows = self.activity(number)
            activity.update(is_synthetic=True, created_at=self.now, updated_at=self.now)
            batch.activities.append(activity)
            batch.rows.append(rows)
            for name, ids in links.items():
                batch.links[name].extend((len(batch.activities) - 1, pk) for pk in ids)
            if len(batch.activities) == BATCH_SIZE:
                yield batch
                batch = _Batch(links={name: [] for name in M2M_FIELDS_ALL})
        if batch.activities:
            yield batch


ACTIVITY_COLUMNS = (
    "reference",
    "kind",
    "title",
    "description",
    "start_date",
    "end_date",
    "date_precision",
    "modality",
    "delivery",
    "reported_countries_count",
    "status",
    "source_paragraph",
    "source_note",
    "is_synthetic",
    "scope_region_id",
    "created_at",
    "updated_at",
    "version",
)
ROW_COLUMNS = (
    "activity_id",
    "audience_id",
    "country_id",
    "female",
    "male",
    "not_recorded",
    "total",
    "qualifier",
    "note",
    "place_country_id",
    "place_region_id",
)


def _m2m_field(name: str) -> ManyToManyField[Any, Any]:
    """Activity's many-to-many field `name` (`get_field` may return any kind of field)."""
    model_field = Activity._meta.get_field(name)
    if not isinstance(model_field, ManyToManyField):
        raise TypeError(f"Activity.{name} is not a many-to-many field")
    return model_field


class _Writer:
    """Writes batches with bulk_create (any database)."""

    def __init__(self, using: str):
        self.using = using

    def activity_ids(self, activities: list[dict[str, Any]]) -> list[int]:
        objects = Activity.objects.using(self.using).bulk_create(
            [Activity(source_paragraph="", version=1, **values) for values in activities]
        )
        return [obj.pk for obj in objects]

    def links(self, name: str, pairs: list[tuple[int, int]]) -> None:
        m2m = _m2m_field(name)
        through = m2m.remote_field.through
        assert through is not None  # None only before the models are loaded
        column, other = m2m.m2m_field_name() + "_id", m2m.m2m_reverse_field_name() + "_id"
        through._default_manager.using(self.using).bulk_create(
            [through(**{column: a, other: b}) for a, b in pairs], batch_size=BATCH_SIZE
        )

    def rows(self, rows: list[dict[str, Any]]) -> None:
        BeneficiaryGroup.objects.using(self.using).bulk_create(
            [BeneficiaryGroup(**row) for row in rows], batch_size=BATCH_SIZE
        )


class _PostgresWriter(_Writer):
    """Writes batches with COPY ... FROM STDIN through psycopg 3."""

    def _copy(self, table: str, columns: tuple[str, ...], values) -> None:
        with connections[self.using].cursor() as cursor:
            sql = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
            with cursor.cursor.copy(sql) as copy:
                for row in values:
                    copy.write_row(row)

    def activity_ids(self, activities: list[dict[str, Any]]) -> list[int]:
        table = Activity._meta.db_table
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(activities)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        defaults = {"source_paragraph": "", "version": 1}
        self._copy(
            table,
            ("id", *ACTIVITY_COLUMNS),
            (
                (pk, *(values.get(c, defaults.get(c)) for c in ACTIVITY_COLUMNS))
                for pk, values in zip(ids, activities, strict=True)
            ),
        )
        return ids

    def links(self, name: str, pairs: list[tuple[int, int]]) -> None:
        m2m = _m2m_field(name)
        columns = (m2m.m2m_column_name(), m2m.m2m_reverse_name())
        self._copy(m2m.m2m_db_table(), columns, pairs)

    def rows(self, rows: list[dict[str, Any]]) -> None:
        self._copy(
            BeneficiaryGroup._meta.db_table,
            ROW_COLUMNS,
            (tuple(row[c] for c in ROW_COLUMNS) for row in rows),
        )


def generate(
    *,
    activities: int,
    seed: int,
    using: str = "default",
    allow_mixed: bool = False,
    rows_per_activity: float = 10.0,
) -> dict[str, Any]:
    """Write `activities` synthetic activities drawn from `seed`; return what was written.

    Raises MixedDataError when the database holds real activities (unless allow_mixed)
    or already holds the synthetic activities of this seed.
    """
    if activities < 0:
        raise ValueError("the number of activities cannot be negative")
    real = Activity.objects.using(using).filter(is_synthetic=False)
    if not allow_mixed and real.exists():
        raise MixedDataError(
            f"The database {using!r} holds {real.count()} real (non-synthetic) activities. "
            "Synthetic records must not be mixed into real data: use an empty database, "
            "or pass --allow-mixed if you really mean it."
        )
    prefix = f"{REFERENCE_PREFIX}{seed}/"
    if Activity.objects.using(using).filter(reference__startswith=prefix).exists():
        raise MixedDataError(
            f"The database {using!r} already holds synthetic activities of seed {seed}: "
            "use another seed."
        )
    started = time.monotonic()
    is_postgres = connections[using].vendor == "postgresql"
    writer = _PostgresWriter(using) if is_postgres else _Writer(using)
    written: dict[str, int | float] = {
        "activities": 0,
        "beneficiary_rows": 0,
        **dict.fromkeys(M2M_FIELDS_ALL, 0),
    }
    with transaction.atomic(using=using):
        ensure_vocabulary(using)
        generator = _Generator(load_vocabulary(using), seed, rows_per_activity)
        for batch in generator.batches(activities):
            ids = writer.activity_ids(batch.activities)
            for name, pairs in batch.links.items():
                if pairs:
                    writer.links(name, [(ids[index], pk) for index, pk in pairs])
                written[name] += len(pairs)
            rows = [
                {**row, "activity_id": pk}
                for pk, activity_rows in zip(ids, batch.rows, strict=True)
                for row in activity_rows
            ]
            if rows:
                writer.rows(rows)
            written["activities"] += len(ids)
            written["beneficiary_rows"] += len(rows)
    if is_postgres:
        # Fresh statistics for every table, the reference tables too: without them (a new
        # database, autovacuum off or not yet run) the planner takes the 248 countries
        # for one row and picks plans that are a thousand times slower.
        with connections[using].cursor() as cursor:
            cursor.execute("ANALYZE")
    written["seconds"] = round(time.monotonic() - started, 2)
    return written
