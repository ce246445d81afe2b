"""The generator: one synthetic activity after another, drawn from a seeded random generator.

An activity comes with its many-to-many links (ids of the vocabulary) and its beneficiary
rows. The same seed and vocabulary give the same draws, in the same order: change the
order of the draws and every benchmark database changes with it.

The derived attribution fields (`Activity.scope_region`, `BeneficiaryGroup.place_country`
and `place_region`) are computed here with the very rules services.refresh_attribution
applies (counting.scope_path, counting.attribute), so that they are written in the same
bulk insert as the records: no query per activity.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from .. import counting
from ..models import Activity, ActivityKind, DatePrecision, Modality, Qualifier
from .people import Attendee, People, PersonBatch
from .shape import (
    FIRST_YEAR,
    KIND_WEIGHTS,
    KINDS_WITHOUT_PEOPLE,
    LANGUAGES_BY_REGION,
    LAST_YEAR,
    MODALITY_WEIGHTS,
    PRECISION_WEIGHTS,
    QUALIFIER_WEIGHTS,
    REFERENCE_PREFIX,
    REGION_WEIGHTS,
    SCOPE_WEIGHTS,
)
from .vocabulary import Place, Vocabulary

# Activities per batch: what the writer inserts at once.
BATCH_SIZE = 5_000

M2M_FIELDS = ("countries", "regions", "themes", "partners", "mentors", "mandates")
M2M_FIELDS_ALL = (*M2M_FIELDS, "languages", "audiences")


@dataclass
class Batch:
    """Activities (field values), their links as (index in `activities`, id) pairs by
    many-to-many field, their beneficiary rows and attendance (one list per activity),
    and the persons first drawn in this batch (written before the attendance)."""

    activities: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    rows: list[list[dict[str, Any]]] = field(default_factory=list)
    attendance: list[list[Attendee]] = field(default_factory=list)
    persons: PersonBatch = field(default_factory=PersonBatch)


def _weighted(rng: random.Random, weights: Mapping[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sample(rng: random.Random, population: list[Any], count: int) -> list[Any]:
    return rng.sample(population, k=min(count, len(population)))


class Generator:
    """Draws one activity after another from a seeded random generator."""

    def __init__(
        self,
        vocabulary: Vocabulary,
        seed: int,
        rows_per_activity: float,
        people: People | None = None,
    ):
        self.vocabulary = vocabulary
        # Persons and attendance, drawn from their own generator (None: no attendance).
        self.people = people
        self.seed = seed
        self.rng = random.Random(seed)
        # Rows of an activity that counts people; about 78% of activities do.
        self.rows_mean = max(1.0, rows_per_activity / 0.84)
        self.now = timezone.now()

    def activity(
        self, number: int
    ) -> tuple[dict[str, Any], dict[str, list[int]], list[dict[str, Any]], list[Attendee]]:
        """Activity `number`: its field values, its links by field, its beneficiary rows
        and its attendance (empty for most: their rows are typed tallies)."""
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
        attendees: list[Attendee] = []
        if rows and self.people is not None and self.people.has_attendance():
            # An attendance sheet instead of typed tallies: the rows are derived from it.
            attendees, rows = self.people.attendance(countries, regions, audience_pool)
        self._attribute(activity, countries, regions, rows)
        return activity, links, rows, attendees

    def _scope(self, region1: str) -> tuple[list[Place], list[int], str]:
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

    def _rows(
        self, kind: str, countries: list[Place], audiences: list[tuple[int, str]]
    ) -> list[dict[str, Any]]:
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

    def _attribute(
        self,
        activity: dict[str, Any],
        countries: list[Place],
        regions: list[int],
        rows: list[dict[str, Any]],
    ) -> None:
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

    def batches(self, count: int, start: int = 1) -> Iterator[Batch]:
        """Activities `start` .. `start + count - 1`, BATCH_SIZE at a time."""
        batch = Batch(links={name: [] for name in M2M_FIELDS_ALL})
        for number in range(start, start + count):
            activity, links, rows, attendees = self.activity(number)
            activity.update(is_synthetic=True, created_at=self.now, updated_at=self.now)
            batch.activities.append(activity)
            batch.rows.append(rows)
            batch.attendance.append(attendees)
            for name, ids in links.items():
                batch.links[name].extend((len(batch.activities) - 1, pk) for pk in ids)
            if len(batch.activities) == BATCH_SIZE:
                yield self._with_persons(batch)
                batch = Batch(links={name: [] for name in M2M_FIELDS_ALL})
        if batch.activities:
            yield self._with_persons(batch)

    def _with_persons(self, batch: Batch) -> Batch:
        if self.people is not None:
            batch.persons = self.people.take_persons()
        return batch
