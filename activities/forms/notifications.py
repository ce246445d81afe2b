"""A user's choice of how notifications reach them (activities/notifications.py)."""

from __future__ import annotations

from django import forms

from activities.models import NotificationPreference


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["delivery", "language"]
        widgets = {"delivery": forms.RadioSelect}
