"""Notifications of the review (activities/notifications.py sends them): an in-app list
and e-mails, immediate or in a daily digest, by each user's choice.

A Notification row is written in the same transaction as the step it tells of, so a
rolled-back step leaves none; its e-mail goes after the commit. `emailed_at` stays empty
until a mail was handed to the mail server: a mail server that is down loses nothing,
the next digest (`manage.py send_digests`) sends it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", _("submitted for review")
    RETURNED = "returned", _("returned with a comment")
    PUBLISHED = "published", _("published")


class EmailDelivery(models.TextChoices):
    IMMEDIATE = "immediate", _("an e-mail for each notification")
    DIGEST = "digest", _("one e-mail a day (daily digest)")
    NONE = "none", _("no e-mail (the list on the site only)")


class Notification(models.Model):
    """One thing a user is told: an activity submitted (to managers), returned or
    published (to the officer who submitted it, else who logged it).

    `params` holds what the message names, as it was then (the activity's title, who
    acted, the comment of a return), so the message reads the same after a rename and is
    translated when shown, into the reader's language.
    """

    Kind = NotificationKind

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    activity = models.ForeignKey(
        "Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its e-mail (immediate or digest) was sent."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["emailed_at", "user"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """The message in the active language."""
        values = {
            "title": self.params.get("title", ""),
            "by": self.params.get("by", ""),
        }
        if self.kind == NotificationKind.SUBMITTED:
            return gettext("“%(title)s” was submitted for review by %(by)s.") % values
        if self.kind == NotificationKind.RETURNED:
            return gettext("“%(title)s” was returned to you by %(by)s: it needs action.") % values
        return gettext("“%(title)s” was published by %(by)s.") % values

    @property
    def comment(self) -> str:
        return str(self.params.get("comment", ""))


class NotificationPreference(models.Model):
    """A user's choice: how notifications reach them by e-mail, and in which language
    (empty: settings.LANGUAGE_CODE). No row: immediate, in the default language."""

    Delivery = EmailDelivery

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    delivery = models.CharField(
        _("e-mail"), max_length=10, choices=EmailDelivery.choices, default=EmailDelivery.IMMEDIATE
    )
    language = models.CharField(
        _("language of e-mails"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text="Empty: the site's default language.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery__in=EmailDelivery.values), name="notification_delivery_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.delivery}"
