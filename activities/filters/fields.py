"""The building blocks the FilterSets share: validating fields and filter helpers.

A country given by ISO code, a month as YYYY-MM, a related record looked up by its code,
a choice among known values: each is cleaned into a value or a form error naming what
matched nothing, and documented for drf-spectacular. `linked_to` matches a many-to-many
link through EXISTS, so that a match never duplicates rows.
"""

from __future__ import annotations

import copy
import datetime
from collections import OrderedDict
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema_field

from .. import counting
from ..models import Country, DeliveryStatus, Kind, ModalityOption, Region, ReportedFigure
from ..models.kinds import CODE_PATTERN


class CountryCodeField(forms.CharField):
    """An ISO 3166-1 alpha-2 or alpha-3 code, resolved to a Country."""

    default_error_messages = {
        "unknown": gettext_lazy("Unknown country code %(code)s: use ISO alpha-2 or -3.")
    }

    def clean(self, value):
        code = (super().clean(value) or "").strip().upper()
        if not code:
            return None
        country = country_by_code(code)
        if country is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"code": code}
            )
        return country


def country_by_code(code: str) -> Country | None:
    """The country of an upper-case ISO alpha-2 or alpha-3 code, or None. Raw SQL: the
    country filter runs on every question of a country, and the ORM would compile the
    same one-row lookup each time (a third of a millisecond of a computed answer)."""
    column = "iso2" if len(code) == 2 else "iso3"
    table = Country._meta.db_table
    found = list(Country.objects.raw(f"SELECT * FROM {table} WHERE {column} = %s", [code]))
    return found[0] if found else None


def bound_filters(
    base_filters: dict[str, django_filters.Filter], parent: django_filters.FilterSet, model
) -> OrderedDict[str, django_filters.Filter]:
    """A FilterSet's own copies of its class's filters, as django-filter's deep copies
    would give them, made cheaply: each filter copied with its `extra` (a model choice
    filter writes its queryset there), bound to `parent` and `model`, and its `method`
    set again, so that it calls the parent's method, not the class filter's. A built
    form field (`_field`) is shared, as the cached form class shares it: no request
    writes it, and every form copies its fields."""
    bound: OrderedDict[str, django_filters.Filter] = OrderedDict()
    for name, base in base_filters.items():
        filter_: Any = copy.copy(base)
        filter_.extra = dict(base.extra)
        filter_.model = model
        filter_.parent = parent
        if base.method is not None:
            filter_.method = base.method  # a FilterMethod of the copy, not of `base`
        bound[name] = filter_
    return bound


def with_schema(filter_, schema: dict):
    """Tell drf-spectacular what the parameter looks like (it cannot see through a
    `method` or a custom field), keeping the help text as its description."""
    help_text = filter_.extra.get("help_text")
    documented = {**schema, **({"description": str(help_text)} if help_text else {})}
    return extend_schema_field(documented)(filter_)


class CountryCodeFilter(django_filters.Filter):
    field_class = CountryCodeField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_schema(self, {"type": "string", "pattern": "^[A-Za-z]{2,3}$"})


class MonthField(forms.CharField):
    """A calendar month as YYYY-MM, cleaned to a (year, month) pair, in a year of
    settings.PLAUSIBLE_YEARS (no activity is dated outside them)."""

    default_error_messages = {
        "invalid_month": gettext_lazy("Give a month as YYYY-MM, e.g. 2020-02."),
        "implausible": gettext_lazy("Give a month from %(first)s-01 to %(last)s-12."),
    }

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        try:
            year, month = (int(part) for part in text.split("-"))
            datetime.date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(
                self.error_messages["invalid_month"], code="invalid_month"
            ) from None
        first, last = settings.PLAUSIBLE_YEARS
        if not first <= year <= last:
            raise forms.ValidationError(
                self.error_messages["implausible"],
                code="implausible",
                params={"first": first, "last": last},
            )
        return year, month


