"""How exact a number or a period is, as the source gives it.

A count may be exact, "more than" or "about"; a period may be known to the year, the
month or the day. Both are stored with the value and never rounded up into more
precision than the source has.
"""

from __future__ import annotations

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Qualifier(models.TextChoices):
    """How exact a count is. "more than 5,600" is stored as 5600 with MORE_THAN."""

    EXACT = "exact", _("exact")
    MORE_THAN = "more_than", _("more than")
    ABOUT = "about", _("about")


class DatePrecision(models.TextChoices):
    """How much of a period the source gives. "2020" is YEAR: never invent the day."""

    YEAR = "year", _("year")
    MONTH = "month", _("month")
    DAY = "day", _("day")


def format_period(start, end, precision: str) -> str:
    """'2020', 'February 2020', '27–29 July 2020', '2018–2020': only what is known.

    Month names and word order follow the active language ('juillet 2020', 'julio de
    2020'); exports, which must not depend on the reader, render under English."""
    if precision == DatePrecision.YEAR:
        return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    if (get_language() or "en").split("-")[0] != "en":
        return _localized_period(start, end, precision)
    if precision == DatePrecision.MONTH:
        first = start.strftime("%B %Y")
        last = end.strftime("%B %Y")
        return first if first == last else f"{first} – {last}"
    if start == end:
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"


def _localized_period(start, end, precision: str) -> str:
    """The same periods in the active language's own formats (Django's locale data:
    'F Y' / 'F \\d\\e Y' for months, 'j F Y' / 'j \\d\\e F \\d\\e Y' for days)."""
    if precision == DatePrecision.MONTH:
        first = date_format(start, "YEAR_MONTH_FORMAT")
        last = date_format(end, "YEAR_MONTH_FORMAT")
        return first if first == last else f"{first} – {last}"
    if start == end:
        return date_format(start, "DATE_FORMAT")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{date_format(end, 'DATE_FORMAT')}"
    return f"{date_format(start, 'DATE_FORMAT')} – {date_format(end, 'DATE_FORMAT')}"
