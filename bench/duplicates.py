"""How long the batch duplicate finder takes (activities/people/duplicates.py).

    .venv/bin/python bench/duplicates.py --people 100000

Synthetic persons in memory (no database): names drawn from a few thousand made-up
words with a long-tailed frequency, as real names are, in 30 countries, with one in a
hundred a misspelt copy of another. Prints the time, the comparisons the blocks make,
and the pairs found. Reference (2 shared cores): 100,000 persons, about 6 million
comparisons instead of 5,000 million, about 5 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from activities.people.duplicates import Person

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SYLLABLES = [
    *("ba", "ka", "ma", "ri", "lo", "pe", "su", "to", "ne", "di", "ga", "vo"),
    *("xi", "ya", "ze", "ju", "fa", "ho", "li", "mu", "an", "el", "or", "us"),
]


def synthetic_people(count: int, *, seed: int = 1) -> tuple[list[Person], set[tuple[int, int]]]:
    """The persons, and the (original, misspelt copy) id pairs planted among them."""
    from activities.people.duplicates import Person

    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))

    given = sorted({word() for _ in range(800)})
    family = sorted({word() for _ in range(3000)})
    given_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(given))]
    family_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(family))]
    people: list[Person] = []
    planted: set[tuple[int, int]] = set()
    for pk in range(count):
        if people and rng.random() < 0.01:
            original = rng.choice(people)
            words = original.name_key.split()
            index = rng.randrange(len(words))
            words[index] = words[index][:-1] + rng.choice("aeiou")  # a typo
            people.append(Person(pk, " ".join(sorted(words)), original.country_id, ""))
            planted.add((original.pk, pk))
            continue
        names = [rng.choices(given, given_weights)[0], *rng.choices(family, family_weights, k=2)]
        people.append(Person(pk, " ".join(sorted(names)), rng.randrange(30), ""))
    return people, planted


def main() -> None:
    import django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()
    django.setup()
    from activities.people import duplicates

    people, planted = synthetic_people(args.people)
    comparisons = sum(len(b) * (len(b) - 1) // 2 for b in duplicates.blocks(people))
    started = time.monotonic()
    pairs = duplicates.find_pairs(people)
    elapsed = time.monotonic() - started
    found = {(pair.first, pair.second) for pair in pairs}
    print(
        f"{args.people:,} persons: {comparisons:,} comparisons "
        f"(all pairs: {args.people * (args.people - 1) // 2:,}), "
        f"{len(pairs):,} likely pairs, {elapsed:.1f} s; "
        f"{len(planted & found):,} of the {len(planted):,} planted typos found"
    )


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tacbapp.settings")
    main()
