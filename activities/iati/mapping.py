"""How tacbapp's records map onto IATI 2.03 codes: one place for every choice, each
checked against the codelists in activities/data/iati-2.03/codelists/.

- Activity status (ActivityStatus): a delivered activity is 4 "Closed" (the physical
  activity is complete; a delivery carries no money of its own, so nothing awaits a
  financial sign-off), an ongoing one 2 "Implementation", a scheduled or postponed one 1
  "Pipeline/identification" (its dates planned), a cancelled one 5 "Cancelled". Like
  every export, the feed holds delivered and ongoing activities unless `delivery` asks
  for others (counting rule 10). A project is 1 before its start, 2 while it runs and 3
  "Finalisation" once its end date has passed (its accounts and evaluation may still be
  open: the data do not say it is closed).
- Activity dates (ActivityDateType): 1 planned start, 2 actual start, 3 planned end,
  4 actual end. A delivered activity's dates are actual; a scheduled one's planned; an
  ongoing one has an actual start and a planned end. An "actual" date that lies in the
  future (a delivery known only by its year, stored to 31 December) is given as planned:
  IATI refuses actual dates in the future. A period known only to the year or month
  carries its label ("2020") as the date's narrative, so the day is not taken as known.
- Recipient countries and regions (`recipient_shares`): percentages that sum to exactly
  100 per activity; regions in vocabulary 2 (UN M49, RegionVocabulary). Equal shares among
  the places the activity lists, unless its beneficiary rows name exactly its countries,
  each row a country: then the shares follow the participations.
- Sectors (vocabulary 1, OECD DAC CRS 5-digit purpose codes), from the themes; a topic
  takes its parent theme's sector; equal shares among the distinct sectors (THEME_SECTORS).
- Organisation types (OrganisationType) from the partners' kinds and the donors' kinds.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

# --- Statuses and dates -----------------------------------------------------------------

STATUS_PIPELINE = "1"
STATUS_IMPLEMENTATION = "2"
STATUS_FINALISATION = "3"
STATUS_CLOSED = "4"
STATUS_CANCELLED = "5"

DELIVERY_STATUS = {
    "delivered": STATUS_CLOSED,
    "ongoing": STATUS_IMPLEMENTATION,
    "scheduled": STATUS_PIPELINE,
    "postponed": STATUS_PIPELINE,
    "cancelled": STATUS_CANCELLED,
}

PLANNED_START = "1"
ACTUAL_START = "2"
PLANNED_END = "3"
ACTUAL_END = "4"


def project_status(
    start: datetime.date | None, end: datetime.date | None, today: datetime.date
) -> str:
    if start is not None and start > today:
        return STATUS_PIPELINE
    if end is not None and end < today:
        return STATUS_FINALISATION
    return STATUS_IMPLEMENTATION


def delivery_dates(
    delivery: str, start: datetime.date, end: datetime.date, today: datetime.date
) -> list[tuple[str, datetime.date]]:
    """The activity-date elements (type code, date) of a delivery."""
    if delivery in ("scheduled", "postponed", "cancelled"):
        return [(PLANNED_START, start), (PLANNED_END, end)]
    start_type = ACTUAL_START if start <= today else PLANNED_START
    if delivery == "ongoing":
        return [(start_type, start), (PLANNED_END, end)]
    end_type = ACTUAL_END if end <= today else PLANNED_END
    return [(start_type, start), (end_type, end)]


# --- Sectors ------------------------------------------------------------------------------

SECTOR_VOCABULARY_DAC = "1"
LEGAL_AND_JUDICIAL_DEVELOPMENT = "15130"
ANTI_CORRUPTION = "15113"
POLICE = "15132"
JUDICIAL_AFFAIRS = "15134"

# A theme's DAC 5-digit purpose code, by slug (the 2020 report's sections). Investigations,
# forensics, darknet and child-abuse investigations build police capacity (15132);
# obtaining electronic evidence across borders is mutual legal assistance between
# prosecutors and courts (15134); the normative work (the Expert Group, research,
# prevention, information-sharing) is legal and judicial development (15130), which is
# also the sector of a theme not listed here. Anti-corruption themes, when a programme
# has them, are 15113.
THEME_SECTORS = {
    "investigations-forensics": POLICE,
    "crypto-darknet": POLICE,
    "ocsea": POLICE,
    "e-evidence": JUDICIAL_AFFAIRS,
    "information-sharing": LEGAL_AND_JUDICIAL_DEVELOPMENT,
    "research-analysis": LEGAL_AND_JUDICIAL_DEVELOPMENT,
    "prevention": LEGAL_AND_JUDICIAL_DEVELOPMENT,
    "expert-group": LEGAL_AND_JUDICIAL_DEVELOPMENT,
    "anti-corruption": ANTI_CORRUPTION,
    "corruption": ANTI_CORRUPTION,
}
DEFAULT_SECTOR = LEGAL_AND_JUDICIAL_DEVELOPMENT


def sector_of(theme_slug: str, parent_slug: str | None) -> str:
    """A theme's sector; a topic's is its parent theme's unless listed itself."""
    if theme_slug in THEME_SECTORS:
        return THEME_SECTORS[theme_slug]
    if parent_slug:
        return THEME_SECTORS.get(parent_slug, DEFAULT_SECTOR)
    return DEFAULT_SECTOR


