"""Synthetic persons and their attendance, and the tallies that attendance gives.

A share of the activities that count people have an attendance sheet instead of typed
tallies: about ATTENDANCE_SHARE of all activities, PEOPLE_MEAN persons each on average.
Persons come back: each attendee is a new person with probability NEW_PERSON, otherwise
one already drawn from the same country (so a person attends about 1 / NEW_PERSON
activities). Most come from the activity's own countries (or a country under its scope
regions), some from elsewhere, some from no recorded country.

Names are made up from syllables ("Kalemo Tiravu"): clearly not real, and distinct as
names.py folds them (digits are not part of a name key, so "Person 123" would give every
person the same key, and a word shared by every name would make each one a near match of
thousands). Institutions say "Synthetic institution", e-mails end in `.invalid`, and
every record is marked `is_synthetic`.

The tallies of an activity with attendance are derived with the very rule of
activities/people/tallies.py (`tally`), the activity's places read from the vocabulary
instead of the database, and written with the activity, marked `from_attendance`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import counting
from ..people.names import name_key
from ..people.tallies import tally
from .vocabulary import Place, Vocabulary

# Of all activities (only those that count people can have attendance: about 78 %).
ATTENDANCE_SHARE = 0.40
PEOPLE_MEAN = 25.0
NEW_PERSON = 0.25
ABSENT = 0.05
SCORED = 0.30
FROM_ELSEWHERE = 0.08
NO_COUNTRY = 0.06
WITH_EMAIL = 0.35
SEX_WEIGHTS = {"female": 45, "male": 45, "not_recorded": 10}
SYLLABLES = [c + v for c in "bdfgklmnprstvzh" for v in "aeiou"] + ["ka", "lo", "mi", "ra"]


@dataclass
class Attendee:
    """One attendance row: the person (index among the persons drawn) and what they did."""

    person: int
    attended: bool
    completed: bool | None
    pre: Decimal | None
    post: Decimal | None


@dataclass
class PersonBatch:
    """Persons drawn since the last batch was taken (field values), and their indexes."""

    first: int = 0
    persons: list[dict[str, Any]] = field(default_factory=list)


class People:
    """Draws persons and attendance from its own seeded generator, so that the
    activities of a seed stay what they were without people."""

    def __init__(self, vocabulary: Vocabulary, seed: int, share: float = ATTENDANCE_SHARE):
        self.vocabulary = vocabulary
        self.seed = seed
        self.rng = random.Random(f"synthetic-people/{seed}")
        # Among the activities that count people (about 78 % of all).
        self.share_of_counted = min(1.0, share / 0.78)
        self.countries = sorted(
            (place for places in vocabulary.countries_by_region1.values() for place in places),
            key=lambda place: place.path,
        )
        self.country_path = {place.id: place.path for place in self.countries}
        self._under_region: dict[int, list[Place]] = {}
        self.pool: dict[int | None, list[int]] = {}
        # What the tallies need of every person drawn so far, by index.
        self.audience: list[int | None] = []
        self.country: list[int | None] = []
        self.sex: list[str] = []
        self.batch = PersonBatch()

    def take_persons(self) -> PersonBatch:
        """The persons drawn since the last call (to be written before their attendance)."""
        batch, self.batch = self.batch, PersonBatch(first=len(self.sex))
        return batch

    def has_attendance(self) -> bool:
        return self.rng.random() < self.share_of_counted

    def attendance(
        self, countries: list[Place], regions: list[int], audiences: list[tuple[int, str]]
    ) -> tuple[list[Attendee], list[dict[str, Any]]]:
        """An activity's attendance sheet, and the tallies it gives (rows without places)."""
        rng = self.rng
        home = countries or self._countries_under(regions)
        count = max(3, round(rng.gammavariate(2.0, PEOPLE_MEAN / 2.0)))
        chosen: set[int] = set()
        attendees: list[Attendee] = []
        for _ in range(count):
            draw = rng.random()
            if draw < NO_COUNTRY:
                country: int | None = None
            elif draw < NO_COUNTRY + FROM_ELSEWHERE or not home:
                country = rng.choice(self.countries).id
            else:
                country = rng.choice(home).id
            person = self._person(country, audiences, chosen)
            chosen.add(person)
            attended = rng.random() >= ABSENT
            pre = post = None
            if attended and rng.random() < SCORED:
                before = rng.uniform(15, 85)
                after = min(100.0, max(0.0, before + rng.gauss(12, 10)))
                pre, post = Decimal(f"{before:.2f}"), Decimal(f"{after:.2f}")
            completed = (rng.random() < 0.9) if attended else False
            attendees.append(Attendee(person, attended, completed, pre, post))
        rows = self.tallies(attendees, countries, regions)
        return attendees, rows

    def tallies(
        self, attendees: list[Attendee], countries: list[Place], regions: list[int]
    ) -> list[dict[str, Any]]:
        """The beneficiary rows the attendance gives (activities/people/tallies.py)."""
        own = {place.id for place in countries}
        region_paths = [self.vocabulary.region_paths[pk] for pk in regions]

        def fits(country_id: int) -> bool:
            # counting.row_country_fits, on the vocabulary's ids and paths.
            path = self.country_path[country_id]
            return country_id in own or any(counting.lies_under(path, r) for r in region_paths)

        rows = tally(
            (
                (self.audience[a.person], self.country[a.person], self.sex[a.person])
                for a in attendees
                if a.attended
            ),
            fits,
        )
        for row in rows:
            total = row["female"] + row["male"] + row["not_recorded"]
            row.update(total=total, qualifier="exact", note="", from_attendance=True)
        return rows

    def _countries_under(self, regions: list[int]) -> list[Place]:
        found: list[Place] = []
        for pk in regions:
            if pk not in self._under_region:
                path = self.vocabulary.region_paths[pk]
                self._under_region[pk] = [
                    place for place in self.countries if counting.lies_under(place.path, path)
                ]
            found += self._under_region[pk]
        return found

    def _person(
        self, country: int | None, audiences: list[tuple[int, str]], chosen: set[int]
    ) -> int:
        """A person of `country` not yet at this activity: one drawn before, or new."""
        pool = self.pool.setdefault(country, [])
        if pool and self.rng.random() >= NEW_PERSON:
            for _ in range(3):  # one row per person and activity
                person = self.rng.choice(pool)
                if person not in chosen:
                    return person
        index = len(self.sex)
        pool.append(index)
        self._new_person(index, country, audiences)
        return index

    def _new_person(
        self, index: int, country: int | None, audiences: list[tuple[int, str]]
    ) -> None:
        rng = self.rng
        given, family = self._word(rng.choice((2, 3))), self._word(rng.choice((2, 3, 3)))
        sex = _weighted(rng, SEX_WEIGHTS)
        audience = rng.choice(audiences)[0] if audiences and rng.random() < 0.9 else None
        email = (
            f"{given}.{family}.{index}@synthetic.invalid".lower()
            if (rng.random() < WITH_EMAIL)
            else ""
        )
        self.audience.append(audience)
        self.country.append(country)
        self.sex.append(sex)
        self.batch.persons.append(
            {
                "given_name": given,
                "family_name": family,
                "sex": sex,
                "birth_year": rng.randint(1955, 2004) if rng.random() < 0.7 else None,
                "age_band": "",
                "institution": f"Synthetic institution {rng.randint(1, 400)}",
                "audience_id": audience,
                "country_id": country,
                "email": email,
                "phone": "",
                "name_key": name_key(given, family),
                "is_synthetic": True,
            }
        )

    def _word(self, syllables: int) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
