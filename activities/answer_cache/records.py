"""A list page assembled from each record's kept representation.

After a write, a page of the activities list was serialised whole again: at 100 a page,
about 4,900 model instances and 230 ms, for the one activity that changed. Each
activity's representation is now kept on its own, under

    (reference version, activity id, its stamp, the host and language of its links and
    labels, and the ?format= its links keep)

The stamp moves on with every refresh of the activity (rollups/footprints.py), and
every write to it, its links, rows or sessions is noted and refreshed; what else a
representation shows (places, themes, partners, projects, figures, kinds...) is reference
data, whose every write moves the reference version. So a kept representation is the
one a fresh serialisation would give, as long as no note waits to be rolled up: while
one does, the page is serialised whole, as before.

Kept only for anonymous readers (whoever else asks may see drafts or names that they do
not) and inside an answer's snapshot, whose reference version it is.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connections

from tacbapp.replicas import read_alias

from ..models import ActivityStamp, RollupChange
from .store import make_key
from .version import snapshot_reference

Representation = Any  # what the serializer gives for one record
# Kept apart from the answers (settings.CACHES), so that a long page does not push them out.
RECORDS_ALIAS = "answer_records"


def kept(authenticated: bool) -> bool:
    """Whether representations are kept for this reader, here: anonymous, computing an
    answer in its snapshot (answer_cache/store.py), with the rollups on."""
    return not authenticated and snapshot_reference() is not None and settings.ROLLUPS


def representations(
    ids: Sequence[int],
    serialize: Callable[[list[int]], Sequence[Representation]],
    parts: Hashable,
) -> list[Representation]:
    """The representations of the activities `ids`, in that order: those kept under
    their stamp, and `serialize(missing)` (in the order given) for the rest, kept in
    turn. `parts`: what else they depend on (host, language, format). Only where
    `kept()` says so."""
    reference = snapshot_reference()
    stamps = _stamps(ids) if reference is not None else None
    if reference is None or stamps is None:
        return list(serialize(list(ids)))
    keys = {
        pk: make_key("record", reference, ("activity", pk, stamps[pk], parts))
        for pk in ids
        if pk in stamps
    }
    cache = caches[RECORDS_ALIAS]
    found = cache.get_many(list(keys.values()))
    missing = [pk for pk in ids if keys.get(pk) not in found]
    made = dict(zip(missing, map(_plain, serialize(missing)), strict=True)) if missing else {}
    cache.set_many({keys[pk]: made[pk] for pk in missing if pk in keys})
    return [made[pk] if pk in made else found[keys[pk]] for pk in ids]


def _stamps(ids: Sequence[int]) -> dict[int, int] | None:
    """{activity id: stamp} of those that have one, or None while a write waits to be
    rolled up (a stamp may not have moved yet). One query, in the answer's snapshot."""
    connection = connections[read_alias()]
    changes, stamps = RollupChange._meta.db_table, ActivityStamp._meta.db_table
    among = ", ".join(["%s"] * len(ids)) or "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT NULL, NULL, EXISTS (SELECT 1 FROM {changes}) "
            f"UNION ALL SELECT activity_id, stamp, NULL FROM {stamps} "
            f"WHERE activity_id IN ({among})",
            list(ids),
        )
        rows = cursor.fetchall()
    if any(pk is None and waiting for pk, _, waiting in rows):
        return None
    return {pk: stamp for pk, stamp, _ in rows if pk is not None}


def _plain(value: Any) -> Any:
    """The representation in plain types: DRF's links are `Hyperlink`, a str that holds
    its model instance, which would be kept (and unpickled) with everything prefetched."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str) and type(value) is not str:
        return str(value)
    return value
