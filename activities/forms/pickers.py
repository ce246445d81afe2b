"""How the officer's form shows a choice among many: checkboxes when there are few, a
multi-select when there are many, and only the places the officer logs for.
"""

from __future__ import annotations

import unicodedata
from typing import Any, cast

from django import forms
from django.db.models import Model, QuerySet

from ..models import Region

# Up to this many choices a picker is a list of checkboxes; above it, a multi-select.
CHECKBOX_LIMIT = 40


def model_choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The field `name` of `form`, a model choice field (a foreign key or many-to-many
    field of the model): `form.fields` is typed as holding plain Fields."""
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def shown_name(obj: Model) -> str:
    """A choice's label in the reader's language: places, themes, audiences and
    languages have a `display_name`; anything else shows as itself."""
    name = getattr(obj, "display_name", None)
    if name is None:
        return str(obj)
    if isinstance(obj, Region):
        return f"{name} ({obj.code})"  # as Region.__str__, in the reader's language
    return name


def reading_order(name: str) -> str:
    """A sort key that puts 'États-Unis' among the E's, not after Z."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def place_picker(field: forms.ModelChoiceField[Any], choices_queryset: QuerySet[Model]) -> None:
    """Show only `choices_queryset` but keep validating against everything, so that a
    place outside the scope gets a clear message rather than "not a valid choice"."""
    choices = [(obj.pk, shown_name(obj)) for obj in choices_queryset]
    widget_class = forms.CheckboxSelectMultiple if len(choices) <= CHECKBOX_LIMIT else None
    if widget_class is not None:
        field.widget = widget_class()
    else:
        field.widget.attrs["size"] = 10
    field.widget.choices = choices


def optional_picker(field: forms.ModelChoiceField[Any]) -> None:
    """An optional choice among all of the field's queryset, as checkboxes when few."""
    field.required = False
    field.label_from_instance = shown_name  # type: ignore[method-assign]
    assert field.queryset is not None  # set by the form before
    choices = list(field.queryset)
    if len(choices) <= CHECKBOX_LIMIT:
        field.widget = forms.CheckboxSelectMultiple()
        field.widget.choices = field.choices
