"""Review before publishing (issue #19, item 1): submit, return with a comment, submit
again, publish; the managers' queue, "returned to me", the counts on the navigation bar,
in the pages and the API."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import review, review_selectors, services
from activities.models import Activity
from tests.fixtures_roles import make_draft, work_from_hub

pytestmark = pytest.mark.django_db

SUBMITTED = Activity.Review.SUBMITTED
RETURNED = Activity.Review.RETURNED


def submit(activity, officer):
    return review.activity_submit(activity=activity, by=officer, expected_version=activity.version)


def give_back(activity, manager, comment="Give the number of women trained."):
    return review.activity_return(
        activity=activity, by=manager, comment=comment, expected_version=activity.version
    )


def fresh(activity):
    return Activity.objects.get(pk=activity.pk)


def etag(api_client, activity) -> str:
    response = api_client.get(f"/api/v1/activities/{activity.pk}/")
    assert response.status_code == 200
    return response["ETag"]


# --- Pages ----------------------------------------------------------------------------


def test_an_officer_submits_a_draft_from_its_page_and_it_waits_in_the_queue(
    officer_client, manager_client, salvador_draft
):
    page = officer_client.get(reverse("pages:activity_detail", args=[salvador_draft.pk]))
    assert "Submit for review" in page.content.decode()
    response = officer_client.post(
        reverse("review-activity-submit", args=[salvador_draft.pk]),
        {"version": salvador_draft.version},
    )
    assert response.status_code == 302
    assert fresh(salvador_draft).review_state == SUBMITTED
    queue = manager_client.get(reverse("review-queue"))
    assert queue.status_code == 200
    assert salvador_draft.title in queue.content.decode()
    assert "1 draft waiting" in queue.content.decode()


def test_an_officer_cannot_publish_on_the_page_nor_open_the_queue(officer_client, salvador_draft):
    submit(salvador_draft, salvador_draft.created_by)
    response = officer_client.post(
        reverse("officer-activity-publish", args=[salvador_draft.pk]),
        {"version": fresh(salvador_draft).version},
    )
    assert response.status_code == 403
    assert officer_client.get(reverse("review-queue")).status_code == 403
    assert (
        officer_client.post(reverse("review-queue"), {"activity": [salvador_draft.pk]}).status_code
        == 403
    )
    assert fresh(salvador_draft).status == Activity.Status.DRAFT


def test_an_officer_cannot_return_a_draft(officer_client, salvador_draft):
    submit(salvador_draft, salvador_draft.created_by)
    response = officer_client.post(
        reverse("review-activity-return", args=[salvador_draft.pk]),
        {"version": fresh(salvador_draft).version, "comment": "no"},
    )
    assert response.status_code == 403
    assert fresh(salvador_draft).review_state == SUBMITTED


def test_an_officer_outside_the_scope_cannot_submit(west_africa_officer_client, salvador_draft):
    response = west_africa_officer_client.post(
        reverse("review-activity-submit", args=[salvador_draft.pk]),
        {"version": salvador_draft.version},
    )
    assert response.status_code == 404  # a draft outside the scope is not even visible
    assert fresh(salvador_draft).review_state == Activity.Review.NONE


def test_a_manager_returns_a_draft_only_with_a_comment(
    manager_client, officer_client, salvador_draft
):
    submit(salvador_draft, salvador_draft.created_by)
    url = reverse("review-activity-return", args=[salvador_draft.pk])
    version = fresh(salvador_draft).version
    refused = manager_client.post(url, {"version": version, "comment": "  "}, follow=True)
    assert "the comment is required" in refused.content.decode()
    assert fresh(salvador_draft).review_state == SUBMITTED

    manager_client.post(url, {"version": version, "comment": "Split the 21 by country."})
    returned = fresh(salvador_draft)
    assert returned.review_state == RETURNED
    assert returned.review_comment == "Split the 21 by country."
    mine = officer_client.get(reverse("review-returned")).content.decode()
    assert salvador_draft.title in mine
    assert "Split the 21 by country." in mine
    page = officer_client.get(reverse("pages:activity_detail", args=[salvador_draft.pk]))
    assert "Submit again for review" in page.content.decode()


def test_a_manager_publishes_a_submitted_draft_from_its_page(manager_client, salvador_draft):
    submit(salvador_draft, salvador_draft.created_by)
    response = manager_client.post(
        reverse("officer-activity-publish", args=[salvador_draft.pk]),
        {"version": fresh(salvador_draft).version},
    )
    assert response.status_code == 302
    published = fresh(salvador_draft)
    assert published.status == Activity.Status.PUBLISHED
    assert published.review_state == Activity.Review.NONE


def test_the_history_lists_each_step_of_the_review(
    officer, manager, manager_client, salvador_draft
):
    submit(salvador_draft, officer)
    give_back(fresh(salvador_draft), manager, "Add the venue.")
    submit(fresh(salvador_draft), officer)
    activity = fresh(salvador_draft)
    services.activity_publish(activity=activity, by=manager, expected_version=activity.version)

    entries = manager_client.get(f"/api/v1/activities/{salvador_draft.pk}/history/").json()
    steps = [
        (entry["who"], change["old"], change["new"])
        for entry in reversed(entries)
        for change in entry["changes"]
        if change["field"] == "review_state"
    ]
    assert steps == [
        ("olga-officer", "not submitted", "submitted for review"),
        ("mona-manager", "submitted for review", "returned: needs action"),
        ("olga-officer", "returned: needs action", "submitted for review"),
        ("mona-manager", "submitted for review", "not submitted"),
    ]
    comments = [
        change["new"]
        for entry in entries
        for change in entry["changes"]
        if change["field"] == "review_comment"
    ]
    assert "Add the venue." in comments
    page = manager_client.get(reverse("officer-activity-history", args=[salvador_draft.pk]))
    text = page.content.decode()
    assert text.count("returned: needs action") == 2
    assert "Add the venue." in text


def test_a_published_activity_is_not_submitted_and_a_waiting_one_not_twice(
    officer, manager, salvador_draft
):
    submit(salvador_draft, officer)
    with pytest.raises(Exception, match="already waiting"):
        submit(fresh(salvador_draft), officer)
    activity = fresh(salvador_draft)
    services.activity_publish(activity=activity, by=manager, expected_version=activity.version)
    with pytest.raises(Exception, match="Only a draft"):
        submit(fresh(salvador_draft), officer)


def test_a_stale_version_submits_nothing(officer, salvador_draft):
    with pytest.raises(services.StaleVersion):
        review.activity_submit(
            activity=salvador_draft, by=officer, expected_version=salvador_draft.version - 1
        )
    assert fresh(salvador_draft).review_state == Activity.Review.NONE


# --- The queue ------------------------------------------------------------------------


@pytest.fixture
def three_submitted(officer, west_africa_officer, salvador_draft, sahel_draft):
    """Two drafts from Central America (hub El Salvador), one from West Africa (hub
    Senegal), the Sahel one waiting for ten days."""
    work_from_hub(officer, "el-salvador", "SV")
    work_from_hub(west_africa_officer, "senegal", "SN")
    second = make_draft("Guatemala judges on electronic evidence", ["GTM"], by=officer)
    for activity, by in (
        (salvador_draft, officer),
        (second, officer),
        (sahel_draft, west_africa_officer),
    ):
        submit(activity, by)
    Activity.objects.filter(pk=sahel_draft.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=10)
    )
    return salvador_draft, second, sahel_draft


def test_the_queue_filters_by_hub_region_and_time_waiting(manager_client, three_submitted):
    salvador, guatemala, sahel = three_submitted

    def titles(query):
        response = manager_client.get(reverse("review-queue"), query)
        assert response.status_code == 200
        return {a.title for a in response.context["activities"]}

    assert titles({}) == {salvador.title, guatemala.title, sahel.title}
    assert titles({"hub": "senegal"}) == {sahel.title}
    assert titles({"hub": "el-salvador"}) == {salvador.title, guatemala.title}
    assert titles({"region": "013"}) == {salvador.title, guatemala.title}
    assert titles({"waiting": "7"}) == {sahel.title}
    assert manager_client.get(reverse("review-queue"), {"region": "999"}).status_code == 400


def test_publish_checked_publishes_each_and_records_each(manager, manager_client, three_submitted):
    salvador, guatemala, sahel = three_submitted
    response = manager_client.post(
        reverse("review-queue"),
        {
            "activity": [salvador.pk, sahel.pk],
            f"version-{salvador.pk}": fresh(salvador).version,
            f"version-{sahel.pk}": fresh(sahel).version,
        },
        follow=True,
    )
    assert "Published 2 drafts." in response.content.decode()
    statuses = dict(
        Activity.objects.filter(pk__in=[salvador.pk, guatemala.pk, sahel.pk]).values_list(
            "pk", "status"
        )
    )
    assert statuses == {salvador.pk: "published", guatemala.pk: "draft", sahel.pk: "published"}
    for activity in (salvador, sahel):
        last = Activity.history.filter(id=activity.pk).order_by("-history_date").first()
        assert last.status == "published" and last.history_user == manager


def test_publish_checked_is_all_or_none(manager_client, three_submitted):
    salvador, _guatemala, sahel = three_submitted
    response = manager_client.post(
        reverse("review-queue"),
        {
            "activity": [salvador.pk, sahel.pk],
            f"version-{salvador.pk}": fresh(salvador).version,
            f"version-{sahel.pk}": fresh(sahel).version - 1,  # someone saved it since
        },
        follow=True,
    )
    assert "Nothing published" in response.content.decode()
    assert set(
        Activity.objects.filter(pk__in=[salvador.pk, sahel.pk]).values_list("status", flat=True)
    ) == {"draft"}


@pytest.mark.parametrize("drafts", [1, 13])
def test_the_queue_takes_the_same_queries_for_one_draft_and_many(
    drafts, officer, manager_client, django_assert_num_queries
):
    for number in range(drafts):
        submit(make_draft(f"Draft {number}", ["SLV"], by=officer), officer)
    url = reverse("review-queue")
    manager_client.get(url)  # warm: the content types of permissions
    # 1 session, 2 user, 3-4 the user's permissions (user and group), 5 the hub choices,
    # 6 the regions of the filter, 7 the queue (drafts with submitters, their scopes and
    # regions, one join), 8 the navigation counts.
    with django_assert_num_queries(8):
        response = manager_client.get(url)
    assert len(response.context["activities"]) == drafts


# --- Navigation counts ------------------------------------------------------------------


def test_the_navigation_counts_the_queue_and_the_returned_drafts_in_one_query(
    officer, manager, salvador_draft, django_assert_num_queries
):
    submit(salvador_draft, officer)
    other = make_draft("Honduras police on cybercrime", ["HND"], by=officer)
    submit(other, officer)
    give_back(fresh(other), manager)
    manager.has_perm("activities.publish_activity")  # permissions cached, as in a request
    officer.has_perm("activities.publish_activity")
    with django_assert_num_queries(1):
        counts = review_selectors.navigation_counts_for(manager)
    assert counts["queue"] == 1 and counts["returned"] == 0
    with django_assert_num_queries(1):
        counts = review_selectors.navigation_counts_for(officer)
    assert counts == {"queue": 0, "returned": 1, "unread": 1}


def test_the_navigation_bar_shows_the_counts(
    officer, officer_client, manager, manager_client, salvador_draft
):
    submit(salvador_draft, officer)
    nav = manager_client.get(reverse("pages:dashboard")).content.decode()
    assert 'Review queue <span class="count">1</span>' in nav
    give_back(fresh(salvador_draft), manager)
    nav = officer_client.get(reverse("pages:dashboard")).content.decode()
    assert 'Returned to me <span class="count">1</span>' in nav
    assert "Review queue" not in nav


# --- API ------------------------------------------------------------------------------


def test_the_api_walks_a_draft_through_submit_return_and_publish(
    officer_api, manager_api, salvador_draft
):
    as_officer, as_manager = officer_api, manager_api
    base = f"/api/v1/activities/{salvador_draft.pk}"
    assert as_officer.post(f"{base}/submit/").status_code == 428
    response = as_officer.post(f"{base}/submit/", HTTP_IF_MATCH=etag(as_officer, salvador_draft))
    assert response.status_code == 200, response.content
    assert response.json()["review_state"] == "submitted"
    tag = response["ETag"]

    assert as_officer.post(f"{base}/publish/", HTTP_IF_MATCH=tag).status_code == 403
    assert (
        as_officer.post(
            f"{base}/return/", {"comment": "x"}, format="json", HTTP_IF_MATCH=tag
        ).status_code
        == 403
    )

    no_comment = as_manager.post(f"{base}/return/", {}, format="json", HTTP_IF_MATCH=tag)
    assert no_comment.status_code == 400 and "comment" in no_comment.json()
    returned = as_manager.post(
        f"{base}/return/", {"comment": "Which city?"}, format="json", HTTP_IF_MATCH=tag
    )
    assert returned.status_code == 200
    assert returned.json()["review_state"] == "returned"
    assert as_manager.post(f"{base}/publish/", HTTP_IF_MATCH=tag).status_code == 412

    again = as_officer.post(f"{base}/submit/", HTTP_IF_MATCH=returned["ETag"])
    assert again.status_code == 200
    published = as_manager.post(f"{base}/publish/", HTTP_IF_MATCH=again["ETag"])
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["review_state"] == "none"


def test_the_queue_speaks_french(officer, manager_client, salvador_draft):
    submit(salvador_draft, officer)
    page = manager_client.get(reverse("review-queue"), HTTP_ACCEPT_LANGUAGE="fr")
    text = page.content.decode()
    assert "File de relecture" in text and "Publier la sélection" in text
    assert "1 brouillon en attente" in text
