"""The translation catalogs are complete, current and compiled.

Fails on any untranslated or fuzzy message in locale/fr and locale/es, on a catalog that
lags behind the source (a string marked for translation that no catalog has), and on a
committed .mo that is not the compiled .po. How to update them: CONTRIBUTING.md,
"Translations".
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LANGUAGES = ["fr", "es"]
LOCALE = Path(settings.BASE_DIR) / "locale"
# The same options as the command in CONTRIBUTING.md.
MAKEMESSAGES_IGNORE = [".venv", "bench", "tests", "scripts", "var", "docs", "staticfiles"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%|\{\{ ?\w+ ?\}\}")


def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def key(entry: polib.POEntry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = catalog(language)
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated in {language}: {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {language}: {fuzzy[:5]}"
    assert len(po) > 800


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_has_each_form_of_the_language(language):
    forms = {"fr": 2, "es": 3}[language]
    for entry in catalog(language):
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == forms, entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_source(language):
    for entry in catalog(language):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            got = sorted(PLACEHOLDER.findall(translation))
            # A singular may leave the count out ("Lister cette activité").
            assert set(got) <= set(wanted) and (got or not wanted or entry.msgid_plural), (
                entry.msgid,
                translation,
            )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_the_compiled_po(language):
    po = catalog(language)
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled = {key(entry): (entry.msgstr, dict(entry.msgstr_plural)) for entry in mo}
    for entry in po.translated_entries():
        got = compiled.get(key(entry))
        assert got is not None, f"{entry.msgid!r} is not in {language}/django.mo: compile it"
        if entry.msgid_plural:
            assert {int(k): v for k, v in got[1].items()} == {
                int(k): v for k, v in entry.msgstr_plural.items()
            }, entry.msgid
        else:
            assert got[0] == entry.msgstr, entry.msgid


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="GNU gettext (xgettext) is not installed: apt-get install gettext (.ci/run does)",
)
def test_the_catalogs_hold_every_message_of_the_source(tmp_path):
    """makemessages into a copy of the project, then compare the messages it finds."""
    copy = tmp_path / "project"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            *MAKEMESSAGES_IGNORE, ".git", "*.sqlite3", "node_modules", ".*_cache", "test-artifacts"
        ),
    )
    command = [
        sys.executable,
        "manage.py",
        "makemessages",
        "-l",
        "fr",
        "--no-location",
        "--no-obsolete",
    ]
    for pattern in MAKEMESSAGES_IGNORE:
        command += ["--ignore", pattern]
    subprocess.run(command, cwd=copy, check=True, capture_output=True)
    fresh = {key(entry) for entry in polib.pofile(str(copy / "locale/fr/LC_MESSAGES/django.po"))}
    committed = {key(entry) for entry in catalog("fr")}
    missing = sorted(fresh - committed)
    stale = sorted(committed - fresh)
    assert not missing, f"{len(missing)} messages not in the catalogs: {missing[:5]}"
    assert not stale, f"{len(stale)} messages no longer in the source: {stale[:5]}"
