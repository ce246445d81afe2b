"""Cached answers (activities/answer_cache/) are never stale.

Counts, list pages and page totals are cached under the data version, which database
triggers bump in the same transaction as any write to a domain table. These tests run
transactionally, as the app does (autocommit), so the cache is in use; each shows a
write the app's services never see (QuerySet.update, bulk_create, raw SQL, a many-to-
many row, a reference table) reaching the very next answer.
"""

from __future__ import annotations

import datetime
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from activities import answer_cache, roles, services
from activities.answer_cache import triggers
from activities.models import (
    Activity,
    BeneficiaryGroup,
    Country,
    DataVersion,
    Qualifier,
)

pytestmark = pytest.mark.usefixtures("seeded_transactional_db")

EL_SALVADOR_2020 = "/api/v1/stats/?country=SV&year=2020"


def version() -> int:
    return DataVersion.objects.get().version


def people(response) -> int:
    return response.json()["totals"]["participants"]["total"]


def queries_of(client, url: str) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response, len(captured)


def second_connection(**options):
    """Another session on the test database (PostgreSQL), as another worker would be."""
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        **options,
    )


def it_staff_rows():
    """The 650 IT staff and teachers trained in El Salvador (report paragraph 34)."""
    return BeneficiaryGroup.objects.filter(activity__reference="report-2020/F28")


# --- The triggers -------------------------------------------------------------------------


def test_every_domain_table_carries_the_trigger():
    tables = answer_cache.versioned_tables()
    assert {"activities_activity", "activities_beneficiarygroup", "activities_country"} <= set(
        tables
    )
    assert "activities_activity_countries" in tables  # many-to-many rows count too
    assert not [table for table in tables if "historical" in table]
    assert answer_cache.missing_triggers() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL can disable one")
def test_a_disabled_trigger_turns_the_cache_off(client):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE activities_beneficiarygroup DISABLE TRIGGER USER")
    triggers._verified.clear()
    try:
        assert answer_cache.missing_triggers() == ["activities_beneficiarygroup"]
        assert answer_cache.current() is None
        client.get(EL_SALVADOR_2020)
        _, queries = queries_of(client, EL_SALVADOR_2020)
        assert queries > 1  # computed again: a write to that table would not be seen
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE activities_beneficiarygroup ENABLE TRIGGER USER")
        triggers._verified.clear()
    assert answer_cache.current() is not None


def test_reinstalling_the_triggers_moves_the_version():
    start = version()
    answer_cache.install_triggers()
    assert version() > start
    assert answer_cache.missing_triggers() == []


def test_the_version_moves_with_each_committed_write_whatever_its_path():
    start = version()
    Activity.objects.filter(reference="report-2020/F28").update(title="Renamed")
    after_update = version()
    assert after_update > start
    it_staff_rows().delete()
    after_delete = version()
    assert after_delete > after_update
    with connection.cursor() as cursor:
        cursor.execute("UPDATE activities_country SET name = name || '' WHERE iso2 = 'SV'")
    after_raw_sql = version()
    assert after_raw_sql > after_delete
    Activity.objects.get(reference="report-2020/F28").countries.add(Country.objects.get(iso2="GT"))
    assert version() > after_raw_sql


def test_a_rolled_back_write_leaves_the_version_alone():
    start = version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Activity.objects.update(title="Gone")
        raise RuntimeError("changed my mind")
    assert version() == start


def test_inside_a_transaction_the_cache_is_neither_read_nor_filled():
    assert answer_cache.current() is not None
    with transaction.atomic():
        # This transaction may see its own uncommitted writes.
        assert answer_cache.current() is None


# --- Counts ---------------------------------------------------------------------------------


def test_a_repeated_question_is_answered_from_the_cache(client):
    first, computed = queries_of(client, EL_SALVADOR_2020)
    second, cached = queries_of(client, EL_SALVADOR_2020)
    assert second.json() == first.json()
    # One query reads the version; none computes.
    assert cached == 1 < computed


def test_a_bulk_update_reaches_the_next_count(client):
    assert people(client.get(EL_SALVADOR_2020)) == 650
    it_staff_rows().update(not_recorded=700, total=700)  # no signal, service or save()
    assert people(client.get(EL_SALVADOR_2020)) == 700


def test_a_raw_sql_insert_reaches_the_next_count(client):
    assert people(client.get(EL_SALVADOR_2020)) == 650
    row = it_staff_rows().values("activity_id", "audience_id", "place_country_id").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO activities_beneficiarygroup"
            " (activity_id, audience_id, country_id, place_country_id, female, male,"
            "  not_recorded, total, qualifier, note)"
            " VALUES (%s, %s, NULL, %s, 5, 4, 0, 9, %s, '')",
            [row["activity_id"], row["audience_id"], row["place_country_id"], Qualifier.EXACT],
        )
    assert people(client.get(EL_SALVADOR_2020)) == 659


