"""One FilterSet per resource, shared by the API and the HTML pages.

Every filter validates its input: an unknown region code, country, theme or kind, or a
malformed date, is a form error (a 400 naming the parameter in the API, an error next to
the field on a page), never silently ignored.

Modules: fields.py (the validating fields and helpers they share), activities.py,
figures.py, projects.py, references.py (places and directories). Every public name is re-exported
here, so `from activities.filters import ActivityFilterSet` keeps working.
"""

from .activities import ActivityFilterSet
from .fields import (
    CountryCodeField,
    CountryCodeFilter,
    MonthField,
    MonthFilter,
    choice_of,
    code_of,
    linked_to,
    unknown,
    with_schema,
)
from .figures import ReportedFigureFilterSet
from .projects import IndicatorFilterSet, ProjectFilterSet
from .references import (
    CountryFilterSet,
    DonorFilterSet,
    HubFilterSet,
    MandateFilterSet,
    MentorFilterSet,
    PartnerFilterSet,
    RegionFilterSet,
    ThemeFilterSet,
)

__all__ = [
    "ActivityFilterSet",
    "CountryCodeField",
    "CountryCodeFilter",
    "CountryFilterSet",
    "DonorFilterSet",
    "HubFilterSet",
    "IndicatorFilterSet",
    "MandateFilterSet",
    "MentorFilterSet",
    "MonthField",
    "MonthFilter",
    "PartnerFilterSet",
    "ProjectFilterSet",
    "RegionFilterSet",
    "ReportedFigureFilterSet",
    "ThemeFilterSet",
    "choice_of",
    "code_of",
    "linked_to",
    "unknown",
    "with_schema",
]
