"""Answers cached until the data changes, and never a moment longer.

What is kept: the engine's counts (activities/stats/), every API list page and
/api/v1/stats/ as rendered bytes, and the public pages as rendered for a visitor who is
not signed in. Signed-in users' pages and the browsable API are never kept.

Under which key: a namespace ("stats", "api", "page") and a hash of the data version and
of everything else the answer depends on: the request's parameters, who asks (anonymous,
or this user with these permissions), the host of absolute links. The data version is
"database name:epoch:version", read from the single row of `activities_dataversion`.

Why a write shows in the next answer: every domain table carries a database trigger
that bumps that version in the same transaction as the write. The first request after a
commit reads a new version, finds no answer under it, and computes the answer. There is
no invalidation to forget, and no write path (ORM, bulk update, COPY, raw SQL, the
admin, a migration) that can get around it. An answer is computed in one snapshot of the
database and kept under the version of that very snapshot, so a write that commits
meanwhile cannot end up in an answer kept under the older version.

With streaming replicas (tacbapp/replicas.py), a request reads the version on the
database it reads the data from: a replica that lags finds, or computes and keeps, the
answers of the version it has reached, never those of the primary's newer one.

A reader inside a transaction may be looking at its own uncommitted writes, so it never
reads or fills the cache (`current()` returns None there). Each worker keeps answers in
its own memory (LocMemCache), in front of an optional tier that all workers share (Redis,
ANSWER_CACHE_SHARED_URL). Keys hold the database's name and epoch (a UUID made when the
version row is created), so a rebuilt database never meets its predecessor's answers;
a database restored from a backup keeps its epoch and version: flush the shared tier and
restart the workers then.

The modules, in the order a request meets them:

- triggers.py: the triggers on SQLite and PostgreSQL, installed after every migrate,
  and the per-process check that they are all in place (else no caching at all). A
  write to a table that is not a delivery record (FACT_MODELS) also moves the reference
  version, under which validated filters are kept (activities/filters/plans.py).
- version.py: `current()`, the committed version (one query, which doubles as Django's
  connection health check), or None when the cache must not be used; and the reference
  version of the snapshot an answer is being computed in (`snapshot_reference()`).
- places.py: which answers depend on one place only, and are kept under that place's
  version (moved by the refresh of a write there, rollups/footprints.py) rather than the
  data version, so that a write elsewhere leaves them kept.
- records.py: an API list page assembled from each activity's representation, kept
  under the activity's stamp (moved by every refresh of it) and the reference version.
- store.py: `cached()`, the value kept under the version, in this worker's memory and
  then in the shared tier; computed in one snapshot on a miss.
- http.py: `cached_page`, `cached_response`, `cached_api_response`: rendered responses
  kept as bytes with their ETag and headers.
- middleware.py: `AnswerCacheMiddleware`, the front door that serves a repeated
  anonymous request from the kept response before URL resolution and the view.
- private.py: `PrivateAnswerMiddleware`, `Cache-Control: private` and `Vary:
  Authorization, Cookie` on every answer to a request with credentials (never kept).
"""

from .http import cached_api_response, cached_page, cached_response, reader_key
from .middleware import AnswerCacheMiddleware, front_door_throttles
from .store import CACHE_ALIAS, SHARED_CACHE_ALIAS, cached
from .triggers import ensure_row, install, install_triggers, missing_triggers, versioned_tables
from .version import current

__all__ = [
    "CACHE_ALIAS",
    "SHARED_CACHE_ALIAS",
    "AnswerCacheMiddleware",
    "cached",
    "cached_api_response",
    "cached_page",
    "cached_response",
    "current",
    "ensure_row",
    "front_door_throttles",
    "install",
    "install_triggers",
    "missing_triggers",
    "reader_key",
    "versioned_tables",
]