def test_a_new_country_of_an_activity_reaches_the_next_count(client):
    assert people(client.get(EL_SALVADOR_2020)) == 650
    activity = Activity.objects.get(reference="report-2020/F28")
    # As the admin does it: the many-to-many row, then the rows' places (two writes).
    activity.countries.add(Country.objects.get(iso2="GT"))
    services.refresh_attribution(activity=activity)
    # Two countries: the 650 now belong to Central America, not to El Salvador alone.
    assert people(client.get(EL_SALVADOR_2020)) == 0


def test_a_renamed_country_shows_in_the_next_grouped_answer(client):
    url = "/api/v1/stats/?year=2020&region=013&group_by=country"

    def names(response) -> set[str]:
        return {row["country"]["name"] for row in response.json()["rows"] if row["country"]}

    assert "El Salvador" in names(client.get(url))
    Country.objects.filter(iso2="SV").update(name="República de El Salvador")
    assert "República de El Salvador" in names(client.get(url))


def donor_viewer_of_a_draft(user_model):
    """The El Salvador training made a draft funded by a donor, and a viewer of that
    donor (who counts the drafts it funds)."""
    from activities.models import Donor, DonorViewer

    Activity.objects.filter(reference="report-2020/F28").update(status=Activity.Status.DRAFT)
    funder = Donor.objects.create(name="Fondation Beta")
    Activity.objects.get(reference="report-2020/F28").donors.add(funder)
    roles.setup_roles()
    donor = user_model.objects.create_user("donor", password="x" * 20)
    donor.groups.add(Group.objects.get(name=roles.DONOR_VIEWER))
    DonorViewer.objects.create(user=donor, donor=funder)
    return donor


def test_readers_who_see_different_things_never_share_an_answer(client, django_user_model):
    """A donor viewer counts drafts; the public does not. Both asked, in both orders."""
    donor = donor_viewer_of_a_draft(django_user_model)
    anonymous_first = people(client.get(EL_SALVADOR_2020))
    client.force_login(donor)
    donor_after = people(client.get(EL_SALVADOR_2020))
    client.logout()
    anonymous_again = people(client.get(EL_SALVADOR_2020))
    assert (anonymous_first, donor_after, anonymous_again) == (0, 650, 0)


def test_a_reader_who_loses_a_right_gets_a_new_answer(client, django_user_model):
    donor = donor_viewer_of_a_draft(django_user_model)
    client.force_login(donor)
    assert people(client.get(EL_SALVADOR_2020)) == 650
    donor.groups.clear()  # auth tables carry no trigger: the reader's key changes instead
    assert people(client.get(EL_SALVADOR_2020)) == 0


# --- Lists and pages ------------------------------------------------------------------------


def test_a_list_page_is_cached_with_its_paging_headers_and_refreshed_by_a_write(client):
    url = "/api/v1/activities/?year=2020&page_size=2"
    first, computed = queries_of(client, url)
    second, cached = queries_of(client, url)
    assert cached == 1 < computed
    assert second.json() == first.json()
    assert second["X-Total-Count"] == first["X-Total-Count"]
    assert second["Link"] == first["Link"]
    Activity.objects.create(
        title="A 2020 webinar logged straight into the table",
        kind="webinar",
        start_date=datetime.date(2020, 12, 31),
        end_date=datetime.date(2020, 12, 31),
        status=Activity.Status.PUBLISHED,
    )
    third = client.get(url)
    assert int(third["X-Total-Count"]) == int(first["X-Total-Count"]) + 1
    assert third.json()["results"][0]["title"] == "A 2020 webinar logged straight into the table"


def test_the_list_page_totals_follow_a_write(client):
    url = "/activities/?region=013&year=2020"
    first = client.get(url)
    assert "6,905" in first.content.decode()
    it_staff_rows().update(not_recorded=700, total=700)
    assert "6,955" in client.get(url).content.decode()


def test_a_public_page_is_served_from_the_cache_to_visitors_not_signed_in(client):
    first, computed = queries_of(client, "/activities/?region=013&year=2020")
    second, cached = queries_of(client, "/activities/?region=013&year=2020")
    assert cached == 1 < computed
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Content-Security-Policy" in second  # the middleware's headers come anew


