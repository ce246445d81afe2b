"""Who a row of a sheet is (activities/people/matching.py): exact matches are the same
person, near matches are proposed with their score, never merged; blocking keeps a
large sheet from being compared with every person."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from activities.models import Attendance, Participant
from activities.people import matching
from activities.people.names import name_key
from tests.factories import ActivityFactory, country

pytestmark = pytest.mark.django_db


@dataclass
class Row:
    given: str
    family: str
    country_id: int | None = None
    email: str = ""

    @property
    def name_key(self) -> str:
        return name_key(self.given, self.family)


def person(given, family, iso3="SLV", email="", **fields):
    return Participant.objects.create(
        given_name=given,
        family_name=family,
        name_key=name_key(given, family),
        country=country(iso3) if iso3 else None,
        email=email,
        **fields,
    )


@pytest.fixture
def slv():
    return country("SLV").pk


def test_same_email_is_the_same_person_whatever_the_name(slv):
    known = person("Rosa", "Amaya", email="rosa@example.org")
    [match] = matching.match_rows([Row("R.", "Amaya de Paz", slv, "rosa@example.org")])
    assert (match.kind, match.participant_id, match.reason) == ("same", known.pk, "email")


def test_same_name_in_any_order_accents_and_case_and_same_country(slv):
    known = person("José María", "Pérez-Gómez")
    [match] = matching.match_rows([Row("PEREZ GOMEZ", "jose maria", slv)])
    assert (match.kind, match.participant_id, match.reason) == ("same", known.pk, "name")


def test_same_name_in_another_country_is_at_most_possible():
    person("José María", "Pérez Gómez", iso3="SLV")
    [match] = matching.match_rows([Row("José María", "Pérez Gómez", country("GTM").pk)])
    assert match.kind == "new"  # a different country: not proposed either


def test_without_a_country_the_same_name_is_proposed_not_taken():
    known = person("Carlos", "Mejía Duarte", iso3=None)
    [match] = matching.match_rows([Row("Carlos", "Mejía Duarte", None)])
    assert match.kind == "possible"
    assert match.candidates[0].participant_id == known.pk
    assert match.candidates[0].score == 100


def test_without_a_country_the_same_name_at_the_same_activity_is_the_same_person():
    known = person("Carlos", "Mejía Duarte", iso3=None)
    activity = ActivityFactory()
    Attendance.objects.create(activity=activity, participant=known)
    [match] = matching.match_rows([Row("Carlos", "Mejía Duarte", None)], activity_id=activity.pk)
    assert (match.kind, match.participant_id) == ("same", known.pk)


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Maria Fernanda", "Gonzales Ruiz"),  # a typo
        ("María Fernanda", "González"),  # a missing second surname
        ("Fernanda", "González Ruiz"),  # a missing given name
        ("Maria Fernanda", "Gonzalez Ruis"),  # transliteration-like
    ],
)
def test_near_matches_are_proposed_with_a_score(slv, given, family):
    known = person("María Fernanda", "González Ruiz")
    [match] = matching.match_rows([Row(given, family, slv)])
    assert match.kind == "possible", match
    assert match.participant_id is None  # never taken without the officer
    assert match.candidates[0].participant_id == known.pk
    assert 85 <= match.candidates[0].score <= 100
    assert match.candidates[0].name == "María Fernanda González Ruiz"


def test_a_person_of_unknown_country_may_be_proposed(slv):
    known = person("Ana Isabel", "Quintanilla", iso3=None)
    [match] = matching.match_rows([Row("Ana Isabel", "Quintanila", slv)])
    assert match.kind == "possible"
    assert match.candidates[0].participant_id == known.pk


def test_different_people_are_new(slv):
    person("María Fernanda", "González Ruiz")
    for given, family in [("Juan", "Pérez"), ("Fernando", "Ruiz"), ("María", "López")]:
        [match] = matching.match_rows([Row(given, family, slv)])
        assert match.kind == "new", (given, family, match)


def test_at_most_three_candidates_best_first(slv):
    people = [person("Luis", f"Castillo{suffix}") for suffix in ("", "s", "o", "a")]
    [match] = matching.match_rows([Row("Luis", "Castillo", slv)])
    assert match.kind == "same"  # the exact one
    [match] = matching.match_rows([Row("Luis", "Castilo", slv)])
    assert match.kind == "possible"
    assert len(match.candidates) == 3
    scores = [candidate.score for candidate in match.candidates]
    assert scores == sorted(scores, reverse=True)
    assert people[0].pk in {candidate.participant_id for candidate in match.candidates}


def test_a_merged_person_is_found_as_the_person_kept(slv):
    kept = person("Rosa", "Amaya", email="rosa@example.org")
    duplicate = person("Rosa", "Amaya Paz", email="rosa.amaya@example.org", merged_into=kept)
    [match] = matching.match_rows([Row("Rosa", "Amaya Paz", slv, "rosa.amaya@example.org")])
    assert (match.kind, match.participant_id) == ("same", kept.pk)
    assert duplicate.pk != kept.pk


def test_an_erased_person_is_never_proposed(slv):
    from django.utils import timezone

    person("Elena", "Borrada", erased_at=timezone.now())
    [match] = matching.match_rows([Row("Elena", "Borrada", slv)])
    assert match.kind == "new"


def test_blocking_keeps_5000_rows_against_5000_persons_fast(slv):
    Participant.objects.bulk_create(
        [
            Participant(
                given_name=f"Given{i:05d}",
                family_name=f"Family{i % 97:03d}",
                name_key=name_key(f"Given{i:05d}", f"Family{i % 97:03d}"),
                country_id=slv,
            )
            for i in range(5000)
        ]
    )
    rows = [Row(f"Other{i:05d}", f"Surname{i % 89:03d}", slv) for i in range(5000)]
    started = time.perf_counter()
    matches = matching.match_rows(rows)
    elapsed = time.perf_counter() - started
    assert all(match.kind == "new" for match in matches)
    assert elapsed < 10, elapsed


def test_common_words_do_not_make_every_person_a_candidate(slv):
    """20,000 known persons who all share the words "maria" and "garcia": a row of 2,000
    near names is compared within small blocks, and still finds its person."""
    Participant.objects.bulk_create(
        [
            Participant(
                given_name="María",
                family_name=f"García Apellido{i:05d}",
                name_key=name_key("María", f"García Apellido{i:05d}"),
                country_id=slv,
            )
            for i in range(20000)
        ]
    )
    target = Participant.objects.get(family_name="García Apellido12345")
    rows = [Row("Maria", f"Garcia Apellido{i:05d}x", slv) for i in range(10000, 12000)]
    rows.append(Row("Maira", "Garica Apellido12345", slv))  # typos in the common words
    started = time.perf_counter()
    matches = matching.match_rows(rows)
    elapsed = time.perf_counter() - started
    assert matches[-1].kind == "possible"
    assert matches[-1].candidates[0].participant_id == target.pk
    print(f"2,001 rows against 20,000 persons sharing two words: {elapsed:.1f} s")
    assert elapsed < 60, elapsed
