"""What a synthetic programme looks like: the references it is numbered by and the
relative weights it is drawn with.

Tune the shape of the benchmark's data here; the generator only reads these tables. The
weights follow the 2020 report seed, tilted towards the trainings a programme logs week
after week.
"""

from __future__ import annotations

from ..models import ActivityKind, DatePrecision, Modality, Qualifier

# Every synthetic activity has the reference `synthetic/<seed>/<n>`.
REFERENCE_PREFIX = "synthetic/"

KIND_WEIGHTS = {
    ActivityKind.TRAINING: 38,
    ActivityKind.WORKSHOP: 12,
    ActivityKind.WEBINAR: 11,
    ActivityKind.COURSE: 8,
    ActivityKind.MEETING: 8,
    ActivityKind.MENTORING: 4,
    ActivityKind.ASSESSMENT: 4,
    ActivityKind.ADVISORY: 4,
    ActivityKind.CONFERENCE: 3,
    ActivityKind.AWARENESS: 3,
    ActivityKind.CAMPAIGN: 2,
    ActivityKind.PUBLICATION: 2,
    ActivityKind.MECHANISM: 1,
}
# Kinds that rarely count people (an assessment, a publication, a tool).
KINDS_WITHOUT_PEOPLE = {
    ActivityKind.ASSESSMENT,
    ActivityKind.ADVISORY,
    ActivityKind.PUBLICATION,
    ActivityKind.MECHANISM,
}
MODALITY_WEIGHTS = {
    Modality.IN_PERSON: 45,
    Modality.ONLINE: 22,
    Modality.HYBRID: 10,
    Modality.BROADCAST: 2,
    Modality.NOT_RECORDED: 21,
}
# M49 level-1 regions: Americas, Africa, Asia, Europe, Oceania.
REGION_WEIGHTS = {"019": 30, "002": 28, "142": 30, "150": 8, "009": 4}
LANGUAGES_BY_REGION = {
    "019": ["es", "en", "pt", "fr"],
    "002": ["fr", "en", "pt", "ar"],
    "142": ["en", "ar", "ru", "zh"],
    "150": ["en", "ru", "fr"],
    "009": ["en", "fr"],
}
# Scope shapes: one country, several countries, a region below World, the whole world.
SCOPE_WEIGHTS = {"country": 72, "countries": 14, "region": 10, "world": 4}
PRECISION_WEIGHTS = {DatePrecision.DAY: 70, DatePrecision.MONTH: 18, DatePrecision.YEAR: 12}
FIRST_YEAR, LAST_YEAR = 2012, 2025
QUALIFIER_WEIGHTS = {Qualifier.EXACT: 90, Qualifier.MORE_THAN: 7, Qualifier.ABOUT: 3}
