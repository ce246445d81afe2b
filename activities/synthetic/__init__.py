"""A synthetic programme, for benchmarks and scale tests: `manage.py generate_synthetic`.

The shape follows the 2020 report seed and what a programme logs over the years: mostly
trainings, workshops and webinars; countries weighted by region (the Americas, Africa and
Asia far more than Europe and Oceania); about one activity in seven delivered to several
countries and one in seven scoped to a region or the whole world; beneficiary rows with
and without a country, sex splits with some people "not recorded", some "more than" and
"about" figures; partners, mentors, mandates, drafts; periods known to the day, the month
or only the year.

Rules kept here
- Every record is marked `is_synthetic=True` (activities and persons; attendance and
  beneficiary rows belong to synthetic activities) and has the reference
  `synthetic/<seed>/<n>`. A database that holds real (non-synthetic) activities is refused
  unless `allow_mixed` is given: synthetic records must never slip into real counts.
- The same seed gives the same records (natural keys, counts, periods, places), on any
  database: the vocabulary is read in the order of its natural keys, never of its ids.
- Derived attribution fields (`Activity.scope_region`, `BeneficiaryGroup.place_country`
  and `place_region`) are computed with the very rules services.refresh_attribution
  applies (counting.smallest_common_region), from the reference tables read once, and
  written in the same bulk insert: no query per activity.
- Writes are bulk: COPY through psycopg 3 on PostgreSQL, bulk_create in batches
  elsewhere, in one transaction (all or nothing). The audit history (simple-history) is
  not written for synthetic records.

Where each part lives
- shape.py: the weights the programme is drawn with (kinds, regions, scopes, periods).
- guard.py: which databases may receive a seed (MixedDataError).
- vocabulary.py: the reference data read once (and borrowed from the seed when missing).
- generator.py: the seeded draws, activity by activity, with derived places.
- people.py: synthetic persons and attendance for a share of the activities, and the
  tallies derived from it (the rule of activities/people/tallies.py).
- writer.py: COPY or bulk_create of a batch.
- run.py: generate(), the whole run in one transaction.
"""

from .generator import BATCH_SIZE, Generator
from .guard import MixedDataError
from .people import ATTENDANCE_SHARE, People
from .run import generate
from .shape import REFERENCE_PREFIX
from .vocabulary import Vocabulary, ensure_vocabulary, load_vocabulary

__all__ = [
    "ATTENDANCE_SHARE",
    "BATCH_SIZE",
    "REFERENCE_PREFIX",
    "Generator",
    "MixedDataError",
    "People",
    "Vocabulary",
    "ensure_vocabulary",
    "generate",
    "load_vocabulary",
]
