"""The M49 region names, for the translation catalogs.

Regions are reference data stored in English (fixtures/m49.json); pages show
`Region.display_name`, which looks the English name up in the catalogs. Listing the names
here with gettext_noop is what puts them in locale/*/django.po (translated there with
UNSD's official French and Spanish names). Countries need no entry: UNSD gives their
names in the six UN languages, stored in `Country.names`.
"""

import functools
import json
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language, gettext, gettext_noop

M49_REGION_NAMES = (
    gettext_noop("World"),
    gettext_noop("Africa"),
    gettext_noop("Northern Africa"),
    gettext_noop("Sub-Saharan Africa"),
    gettext_noop("Eastern Africa"),
    gettext_noop("Middle Africa"),
    gettext_noop("Southern Africa"),
    gettext_noop("Western Africa"),
    gettext_noop("Americas"),
    gettext_noop("Latin America and the Caribbean"),
    gettext_noop("Caribbean"),
    gettext_noop("Central America"),
    gettext_noop("South America"),
    gettext_noop("Northern America"),
    gettext_noop("Asia"),
    gettext_noop("Central Asia"),
    gettext_noop("Eastern Asia"),
    gettext_noop("South-eastern Asia"),
    gettext_noop("Southern Asia"),
    gettext_noop("Western Asia"),
    gettext_noop("Europe"),
    gettext_noop("Eastern Europe"),
    gettext_noop("Northern Europe"),
    gettext_noop("Channel Islands"),
    gettext_noop("Southern Europe"),
    gettext_noop("Western Europe"),
    gettext_noop("Oceania"),
    gettext_noop("Australia and New Zealand"),
    gettext_noop("Melanesia"),
    gettext_noop("Micronesia"),
    gettext_noop("Polynesia"),
)


@functools.cache
def _country_names() -> dict[str, dict[str, str]]:
    """English UN name -> the six UN names, from the reference fixture (read once)."""
    path = Path(settings.BASE_DIR) / "fixtures" / "m49.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {country["name"]: country.get("names") or {} for country in data["countries"]}


def place_name(name: str | None) -> str:
    """A region's or a country's English name in the reader's language: M49 region names
    through the catalogs, country names from UNSD's own translations. Pages call this on
    the engine's labels; the API and exports keep the English names."""
    if not name:
        return name or ""
    translated = gettext(name)
    if translated != name:
        return translated
    language = (get_language() or "en").split("-")[0]
    return _country_names().get(name, {}).get(language) or name
