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
  in after it, and for every region above them, by their M49 paths.

An answer restricted to a place is then kept under that place's version, as long as no
note waits to be rolled up (answer_cache/places.py says which answers). In the same way,
each refreshed activity's `ActivityStamp` moves on: what is kept of one activity alone
(its API representation, answer_cache/records.py) is kept under it.
"""

from __future__ import annotations

from typing import Any

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

PLACES = ActivityPlace._meta.db_table
VERSIONS = PlaceVersion._meta.db_table
STAMPS = ActivityStamp._meta.db_table


def refresh(cursor: Any, batch: Batch) -> None:
    """The places of a batch of activities made again from the base tables, the
    versions of the places they were in before and are in now moved on, and their
    stamps."""
    among, params = owned_sql("activity_id", batch)
    before = _paths(cursor, among, params)
    cursor.execute(f"DELETE FROM {PLACES} WHERE {among}", params)
    sources, source_params = _sources(batch)
    cursor.execute(f"INSERT INTO {PLACES} (activity_id, path) {sources}", source_params)
    _bump(cursor, before | _paths(cursor, among, params))
    # Never deleted: an id used again (SQLite may) goes on from its predecessor's stamp.
    ids, id_params = owned_sql("id", batch)
    cursor.execute(
        f"INSERT INTO {STAMPS} (activity_id, stamp) "
        f"SELECT id, 1 FROM {Activity._meta.db_table} WHERE {ids} "
        f"ON CONFLICT (activity_id) DO UPDATE SET stamp = {STAMPS}.stamp + 1",
        id_params,
    )


def rebuild(cursor: Any) -> None:
    """Every activity's places made again, and every place's version and activity's
    stamp moved on (a rebuild may change any answer)."""
    cursor.execute(f"DELETE FROM {PLACES}")
    sources, params = _sources(None)
    cursor.execute(f"INSERT INTO {PLACES} (activity_id, path) {sources}", params)
    cursor.execute(f"UPDATE {VERSIONS} SET version = version + 1")
    for model in (Region, Country):
        table = model._meta.db_table
        cursor.execute(
            f"INSERT INTO {VERSIONS} (path, version) SELECT path, 1 FROM {table} "
            f"WHERE path NOT IN (SELECT path FROM {VERSIONS})"
        )
    cursor.execute(f"UPDATE {STAMPS} SET stamp = stamp + 1")
    cursor.execute(
        f"INSERT INTO {STAMPS} (activity_id, stamp) SELECT id, 1 FROM "
        f"{Activity._meta.db_table} WHERE id NOT IN (SELECT activity_id FROM {STAMPS})"
    )


def above(path: str) -> list[str]:
    """A place's path and those of the regions above it: "/001/019/419/013/SLV/" gives
    "/001/", "/001/019/", "/001/019/419/", "/001/019/419/013/" and itself."""
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[: end + 1]) + "/" for end in range(len(parts))]


def _paths(cursor: Any, among: str, params: list[Any]) -> set[str]:
    cursor.execute(f"SELECT DISTINCT path FROM {PLACES} WHERE {among}", params)
    return {path for (path,) in cursor.fetchall()}


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


def _bump(cursor: Any, paths: set[str]) -> None:
    """Move on the version of these places and of every region above them (in the
    paths' order, so that two refreshes lock the rows in the same order)."""
    nodes = sorted({node for path in paths for node in above(path)})
    if not nodes:
        return
    cursor.execute(
        f"INSERT INTO {VERSIONS} (path, version) VALUES "
        + ", ".join(["(%s, 1)"] * len(nodes))
        + f" ON CONFLICT (path) DO UPDATE SET version = {VERSIONS}.version + 1",
        nodes,
    )
