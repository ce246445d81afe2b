"""Forms of the people pages: the directory's search, the merge confirmation, the erasure
request. They validate; activities/people/merging.py and erasure.py write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Country
from ..people.duplicates import DEFAULT_THRESHOLD


class DirectoryForm(forms.Form):
    q = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("Any words of the name, in any order, with or without accents."),
    )
    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.none(),
        to_field_name="iso3",
        required=False,
        empty_label=_("All countries"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["country"]
        assert isinstance(field, forms.ModelChoiceField)
        # The countries people come from: a short list, read once when the form renders.
        field.queryset = (
            Country.objects.filter(participants__isnull=False).distinct().order_by("name")
        )


class MergeForm(forms.Form):
    """Which of the two records stays: the other is merged into it."""

    KEEP_THIS = "this"
    KEEP_OTHER = "other"

    other = forms.IntegerField(widget=forms.HiddenInput)
    keep = forms.ChoiceField(
        label=_("Keep"),
        choices=[(KEEP_THIS, _("this record")), (KEEP_OTHER, _("the other record"))],
        widget=forms.RadioSelect,
        initial=KEEP_THIS,
        help_text=_(
            "The record kept gets the other's attendance; the other points at it and can "
            "be separated again from the merge history."
        ),
    )


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_(
            "Why, as recorded in the erasure log (for example: request by e-mail of "
            "3 March). Do not write the person's name here."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the name, contacts, age and scores are erased for good."),
    )


class DuplicatesForm(forms.Form):
    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.none(),
        to_field_name="iso3",
        required=False,
        empty_label=_("All countries"),
    )
    threshold = forms.IntegerField(
        label=_("Minimum score"),
        min_value=60,
        max_value=100,
        required=False,
        initial=DEFAULT_THRESHOLD,
        help_text=_("100 is the same words; 85 allows a typo or a missing second surname."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["country"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Country.objects.filter(participants__isnull=False).distinct().order_by("name")
        )
