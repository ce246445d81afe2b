"""Likely duplicate persons over the whole table: proposed to a manager, never merged.

An import already finds exact matches (names.py) and proposes near matches row by row;
this finds the pairs that slipped through (two sheets spelt the same person differently,
before the preview existed, or the officer chose "new person").

How, in plain words
- Blocking: only persons of the same country are compared, and only when their names
  share a word of three letters or more ("maria lopez garcia" and "maria lopez" share
  "maria" and "lopez"; "mohammed al rashid" and "muhammad al-rashid" share "rashid").
  Comparing everyone with everyone is 5,000 million pairs at 100,000 persons; blocks
  keep it to a few million, which rapidfuzz scores in seconds (about 5 s for 100,000
  persons and 6 million comparisons on one core). A word shared by more than
  MAX_BLOCK persons of a country makes no block. A pair that shares no
  word at all (every word misspelt) is not found: the import's preview is where that
  is caught.
- Score: rapidfuzz's `token_set_ratio` of the normalized names (0 to 100): the order of
  the words does not matter, and a name whose words are all in the other ("maria lopez"
  in "maria lopez garcia", a missing second surname) scores 100. A one-word name is
  compared with the plain `ratio` instead, or every "Maria" would match every "Maria X".
  Pairs at or above the threshold (default 85) are proposed, best first.
- Not proposed: erased persons (no name left), records already merged (their person is
  compared through the record kept), and pairs with different non-empty e-mail
  addresses and a score under 100.

rapidfuzz is a maintained C++ library (MIT): the brief asks for a matching library
rather than hand-written distance code. splink and recordlinkage were not taken: both
bring pandas (and splink DuckDB) for what blocking plus one scorer does here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q
from rapidfuzz import fuzz, process

from ..models import Participant

DEFAULT_THRESHOLD = 85
MIN_BLOCK_WORD = 3
# A word shared by more persons of one country than this (a very common given name) does
# not make a block: its pairs would cost more than all the others together, and two
# persons who share only that word and no other are not a likely match anyway.
MAX_BLOCK = 3000


@dataclass(frozen=True)
class Person:
    pk: int
    name_key: str
    country_id: int | None
    email: str


@dataclass(frozen=True)
class Pair:
    """Two records that may be the same person: `first` has the smaller id."""

    first: int
    second: int
    score: float


def candidates(*, country_id: int | None = None) -> list[Person]:
    """The persons compared: not erased, not merged, with a name."""
    rows = Participant.objects.filter(merged_into__isnull=True, erased_at__isnull=True).exclude(
        name_key=""
    )
    if country_id is not None:
        rows = rows.filter(country_id=country_id)
    return [
        Person(pk, key, country, (email or "").strip().casefold())
        for pk, key, country, email in rows.values_list("pk", "name_key", "country_id", "email")
    ]


def blocks(people: Iterable[Person]) -> Iterator[list[Person]]:
    """Groups of persons of one country sharing a name word (a person is in one block per
    word of their name)."""
    grouped: dict[tuple[int | None, str], list[Person]] = defaultdict(list)
    for person in people:
        for word in set(person.name_key.split()):
            if len(word) >= MIN_BLOCK_WORD:
                grouped[(person.country_id, word)].append(person)
    for members in grouped.values():
        if 1 < len(members) <= MAX_BLOCK:
            yield members


def _score(a: Person, b: Person) -> float:
    """The score of a pair the block scorer kept (one-word names: the plain ratio)."""
    if " " not in a.name_key or " " not in b.name_key:
        return fuzz.ratio(a.name_key, b.name_key)
    return fuzz.token_set_ratio(a.name_key, b.name_key)


def find_pairs(
    people: Iterable[Person] | None = None, *, threshold: float = DEFAULT_THRESHOLD
) -> list[Pair]:
    """Likely duplicate pairs, best score first (then by ids)."""
    if people is None:
        people = candidates()
    found: dict[tuple[int, int], float] = {}
    for members in blocks(people):
        keys = [person.name_key for person in members]
        for index, person in enumerate(members[:-1]):
            later = keys[index + 1 :]
            for _key, _score_found, offset in process.extract(
                person.name_key,
                later,
                scorer=fuzz.token_set_ratio,
                score_cutoff=threshold,
                limit=None,
            ):
                other = members[index + 1 + offset]
                pair = (min(person.pk, other.pk), max(person.pk, other.pk))
                if pair in found or person.pk == other.pk:
                    continue
                score = _score(person, other)
                if score < threshold:
                    continue
                if person.email and other.email and person.email != other.email and score < 100:
                    continue
                found[pair] = score
    return sorted(
        (Pair(first, second, score) for (first, second), score in found.items()),
        key=lambda pair: (-pair.score, pair.first, pair.second),
    )


def similar_to(person: Participant, *, limit: int = 10, threshold: float = 70) -> list[Pair]:
    """The records most like this person (same country, a name word in common), for the
    merge screen: best first, `person` always `first`."""
    words = [word for word in person.name_key.split() if len(word) >= MIN_BLOCK_WORD]
    if not words:
        return []
    shares_a_word = Q()
    for word in words:
        shares_a_word |= Q(name_key__contains=word)
    others = (
        Participant.objects.filter(
            shares_a_word,
            merged_into__isnull=True,
            erased_at__isnull=True,
            country=person.country,
        )
        .exclude(pk=person.pk)
        .values_list("pk", "name_key")[:2000]
    )
    rows = list(others)
    found = process.extract(
        person.name_key,
        [key for _pk, key in rows],
        scorer=fuzz.token_set_ratio,
        score_cutoff=threshold,
        limit=limit,
    )
    return [Pair(person.pk, rows[index][0], score) for _key, score, index in found]
