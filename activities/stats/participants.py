"""The participants measure: SUM over beneficiary rows (participations, counting rule 1),
each row joined to at most one key of a dimension that places people (country, region,
audience...) and to each key of a dimension that tags the whole activity (theme,
partner, language). Rows that cannot be placed in one group of a dimension go to the row
whose key is None: "unattributed" for places, "not recorded" for the other dimensions.
Also the totals inside and outside a restriction, and the unattributed activities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce

from .. import counting
from ..models import Activity, Country, Region
from . import results
from .dimensions import SEXES, Dimension, SexDimension
from .matched import Matched
from .sql import Rows, Statement, group_key, relation

Cells = dict[tuple[Any, ...], dict[str, Any]]


def participant_measures(
    matched: Matched, dimensions: Sequence[Dimension], *, with_hours: bool = False
) -> Cells:
    """{cell: {"participants": {...}}}, split by sex when a dimension is `sex`; with
    `person_hours` too when `with_hours` (participations x the activity's hours, counting
    rule 12; never split by sex: the sex dimension does not split it)."""
    return participant_statement(matched, dimensions, with_hours=with_hours).run()


def participant_statement(
    matched: Matched, dimensions: Sequence[Dimension], *, with_hours: bool = False
) -> Statement:
    """The statement of participant_measures, and how to read its rows."""
    placed: dict[str, Any] = {}
    if with_hours:
        placed["hours"] = F("activity__hours")
        placed["hours_at_least"] = F("activity__hours_at_least")
    for index, dimension in enumerate(dimensions):
        if not dimension.tags_activity and not isinstance(dimension, SexDimension):
            placed[f"k{index}"] = dimension.row_key_expression(matched.restriction)
    rows = relation(
        matched.rows_in.annotate(qrank=counting.rank()).values(
            "id",
            "total",
            "female",
            "male",
            "not_recorded",
            "qrank",
            "from_attendance",
            a_id=F("activity_id"),
            **placed,
        )
    )
    joins: list[str] = []
    params = list(rows.params)
    keys: list[str] = []
    sex_at = None
    for index, dimension in enumerate(dimensions):
        if isinstance(dimension, SexDimension):
            sex_at = index  # split below from the three sums: no second pass
        elif f"k{index}" in placed:
            keys.append(f"r.k{index}")
        else:
            activity_keys = dimension.activity_keys(matched.restriction)
            joins.append(f"LEFT JOIN ({activity_keys.sql}) t{index} ON t{index}.a_id = r.a_id")
            params += activity_keys.params
            keys.append(f"t{index}.k")
    # "More than 100: 60 female, 40 male" makes each recorded part a lower bound, but a
    # part with nobody recorded is exactly nobody; the people beyond the figure are of
    # unknown sex, so "not recorded" always keeps the qualifier.
    sql = (
        f"SELECT {''.join(key + ', ' for key in keys)}SUM(r.total), SUM(r.female), "
        f"SUM(r.male), SUM(r.not_recorded), MAX(r.qrank), "
        f"MAX(CASE WHEN r.female > 0 THEN r.qrank ELSE 0 END), "
        f"MAX(CASE WHEN r.male > 0 THEN r.qrank ELSE 0 END), "
        f"MAX(CASE WHEN r.from_attendance THEN 1 ELSE 0 END)"
        + (
            ", SUM(r.total * r.hours), "
            "SUM(CASE WHEN r.hours IS NULL THEN r.total ELSE 0 END), "
            "MAX(CASE WHEN r.hours IS NULL THEN 0 ELSE r.qrank END), "
            "SUM(CASE WHEN r.hours_at_least THEN 1 ELSE 0 END)"
            if with_hours
            else ""
        )
        + f" FROM ({rows.sql}) r {' '.join(joins)}"
        + (f" GROUP BY {', '.join(keys)}" if keys else "")
    )
    return Statement(sql, params, partial(_participant_cells, len(keys), sex_at, with_hours))


def _participant_cells(width: int, sex_at: int | None, with_hours: bool, records: Rows) -> Cells:
    """The cells of participant_statement's rows (`width` group keys each)."""
    result: Cells = {}
    for record in records:
        key = tuple(group_key(v) for v in record[:width])
        total, female, male, not_recorded, rank, female_rank, male_rank, named = record[
            width : width + 8
        ]
        if total is None:
            continue  # no row at all: an aggregate without GROUP BY still answers
        flag: dict[str, Any] = {results.NAMED: bool(named)}
        if with_hours:
            flag["person_hours"] = results.person_hours(*record[width + 8 :])
        if sex_at is None:
            result[key] = {
                "participants": results.people(total, female, male, not_recorded, rank),
                **flag,
            }
            continue
        parts = {
            "female": results.people(female, female, 0, 0, female_rank),
            "male": results.people(male, 0, male, 0, male_rank),
            "not_recorded": results.people(not_recorded, 0, 0, not_recorded, rank),
        }
        for sex in SEXES:
            result[(*key[:sex_at], sex, *key[sex_at:])] = {"participants": parts[sex], **flag}
    return result


