"""The types of evidence file accepted, recognised by their content alone.

Neither the name nor the type the browser declares is trusted: an HTML page, a program
or random bytes renamed "report.pdf" is refused. The allow-list, and how each is told:

- PDF: begins with "%PDF-".
- PNG: the 8-byte signature, then the IHDR chunk.
- JPEG: begins with the SOI marker and a marker segment (FF D8 FF).
- XLSX and DOCX: a ZIP whose "[Content_Types].xml" declares the workbook (or the
  document) main part, and which holds that part. Refused: encrypted entries, macros
  (a vbaProject part, or the macro-enabled types), more than MAX_ZIP_ENTRIES entries, or
  more than EVIDENCE_MAX_UNPACKED_BYTES once unpacked (read from the ZIP's directory:
  nothing is unpacked but the small content-types part).
- CSV and plain text: valid UTF-8 (a byte-order mark allowed) without NUL or other
  control characters (tab, line and page breaks allowed), and not markup (text whose
  first character is "<" is HTML, XML or SVG: refused). Whether it is CSV or plain text
  is the one thing the name decides (".csv", ".tsv"): the content is text either way.

Our own small checks rather than libmagic (python-magic): no system library to install
on every server, and an allow-list of seven types needs to recognise seven types, with
the structure checks (the ZIP's parts, no macros, its unpacked size) that libmagic does
not make. The `filetype` package reads magic bytes only, which cannot tell an XLSX from
any ZIP, nor text from binary.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

HEAD_BYTES = 8192
MAX_ZIP_ENTRIES = 5000
# The content-types part is a few kilobytes; more is not an Office file.
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    code: str
    content_type: str
    # The usual extension first.
    extensions: tuple[str, ...]


PDF = FileType("pdf", "application/pdf", ("pdf",))
PNG = FileType("png", "image/png", ("png",))
JPEG = FileType("jpeg", "image/jpeg", ("jpg", "jpeg"))
XLSX = FileType(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
)
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
CSV = FileType("csv", "text/csv", ("csv", "tsv"))
TEXT = FileType("text", "text/plain", ("txt", "text", "md"))
TYPES = (PDF, PNG, JPEG, XLSX, DOCX, CSV, TEXT)
BY_CONTENT_TYPE = {kind.content_type: kind for kind in TYPES}

# What "[Content_Types].xml" declares for the main part of each Office type we take, and
# where that part is.
_OFFICE_MAIN = {
    XLSX: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "xl/workbook.xml",
    ),
    DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "word/document.xml",
    ),
}
# Control characters text may not hold: all but tab, line feed, vertical tab, form feed
# and carriage return.
_TEXT_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


class Refused(Exception):
    """The file is not of an accepted type; `message` says why, for the uploader."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def allowed_types_text() -> str:
    return "PDF, PNG, JPEG, XLSX, DOCX, CSV, " + _("plain text")


def _not_allowed() -> Refused:
    return Refused(
        _(
            "This file's content is not of a type accepted as evidence (%(types)s), "
            "whatever its name says."
        )
        % {"types": allowed_types_text()}
    )


def detect(file: IO[bytes], *, name: str = "") -> FileType:
    """The type of the file's content, or Refused. The file is read from its start and
    left at its start."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if not head:
        raise Refused(_("The file is empty."))
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"PK\x03\x04"):
            return _office(file)
        return _text(file, name)
    finally:
        file.seek(0)


def _office(file: IO[bytes]) -> FileType:
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _not_allowed() from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise _not_allowed()
        unpacked = sum(entry.file_size for entry in entries)
        if unpacked > settings.EVIDENCE_MAX_UNPACKED_BYTES:
            raise Refused(
                _(
                    "The file would unpack to more than %(limit)s bytes (setting "
                    "EVIDENCE_MAX_UNPACKED_BYTES): it is refused."
                )
                % {"limit": settings.EVIDENCE_MAX_UNPACKED_BYTES}
            )
        if any(entry.flag_bits & 0x1 for entry in entries):
            raise Refused(_("The file is encrypted: save it without a password."))
        names = {entry.filename for entry in entries}
        if any(entry.lower().endswith("vbaproject.bin") for entry in names):
            raise Refused(_("The file holds macros: save it as a plain XLSX or DOCX."))
        if "[Content_Types].xml" not in names:
            raise _not_allowed()
        try:
            with archive.open("[Content_Types].xml") as part:
                declared = part.read(MAX_CONTENT_TYPES_BYTES + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
            raise _not_allowed() from None
        if len(declared) > MAX_CONTENT_TYPES_BYTES:
            raise _not_allowed()
        for kind, (main_type, main_part) in _OFFICE_MAIN.items():
            if f'ContentType="{main_type}"'.encode() in declared and main_part in names:
                return kind
    raise _not_allowed()


def _text(file: IO[bytes], name: str) -> FileType:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    first = True
    while True:
        chunk = file.read(CHUNK)
        final = not chunk
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            raise _not_allowed() from None
        if first and text.strip():
            if text.lstrip()[0] == "<":
                raise Refused(_("HTML, XML and SVG are not accepted as evidence: save it as PDF."))
            first = False
        if _TEXT_CONTROLS.search(text):
            raise _not_allowed()
        if final:
            break
    if first:
        raise _not_allowed()  # only spaces
    return CSV if name.lower().rsplit(".", 1)[-1] in CSV.extensions else TEXT
