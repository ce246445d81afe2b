"""The domain: what was delivered, where, to whom, and the figures a report gives.

Reading guide
- places.py: Region and Country, the UN M49 standard (loaded from a maintained source).
- references.py: the directories records point to (themes, audiences, languages,
  partners, mandates, donors, regional hubs, mentors, source documents).
- kinds.py: Kind and ModalityOption, the kinds of activity and modalities of delivery an
  administrator manages, named by codes (ActivityKind and Modality are the built-in ones).
- activities.py: Activity is one delivery (most often a training).
- beneficiaries.py: BeneficiaryGroup rows say how many people an activity reached, by
  audience, sex and country, with a qualifier (precision.py).
- figures.py: ReportedFigure holds every number a source document gives, including those
  that are not delivery records (umbrella totals, context statistics, reach, outcomes),
  so that none of them is ever added into participants.
- people.py: Participant (a named person), Attendance (a person at an activity), the
  imports, merges and erasures of people: the only personal data the app holds.
- results.py: Project (with Funding, Disbursement, Outcome), Indicator (with Target and
  IndicatorValue), ReportingPeriod (with PeriodEvent, PeriodSnapshot, SnapshotFigure):
  projects, their money and results, periods that close and what was reported.
- sessions.py: ActivitySession (one session of a series or a course) and
  SessionAttendance (a person at a session, through their attendance of the activity).
- scopes.py: OfficerScope, the places a programme officer logs activities for.
- evidence.py: EvidenceFile, a file that proves an activity took place (attendance
  sheet, agenda, report, photo), private unless a manager marks it public.
- notifications.py: Notification and NotificationPreference, what the review tells whom.
- data_version.py: DataVersion, the row that makes cached answers safe.
- rollups.py: RollupCell and RollupChange, each activity's counts kept cell by cell
  (activities/rollups/); ActivityPlace, PlaceVersion and ActivityStamp, the versions of
  answers kept by place and of records kept one by one (answer_cache/).
- The counting rules themselves live in activities/counting.py.

Everything is re-exported here, so `from activities.models import X` works for every
model and public name; the app label stays `activities`. That includes the Historical*
audit-trail models, which django-simple-history creates in the module of each model
that has a `history` field.
"""

from .activities import (
    Activity,
    ActivityPostponement,
    DeliveryStatus,
    PublicationStatus,
    ReviewState,
    validate_geographic_scope,
)

# django-simple-history makes these classes at import time, where mypy cannot see them.
from .activities import (  # type: ignore[attr-defined]  # isort: skip
    HistoricalActivity,
    HistoricalActivity_audiences,
    HistoricalActivity_countries,
    HistoricalActivity_donors,
    HistoricalActivity_languages,
    HistoricalActivity_mandates,
    HistoricalActivity_mentors,
    HistoricalActivity_partners,
    HistoricalActivity_projects,
    HistoricalActivity_regions,
    HistoricalActivity_themes,
)
from .beneficiaries import BeneficiaryGroup

from .beneficiaries import HistoricalBeneficiaryGroup  # type: ignore[attr-defined]  # isort: skip
from .data_version import DataVersion
from .evidence import EvidenceFile, EvidenceKind

from .evidence import HistoricalEvidenceFile  # type: ignore[attr-defined]  # isort: skip
from .figures import FigureRole, ReportedFigure
from .kinds import ActivityKind, Kind, Modality, ModalityOption, active_or_current
from .notifications import Notification, NotificationKind, NotificationPreference
from .people import (
    AgeBand,
    Attendance,
    AttendanceImport,
    Participant,
    ParticipantMerge,
    PersonErasure,
    Sex,
)
from .places import Country, Region
from .precision import DatePrecision, Qualifier, format_period
from .references import (
    Audience,
    Donor,
    Hub,
    Language,
    Mandate,
    Mentor,
    Partner,
    SourceDocument,
    Theme,
)
from .results import (
    Disaggregation,
    Disbursement,
    DonorViewer,
    Funding,
    Indicator,
    IndicatorKind,
    IndicatorValue,
    Outcome,
    PeriodEvent,
    PeriodSnapshot,
    Project,
    ReportingPeriod,
    SnapshotFigure,
    Target,
)
from .rollups import (
    ActivityPlace,
    ActivityStamp,
    PersonCell,
    PersonTotal,
    PlaceVersion,
    RollupCell,
    RollupChange,
    RollupTotal,
)
from .scopes import OfficerScope
from .sessions import ActivitySession, SessionAttendance

from .sessions import HistoricalActivitySession  # type: ignore[attr-defined]  # isort: skip

__all__ = [
    "Activity",
    "ActivityKind",
    "ActivityPlace",
    "ActivityPostponement",
    "ActivitySession",
    "ActivityStamp",
    "AgeBand",
    "Attendance",
    "AttendanceImport",
    "Audience",
    "BeneficiaryGroup",
    "Country",
    "DataVersion",
    "DatePrecision",
    "DeliveryStatus",
    "Disaggregation",
    "Disbursement",
    "Donor",
    "DonorViewer",
    "EvidenceFile",
    "EvidenceKind",
    "FigureRole",
    "Funding",
    "HistoricalActivity",
    "HistoricalActivitySession",
    "HistoricalActivity_audiences",
    "HistoricalActivity_countries",
    "HistoricalActivity_donors",
    "HistoricalActivity_languages",
    "HistoricalActivity_mandates",
    "HistoricalActivity_mentors",
    "HistoricalActivity_partners",
    "HistoricalActivity_projects",
    "HistoricalActivity_regions",
    "HistoricalActivity_themes",
    "HistoricalBeneficiaryGroup",
    "HistoricalEvidenceFile",
    "Hub",
    "Indicator",
    "IndicatorKind",
    "IndicatorValue",
    "Kind",
    "Language",
    "Mandate",
    "Mentor",
    "Modality",
    "ModalityOption",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "OfficerScope",
    "Outcome",
    "Participant",
    "ParticipantMerge",
    "Partner",
    "PeriodEvent",
    "PeriodSnapshot",
    "PersonCell",
    "PersonErasure",
    "PersonTotal",
    "PlaceVersion",
    "Project",
    "PublicationStatus",
    "Qualifier",
    "Region",
    "ReportedFigure",
    "ReportingPeriod",
    "ReviewState",
    "RollupCell",
    "RollupChange",
    "RollupTotal",
    "SessionAttendance",
    "Sex",
    "SnapshotFigure",
    "SourceDocument",
    "Target",
    "Theme",
    "active_or_current",
    "format_period",
    "validate_geographic_scope",
]