def inside_and_outside(matched: Matched) -> tuple[dict[str, Any], dict[str, Any]]:
    """One pass over the rows: the people who belong to the restriction, and the rest.
    The first also says (results.NAMED) whether any of it rests on named people."""
    sums: dict[str, Any] = {}
    for side, flag in (("in", 1), ("out", 0)):
        only = Q(belongs=flag)
        for column in ("total", *SEXES):
            sums[f"{side}_{column}"] = Coalesce(Sum(column, filter=only), 0)
        sums[f"{side}_rank"] = Max(counting.rank(), filter=only)
    sums["in_named"] = Count("pk", filter=Q(belongs=1, from_attendance=True))
    values = matched.rows.aggregate(**sums)
    inside, outside = (
        results.people(
            values[f"{side}_total"],
            values[f"{side}_female"],
            values[f"{side}_male"],
            values[f"{side}_not_recorded"],
            values[f"{side}_rank"],
        )
        for side in ("in", "out")
    )
    inside[results.NAMED] = bool(values["in_named"])
    return inside, outside


def unattributed(matched: Matched, people: dict[str, Any]) -> dict[str, Any]:
    """The people of the matched activities who do not certainly belong to the
    restriction: the activities they come from (the largest first) and, for each, the
    places where they do belong (one activity may have people in several)."""
    # exclude() rather than the CASE column: the planner estimates it far better.
    rows_out = matched.rows.exclude(matched.belongs)
    sums = {
        "total": Coalesce(Sum("total"), 0),
        "female": Coalesce(Sum("female"), 0),
        "male": Coalesce(Sum("male"), 0),
        "not_recorded": Coalesce(Sum("not_recorded"), 0),
        "rank": Max(counting.rank()),
    }
    by_activity = rows_out.values("activity_id").annotate(**sums).order_by("-total", "activity_id")
    count = by_activity.count()
    listed = list(by_activity[: results.UNATTRIBUTED_LISTED]) if count else []
    ids = [item["activity_id"] for item in listed]
    by_place: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    titles: dict[int, str] = {}
    if ids:
        titles = dict(Activity.objects.filter(pk__in=ids).values_list("pk", "title"))
        parts = list(
            rows_out.filter(activity_id__in=ids)
            .values("activity_id", "place_country_id", "place_region_id")
            .annotate(**sums)
            .order_by()  # grouped by these three only; ordered below, the same everywhere
        )
        labels = _place_labels(parts)
        parts.sort(
            key=lambda part: (
                part["activity_id"],
                part_order(part["total"], (part["place_country_id"], part["place_region_id"])),
            )
        )
        for part in parts:
            where = labels.get((part["place_country_id"], part["place_region_id"]))
            by_place[part["activity_id"]].append(
                {
                    **(where or {"type": None, "code": None, "name": "no place recorded"}),
                    "participants": results.people_of(part),
                }
            )
    return {
        "participants": people,
        "activities_count": count,
        "activities": [
            {
                "id": item["activity_id"],
                "title": titles.get(item["activity_id"], ""),
                "participants": results.people_of(item),
                "attributed_to": by_place[item["activity_id"]],
            }
            for item in listed
        ],
    }


def part_order(total: int, place: tuple[int | None, int | None]) -> tuple[Any, ...]:
    """The order of one activity's unattributed parts: the largest first; among equal
    ones, countries by id, then regions by id, then no place (the same on every
    database, whichever way it sorts NULL)."""
    country, region = place
    if country is not None:
        return (-total, 0, country)
    if region is not None:
        return (-total, 1, region)
    return (-total, 2, 0)


def _place_labels(parts: Sequence[Mapping[str, Any]]) -> dict[tuple[Any, Any], dict[str, str]]:
    country_ids = {p["place_country_id"] for p in parts if p["place_country_id"]}
    region_ids = {p["place_region_id"] for p in parts if p["place_region_id"]}
    labels: dict[tuple[Any, Any], dict[str, str]] = {}
    for pk, code, name in Country.objects.filter(pk__in=country_ids).values_list(
        "pk", "iso2", "name"
    ):
        labels[(pk, None)] = {"type": "country", "code": code, "name": name}
    for pk, code, name in Region.objects.filter(pk__in=region_ids).values_list(
        "pk", "code", "name"
    ):
        labels[(None, pk)] = {"type": "region", "code": code, "name": name}
    return labels
