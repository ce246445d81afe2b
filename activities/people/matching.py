"""Who each row of an attendance sheet is: a new person, a person already known (an
exact match), or possibly a person already known (a near match, for the officer to
confirm).

- Exact (activities/people/names.py): the same non-empty e-mail, or the same name key
  and the same country. Two records without a country are the same person by name only
  when the known one already attends this very activity (the sheet is imported again).
- Near: the folded names compare at ATTENDANCE_MATCH_SCORE or more (rapidfuzz's
  token_sort_ratio, 0 to 100: typos, transliterations), or one name's words are all in
  the other's (a missing second surname: "José Pérez" and "José Pérez Gómez"), and the
  countries are the same or one is unknown. Near matches are proposals: a row is
  imported as a new person unless the officer says it is one of the candidates.

rapidfuzz compares in C; the candidates of a row are only the known persons of the same
(or an unknown) country who share a word of the name (for a one-word name, its first
three letters), rarer words first, at most MAX_BLOCK of them (blocking): a 50,000-row
sheet is not compared with every person one by one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from django.conf import settings
from rapidfuzz import fuzz, process

from ..models import Attendance, Participant

Kind = Literal["new", "same", "possible"]
# Candidates compared in C at most, per row (those sharing the most word beginnings).
MAX_BLOCK = 2000
# Parameters per query (SQLite's limit is 32,766 on recent versions, 999 on old ones).
CHUNK = 900


class Incoming(Protocol):
    @property
    def name_key(self) -> str: ...

    email: str
    country_id: int | None


@dataclass(frozen=True)
class Candidate:
    participant_id: int
    score: int
    name: str
    country_id: int | None


@dataclass
class Match:
    kind: Kind
    participant_id: int | None = None
    reason: str = ""  # "email" or "name" for an exact match
    candidates: list[Candidate] = field(default_factory=list)


def threshold() -> int:
    return int(getattr(settings, "ATTENDANCE_MATCH_SCORE", 85))


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _kept(ids: Iterable[int]) -> dict[int, int]:
    """Each id, followed along `merged_into` to the person kept."""
    result: dict[int, int] = {pid: pid for pid in ids}
    pending = set(result.values())
    seen: set[int] = set()
    while pending:
        seen |= pending
        step = dict(
            Participant.objects.filter(pk__in=pending, merged_into__isnull=False).values_list(
                "pk", "merged_into_id"
            )
        )
        if not step:
            break
        for pid, target in result.items():
            while target in step:
                target = step[target]
            result[pid] = target
        pending = set(step.values()) - seen
    return result


def _block_keys(name_key: str, *, all_keys: bool) -> set[str]:
    """The words of a name key, and "~" + the first three letters of each: the keys of a
    known person (`all_keys`); a row looks up its words, or its prefix when it has one
    word only."""
    words = [word for word in name_key.split() if word]
    keys = set(words)
    if all_keys or len(words) == 1:
        keys |= {"~" + word[:3] for word in words}
    return keys


def _subset_score(a: str, b: str) -> int:
    """90 when every word of the shorter name (two words at least) is in the longer."""
    small, large = sorted((set(a.split()), set(b.split())), key=len)
    return 90 if len(small) >= 2 and small < large else 0


def match_rows(rows: Sequence[Incoming], *, activity_id: int | None = None) -> list[Match]:
    """One Match per row, in order (a row without a name key is a new person)."""
    matches = [Match(kind="new") for _row in rows]
    _exact(rows, matches, activity_id)
    _near(rows, matches)
    return matches


def _exact(rows: Sequence[Incoming], matches: list[Match], activity_id: int | None) -> None:
    known = Participant.objects.filter(erased_at__isnull=True)
    emails = sorted({row.email for row in rows if row.email})
    by_email: dict[str, int] = {}
    for chunk in _chunks(emails):
        found = known.filter(email__in=chunk).order_by("pk").values_list("pk", "email")
        for person, email in found:
            by_email.setdefault(email.casefold(), person)
    keys = sorted({row.name_key for row in rows if row.name_key})
    by_name: dict[tuple[str, int | None], int] = {}
    for chunk in _chunks(keys):
        named = known.filter(name_key__in=chunk).order_by("pk")
        for person, key, country in named.values_list("pk", "name_key", "country"):
            by_name.setdefault((key, country), person)
    attending: set[int] = set()
    if activity_id is not None and any(row.country_id is None for row in rows):
        attending = set(
            Attendance.objects.filter(activity_id=activity_id).values_list(
                "participant_id", flat=True
            )
        )
    kept = _kept(set(by_email.values()) | set(by_name.values()))
    for row, match in zip(rows, matches, strict=True):
        pid: int | None = by_email.get(row.email) if row.email else None
        reason = "email"
        if pid is None and row.name_key:
            pid, reason = by_name.get((row.name_key, row.country_id)), "name"
            if pid is not None and row.country_id is None and kept[pid] not in attending:
                pid = None
        if pid is not None:
            match.kind, match.participant_id, match.reason = "same", kept[pid], reason


def _block(
    country_id: int | None,
    words: frozenset[str],
    by_country: dict[tuple[int | None, str], list[int]],
    anywhere: dict[str, list[int]],
) -> list[int]:
    """The positions of the persons a row of these words and country is compared with."""
    if country_id is None:
        lists = [anywhere[word] for word in words if word in anywhere]
    else:
        lists = [
            by_country.get((country_id, word), []) + by_country.get((None, word), [])
            for word in words
        ]
        lists = [bucket for bucket in lists if bucket]
    if not lists:
        return []
    # A word half the persons share ("maria") says little: the rarer words decide, and
    # when every word is common, the persons who share the two rarest words.
    lists.sort(key=len)
    rare = [bucket for bucket in lists if len(bucket) <= MAX_BLOCK]
    if not rare:
        both = sorted(set(lists[0]) & set(lists[1])) if len(lists) > 1 else lists[0]
        rare = [both[:MAX_BLOCK]]
    shared: Counter[int] = Counter()
    for bucket in rare:
        shared.update(bucket)
    return [position for position, _count in shared.most_common(MAX_BLOCK)]


def _near(rows: Sequence[Incoming], matches: list[Match]) -> None:
    pending = [i for i, match in enumerate(matches) if match.kind == "new" and rows[i].name_key]
    if not pending:
        return
    countries = {rows[i].country_id for i in pending}
    pool = Participant.objects.filter(erased_at__isnull=True, merged_into__isnull=True).exclude(
        name_key=""
    )
    if None not in countries:
        # Only persons of these countries, or of no known country, can be proposed.
        from django.db.models import Q

        pool = pool.filter(Q(country__in=countries) | Q(country__isnull=True))
    people = list(pool.values_list("pk", "name_key", "country", "given_name", "family_name"))
    if not people:
        return
    # Blocks: the persons of a country (and those of no known country) who share a word
    # of the name; for a name of one word, the first three letters of it. Only the words
    # the rows look up are indexed: a sheet of 10,000 rows against 270,000 persons
    # indexed every word of every person, two thirds of the matching's time.
    wanted: set[str] = set()
    for i in pending:
        wanted |= _block_keys(rows[i].name_key, all_keys=False)
    by_country: dict[tuple[int | None, str], list[int]] = defaultdict(list)
    anywhere: dict[str, list[int]] = defaultdict(list)
    for position, (_pk, key, country, _given, _family) in enumerate(people):
        for word in _block_keys(key, all_keys=True) & wanted:
            by_country[(country, word)].append(position)
            anywhere[word].append(position)
    cutoff = threshold()
    blocks: dict[tuple[int | None, frozenset[str]], tuple[list[int], list[str]]] = {}
    for i in pending:
        row = rows[i]
        # The words no known person has do not change the block: rows of one sheet that
        # share the others ("maria", "garcia") share a block, built once.
        words = frozenset(
            word for word in _block_keys(row.name_key, all_keys=False) if word in anywhere
        )
        kept = blocks.get((row.country_id, words))
        if kept is None:
            positions = _block(row.country_id, words, by_country, anywhere)
            kept = blocks[(row.country_id, words)] = (
                positions,
                [people[position][1] for position in positions],
            )
        block, choices = kept
        if not block:
            continue
        found: dict[int, int] = {}
        for _choice, score, offset in process.extract(
            row.name_key, choices, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, limit=None
        ):
            found[block[offset]] = round(score)
        # A missing second surname: all the words of one name are in the other.
        for _choice, _score, offset in process.extract(
            row.name_key, choices, scorer=fuzz.token_set_ratio, score_cutoff=100, limit=None
        ):
            subset = _subset_score(row.name_key, choices[offset])
            if subset >= cutoff and subset > found.get(block[offset], 0):
                found[block[offset]] = subset
        if not found:
            continue
        ranked = sorted(found.items(), key=lambda item: (-item[1], people[item[0]][0]))[:3]
        matches[i] = Match(
            kind="possible",
            candidates=[
                Candidate(
                    participant_id=people[position][0],
                    score=score,
                    name=" ".join(part for part in people[position][3:5] if part),
                    country_id=people[position][2],
                )
                for position, score in ranked
            ],
        )
