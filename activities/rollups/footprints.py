"""Where each activity is, kept with its rollups, and the version of every place.

An answer restricted to a place (a region, a country) counts only the activities in or
under it: those that serve it, whose beneficiary rows name it, that cover a region
under it (counting rule 3). A write elsewhere does not change it. So, in the refresh
that rolls the noted activities up (refresh.py), in the same transaction as their cells:

- `ActivityPlace` gets each activity's places again: the countries and regions it
  serves, its rows' countries and the places they are attributed to, its venue and its
  scope region (more than rule 3 reads: a place too many costs an answer computed again,
  a place missing would keep a stale one);
- `PlaceVersion` moves on for every place the activity was in before the write and is
  in after it, and for every region above them, by their M49 paths; and for each of
  those places in every year its period overlapped before or overlaps now (the path
  followed by the year), the years kept with its stamp.

An answer restricted to a place is then kept under that place's version (or, asked of
one year, under the place's version in that year), as long as no note waits to be rolled
up (answer_cache/places.py says which answers). In the same way,
each refreshed activity's `ActivityStamp` moves on: what is kept of one activity alone
(its API representation, answer_cache/records.py) is kept under it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ..models import (
    Activity,
    ActivityPlace,
    ActivityStamp,
    BeneficiaryGroup,
    Country,
    PlaceVersion,
    Region,
)
from .statements import Batch, owned_sql

YEARS_AHEAD = 2
PLACES = ActivityPlace._meta.db_table
VERSIONS = PlaceVersion._meta.db_table
STAMPS = ActivityStamp._meta.db_table


def refresh(cursor: Any, batch: Batch) -> None:
    """The places of a batch of activities made again from the base tables, their
    stamps moved on with the years of their periods, and the versions moved on of the
    places they were in before and are in now, alone and in each year they overlapped
    before or overlap now."""
    among, params = owned_sql("activity_id", batch)
    before = _footprint(cursor, among, params)
    cursor.execute(f"DELETE FROM {PLACES} WHERE {among}", params)
    sources, source_params = _sources(batch)
    cursor.execute(f"INSERT INTO {PLACES} (activity_id, path) {sources}", source_params)
    # Never deleted: an id used again (SQLite may) goes on from its predecessor's stamp.
    ids, id_params = owned_sql("id", batch)
    sql, stamp_params = _stamped(cursor, f"WHERE {ids}", f"stamp = {STAMPS}.stamp + 1, ")
    cursor.execute(sql, [*stamp_params, *id_params])
    after = _footprint(cursor, among, params)
    _bump(cursor, before[0] | after[0], before[1] | after[1])


def rebuild(cursor: Any) -> None:
    """Every activity's places made again, and every place's version (and every place's
    in each year) and activity's stamp moved on (a rebuild may change any answer)."""
    cursor.execute(f"DELETE FROM {PLACES}")
    sources, params = _sources(None)
    cursor.execute(f"INSERT INTO {PLACES} (activity_id, path) {sources}", params)
    cursor.execute(f"UPDATE {VERSIONS} SET version = version + 1")
    first, last = settings.PLAUSIBLE_YEARS
    last += YEARS_AHEAD
    years = " UNION ALL ".join(f"SELECT '{year:d}' AS y" for year in range(first, last + 1))
    for model in (Region, Country):
        table = model._meta.db_table
        cursor.execute(
            f"INSERT INTO {VERSIONS} (path, version) SELECT path, 1 FROM {table} "
            f"WHERE path NOT IN (SELECT path FROM {VERSIONS})"
        )
        cursor.execute(
            f"INSERT INTO {VERSIONS} (path, version) "
            f"SELECT p.path || y.y, 1 FROM {table} p CROSS JOIN ({years}) y "
            f"WHERE p.path || y.y NOT IN (SELECT path FROM {VERSIONS})"
        )
    # Those of deleted activities too (an id used again goes on from its stamp).
    cursor.execute(
        f"UPDATE {STAMPS} SET stamp = stamp + 1 "
        f"WHERE activity_id NOT IN (SELECT id FROM {Activity._meta.db_table})"
    )
    # (A WHERE, so that SQLite reads the ON CONFLICT as the upsert's, not a join's.)
    cursor.execute(*_stamped(cursor, "WHERE 1 = 1", f"stamp = {STAMPS}.stamp + 1, "))


