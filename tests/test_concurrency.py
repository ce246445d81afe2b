"""No lost updates: ETag and If-Match on the API (428, 412), atomic version bumps."""

import pytest

from activities import services
from activities.models import Activity

# They edit seeded 2020 records and are not about periods: without the seed's close of
# 2020, whose changes need a reason (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_the_2020_close")]

# F28 is dated 2020: once the 2020 period is closed, a change to it needs a reason
# (activities/results/periods.py), sent by the API's writes and the services' callers.
REASON = "A test's correction"


@pytest.fixture
def f28():
    """650 IT staff and teachers in El Salvador, not split by sex (paragraph 34)."""
    return Activity.objects.get(reference="report-2020/F28")


def url(activity):
    return f"/api/v1/activities/{activity.pk}/"


def etag(activity):
    return f'W/"activity-{activity.pk}-v{activity.version}"'


def test_the_detail_sends_the_version_etag(client, f28):
    response = client.get(url(f28))
    assert response.status_code == 200
    assert response["ETag"].startswith(etag(f28)[:-1] + "-")  # the version, then a digest
    assert response.json()["version"] == f28.version


def test_a_conditional_get_sees_a_change_the_version_does_not_count(client, f28):
    first = client.get(url(f28))
    assert client.get(url(f28), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    theme = f28.themes.first()
    theme.name = "Prevention (renamed)"
    theme.save()
    second = client.get(url(f28), HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    as_csv = client.get(url(f28) + "?format=csv", HTTP_IF_NONE_MATCH=second["ETag"])
    assert as_csv.status_code == 200  # another format is another representation


def test_the_etag_of_a_read_is_a_valid_if_match(manager_client, f28):
    read = manager_client.get(url(f28))
    response = manager_client.patch(
        url(f28),
        {"title": "Renamed"},
        content_type="application/json",
        HTTP_IF_MATCH=read["ETag"],
        HTTP_X_CHANGE_REASON=REASON,
    )
    assert response.status_code == 200, response.content


def test_if_none_match_with_the_etag_is_a_304(client, f28):
    tag = client.get(url(f28))["ETag"]
    response = client.get(url(f28), HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 304


def test_a_patch_without_if_match_is_428_and_changes_nothing(manager_client, f28):
    response = manager_client.patch(url(f28), {"title": "Renamed"}, content_type="application/json")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    f28.refresh_from_db()
    assert f28.title != "Renamed"


def test_if_match_star_counts_as_missing(manager_client, f28):
    response = manager_client.patch(
        url(f28), {"title": "Renamed"}, content_type="application/json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 428


def test_a_patch_with_a_stale_etag_is_412_and_changes_nothing(manager_client, manager, f28):
    stale = etag(f28)
    services.activity_update(
        activity=f28,
        expected_version=f28.version,
        fields={"title": "Theirs"},
        by=manager,
        change_reason=REASON,
    )
    response = manager_client.patch(
        url(f28), {"title": "Mine"}, content_type="application/json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    body = response.json()
    assert body["current_etag"] == f'W/"activity-{f28.pk}-v2"'
    f28.refresh_from_db()
    assert f28.title == "Theirs"


def test_a_patch_with_the_current_etag_saves_and_answers_the_new_etag(manager_client, f28):
    response = manager_client.patch(
        url(f28),
        {"title": "Renamed"},
        content_type="application/json",
        HTTP_IF_MATCH=etag(f28),
        HTTP_X_CHANGE_REASON=REASON,
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'W/"activity-{f28.pk}-v2"'
    f28.refresh_from_db()
    assert (f28.title, f28.version) == ("Renamed", 2)


def test_a_strong_form_of_the_tag_and_a_list_of_tags_are_accepted(manager_client, f28):
    header = f'"something-else", "activity-{f28.pk}-v{f28.version}"'
    response = manager_client.patch(
        url(f28),
        {"title": "Renamed"},
        content_type="application/json",
        HTTP_IF_MATCH=header,
        HTTP_X_CHANGE_REASON=REASON,
    )
    assert response.status_code == 200


def test_a_put_needs_if_match_too(manager_client, f28):
    body = manager_client.get(url(f28)).json()
    response = manager_client.put(url(f28), body, content_type="application/json")
    assert response.status_code == 428


def test_a_delete_needs_the_current_etag(manager_client, manager, f28):
    assert manager_client.delete(url(f28)).status_code == 428
    assert manager_client.delete(url(f28), HTTP_IF_MATCH='W/"activity-1-v999"').status_code == 412
    assert Activity.objects.filter(pk=f28.pk).exists()
    response = manager_client.delete(url(f28), HTTP_IF_MATCH=etag(f28), HTTP_X_CHANGE_REASON=REASON)
    assert response.status_code == 204
    assert not Activity.objects.filter(pk=f28.pk).exists()
    # The deletion is in the history, with who did it.
    record = Activity.history.filter(id=f28.pk, history_type="-").get()
    assert record.history_user == manager


def test_two_writers_from_the_same_version_one_wins_one_is_stale(manager, officer, f28):
    read_version = f28.version
    first = Activity.objects.get(pk=f28.pk)
    second = Activity.objects.get(pk=f28.pk)
    services.activity_update(
        activity=first,
        expected_version=read_version,
        fields={"title": "First"},
        by=manager,
        change_reason=REASON,
    )
    with pytest.raises(services.StaleVersion) as raised:
        services.activity_update(
            activity=second,
            expected_version=read_version,
            fields={"title": "Second"},
            by=officer,
            change_reason=REASON,
        )
    assert raised.value.activity.version == read_version + 1
    f28.refresh_from_db()
    assert f28.title == "First"


def test_an_officer_out_of_scope_gets_403_before_any_precondition(west_africa_officer_client, f28):
    # Out of scope comes first: a 403, with or without If-Match.
    response = west_africa_officer_client.patch(
        url(f28), {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    response = west_africa_officer_client.patch(
        url(f28), {"title": "x"}, content_type="application/json", HTTP_IF_MATCH=etag(f28)
    )
    assert response.status_code == 403


def test_an_anonymous_write_is_refused_before_any_precondition(client, f28):
    response = client.patch(url(f28), {"title": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
