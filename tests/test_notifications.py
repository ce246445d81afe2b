"""Notifications of the review (issue #19, item 2): in the app, by e-mail after the
commit (immediate or daily digest), never for a rolled-back step, never losing a write
when the mail server is down."""

from __future__ import annotations

import io
import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from activities import notifications, review, services
from activities.models import Activity, Notification, NotificationPreference

pytestmark = pytest.mark.django_db


class DownMailServer(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def fresh(activity):
    return Activity.objects.get(pk=activity.pk)


def submit(activity, by):
    return review.activity_submit(activity=activity, by=by, expected_version=activity.version)


def test_a_submission_mails_the_managers_after_the_commit(
    officer, manager, salvador_draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submit(salvador_draft, officer)
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert [message.to for message in mail.outbox] == [[manager.email]]
    assert salvador_draft.title in mail.outbox[0].subject
    assert "olga-officer" in mail.outbox[0].body
    note = Notification.objects.get(user=manager)
    assert note.kind == "submitted" and note.emailed_at is not None


def test_nothing_is_sent_or_kept_when_the_step_rolls_back(
    officer, manager, salvador_draft, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submit(salvador_draft, officer)
        raise RuntimeError("something after the submission failed")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert fresh(salvador_draft).review_state == Activity.Review.NONE


def test_a_return_and_a_publication_tell_the_officer_with_the_comment(
    officer, manager, salvador_draft, django_capture_on_commit_callbacks
):
    submit(salvador_draft, officer)
    with django_capture_on_commit_callbacks(execute=True):
        review.activity_return(
            activity=fresh(salvador_draft),
            by=manager,
            comment="Name the venue.",
            expected_version=fresh(salvador_draft).version,
        )
    assert mail.outbox[-1].to == [officer.email]
    assert "Name the venue." in mail.outbox[-1].body
    submit(fresh(salvador_draft), officer)
    activity = fresh(salvador_draft)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_publish(activity=activity, by=manager, expected_version=activity.version)
    assert mail.outbox[-1].to == [officer.email]
    assert "was published by mona-manager" in mail.outbox[-1].subject
    kinds = list(Notification.objects.filter(user=officer).values_list("kind", flat=True))
    assert sorted(kinds) == ["published", "returned"]


def test_a_mail_server_down_keeps_the_write_and_the_notification_for_the_digest(
    officer, manager, salvador_draft, django_capture_on_commit_callbacks, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.test_notifications.DownMailServer"
    with (
        caplog.at_level(logging.WARNING, logger="activities.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        submit(salvador_draft, officer)
    assert fresh(salvador_draft).review_state == Activity.Review.SUBMITTED
    note = Notification.objects.get(user=manager)
    assert note.emailed_at is None
    logged = caplog.text
    assert "SMTPServerDisconnected" in logged
    assert (
        manager.email not in logged and "mona" not in logged and salvador_draft.title not in logged
    )

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_digests", stdout=io.StringIO())
    assert [message.to for message in mail.outbox] == [[manager.email]]
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_a_page_submission_stands_when_the_mail_server_is_down(
    officer_client, salvador_draft, manager, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_notifications.DownMailServer"
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("review-activity-submit", args=[salvador_draft.pk]),
            {"version": salvador_draft.version},
        )
    assert response.status_code == 302
    assert fresh(salvador_draft).review_state == Activity.Review.SUBMITTED


def test_a_digest_user_gets_one_mail_a_day_with_every_notification(
    officer, manager, salvador_draft, sahel_draft, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=manager, delivery="digest")
    with django_capture_on_commit_callbacks(execute=True):
        submit(salvador_draft, officer)
        submit(sahel_draft, sahel_draft.created_by)
    assert mail.outbox == []
    assert notifications.send_digests() == 1
    (digest,) = mail.outbox
    assert digest.to == [manager.email]
    assert "2 notifications" in digest.subject
    assert salvador_draft.title in digest.body and sahel_draft.title in digest.body
    assert notifications.send_digests() == 0  # each is sent once


def test_mails_speak_the_language_the_user_chose(
    officer, manager, salvador_draft, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=manager, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        submit(salvador_draft, officer)
    assert "soumis" in mail.outbox[0].subject


def test_the_in_app_list_shows_the_notifications_and_marks_them_read(
    officer, manager, manager_client, salvador_draft
):
    submit(salvador_draft, officer)
    page = manager_client.get(reverse("notifications"))
    text = page.content.decode()
    assert f"“{salvador_draft.title}” was submitted for review by olga-officer." in text
    assert 'Notifications <span class="count">1</span>' in text
    manager_client.post(reverse("notifications-read"))
    assert not Notification.objects.filter(user=manager, read_at__isnull=True).exists()
    response = manager_client.post(
        reverse("notifications"), {"delivery": "digest", "language": "es"}
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=manager).delivery == "digest"


def test_nobody_is_told_of_their_own_step(manager, salvador_draft):
    submit(salvador_draft, manager)  # a manager submits: the other managers are told
    assert not Notification.objects.filter(user=manager).exists()


@pytest.mark.parametrize("drafts", [1, 8])
def test_the_notification_list_costs_the_same_for_one_and_for_eight(
    drafts, officer, manager, manager_client, django_assert_num_queries
):
    from tests.fixtures_roles import make_draft

    for number in range(drafts):
        submit(make_draft(f"Draft {number}", ["SLV"], by=officer), officer)
    manager_client.get(reverse("notifications"))
    # 1 session, 2 user, 3-4 the user's permissions (user and group), 5 the e-mail
    # choice, 6 the notifications with their activities, 7 the navigation counts.
    with django_assert_num_queries(7):
        response = manager_client.get(reverse("notifications"))
    assert response.content.decode().count("was submitted for review") == drafts


@pytest.mark.parametrize("drafts", [1, 8])
def test_returned_to_me_costs_the_same_for_one_and_for_eight(
    drafts, officer, officer_client, manager, django_assert_num_queries
):
    from tests.fixtures_roles import make_draft

    for number in range(drafts):
        draft = submit(make_draft(f"Draft {number}", ["SLV"], by=officer), officer)
        review.activity_return(
            activity=draft, by=manager, comment="Fix it.", expected_version=draft.version
        )
    officer_client.get(reverse("review-returned"))
    # 1 session, 2 user, 3-4 permissions, 5 the returned drafts, 6 the navigation counts.
    with django_assert_num_queries(6):
        response = officer_client.get(reverse("review-returned"))
    assert response.content.decode().count("Fix it.") == drafts


class CountingDownMailServer(DownMailServer):
    attempts = 0

    def send_messages(self, email_messages):
        type(self).attempts += 1
        return super().send_messages(email_messages)


def test_a_mail_server_down_is_tried_once_not_once_per_manager(
    officer, manager, roles, salvador_draft, django_capture_on_commit_callbacks, settings
):
    from activities.roles import PROGRAMME_MANAGER
    from tests.fixtures_roles import make_role_user

    for name in ("max-manager", "mia-manager"):
        make_role_user(name, PROGRAMME_MANAGER)
    settings.EMAIL_BACKEND = "tests.test_notifications.CountingDownMailServer"
    CountingDownMailServer.attempts = 0
    with django_capture_on_commit_callbacks(execute=True):
        submit(salvador_draft, officer)
    assert Notification.objects.filter(kind="submitted").count() == 3
    assert CountingDownMailServer.attempts == 1