def _stamped(cursor: Any, where: str, bump: str) -> tuple[str, list[Any]]:
    """The upsert of the activities' stamps (1 when new, else moved on as `bump` says)
    with the calendar years their periods start and end in, and its parameters (before
    those of `where`)."""
    operations = cursor.db.ops
    start, start_params = operations.date_extract_sql("year", "start_date", ())
    end, end_params = operations.date_extract_sql("year", "end_date", ())
    sql = (
        f"INSERT INTO {STAMPS} (activity_id, stamp, first_year, last_year) "
        f"SELECT id, 1, {start}, {end} FROM {Activity._meta.db_table} {where} "
        f"ON CONFLICT (activity_id) DO UPDATE SET {bump}"
        "first_year = excluded.first_year, last_year = excluded.last_year"
    )
    return sql, [*start_params, *end_params]


def _footprint(cursor: Any, among: str, params: list[Any]) -> tuple[set[str], set[int]]:
    """(the paths of the places, the plausible years of the periods) of the activities
    as their last refresh left them (one statement)."""
    cursor.execute(
        f"SELECT path, NULL, NULL FROM {PLACES} WHERE {among} "
        f"UNION ALL SELECT NULL, first_year, last_year FROM {STAMPS} WHERE {among}",
        [*params, *params],
    )
    low, high = settings.PLAUSIBLE_YEARS
    # Two years beyond this process's last plausible one: a worker started before New
    # Year still moves on the years that a newer one may keep answers under.
    high += YEARS_AHEAD
    paths: set[str] = set()
    years: set[int] = set()
    for path, first, last in cursor.fetchall():
        if path is not None:
            paths.add(path)
        elif first is not None and last is not None:
            years.update(range(max(int(first), low), min(int(last), high) + 1))
    return paths, years


def above(path: str) -> list[str]:
    """A place's path and those of the regions above it: "/001/019/419/013/SLV/" gives
    "/001/", "/001/019/", "/001/019/419/", "/001/019/419/013/" and itself."""
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[: end + 1]) + "/" for end in range(len(parts))]


def _sources(batch: Batch | None) -> tuple[str, list[Any]]:
    """SELECT (activity, place path) of every place the activities touch, distinct; of
    every activity when `batch` is None."""
    countries, regions = Country._meta.db_table, Region._meta.db_table
    links = {
        "country": Activity.countries.through._meta.db_table,
        "region": Activity.regions.through._meta.db_table,
    }
    rows, activities = BeneficiaryGroup._meta.db_table, Activity._meta.db_table
    # (the activity's column, FROM ... JOIN of the place's path `p.path`)
    parts = [
        ("l.activity_id", f"{links['country']} l JOIN {countries} p ON p.id = l.country_id"),
        ("l.activity_id", f"{links['region']} l JOIN {regions} p ON p.id = l.region_id"),
        ("b.activity_id", f"{rows} b JOIN {countries} p ON p.id = b.country_id"),
        ("b.activity_id", f"{rows} b JOIN {countries} p ON p.id = b.place_country_id"),
        ("b.activity_id", f"{rows} b JOIN {regions} p ON p.id = b.place_region_id"),
        ("a.id", f"{activities} a JOIN {countries} p ON p.id = a.venue_country_id"),
        ("a.id", f"{activities} a JOIN {regions} p ON p.id = a.scope_region_id"),
    ]
    selects, params = [], []
    for column, joined in parts:
        select = f"SELECT {column}, p.path FROM {joined}"
        if batch is not None:
            condition, condition_params = owned_sql(column, batch)
            select += f" WHERE {condition}"
            params += condition_params
        selects.append(select)
    return " UNION ".join(selects), params


def _bump(cursor: Any, paths: set[str], years: set[int]) -> None:
    """Move on the version of these places and of every region above them, alone and
    in each of these years (in the keys' order, so that two refreshes lock the rows in
    the same order)."""
    nodes = {node for path in paths for node in above(path)}
    keys = sorted(nodes | {f"{node}{year:d}" for node in nodes for year in years})
    if not keys:
        return
    cursor.execute(
        f"INSERT INTO {VERSIONS} (path, version) VALUES "
        + ", ".join(["(%s, 1)"] * len(keys))
        + f" ON CONFLICT (path) DO UPDATE SET version = {VERSIONS}.version + 1",
        keys,
    )
