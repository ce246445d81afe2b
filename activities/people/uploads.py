"""An uploaded sheet kept between its preview and its confirmation, on the server.

An officer on a slow line uploads once: the preview, a change of mapping and the
confirmation all read the kept file. It is kept under ATTENDANCE_UPLOAD_DIR, in a folder
of the user's id, under a random token (so another user, who has another folder, cannot
name it), for at most ATTENDANCE_UPLOAD_HOURS, and deleted once imported. The sheet
holds personal data: it is never served back, only read by the import service.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass
class Kept:
    token: str
    activity_id: int
    filename: str
    data: bytes
    mapping: dict[str, str]


def _folder(user_id: int) -> Path:
    return Path(settings.ATTENDANCE_UPLOAD_DIR) / str(int(user_id))


def _paths(user_id: int, token: str) -> tuple[Path, Path] | None:
    if not _TOKEN.match(token or ""):
        return None
    folder = _folder(user_id)
    return folder / f"{token}.sheet", folder / f"{token}.json"


def keep(*, user_id: int, activity_id: int, filename: str, data: bytes) -> str:
    """Keep the sheet; the token names it for this user."""
    sweep()
    token = secrets.token_urlsafe(24)
    paths = _paths(user_id, token)
    assert paths is not None
    sheet, meta = paths
    sheet.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    sheet.write_bytes(data)
    sheet.chmod(0o600)
    meta.write_text(
        json.dumps({"activity": activity_id, "filename": filename[:200], "mapping": {}})
    )
    return token


def load(*, user_id: int, token: str, activity_id: int) -> Kept | None:
    """The kept sheet, if this user kept it for this activity (else None)."""
    paths = _paths(user_id, token)
    if paths is None or not paths[0].exists() or not paths[1].exists():
        return None
    meta: dict[str, Any] = json.loads(paths[1].read_text())
    if meta.get("activity") != activity_id:
        return None
    return Kept(
        token=token,
        activity_id=activity_id,
        filename=str(meta.get("filename", "")),
        data=paths[0].read_bytes(),
        mapping={str(k): str(v) for k, v in (meta.get("mapping") or {}).items()},
    )


def remember_mapping(*, user_id: int, token: str, mapping: dict[str, str]) -> None:
    paths = _paths(user_id, token)
    if paths is None or not paths[1].exists():
        return
    meta = json.loads(paths[1].read_text())
    meta["mapping"] = mapping
    paths[1].write_text(json.dumps(meta))


def forget(*, user_id: int, token: str) -> None:
    paths = _paths(user_id, token)
    for path in paths or ():
        path.unlink(missing_ok=True)


def sweep() -> None:
    """Delete kept sheets older than ATTENDANCE_UPLOAD_HOURS (anyone's)."""
    root = Path(settings.ATTENDANCE_UPLOAD_DIR)
    if not root.exists():
        return
    oldest = time.time() - settings.ATTENDANCE_UPLOAD_HOURS * 3600
    for path in root.glob("*/*"):
        try:
            if path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
        except OSError:
            continue
