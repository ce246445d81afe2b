"""How exact a number or a period is, as the source gives it.

A count may be exact, "more than" or "about"; a period may be known to the year, the
month or the day. Both are stored with the value and never rounded up into more
precision than the source has.
"""

from __future__ import annotations

from django.db import models


class Qualifier(models.TextChoices):
    """How exact a count is. "more than 5,600" is stored as 5600 with MORE_THAN."""

    EXACT = "exact", "exact"
    MORE_THAN = "more_than", "more than"
    ABOUT = "about", "about"


class DatePrecision(models.TextChoices):
    """How much of a period the source gives. "2020" is YEAR: never invent the day."""

    YEAR = "year", "year"
    MONTH = "month", "month"
    DAY = "day", "day"


def format_period(start, end, precision: str) -> str:
    """'2020', 'February 2020', '27–29 July 2020', '2018–2020': only what is known."""
    if precision == DatePrecision.YEAR:
        return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    if precision == DatePrecision.MONTH:
        first = start.strftime("%B %Y")
        last = end.strftime("%B %Y")
        return first if first == last else f"{first} – {last}"
    if start == end:
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"