class QuarterField(forms.CharField):
    """A quarter as YYYY-Qn (n 1 to 4), cleaned to a (year, quarter) pair, in a year of
    settings.PLAUSIBLE_YEARS."""

    default_error_messages = {
        "invalid_quarter": gettext_lazy("Give a quarter as YYYY-Qn, e.g. 2021-Q3."),
        "implausible": gettext_lazy("Give a quarter from %(first)s-Q1 to %(last)s-Q4."),
    }

    def clean(self, value):
        text = (super().clean(value) or "").strip().upper()
        if not text:
            return None
        year_text, _, quarter_text = text.partition("-Q")
        if not (year_text.isdigit() and quarter_text in {"1", "2", "3", "4"}):
            raise forms.ValidationError(
                self.error_messages["invalid_quarter"], code="invalid_quarter"
            )
        year, quarter = int(year_text), int(quarter_text)
        first, last = settings.PLAUSIBLE_YEARS
        if not first <= year <= last:
            raise forms.ValidationError(
                self.error_messages["implausible"],
                code="implausible",
                params={"first": first, "last": last},
            )
        return year, quarter


class QuarterFilter(django_filters.Filter):
    field_class = QuarterField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_schema(self, {"type": "string", "pattern": "^[0-9]{4}-[Qq][1-4]$"})


class MonthFilter(django_filters.Filter):
    field_class = MonthField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_schema(self, {"type": "string", "pattern": "^[0-9]{4}-(0?[1-9]|1[0-2])$"})


class IntegerFilter(django_filters.Filter):
    """A whole number: `2020.5` is an error, not 2020 (NumberFilter reads a decimal)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bounds = {"minimum": self.extra.get("min_value"), "maximum": self.extra.get("max_value")}
        schema = {key: value for key, value in bounds.items() if value is not None}
        with_schema(self, {"type": "integer", **schema})


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0, yes/no); anything else is an error, never "no filter"
    (django-filter's own boolean reads an unknown word as unset)."""

    widget = forms.TextInput  # NullBooleanSelect turns an unknown word into None first
    default_error_messages = {"invalid_boolean": gettext_lazy("Give true or false, not %(value)s.")}
    TRUE = frozenset({"true", "1", "yes"})
    FALSE = frozenset({"false", "0", "no"})

    def clean(self, value):
        text = str(value if value is not None else "").strip().lower()
        if not text:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(
            self.error_messages["invalid_boolean"], code="invalid_boolean", params={"value": value}
        )


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_schema(self, {"type": "boolean"})


# The `delivery` filter's value for every status (planned, postponed and cancelled too).
ALL_DELIVERY = "all"


class DeliveryStatusesField(forms.CharField):
    """Delivery statuses, comma-separated (`delivered,ongoing`), or `all`; cleaned to a
    tuple of statuses. Absent or empty: the statuses counted by default (counting rule
    10), so that every answer knows which statuses it counted."""

    default_error_messages = {
        "unknown": gettext_lazy("Unknown delivery status %(value)s: use %(known)s, or all."),
    }

    def clean(self, value):
        text = (super().clean(value) or "").strip().lower()
        if not text:
            return counting.COUNTED_BY_DEFAULT
        if text == ALL_DELIVERY:
            return counting.ALL_DELIVERY_STATUSES
        statuses = [part.strip() for part in text.split(",")]
        for status in statuses:
            if status not in DeliveryStatus.values:
                raise forms.ValidationError(
                    self.error_messages["unknown"],
                    code="unknown",
                    params={"value": status, "known": ", ".join(DeliveryStatus.values)},
                )
        return tuple(value for value in DeliveryStatus.values if value in statuses)


class DeliveryStatusesFilter(django_filters.Filter):
    field_class = DeliveryStatusesField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = "|".join(DeliveryStatus.values)
        with_schema(
            self,
            {
                "type": "string",
                # No "default": a generated client would send it, and every link
                # would carry it; the description says what an absent value means.
                "pattern": f"^(all|(({statuses}),)*({statuses}))$",
            },
        )


