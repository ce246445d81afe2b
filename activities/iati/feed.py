"""The validated IATI file of a scope (the filtered activities, or one project), kept on
disk under the data version and regenerated when it moves.

`produce(scope, parts, write)`:
1. the key: the data version (activities/answer_cache: every write to the domain tables
   moves it), the scope and its filters, the reporting organisation's settings;
2. a file already validated under that key is returned as it is (its ETag and
   Last-Modified kept beside it, in `<name>.json`);
3. otherwise, under a lock (one build per key, however many workers ask), the file is
   written to a temporary name, each iati-activity validated as it is written
   (validate.Checker: the XSD and the rules) and the file only then moved into place.
   An invalid file is deleted and its problems kept under the key (`InvalidExport`),
   so that it is never served and not rebuilt until the data change.

Files live in settings.IATI_FEED_DIR: `<scope hash>-<key>.xml` and `.json`. A new file
of a scope removes that scope's older ones, and at most IATI_FEED_MAX_FILES scopes are
kept (the least recently built go first). Where no data version can be read (inside a
transaction, the answer cache turned off), the file is built and validated for the
request alone and deleted once sent (`Feed.temporary`).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone

from .. import answer_cache
from . import validate
from .build import Written

logger = logging.getLogger(__name__)
FAILED_KEPT_SECONDS = 600


@dataclass(frozen=True)
class Feed:
    path: Path
    etag: str
    last_modified: datetime.datetime
    activities: int
    temporary: bool = False


class InvalidExport(Exception):
    def __init__(self, problems: list[str], problem_count: int):
        super().__init__(f"{problem_count} problem(s): {'; '.join(problems[:3])}")
        self.problems = problems
        self.problem_count = problem_count


class EmptyExport(Exception):
    """Nothing to export: IATI has no file without an iati-activity."""


class _HashingWriter:
    """A binary file that hashes what goes through it (the ETag), for xmlfile."""

    def __init__(self, target: IO[bytes]):
        self.target = target
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()


def feed_dir() -> Path:
    path = Path(settings.IATI_FEED_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _hash(value: Hashable) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def _settings_part() -> tuple[str, ...]:
    return (
        str(settings.IATI_REPORTING_ORG_REF),
        str(settings.IATI_REPORTING_ORG_NAME),
        str(settings.IATI_REPORTING_ORG_TYPE),
        str(settings.IATI_DEFAULT_LANGUAGE),
    )


def produce(scope: str, parts: Hashable, write: Callable[[IO[bytes]], Written]) -> Feed:
    """The validated file of `scope` + `parts`; `write(out)` writes it and says how many
    iati-activity elements it wrote and their verdict (build.write_activities).
    Raises EmptyExport or InvalidExport."""
    version = answer_cache.current()
    scope_hash = _hash((scope, parts, _settings_part()))
    if version is None:
        return _build(feed_dir(), f"once-{scope_hash}", write, temporary=True)
    key = _hash((version, scope_hash))
    directory = feed_dir()
    name = f"{scope_hash}-{key}"
    kept = _read_meta(directory / f"{name}.json")
    if kept is None:
        with _locked(directory / f"{scope_hash}.lock"):
            kept = _read_meta(directory / f"{name}.json")  # built meanwhile by another
            if kept is None:
                kept = _build_and_keep(directory, scope_hash, name, write)
    return _feed_from(directory, kept)


def _feed_from(directory: Path, meta: dict[str, Any]) -> Feed:
    if meta.get("empty"):
        raise EmptyExport()
    if not meta["valid"]:
        raise InvalidExport(meta["problems"], meta["problem_count"])
    return Feed(
        path=directory / meta["file"],
        etag=meta["etag"],
        last_modified=datetime.datetime.fromisoformat(meta["generated"]),
        activities=meta["activities"],
    )


def _read_meta(path: Path) -> dict[str, Any] | None:
    try:
        meta: dict[str, Any] = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    if meta.get("valid") and not (path.parent / meta["file"]).exists():
        return None  # removed by hand: build again
    if not meta.get("valid"):
        # An invalid (or empty) outcome is kept a little while, not until the data
        # change: a corrected release must not go on refusing the same data.
        age = timezone.now() - datetime.datetime.fromisoformat(meta["generated"])
        if age.total_seconds() > FAILED_KEPT_SECONDS:
            return None
    return meta


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_validated(
    directory: Path, write: Callable[[IO[bytes]], Written]
) -> tuple[Path, str, int, validate.Report]:
    """Write to a temporary file in `directory`, validated as it is written."""
    handle, name = tempfile.mkstemp(dir=directory, prefix=".building-", suffix=".xml")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            writer = _HashingWriter(out)
            done = write(writer)  # type: ignore[arg-type]
        written = done.activities
        report = done.report if written else validate.Report()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, writer.digest.hexdigest()[:40], written, report


def _build(
    directory: Path, name: str, write: Callable[[IO[bytes]], Written], *, temporary: bool
) -> Feed:
    path, digest, written, report = _write_validated(directory, write)
    if not written:
        path.unlink(missing_ok=True)
        raise EmptyExport()
    if not report.valid:
        path.unlink(missing_ok=True)
        logger.error("IATI export %s is invalid: %s", name, report.problems[:10])
        raise InvalidExport(report.problems, report.problem_count)
    return Feed(
        path=path,
        etag=f'"iati-{digest}"',
        last_modified=timezone.now().replace(microsecond=0),
        activities=report.activities,
        temporary=temporary,
    )


def _build_and_keep(
    directory: Path, scope_hash: str, name: str, write: Callable[[IO[bytes]], Written]
) -> dict[str, Any]:
    generated = timezone.now().replace(microsecond=0).isoformat()
    path, digest, written, report = _write_validated(directory, write)
    meta: dict[str, Any] = {"generated": generated, "activities": report.activities}
    if not written:
        path.unlink(missing_ok=True)
        meta.update(empty=True, valid=False)
    elif not report.valid:
        path.unlink(missing_ok=True)
        logger.error("IATI export %s is invalid: %s", name, report.problems[:10])
        meta.update(valid=False, problems=report.problems, problem_count=report.problem_count)
    else:
        final = directory / f"{name}.xml"
        os.replace(path, final)
        meta.update(valid=True, file=final.name, etag=f'"iati-{digest}"')
    meta_path = directory / f"{name}.json"
    temporary_meta = meta_path.with_suffix(".json.tmp")
    temporary_meta.write_text(json.dumps(meta))
    os.replace(temporary_meta, meta_path)
    _prune(directory, scope_hash, keep=name)
    return meta


def _prune(directory: Path, scope_hash: str, keep: str) -> None:
    """Remove the scope's files of earlier data versions, then the least recently built
    scopes beyond IATI_FEED_MAX_FILES. A file being sent survives its removal (POSIX)."""
    for path in directory.glob(f"{scope_hash}-*"):
        if not path.name.startswith(keep):
            path.unlink(missing_ok=True)
    metas = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for meta in metas[max(int(settings.IATI_FEED_MAX_FILES), 1) :]:
        stem = meta.name.removesuffix(".json")
        for path in directory.glob(f"{stem}*"):
            path.unlink(missing_ok=True)
