"""How the officer's form shows a choice among many: checkboxes when there are few, a
multi-select when there are many, only the places the officer logs for, and a country
typed with suggestions (CountryByNameField) where a select would repeat ~250 options.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy

from ..models import Country, Region

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


class CountryIndex:
    """Every country by its ISO codes and its names in each UN language, read in one
    query, for a country typed as text (one shared <datalist> instead of ~250 <option>s
    in every row). `suggested` are the countries the picker offers: the user's scope,
    in the reader's language and reading order."""

    def __init__(self, *, suggested_ids: Iterable[int] | None = None) -> None:
        countries = list(Country.objects.only("pk", "iso2", "iso3", "name", "names"))
        self.by_pk = {country.pk: country for country in countries}
        self.by_key: dict[str, Country] = {}
        for country in countries:
            for key in (country.iso2, country.iso3, country.name, *country.names.values()):
                if key:
                    self.by_key.setdefault(reading_order(key), country)
        wanted = set(suggested_ids) if suggested_ids is not None else set(self.by_pk)
        self.suggested = sorted(
            (country for country in countries if country.pk in wanted),
            key=lambda country: reading_order(country.display_name),
        )

    def find(self, typed: str) -> Country | None:
        return self.by_key.get(reading_order(typed.strip()))


class CountryByNameField(forms.Field):
    """A country typed as its name (in any UN language) or its ISO code, checked by the
    server: works without script; with it, the browser suggests from the datalist."""

    default_error_messages = {
        "unknown": gettext_lazy(
            "“%(typed)s” is not a country name we know: pick one from the list, or type its "
            "ISO code (SV or SLV for El Salvador)."
        ),
    }

    def __init__(self, *, index: CountryIndex | None = None, datalist: str = "", **kwargs):
        self.index = index
        self.datalist = datalist  # before Field.__init__, which asks widget_attrs
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"autocomplete": "off", "class": "country-input"})
        if self.datalist:
            attrs["list"] = self.datalist
        return attrs

    def _country(self, value: Any) -> Country | None:
        if value in (None, ""):
            return None
        if isinstance(value, Country):
            return value
        assert self.index is not None  # set by the form before it is used
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return self.index.by_pk.get(int(value))
        return self.index.find(str(value))

    def prepare_value(self, value: Any) -> Any:
        # A saved row's country (its pk) shows as its name; what was typed stays as typed.
        if isinstance(value, Country | int):
            country = self._country(value)
            return country.display_name if country else ""
        return value

    def to_python(self, value: Any) -> Country | None:
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            return None
        country = self._country(value)
        if country is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"typed": str(value)[:60]}
            )
        return country

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            new = self.to_python(data)
        except forms.ValidationError:
            return True
        old = self._country(initial)
        return (new.pk if new else None) != (old.pk if old else None)