class PlaceCodeField(forms.CharField):
    """A country (ISO alpha-2 or alpha-3) or an M49 region (three digits), resolved."""

    default_error_messages = {
        "unknown": gettext_lazy(
            "Unknown place %(code)s: use an ISO alpha-2 or -3 country code or an M49 region code."
        ),
    }

    def clean(self, value):
        code = (super().clean(value) or "").strip().upper()
        if not code:
            return None
        place: Country | Region | None
        if code.isdigit():
            place = Region.objects.filter(code=code).first()
        else:
            lookup = {"iso2": code} if len(code) == 2 else {"iso3": code}
            place = Country.objects.filter(**lookup).first()
        if place is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"code": code}
            )
        return place


class PlaceCodeFilter(django_filters.Filter):
    field_class = PlaceCodeField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_schema(self, {"type": "string", "pattern": "^([A-Za-z]{2,3}|[0-9]{3})$"})


class StrictFilterForm(forms.Form):
    """The form of a FilterSet: a filter given twice (`?year=2020&year=2011`) is an error
    naming it, not the last value silently."""

    def clean(self):
        cleaned = super().clean()
        getlist = getattr(self.data, "getlist", None)
        if getlist is None:  # a plain dict holds one value per name
            return cleaned
        for name in self.fields:
            count = len(getlist(name))
            if count > 1:
                self.add_error(
                    name,
                    gettext("Give %(name)s once, not %(count)s times.")
                    % {"name": name, "count": count},
                )
        return cleaned


def unknown(what: str) -> dict[str, str]:
    """Error messages for a choice filter: name the value that matched nothing."""
    return {"invalid_choice": f"Unknown {what} %(value)s."}


def code_of(model, field: str, what: str, **kwargs) -> django_filters.ModelChoiceFilter:
    """A filter on a related record looked up by its code (slug, M49 code, id...)."""
    filter_ = django_filters.ModelChoiceFilter(
        queryset=model.objects.all(),
        to_field_name=field,
        error_messages=unknown(what),
        **kwargs,
    )
    schema: dict = {"type": "integer", "minimum": 1} if field == "pk" else {"type": "string"}
    if model is Region:
        schema["pattern"] = "^[0-9]{3}$"
    return with_schema(filter_, schema)


def reference_code_of(
    model: type[Kind] | type[ModalityOption], what: str, listed_at: str, **kwargs
) -> django_filters.ModelChoiceFilter:
    """A kind or a modality by its code: any row of the table, inactive ones included
    (old records keep them). The codes are data, so the schema gives their shape and
    where to list them rather than an enum."""
    filter_ = django_filters.ModelChoiceFilter(
        queryset=model.objects.all(),
        to_field_name="code",
        error_messages={
            "invalid_choice": f"Unknown {what} %(value)s: {listed_at} lists the codes."
        },
        **kwargs,
    )
    return with_schema(filter_, {"type": "string", "pattern": CODE_PATTERN})


def choice_of(choices, what: str, **kwargs) -> django_filters.ChoiceFilter:
    values = ", ".join(value for value, _label in choices)
    return django_filters.ChoiceFilter(
        choices=choices,
        error_messages={"invalid_choice": f"Unknown {what} %(value)s: use one of {values}."},
        **kwargs,
    )


def linked_to(model, m2m_name: str, value) -> Exists:
    """EXISTS (a row of model.<m2m_name>.through links the outer record to value)."""
    m2m = model._meta.get_field(m2m_name)
    through = m2m.remote_field.through
    own = m2m.m2m_field_name()
    other = m2m.m2m_reverse_field_name()
    return Exists(through.objects.filter(**{f"{own}_id": OuterRef("pk"), other: value}))


def behind_figure(figure) -> Exists:
    """EXISTS (the outer activity is one of the records behind the reported figure)."""
    through = ReportedFigure.activities.through
    return Exists(through.objects.filter(activity_id=OuterRef("pk"), reportedfigure=figure))


def under_theme(model, value) -> Exists:
    """EXISTS (the outer record is tagged with the theme `value` or one of its topics):
    a thematic area matches its training topics too."""
    m2m = model._meta.get_field("themes")
    through = m2m.remote_field.through
    own = m2m.m2m_field_name()
    return Exists(
        through.objects.filter(**{f"{own}_id": OuterRef("pk")}).filter(
            Q(theme=value) | Q(theme__parent=value)
        )
    )
