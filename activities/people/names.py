"""The normalized name of a person, and the key that says two records are the same person.

A name is compared without accents, case, punctuation or the order of its parts: "José
María Pérez-Gómez", "PEREZ GOMEZ, Jose Maria" and "jose maria perez gomez" have one
`name_key`. Two records are the same person (an exact match) when they share a non-empty
e-mail, or when they share the name key and the country. Anything less (a typo, a
transliteration, a missing second surname) is at most a possible match, proposed to the
officer and never merged silently (activities/people/matching.py).
"""

from __future__ import annotations

import re
import unicodedata

_NOT_LETTERS = re.compile(r"[^\w]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case, without accents or marks: "Pérez" -> "perez", "Øster" -> "oster"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.casefold().replace("ø", "o").replace("ß", "ss").replace("æ", "ae")


def name_tokens(*parts: str) -> list[str]:
    """The words of a name, folded, without punctuation or digits."""
    words = _NOT_LETTERS.split(fold(" ".join(part for part in parts if part)))
    return [word for word in words if word and not word.isdigit() and word != "_"]


def name_key(given_name: str, family_name: str) -> str:
    """The words of the name, folded and sorted: the order of given and family names
    does not matter."""
    return " ".join(sorted(name_tokens(given_name, family_name)))


def email_key(email: str) -> str:
    return (email or "").strip().casefold()