def test_a_signed_in_page_is_never_cached_nor_shown_to_anyone_else(client, superuser):
    client.force_login(superuser)
    signed_in = client.get("/activities/")
    assert "Sign out" in signed_in.content.decode()
    _, queries = queries_of(client, "/activities/")
    assert queries > 1  # computed again
    client.logout()
    assert "Sign out" not in client.get("/activities/").content.decode()


def test_a_visitor_with_a_message_gets_a_fresh_page(client):
    client.get("/activities/")  # the cached copy
    client.cookies["messages"] = "whatever"
    _, queries = queries_of(client, "/activities/")
    assert queries > 1


def test_cached_api_answers_keep_their_headers(client):
    url = "/api/v1/activities/?year=2020&format=csv"
    first, second = client.get(url), client.get(url)
    for name in ("Content-Type", "Content-Disposition", "X-Total-Count", "Vary", "ETag"):
        assert second[name] == first[name], name
    assert "Accept" in second["Vary"]
    assert second.content == first.content


def test_the_browsable_api_is_not_cached(client):
    client.get("/api/v1/activities/", HTTP_ACCEPT="text/html")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/activities/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert len(captured) > 1


def test_a_cached_answer_still_answers_304_to_its_etag(client):
    first = client.get(EL_SALVADOR_2020)
    assert client.get(EL_SALVADOR_2020)["ETag"] == first["ETag"]  # the hit
    assert client.get(EL_SALVADOR_2020, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once")
def test_an_answer_is_computed_in_one_snapshot_and_kept_under_its_version():
    """A write that commits while an answer is being computed changes neither the answer
    (every statement sees the state the answer started from) nor the next request's
    (it finds the version moved and computes again)."""
    other = second_connection(autocommit=True)
    titles = Activity.objects.filter(reference="report-2020/F28").values_list("title", flat=True)

    def produce():
        before = titles.get()
        other.execute(
            "UPDATE activities_activity SET title = 'Changed meanwhile'"
            " WHERE reference = 'report-2020/F28'"
        )
        return before, titles.get()

    try:
        first, again = answer_cache.cached("test", ("snapshot",), produce)
        assert first == again != "Changed meanwhile"
        assert answer_cache.cached("test", ("snapshot",), lambda: "computed again") == (
            "computed again"
        )
    finally:
        other.close()


def test_the_cache_can_be_turned_off(client, settings):
    settings.ANSWER_CACHE_ENABLED = False
    client.get(EL_SALVADOR_2020)
    _, queries = queries_of(client, EL_SALVADOR_2020)
    assert queries > 1


# --- The front door (AnswerCacheMiddleware) -------------------------------------------------

FRONT_DOOR_URLS = [
    EL_SALVADOR_2020,
    "/api/v1/stats/?region=013&group_by=country&format=csv",
    "/api/v1/activities/?year=2020&page_size=2",
    "/activities/?region=013&year=2020",
    "/countries/SV/",
]


@pytest.mark.parametrize("url", FRONT_DOOR_URLS)
def test_a_repeated_anonymous_request_is_answered_before_the_view_with_the_same_headers(
    client, monkeypatch, url
):
    from django.core.handlers.base import BaseHandler

    first = client.get(url)
    assert first.status_code == 200

    def no_view(*args, **kwargs):
        raise AssertionError("the view ran: the request was not answered at the front door")

    monkeypatch.setattr(BaseHandler, "resolve_request", no_view)
    second, queries = queries_of(client, url)
    assert queries == 1  # the version
    assert second.content == first.content
    assert dict(second.headers) == dict(first.headers)


def test_the_front_door_never_serves_an_answer_of_an_older_version(client):
    assert people(client.get(EL_SALVADOR_2020)) == 650
    assert people(client.get(EL_SALVADOR_2020)) == 650  # at the front door
    it_staff_rows().update(not_recorded=700, total=700)
    assert people(client.get(EL_SALVADOR_2020)) == 700
    assert people(client.get(EL_SALVADOR_2020)) == 700


def version_reads(client, url: str) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, sum("activities_dataversion" in query["sql"] for query in captured)


@pytest.mark.parametrize("url", FRONT_DOOR_URLS)
def test_an_answer_computed_after_a_write_reads_the_version_as_a_first_one_does(client, url):
    """The front door read the version and found its kept answer older: the view takes
    that version instead of reading it again. So an answer computed after a write costs
    the statements of one never asked before (`make bench`: the same queries on every
    page): the version once before the answer is looked up, once in its snapshot."""
    client.get("/api/v1/stats/?year=2019")  # the once-per-process checks, out of the way
    _, first = version_reads(client, url)  # never asked: no answer kept at the door
    assert first == 2
    _, kept = version_reads(client, url)
    assert kept == 1  # served at the door
    it_staff_rows().update(not_recorded=700, total=700)
    response, after_a_write = version_reads(client, url)
    assert after_a_write == first
    if url == EL_SALVADOR_2020:
        assert people(response) == 700


def test_the_version_just_read_at_the_door_is_taken_once():
    from activities.answer_cache import version as versions

    with versions.just_read("default", "a version read a moment ago"):
        assert versions.current() == "a version read a moment ago"
        assert versions.current() == versions.read_version(connection)
    with versions.just_read("replica", "read elsewhere"):
        assert versions.current("default") == versions.read_version(connection)
    assert versions.current() == versions.read_version(connection)


def test_the_front_door_keeps_the_anonymous_throttle(client, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    statuses = [client.get(EL_SALVADOR_2020).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # the second and third at the front door


def test_a_token_or_a_session_is_never_answered_at_the_front_door(client, django_user_model):
    from rest_framework.authtoken.models import Token

    donor = donor_viewer_of_a_draft(django_user_model)
    assert people(client.get(EL_SALVADOR_2020)) == 0
    assert people(client.get(EL_SALVADOR_2020)) == 0  # kept at the front door
    token = Token.objects.create(user=donor)
    with_token = client.get(EL_SALVADOR_2020, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert people(with_token) == 650
    client.force_login(donor)
    assert people(client.get(EL_SALVADOR_2020)) == 650
    client.logout()
    client.cookies.clear()
    # Neither answer was left at the front door for the next anonymous visitor.
    assert people(client.get(EL_SALVADOR_2020)) == 0


def test_an_anonymous_response_that_needs_no_answer_does_not_vary_on_cookies(client):
    client.get("/healthz")
    response = client.get("/healthz")
    assert "Cookie" not in response.get("Vary", "")


def test_a_response_that_leaves_with_a_cookie_is_never_kept_at_the_front_door(rf):
    """Whatever sets a cookie after the answer was kept (below the front door), the front
    door does not hand that response's bytes to the next visitor."""
    from django.contrib.auth.models import AnonymousUser

    views, computed = [], []

    def view(request):
        views.append(request)

        def produce():
            computed.append(request)
            return HttpResponse(b"the answer")

        response = answer_cache.cached_response("test", ("cookie",), produce)
        response.set_cookie("seen", "yes")
        return response

    front_door = answer_cache.AnswerCacheMiddleware(view)
    for _ in range(3):
        request = rf.get("/somewhere/")
        request.user = AnonymousUser()
        assert front_door(request).content == b"the answer"
    assert len(views) == 3  # the view ran each time: nothing was kept at the front door
    assert len(computed) == 1  # while its own cache kept the answer


def test_only_a_throttle_that_keys_on_the_client_is_applied_at_the_front_door():
    from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

    assert answer_cache.front_door_throttles([AnonRateThrottle()]) == (AnonRateThrottle,)
    assert answer_cache.front_door_throttles([]) == ()
    assert answer_cache.front_door_throttles([ScopedRateThrottle()]) is None
    assert answer_cache.front_door_throttles([AnonRateThrottle(), AnonRateThrottle()]) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite needs no health check")
def test_the_version_read_is_the_health_check_of_a_kept_connection(monkeypatch):
    """Django would send "SELECT 1" before a request's first query on a kept connection
    (CONN_HEALTH_CHECKS); the version read does that job, and a connection that died
    meanwhile is replaced, not turned into an error."""
    assert connection.health_check_enabled
    connection.ensure_connection()
    expected = answer_cache.current()
    connection.health_check_done = False  # as at the start of the next request
    with monkeypatch.context() as patched:
        patched.setattr(connection, "is_usable", lambda: pytest.fail("a second round trip"))
        assert answer_cache.current() == expected
    assert connection.health_check_done
    connection.connection.close()  # the server went away between two requests
    connection.health_check_done = False
    assert answer_cache.current() == expected
    assert connection.is_usable()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a lock held elsewhere")
def test_a_timeout_on_a_healthy_connection_is_an_error_not_a_reconnection():
    from django.db import OperationalError

    answer_cache.current()  # the per-process trigger check, before the table is locked
    other = second_connection()
    # Should the read reconnect (and so lose its lock_timeout), the lock goes in 3 s.
    release = threading.Timer(3, other.rollback)
    raw = connection.connection
    try:
        other.execute("LOCK TABLE activities_dataversion IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '100ms'")
        connection.health_check_done = False
        release.start()
        with pytest.raises(OperationalError, match="lock timeout"):
            answer_cache.current()
        assert connection.connection is raw  # kept, not closed and reopened
    finally:
        release.cancel()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
