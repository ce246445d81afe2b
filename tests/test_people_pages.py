"""The people pages (/people/): directory, person, merge and un-merge, erasure, likely
duplicates; who may use them; their queries; and the batch duplicate finder."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from activities.models import Participant, ParticipantMerge, PersonErasure
from activities.people import duplicates

from .fixtures_roles import logged_in
from .people_helpers import activity_in, attend, make_person, people_count

pytestmark = pytest.mark.django_db

NAME = "Xiomara Quetzaltenango"


@pytest.fixture
def salvador_person():
    """A person at a training in El Salvador (within the Central America officer's scope)."""
    person = make_person("Xiomara", "Quetzaltenango", sex="female", email="xq@example.org")
    attend(person, activity_in("SLV"))
    return person


@pytest.fixture
def senegal_person():
    """A person at a training in Senegal (the West Africa officer's, not Central America's)."""
    person = make_person("Aminata", "Wrzesniewska-Diop", "SEN", sex="female")
    attend(person, activity_in("SEN"))
    return person


def client_for(role_users, role) -> Client:
    user = role_users[role]
    return Client() if user is None else logged_in(user)


# --- Who may see what -------------------------------------------------------------------

DIRECTORY_STATUS = {
    "anonymous": 302,  # to the sign-in page
    "donor viewer": 403,
    "officer": 200,
    "west africa officer": 200,
    "manager": 200,
    "administrator": 200,
}


@pytest.mark.parametrize("role", DIRECTORY_STATUS)
def test_the_directory_is_for_roles_allowed_to_see_personal_data(
    role, role_users, salvador_person, senegal_person
):
    response = client_for(role_users, role).get(reverse("people:list"))

    assert response.status_code == DIRECTORY_STATUS[role]
    body = response.content.decode()
    if response.status_code != 200:
        assert "Xiomara" not in body and "Aminata" not in body


@pytest.mark.parametrize(
    ("role", "sees_salvador", "sees_senegal"),
    [
        ("officer", True, False),
        ("west africa officer", False, True),
        ("manager", True, True),
        ("administrator", True, True),
    ],
)
def test_officers_see_the_people_of_activities_within_their_scope_only(
    role, sees_salvador, sees_senegal, role_users, salvador_person, senegal_person
):
    client = client_for(role_users, role)
    body = client.get(reverse("people:list")).content.decode()
    assert ("Xiomara" in body) is sees_salvador
    assert ("Aminata" in body) is sees_senegal

    detail = client.get(reverse("people:detail", args=[senegal_person.pk]))
    assert detail.status_code == (200 if sees_senegal else 404)
    if not sees_senegal:
        assert "Aminata" not in detail.content.decode()


def test_an_officer_sees_only_the_attendance_within_their_scope(role_users, salvador_person):
    outside = activity_in("SEN", title="Dakar cyber unit induction")
    attend(salvador_person, outside)

    body = (
        client_for(role_users, "officer")
        .get(reverse("people:detail", args=[salvador_person.pk]))
        .content.decode()
    )
    assert "Dakar cyber unit induction" not in body
    manager_body = (
        client_for(role_users, "manager")
        .get(reverse("people:detail", args=[salvador_person.pk]))
        .content.decode()
    )
    assert "Dakar cyber unit induction" in manager_body


MANAGER_ONLY = {
    "anonymous": 302,
    "donor viewer": 403,
    "officer": 403,
    "west africa officer": 403,
    "manager": 200,
    "administrator": 200,
}


@pytest.mark.parametrize("role", MANAGER_ONLY)
@pytest.mark.parametrize("page", ["people:merge", "people:erase"])
def test_merge_and_erase_screens_are_for_managers(page, role, role_users, salvador_person):
    response = client_for(role_users, role).get(reverse(page, args=[salvador_person.pk]))
    assert response.status_code == MANAGER_ONLY[role]
    if response.status_code != 200:
        assert "Xiomara" not in response.content.decode()


@pytest.mark.parametrize("role", MANAGER_ONLY)
def test_the_duplicates_page_is_for_managers(role, role_users, salvador_person):
    response = client_for(role_users, role).get(reverse("people:duplicates"))
    assert response.status_code == MANAGER_ONLY[role]


@pytest.mark.parametrize("role", ["donor viewer", "officer"])
def test_no_write_for_roles_without_the_permission(role, role_users, salvador_person):
    other = make_person("Xiomara", "Quetzaltenango Ruiz")
    attend(other, salvador_person.attendances.get().activity)
    client = client_for(role_users, role)

    merged = client.post(
        reverse("people:merge", args=[salvador_person.pk]), {"other": other.pk, "keep": "this"}
    )
    erased = client.post(
        reverse("people:erase", args=[salvador_person.pk]), {"reason": "x", "confirm": "on"}
    )

    assert (merged.status_code, erased.status_code) == (403, 403)
    assert not ParticipantMerge.objects.exists() and not PersonErasure.objects.exists()


# --- The directory ----------------------------------------------------------------------


def test_the_directory_finds_a_person_by_any_words_of_the_name_without_accents(
    manager_client, salvador_person
):
    make_person("Ana", "López")
    body = manager_client.get(reverse("people:list"), {"q": "quetzaltenango XIOMARA"}).content
    assert b"Xiomara" in body and "López".encode() not in body
    body = manager_client.get(reverse("people:list"), {"q": "lopez"}).content.decode()
    assert "López" in body and "Xiomara" not in body


def test_the_directory_filters_by_country(manager_client, salvador_person, senegal_person):
    body = manager_client.get(reverse("people:list"), {"country": "SEN"}).content.decode()
    assert "Aminata" in body and "Xiomara" not in body


def test_an_unknown_country_is_a_form_error(manager_client, salvador_person):
    assert manager_client.get(reverse("people:list"), {"country": "XXX"}).status_code == 400


def _many_people(count):
    activity = activity_in("SLV")
    for index in range(count):
        attend(make_person(f"Persona{index}", "Prueba"), activity)


@pytest.mark.parametrize("count", [1, 50])
def test_the_directory_takes_the_same_queries_for_1_and_50_people(
    count, manager, django_assert_num_queries
):
    _many_people(count)
    client = logged_in(manager)
    client.get(reverse("people:list"))  # warm: the content types of permissions
    # 1 session, 2 user, 3 the user's permissions (groups), 4 the user's own permissions,
    # 5 the count of people, 6 a page of people with country, audience and participations,
    # 7 the country choices, 8 the navigation bar's review counts.
    with django_assert_num_queries(8):
        response = client.get(reverse("people:list"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 50])
def test_the_directory_takes_the_same_queries_for_an_officer(
    count, officer, django_assert_num_queries
):
    _many_people(count)
    client = logged_in(officer)
    client.get(reverse("people:list"))
    # 1 session, 2 user, 3 group permissions, 4 user permissions, 5 and 6 the officer's
    # scope (countries, regions), 7 the count, 8 the page, 9 the country choices, 10 the
    # navigation bar's review counts.
    with django_assert_num_queries(10):
        response = client.get(reverse("people:list"))
    assert response.status_code == 200


def test_the_directory_pages_by_50(manager_client):
    _many_people(51)
    first = manager_client.get(reverse("people:list"))
    assert len(first.context["people"]) == 50
    assert len(manager_client.get(reverse("people:list"), {"page": 2}).context["people"]) == 1


# --- Merge, un-merge and erase through the pages ----------------------------------------


def test_a_manager_merges_two_records_and_undoes_it_from_the_history(
    manager_client, salvador_person
):
    duplicate = make_person("Xiomara", "Quetzaltenango Ruiz", sex="female")
    attend(duplicate, activity_in("GTM"))
    merge_url = reverse("people:merge", args=[salvador_person.pk])

    proposals = manager_client.get(merge_url).content.decode()
    assert f"?with={duplicate.pk}" in proposals
    compare = manager_client.get(merge_url, {"with": duplicate.pk})
    assert compare.status_code == 200
    assert "Quetzaltenango Ruiz" in compare.content.decode()

    response = manager_client.post(merge_url, {"other": duplicate.pk, "keep": "this"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("people:detail", args=[salvador_person.pk])
    assert people_count() == 1
    merge = ParticipantMerge.objects.get()
    assert "Undo this merge" in response.content.decode()

    undone = manager_client.post(reverse("people:merge-undo", args=[merge.pk]), follow=True)
    assert undone.status_code == 200
    assert people_count() == 2
    assert Participant.objects.get(pk=duplicate.pk).merged_into_id is None


def test_a_refused_merge_says_why(manager_client, salvador_person):
    response = manager_client.post(
        reverse("people:merge", args=[salvador_person.pk]),
        {"other": salvador_person.pk, "keep": "this"},
        follow=True,
    )
    assert "cannot be merged into themselves" in response.content.decode()
    assert not ParticipantMerge.objects.exists()


def test_the_merge_form_needs_the_csrf_token(manager, salvador_person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    other = make_person("Xiomara", "Quetzaltenango Ruiz")
    response = client.post(
        reverse("people:merge", args=[salvador_person.pk]), {"other": other.pk, "keep": "this"}
    )
    assert response.status_code == 403
    assert not ParticipantMerge.objects.exists()


def test_erasure_asks_for_a_reason_and_a_confirmation(manager_client, salvador_person):
    url = reverse("people:erase", args=[salvador_person.pk])
    assert manager_client.post(url, {"reason": "request"}).status_code == 400
    assert not PersonErasure.objects.exists()

    response = manager_client.post(url, {"reason": "request", "confirm": "on"}, follow=True)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Xiomara" not in body and "Erased person" in body
    assert PersonErasure.objects.get().reason == "request"
    assert people_count() == 1


def test_no_message_or_error_carries_a_name(manager_client, salvador_person, caplog):
    duplicate = make_person("Xiomara", "Quetzaltenango Ruiz")
    response = manager_client.post(
        reverse("people:merge", args=[salvador_person.pk]),
        {"other": duplicate.pk, "keep": "this"},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages and not any("Xiomara" in m for m in messages)
    assert "Xiomara" not in caplog.text
    assert manager_client.get(reverse("people:detail", args=[999999])).status_code == 404


def test_the_people_pages_are_never_cached(manager_client, salvador_person):
    response = manager_client.get(reverse("people:detail", args=[salvador_person.pk]))
    assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]


# --- Likely duplicates ------------------------------------------------------------------


@pytest.fixture
def near_duplicates():
    """Three pairs that are one person each, and people who are not duplicates."""
    pairs = [
        (make_person("José", "Pérez"), make_person("Jose", "Peres")),  # a typo
        (make_person("Mohammed", "Al-Rashid"), make_person("Muhammad", "Al Rashid")),
        (make_person("María", "López García"), make_person("Maria", "Lopez")),  # 2nd surname
    ]
    strangers = [
        make_person("Carlos", "Mendoza"),
        make_person("Lucía", "Fernández"),
        make_person("María", "López", "GTM"),  # same name, another country
    ]
    return pairs, strangers


def test_the_duplicate_finder_proposes_typos_transliterations_and_missing_surnames(
    near_duplicates,
):
    pairs, _strangers = near_duplicates
    found = {(pair.first, pair.second) for pair in duplicates.find_pairs()}

    expected = {tuple(sorted((a.pk, b.pk))) for a, b in pairs}
    assert expected <= found
    # The same name in another country is another person.
    assert len(found) == 3


def test_the_duplicate_finder_merges_nothing(near_duplicates, manager_client):
    call_command("find_duplicate_people", stdout=io.StringIO(), stderr=io.StringIO())
    response = manager_client.get(reverse("people:duplicates"))

    assert response.status_code == 200
    assert len(response.context["pairs"]) == 3
    assert not ParticipantMerge.objects.exists()
    assert not Participant.objects.filter(merged_into__isnull=False).exists()


def test_each_proposed_pair_links_to_the_merge_screen(near_duplicates, manager_client):
    pairs, _strangers = near_duplicates
    body = manager_client.get(reverse("people:duplicates")).content.decode()
    for a, b in pairs:
        first, second = sorted((a.pk, b.pk))
        assert f"{reverse('people:merge', args=[first])}?with={second}" in body


def test_the_command_prints_ids_not_names(near_duplicates):
    out = io.StringIO()
    call_command("find_duplicate_people", stdout=out, stderr=io.StringIO())
    assert len(out.getvalue().splitlines()) == 3
    assert "Pérez" not in out.getvalue() and "Jose" not in out.getvalue()


def test_erased_and_merged_records_are_not_proposed(near_duplicates, manager):
    from activities.people.erasure import erase
    from activities.people.merging import merge

    pairs, _strangers = near_duplicates
    merge(kept=pairs[0][0], merged=pairs[0][1], by=manager)
    erase(participant=pairs[1][0], by=manager, reason="request")

    assert len(duplicates.find_pairs()) == 1


def test_blocking_keeps_the_comparisons_to_a_small_share_and_finds_the_planted_typos():
    from bench.duplicates import synthetic_people

    people, planted = synthetic_people(20_000)
    comparisons = sum(len(b) * (len(b) - 1) // 2 for b in duplicates.blocks(people))
    all_pairs = len(people) * (len(people) - 1) // 2

    assert comparisons < all_pairs / 100
    found = {(pair.first, pair.second) for pair in duplicates.find_pairs(people)}
    # A typo in a rare word leaves the two sharing the others: every copy is found.
    assert len(planted & found) / len(planted) > 0.95


def test_after_a_merge_and_an_erasure_through_the_pages_the_name_is_in_no_table(
    manager_client, salvador_person, caplog
):
    from .test_people_erasure import everything_stored

    duplicate = make_person("Xiomara", "Quetzaltenango Ruiz", email="xqr@example.org")
    attend(duplicate, salvador_person.attendances.get().activity, pre_score=12, post_score=34)
    manager_client.post(
        reverse("people:merge", args=[salvador_person.pk]),
        {"other": duplicate.pk, "keep": "this"},
        follow=True,
    )
    manager_client.post(
        reverse("people:erase", args=[salvador_person.pk]),
        {"reason": "request by e-mail", "confirm": "on"},
        follow=True,
    )

    stored = everything_stored()  # sessions, the admin log and every history table too
    for value in ("Xiomara", "Quetzaltenango", "xq@example.org", "xqr@example.org"):
        assert value not in stored, value
    assert "Xiomara" not in caplog.text
    assert people_count() == 1


def test_a_merged_records_page_says_whom_it_was_merged_into(manager_client, salvador_person):
    from activities.people.merging import merge

    duplicate = make_person("Xiomara", "Quetzaltenango Ruiz")
    merge(kept=salvador_person, merged=duplicate, by=None)

    body = manager_client.get(reverse("people:detail", args=[duplicate.pk])).content.decode()
    assert reverse("people:detail", args=[salvador_person.pk]) in body
    assert "was merged into" in body


def test_an_officer_counts_only_the_participations_within_their_scope(role_users, salvador_person):
    attend(salvador_person, activity_in("SEN"))
    officer_page = client_for(role_users, "officer").get(reverse("people:list"))
    manager_page = client_for(role_users, "manager").get(reverse("people:list"))

    assert [p.participations for p in officer_page.context["people"]] == [1]
    assert [p.participations for p in manager_page.context["people"]] == [2]
