"""Serializers of /api/v1/, one module per resource; nested data is read from the
relations that activities/selectors.py prefetches.

- nested.py: related records as they appear inside others, and the code fields
- activities.py: activities (reads and writes through activities/services.py)
- beneficiaries.py: an activity's beneficiary rows
- figures.py: reported figures
- projects.py: projects with their money and results framework, and their results
- references.py: countries, regions, themes, audiences, languages, partners, mentors,
  mandates, donors, kinds, modalities
- stats.py: the shape of GET /api/v1/stats/, for OpenAPI
"""

from .activities import ActivitySerializer
from .beneficiaries import AttributedPlaceSerializer, BeneficiaryGroupSerializer
from .figures import ReportedFigureSerializer
from .projects import IndicatorResultSerializer, IndicatorSerializer, ProjectSerializer
from .references import (
    AudienceSerializer,
    CountrySerializer,
    DonorSerializer,
    HubSerializer,
    KindSerializer,
    LanguageSerializer,
    MandateSerializer,
    MentorSerializer,
    ModalitySerializer,
    PartnerSerializer,
    RegionSerializer,
    ThemeSerializer,
)
from .stats import StatsResponseSerializer

__all__ = [
    "ActivitySerializer",
    "AttributedPlaceSerializer",
    "AudienceSerializer",
    "BeneficiaryGroupSerializer",
    "CountrySerializer",
    "DonorSerializer",
    "HubSerializer",
    "IndicatorResultSerializer",
    "IndicatorSerializer",
    "KindSerializer",
    "LanguageSerializer",
    "MandateSerializer",
    "MentorSerializer",
    "ModalitySerializer",
    "PartnerSerializer",
    "ProjectSerializer",
    "RegionSerializer",
    "ReportedFigureSerializer",
    "StatsResponseSerializer",
    "ThemeSerializer",
]
