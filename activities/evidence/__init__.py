"""Evidence files of an activity (models/evidence.py): checks, writes, reads, serving.

- `names`: the uploader's file name, sanitised (no folder, no control character, bounded).
- `sniff`: the allow-list of types, recognised by their content (never by name or by the
  declared type): PDF, PNG, JPEG, XLSX, DOCX, CSV and plain UTF-8 text.
- `rules`: who may list, download, upload, delete a file and mark it public.
- `services`: upload, change (kind, description, public), delete: atomic, recorded in the
  history, the stored bytes removed only once the deletion is committed.
- `serving`: the download response (X-Accel-Redirect, X-Sendfile or streamed), attachment,
  nosniff.
"""
