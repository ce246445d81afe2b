"""The download of an evidence file, once the caller has checked who asks (rules.py).

- EVIDENCE_SENDFILE = "nginx": an empty answer with `X-Accel-Redirect:
  <EVIDENCE_SENDFILE_PREFIX><stored name>`; nginx sends the bytes from an `internal`
  location aliased to EVIDENCE_ROOT (README "Evidence files").
- "apache": `X-Sendfile: <the file's path>` (mod_xsendfile).
- "" (default), or a storage that is not the filesystem: Django streams the bytes
  (FileResponse, read in blocks).

Always: `Content-Disposition: attachment` with the sanitised name (RFC 6266, non-ASCII
names as filename*), the type detected on upload, `X-Content-Type-Options: nosniff`, a
sandboxing Content-Security-Policy, and no shared cache of a private file.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

from ..models import EvidenceFile


def _front_server(evidence: EvidenceFile) -> HttpResponse | None:
    mode = settings.EVIDENCE_SENDFILE
    storage = evidence.file.storage
    if not mode or not isinstance(storage, FileSystemStorage):
        return None
    response = HttpResponse(content_type=evidence.content_type)
    if mode == "nginx":
        prefix = settings.EVIDENCE_SENDFILE_PREFIX.rstrip("/") + "/"
        response["X-Accel-Redirect"] = quote(prefix + evidence.file.name)
    else:
        response["X-Sendfile"] = storage.path(evidence.file.name)
    response["Content-Length"] = str(evidence.size)
    return response


def download(evidence: EvidenceFile) -> HttpResponseBase:
    response: HttpResponseBase | None = _front_server(evidence)
    if response is None:
        response = FileResponse(
            evidence.file.storage.open(evidence.file.name, "rb"),
            content_type=evidence.content_type,
        )
        response["Content-Length"] = str(evidence.size)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=evidence.original_name) or ""
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Opened by a mistake in the browser, it runs nothing and reaches nothing.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    if evidence.is_public:
        patch_cache_control(response, private=True, max_age=0)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response
