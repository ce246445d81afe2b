"""An activity's beneficiary tallies, derived from its attendance.

When an activity has attendance, its BeneficiaryGroup rows are not typed: they are the
attended persons counted by audience, country and sex, marked `from_attendance`. A
person's country names the row only when the activity's places admit it (the same rule
as a typed row, `services.row_country_errors`); otherwise the row gives no country and
the people are attributed by the activity's scope (counting rule 4). An activity
without attendance keeps its typed tallies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from .. import counting
from ..beneficiary_rows import replace_rows
from ..models import Activity, Attendance, Audience, BeneficiaryGroup, Country
from ..services import refresh_attribution

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RowKey = tuple[int | None, int | None]  # (audience id, country id)


def has_attendance(activity: Activity) -> bool:
    return Attendance.objects.filter(activity=activity).exists()


def tally(
    attended: Iterable[tuple[int | None, int | None, str]], fits: Callable[[int], bool]
) -> list[dict[str, Any]]:
    """The rule: attended persons, given as (audience id, country id, sex), counted by
    audience, country and sex; a person's country names the row only when `fits` says
    the activity's places admit it, otherwise the row gives no country. One row per
    (audience, country), ordered by their ids (no audience or country first)."""
    sums: dict[RowKey, Counter[str]] = {}
    for audience_id, country_id, sex in attended:
        row_country = country_id if country_id is not None and fits(country_id) else None
        sums.setdefault((audience_id, row_country), Counter())[sex] += 1
    return [
        {
            "audience_id": audience_id,
            "country_id": country_id,
            "female": counts["female"],
            "male": counts["male"],
            "not_recorded": counts["not_recorded"],
        }
        for (audience_id, country_id), counts in sorted(
            sums.items(), key=lambda item: (item[0][0] or 0, item[0][1] or 0)
        )
    ]


def derived_rows(activity: Activity) -> list[dict[str, Any]]:
    """The tallies the activity's attendance gives: one row per (audience, country)."""
    countries = list(activity.countries.all())
    regions = list(activity.regions.all())
    fitting: dict[int, bool] = {}
    attended = Attendance.objects.filter(activity=activity, attended=True).values_list(
        "participant__audience_id", "participant__country_id", "participant__sex"
    )
    country_of = {
        c.pk: c
        for c in Country.objects.filter(participants__attendances__activity=activity).distinct()
    }

    def fits(country_id: int) -> bool:
        if country_id not in fitting:
            fitting[country_id] = counting.row_country_fits(
                country_of[country_id], countries=countries, regions=regions
            )
        return fitting[country_id]

    return tally(attended, fits)


@transaction.atomic
def sync_tallies(*, activity: Activity, by: User | None, change_reason: str | None = None) -> None:
    """Make the activity's beneficiary rows those its attendance gives (no-op without
    attendance). Existing rows of the same audience and country are updated in place,
    so the audit history shows what changed (with `change_reason`, in a closed reporting
    period)."""
    if not has_attendance(activity):
        BeneficiaryGroup.objects.filter(activity=activity, from_attendance=True).update(
            from_attendance=False
        )
        return
    existing = {
        (row.audience_id, row.country_id): row.pk
        for row in BeneficiaryGroup.objects.filter(activity=activity)
    }
    rows = []
    for row in derived_rows(activity):
        key = (row.pop("audience_id"), row.pop("country_id"))
        values: dict[str, Any] = {
            **row,
            "audience": key[0],
            "country": key[1],
            "qualifier": "exact",
            "note": "",
        }
        if key in existing:
            values["id"] = existing[key]
        rows.append(values)
    replace_rows(activity=activity, rows=_with_instances(rows), by=by, change_reason=change_reason)
    BeneficiaryGroup.objects.filter(activity=activity).update(from_attendance=True)
    refresh_attribution(activity=activity)


def _with_instances(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """replace_rows takes audience and country as records (as forms resolve them)."""
    audience_ids = {row["audience"] for row in rows if row["audience"] is not None}
    country_ids = {row["country"] for row in rows if row["country"] is not None}
    audiences = Audience.objects.in_bulk(audience_ids)
    countries = Country.objects.in_bulk(country_ids)
    for row in rows:
        row["audience"] = audiences.get(row["audience"]) if row["audience"] else None
        row["country"] = countries.get(row["country"]) if row["country"] else None
    return rows


def typed_rows_error(activity: Activity, rows: Sequence[Mapping[str, Any]]) -> str | None:
    """A write of typed tallies to an activity whose tallies come from attendance is
    refused, unless it gives back exactly the derived rows (a form re-submitting them)."""
    if activity.pk is None or not has_attendance(activity):
        return None

    def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        audience, country = row.get("audience"), row.get("country")
        return (
            getattr(audience, "pk", audience),
            getattr(country, "pk", country),
            row.get("female") or 0,
            row.get("male") or 0,
            row.get("not_recorded") or 0,
        )

    stored = BeneficiaryGroup.objects.filter(activity=activity).values(
        "audience", "country", "female", "male", "not_recorded"
    )
    if sorted(map(key, rows)) == sorted(map(key, stored)):
        return None
    return _(
        "This activity's tallies come from its attendance sheet: change the attendance, "
        "not the numbers."
    )