# --- Organisations ------------------------------------------------------------------------

ROLE_FUNDING = "1"
ROLE_IMPLEMENTING = "4"

PARTNER_TYPES = {
    "un_entity": "40",
    "intergovernmental": "40",
    "regional": "40",
    "financial": "40",
    "government": "10",
    "ngo": "21",
    "private": "70",
    "academia": "80",
    "network": "90",
    "other": "90",
}
# Donor.kind is free text: the words it is matched by (lower case), else no type.
DONOR_TYPES = (
    ("government", "10"),
    ("ministry", "10"),
    ("multilateral", "40"),
    ("intergovernmental", "40"),
    ("united nations", "40"),
    ("foundation", "60"),
    ("private", "70"),
    ("company", "70"),
    ("ngo", "21"),
    ("academ", "80"),
    ("university", "80"),
)


def donor_type(kind: str) -> str | None:
    words = kind.lower()
    return next((code for word, code in DONOR_TYPES if word in words), None)


# --- Finance and results ------------------------------------------------------------------

AID_TYPE_VOCABULARY_DAC = "1"
AID_TYPE_TECHNICAL_ASSISTANCE = "D02"
TRANSACTION_INCOMING_FUNDS = "1"
TRANSACTION_INCOMING_COMMITMENT = "11"
BUDGET_ORIGINAL = "1"
BUDGET_INDICATIVE = "1"
BUDGET_COMMITTED = "2"
RESULT_OUTPUT = "1"
RESULT_OUTCOME = "2"
INDICATOR_UNIT = "1"
REGION_VOCABULARY_UN_M49 = "2"
RELATED_PARENT = "1"  # RelatedActivityType: 1 parent, 2 child
# ActivityScope: 1 global, 2 regional, 3 multi-national, 4 national.
SCOPE_GLOBAL, SCOPE_REGIONAL, SCOPE_MULTINATIONAL, SCOPE_NATIONAL = "1", "2", "3", "4"
WORLD = "001"


def activity_scope(country_count: int, region_codes: Sequence[str]) -> str | None:
    if WORLD in region_codes:
        return SCOPE_GLOBAL
    if region_codes:
        return SCOPE_REGIONAL
    if country_count > 1:
        return SCOPE_MULTINATIONAL
    if country_count == 1:
        return SCOPE_NATIONAL
    return None


# --- Percentages --------------------------------------------------------------------------

HUNDREDTH = Decimal("0.01")


def split(total: int, weights: Sequence[int]) -> list[int]:
    """`total` whole units shared in proportion to `weights`, summing to exactly `total`
    (largest remainder: the units left over go to the largest remainders, ties to the
    first). All weights 0 (or a negative one) count as equal."""
    if not weights:
        return []
    if sum(weights) <= 0 or any(weight < 0 for weight in weights):
        weights = [1] * len(weights)
    whole = sum(weights)
    exact = [weight * total for weight in weights]
    shares = [value // whole for value in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] % whole), i))
    for index in order[: total - sum(shares)]:
        shares[index] += 1
    return shares


def percentages(weights: Sequence[int]) -> list[Decimal]:
    """Shares of 100 in proportion to `weights`, to the hundredth, summing to exactly 100:
    3 equal places are 33.34, 33.33, 33.33."""
    return [(Decimal(value) / 100).quantize(HUNDREDTH) for value in split(10_000, weights)]


def recipient_shares(
    country_ids: Sequence[int],
    region_ids: Sequence[int],
    participations_by_country: dict[int | None, int],
) -> tuple[list[tuple[int, Decimal]], list[tuple[int, Decimal]]]:
    """(country id, percentage) and (region id, percentage) of an activity's recipients.

    The shares follow the participations when the beneficiary rows name exactly the
    activity's countries (each row a country; no region in scope); otherwise each listed
    place gets an equal share: a row-less or partly attributed activity says nothing about
    how its effort was split, and nothing is guessed."""
    countries = sorted(set(country_ids))
    regions = sorted(set(region_ids))
    by_rows = (
        countries
        and not regions
        and None not in participations_by_country
        and set(participations_by_country) == set(countries)
        and sum(participations_by_country.values()) > 0
    )
    weights = [participations_by_country[c] for c in countries] if by_rows else None
    shares = percentages(weights if weights is not None else [1] * (len(countries) + len(regions)))
    return (
        list(zip(countries, shares[: len(countries)], strict=True)),
        list(zip(regions, shares[len(countries) :], strict=True)),
    )


def format_percentage(value: Decimal) -> str:
    """100 as "100", 33.3 as "33.3", 33.34 as "33.34"."""
    text = format(value.quantize(HUNDREDTH), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_amount(value: Decimal) -> str:
    return format(value.quantize(HUNDREDTH), "f")
