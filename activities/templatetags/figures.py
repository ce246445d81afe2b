"""Numbers as people read them, with their qualifier never dropped.

The counting engine says "exact", "at_least" or "about"; stored rows and reported
figures say "exact", "more_than" or "about". Both are accepted:

    5600, "at_least"  -> "5,600+"            (short, for tables and charts)
                      -> "more than 5,600"   (words, for sentences)
    5600, "about"     -> "about 5,600"
"""

from __future__ import annotations

from django import template
from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.translation import gettext

from ..place_names import place_name

register = template.Library()

AT_LEAST = {"at_least", "more_than"}


def localized_number(value: int | float) -> str:
    """A number grouped as the reader's language writes it: 5,600 / 5 600 / 5.600.
    Machine outputs (CSV, JSON, IATI) never call this: they keep plain digits."""
    return number_format(value, use_l10n=True, force_grouping=True)


def format_count(value: int | str | None, qualifier: str | None = "exact") -> str:
    if value is None:
        return gettext("not recorded")
    if isinstance(value, str):
        return value  # a suppressed small number ("<5"), shown as it is
    number = localized_number(value)
    if qualifier in AT_LEAST:
        return f"{number}+"
    if qualifier == "about":
        return gettext("about %(number)s") % {"number": number}
    return number


def format_count_words(value: int | str | None, qualifier: str | None = "exact") -> str:
    if value is None:
        return gettext("not recorded")
    if isinstance(value, str):
        return value  # a suppressed small number ("<5"), shown as it is
    number = localized_number(value)
    if qualifier in AT_LEAST:
        # The report's lower bound: "more than 5,600" / "plus de 5 600" / "más de 5.600".
        return gettext("more than %(number)s") % {"number": number}
    if qualifier == "about":
        return gettext("about %(number)s") % {"number": number}
    return number


@register.filter
def count(measure) -> str:
    """A measure dict of the counting engine ({"total", "qualifier"}) or a plain int."""
    if isinstance(measure, dict):
        return format_count(measure.get("total"), measure.get("qualifier"))
    return format_count(measure)


@register.filter
def count_words(measure) -> str:
    if isinstance(measure, dict):
        return format_count_words(measure.get("total"), measure.get("qualifier"))
    return format_count_words(measure)


@register.filter
def qualified(value, qualifier) -> str:
    """{{ row.total|qualified:row.qualifier }}"""
    return format_count(value, qualifier)


@register.filter
def qualified_words(value, qualifier) -> str:
    return format_count_words(value, qualifier)


@register.filter
def how_many(measure) -> int:
    """The number that picks a plural form: {% blocktranslate count counter=x|how_many %}.
    A measure dict's total (or its "at least" for countries), an int as it is; an unknown
    or suppressed number ("<5") reads as plural, like "not recorded participations"."""
    if isinstance(measure, dict):
        measure = measure.get("total", measure.get("at_least"))
    return measure if isinstance(measure, int) else 2


@register.filter
def unit_for(unit: str, value) -> str:
    """{{ figure.unit|unit_for:figure.value }}: the source's unit ("meetings"), singular
    for one ("1 meeting"). The unit is the source's own English word, not a message."""
    from ..reports.words import unit_of  # words imports this module

    return unit_of(unit or "", value if isinstance(value, int) else None)


@register.filter
def countries_count(measure) -> str:
    """The engine's countries measure: named countries, or the reported "from N"."""
    if not isinstance(measure, dict):
        return format_count(measure)
    return format_count(measure.get("at_least"), measure.get("qualifier"))


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes them);
    "page" is dropped whenever anything else changes, so a new sort starts on page 1."""
    params: QueryDict = context["request"].GET.copy()
    if set(changes) - {"page"}:
        params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter(name="place_name")
def place_name_filter(name: str | None) -> str:
    """{{ row.name|place_name }}: a region or country name in the reader's language."""
    return place_name(name)


@register.filter
def get_item(mapping: dict, key):
    """{{ row|get_item:dimension }}: a dict value by a key held in a variable."""
    return mapping.get(key) if isinstance(mapping, dict) else None


def sex_recorded(measure) -> bool:
    """Whether a participations measure ({"female", "male", ...}) records anyone's sex.

    False when no row behind it gives a split by sex (every participation is "sex not
    recorded", or there is none): pages then say "sex not recorded" instead of the
    misleading "female 0, male 0"."""
    if not isinstance(measure, dict):
        return False
    return bool(measure.get("female") or measure.get("male"))


register.filter("sex_recorded", sex_recorded)


@register.filter
def as_reported(figure):
    """A reported figure as a closed period froze it, or None
    (activities/figures_as_reported.py)."""
    from .. import figures_as_reported as module

    return module.of_figure(figure)
