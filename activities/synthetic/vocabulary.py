"""The reference data a synthetic programme draws from: M49 places, themes, audiences,
languages, partners, mentors and mandates.

Everything is read once, in the order of natural keys (codes, paths, slugs, names), never
of ids: the same seed then gives the same records on any database. Where a place lies is
asked of activities.counting (region_codes_on, region_path_at), never worked out from the
path here.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from .. import counting
from ..models import (
    Audience,
    Country,
    Language,
    Mandate,
    Mentor,
    Partner,
    Region,
    Theme,
)
from ..seeding import REPORT_SEED
from .guard import MixedDataError
from .shape import REGION_WEIGHTS


@dataclass(frozen=True)
class Place:
    """A country or a region, as the generator needs it."""

    id: int
    path: str
    name: str


@dataclass
class Vocabulary:
    """The reference data the generator draws from, in natural-key order."""

    regions_by_path: dict[str, int]
    region_paths: dict[int, str]
    region_level1_of_country: dict[int, str]
    countries_by_region1: dict[str, list[Place]]
    country_weights: dict[str, list[float]]
    groups_of_country: dict[int, list[list[Place]]]
    scope_regions_by_region1: dict[str, list[Place]]
    world: Place
    country_region: dict[int, int]
    themes: list[tuple[int, int | None, str]]
    audiences: list[tuple[int, str]]
    languages: dict[str, int]
    partners: list[int]
    mentors: list[int]
    mandates: list[int]


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
    """Read the reference data of the database `using`, grouped the way the generator draws.

    Countries are grouped by level-1 region (the Americas, Africa...) and, for activities
    in several countries, by neighbourhood. Raises MixedDataError when the database has no
    M49 regions.
    """
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

    countries_by_region1: dict[str, list[Place]] = {code: [] for code in REGION_WEIGHTS}
    region_level1: dict[int, str] = {}
    country_region: dict[int, int] = {}
    by_deepest: dict[str | None, list[Place]] = {}
    by_subregion: dict[str | None, list[Place]] = {}
    country_rows = (
        Country.objects.using(using).order_by("iso3").values_list("id", "name", "path", "region_id")
    )
    for country_id, name, path, region_id in country_rows:
        country_region[country_id] = region_id
        code = level1_code(path)
        if code not in countries_by_region1:
            continue
        place = Place(country_id, path, name)
        countries_by_region1[code].append(place)
        region_level1[country_id] = code
        # Neighbours: the same deepest region (Central America), the same sub-region.
        deepest = counting.region_path_at(path, len(counting.region_codes_on(path)) - 1)
        by_deepest.setdefault(deepest, []).append(place)
        by_subregion.setdefault(counting.region_path_at(path, 2), []).append(place)
    groups: dict[int, list[list[Place]]] = {}
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
            Place(r["id"], r["path"], r["name"])
            for r in regions
            if level1_code(r["path"]) == code  # World itself has no level-1 code
        ]
        for code in REGION_WEIGHTS
    }
    world_path = next(path for path in by_path if len(counting.region_codes_on(path)) == 1)
    return Vocabulary(
        regions_by_path=by_path,
        region_paths={pk: path for path, pk in by_path.items()},
        region_level1_of_country=region_level1,
        countries_by_region1=countries_by_region1,
        country_weights=country_weights,
        groups_of_country=groups,
        scope_regions_by_region1=scope_regions,
        world=Place(by_path[world_path], world_path, code_of_path[world_path]),
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
