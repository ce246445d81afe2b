"""The counting rules, in one place. Pages, API, exports and benchmarks call this module.

In plain words
1. People are counted only from BeneficiaryGroup rows of activities. ReportedFigure
   values (umbrella totals such as the 2,440 trained "from 64 countries", context
   statistics, impressions, views, outcomes) are never added into participants.
2. Attribution: people are counted for a place only when all of them certainly belong
   there.
   - a row that names its country belongs to that country;
   - otherwise, the rows of an activity with exactly one country (and no region in
     scope) belong to that country;
   - otherwise they belong to the smallest M49 region holding the activity's whole
     scope (the 5,600 teachers of El Salvador, Guatemala and Honduras belong to Central
     America, not to any one of the three);
   - what cannot be attributed at the level asked is reported as unattributed: never
     spread, guessed or duplicated.
   The place is stored on each row (place_country / place_region) and refreshed by
   services in the same transaction as every write, so it is never stale.
3. Qualifiers combine: any "about" makes a sum "about"; otherwise any "more than"
   makes it "at least"; otherwise it is "exact".
4. Activities are counted distinct. An activity in five countries is one activity, so
   totals are computed over the whole filtered set, never by summing grouped rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Activity, BeneficiaryGroup, Country, Qualifier, Region

QUALIFIER_EXACT = "exact"
QUALIFIER_AT_LEAST = "at_least"
QUALIFIER_ABOUT = "about"


def combine_qualifiers(qualifiers: Iterable[str]) -> str:
    """The qualifier of a sum of values with these qualifiers (rule 3)."""
    seen = set(qualifiers)
    if Qualifier.ABOUT in seen or QUALIFIER_ABOUT in seen:
        return QUALIFIER_ABOUT
    if Qualifier.MORE_THAN in seen or QUALIFIER_AT_LEAST in seen:
        return QUALIFIER_AT_LEAST
    return QUALIFIER_EXACT


def smallest_common_region(paths: Iterable[str]) -> str | None:
    """The path of the deepest region that is a prefix of every path given.

    Paths look like "/001/019/419/013/" (regions) or "/001/019/419/013/SLV/" (countries);
    the answer is always a region path (a country segment is never kept).
    """
    split_paths = [[segment for segment in path.split("/") if segment] for path in paths]
    if not split_paths:
        return None
    common: list[str] = []
    for segments in zip(*split_paths, strict=False):
        if len(set(segments)) != 1 or not segments[0].isdigit():
            break
        common.append(segments[0])
    return "/" + "/".join(common) + "/" if common else None


def scope_of(activity: Activity) -> tuple[Country | None, Region | None]:
    """Where all the people of an activity certainly belong, absent a per-row country.

    Returns (country, None) for a single-country activity, (None, region) for a wider
    scope, and (None, None) for an activity with no geographic scope at all.
    """
    countries = list(activity.countries.select_related("region"))
    regions = list(activity.regions.all())
    if len(countries) == 1 and not regions:
        return countries[0], None
    path = smallest_common_region([c.path for c in countries] + [r.path for r in regions])
    if path is None:
        return None, None
    return None, Region.objects.get(path=path)


def place_of(
    row: BeneficiaryGroup, scope: tuple[Country | None, Region | None]
) -> tuple[Country | None, Region | None]:
    """The place a beneficiary row is attributed to (rule 2)."""
    if row.country_id is not None:
        return row.country, None
    return scope
