"""The uploader's file name, made safe to keep and to offer back on download.

- Only the last part of a path is kept ("../../etc/passwd" is "passwd", "C:\\a\\b.pdf"
  is "b.pdf").
- Control and format characters are removed (NUL, newlines, the right-to-left override
  that makes "cod.exe" look like "exe.doc"); so are the characters Windows refuses in a
  name; runs of spaces become one.
- No leading dot (no hidden file), at most MAX_LENGTH characters, the extension kept.
- Nothing left: "file".

The name is never a path on disk: the bytes are stored under a random name
(models/evidence.py). It is kept only to be shown and offered back.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 120
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_SPACES = re.compile(r"\s+")


def sanitise(name: str, *, max_length: int = MAX_LENGTH) -> str:
    """The safe form of `name` (see the module's rules)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn") or char.isspace()
    )
    name = _FORBIDDEN.sub("_", name)
    name = _SPACES.sub(" ", name).strip(" .")
    if len(name) > max_length:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10 and stem:
            name = stem[: max_length - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:max_length].rstrip(" .")
    return name or "file"


def with_extension(name: str, extensions: tuple[str, ...]) -> str:
    """`name` ending in one of `extensions` (the detected type's; the first is its usual
    one): a PNG uploaded as "photo.pdf" is kept as "photo.png", so that nobody who
    downloads it opens it with the wrong program."""
    stem, dot, extension = name.rpartition(".")
    if dot and extension.lower() in extensions:
        return name
    base = stem if dot and stem and len(extension) <= 10 else name
    return sanitise(f"{base}.{extensions[0]}")
