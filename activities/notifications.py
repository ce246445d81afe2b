"""Notifications of the review (activities/review.py): in the app and by e-mail.

- Who is told: a submission, every programme manager (permission `publish_activity`,
  by role or directly); a return or a publication, the officer who submitted the draft
  (else who logged it). Nobody is told of their own step.
- When: the Notification rows are written in the step's transaction (a rolled-back step
  leaves none); the e-mails are sent by `transaction.on_commit`, so never for a write
  that did not happen.
- How: each user's NotificationPreference says immediate (one e-mail each, the
  default), daily digest (`manage.py send_digests`, from cron) or no e-mail; the mail is
  in the user's chosen language, else settings.LANGUAGE_CODE.
- A mail server that is down or refuses: the write stands, the notification stays in the
  app with no `emailed_at`, the failure is logged without address or name (the
  notification's id and the error's class), and the next digest sends it.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from .models import Activity, Notification, NotificationKind, NotificationPreference

if TYPE_CHECKING:
    import datetime

    from django.contrib.auth.models import User

__all__ = ["NotificationKind", "notify", "send_digests", "send_immediately"]

logger = logging.getLogger(__name__)

EmailDelivery = NotificationPreference.Delivery


def managers() -> QuerySet[User]:
    """Active users who may publish (by a group's permission or their own)."""
    can_publish = Q(groups__permissions__codename="publish_activity") | Q(
        user_permissions__codename="publish_activity"
    )
    return get_user_model().objects.filter(can_publish, is_active=True).distinct()


def recipients(kind: str, activity: Activity, by: User | None) -> list[User]:
    if kind == NotificationKind.SUBMITTED:
        people = list(managers().order_by("pk"))
    else:
        officer = activity.submitted_by or activity.created_by
        people = [officer] if officer is not None and officer.is_active else []
    return [person for person in people if by is None or person.pk != by.pk]


def notify(*, kind: str, activity: Activity, by: User | None, comment: str = "") -> list[int]:
    """Tell whom `kind` concerns, in the app now and by e-mail after the commit.

    Call inside the step's transaction. Returns the ids of the notifications written."""
    params = {"title": activity.title, "by": by.get_username() if by is not None else ""}
    if comment:
        params["comment"] = comment
    notes = Notification.objects.bulk_create(
        Notification(user=person, kind=kind, activity=activity, params=params)
        for person in recipients(kind, activity, by)
    )
    ids = [note.pk for note in notes]
    if ids:
        transaction.on_commit(partial(send_immediately, ids), robust=True)
    return ids


def delivery_of(user: User) -> str:
    preference = getattr(user, "notification_preference", None)
    return preference.delivery if preference is not None else EmailDelivery.IMMEDIATE


def language_of(user: User) -> str:
    preference = getattr(user, "notification_preference", None)
    return (preference.language if preference is not None else "") or settings.LANGUAGE_CODE


def _pending(ids: Iterable[int] | None = None) -> QuerySet[Notification]:
    notes = Notification.objects.filter(emailed_at__isnull=True).select_related(
        "user", "user__notification_preference"
    )
    return notes if ids is None else notes.filter(pk__in=list(ids))


def send_immediately(ids: Sequence[int]) -> int:
    """E-mail each of these notifications to its user, if they chose immediate mail
    (after the commit); returns how many were sent. A mail server that is down is tried
    once, not once per notification: the request that made them waits one timeout at
    most, and the rest wait for the digest."""
    due = [
        note
        for note in _pending(ids).order_by("pk")
        if delivery_of(note.user) == EmailDelivery.IMMEDIATE and note.user.email
    ]
    sent = 0
    for note in due:
        outcome = _mail(note.user, [note])
        if outcome == SERVER_DOWN:
            break
        sent += outcome == SENT
    return sent


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """One e-mail per user with every notification not yet e-mailed (the day's, and any
    an unreachable mail server left behind); returns how many e-mails were sent. Stops
    at a mail server that is down (the next run sends the rest)."""
    now = now or timezone.now()
    pending = (
        _pending()
        .filter(created_at__lte=now)
        .exclude(user__email="")
        .exclude(user__notification_preference__delivery=EmailDelivery.NONE)
        .select_related("activity")
        .order_by("user_id", "created_at", "pk")
    )
    by_user: dict[int, list[Notification]] = {}
    for note in pending:
        by_user.setdefault(note.user_id, []).append(note)
    sent = 0
    for notes in by_user.values():
        outcome = _mail(notes[0].user, notes)
        if outcome == SERVER_DOWN:
            break
        sent += outcome == SENT
    return sent


def _link(path: str) -> str:
    return settings.SITE_BASE_URL + path


def render_mail(user: User, notes: Sequence[Notification]) -> tuple[str, str]:
    """(subject, body) of the e-mail of `notes`, in the user's language."""
    with translation.override(language_of(user)):
        items = [
            {
                "message": note.message,
                "comment": note.comment,
                "link": _link(reverse("pages:activity_detail", args=[note.activity_id]))
                if note.activity_id
                else "",
            }
            for note in notes
        ]
        if len(notes) == 1:
            subject = notes[0].message
        else:
            subject = ngettext(
                "tacbapp: %(count)s notification", "tacbapp: %(count)s notifications", len(notes)
            ) % {"count": len(notes)}
        body = render_to_string(
            "notifications/email.txt",
            {
                "items": items,
                "digest": len(notes) > 1,
                "list_link": _link(reverse("notifications")),
            },
        )
    return " ".join(subject.split())[:180], body


SENT, REFUSED, SERVER_DOWN = "sent", "refused", "server down"
# Refusals of one message (its recipient, its sender, its content): the next one may pass.
ONE_MESSAGE_REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


def _mail(user: User, notes: Sequence[Notification]) -> str:
    """Send one e-mail: SENT (the notes are then marked e-mailed), REFUSED (this message
    only) or SERVER_DOWN (anything else: a socket error, a timeout, a provider's API
    error). A failure is logged with the notifications' ids and the error's class only
    (no address, no name); the next digest tries again."""
    subject, body = render_mail(user, notes)
    try:
        send_mail(subject, body, None, [user.email], fail_silently=False)
    except Exception as error:  # any backend: SMTP, a provider's API, a socket timeout
        logger.warning(
            "Notification e-mail not sent (notifications %s): %s; kept for the next digest.",
            ",".join(str(note.pk) for note in notes),
            type(error).__name__,
        )
        return REFUSED if isinstance(error, ONE_MESSAGE_REFUSED) else SERVER_DOWN
    Notification.objects.filter(pk__in=[note.pk for note in notes]).update(
        emailed_at=timezone.now()
    )
    return SENT


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (those of `ids`, else all)."""
    notes = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        notes = notes.filter(pk__in=list(ids))
    return notes.update(read_at=timezone.now())
