"""The manager's forms for reporting periods: add one, close it for a report, reopen it.
They validate; activities/results/periods.py writes (and checks who may)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PeriodForm(forms.Form):
    label = forms.CharField(
        label=_("Label"), max_length=120, help_text=_("e.g. 2021, 2021 Q1, 2020–2021")
    )
    start_date = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))


class CloseForm(forms.Form):
    report = forms.CharField(
        label=_("For which report"),
        max_length=300,
        help_text=_("The report its figures go into, e.g. E/CN.15/2021/8."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=_("Why reopen it"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the period's history; its snapshots stay as they were."),
    )
