"""The interface in English, French and Spanish: the reader's language from the switcher's
cookie or Accept-Language, headings translated, numbers and dates in the reader's locale,
place names in the language, plurals right in each; machine outputs stay as they were."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from activities.roles import PROGRAMME_OFFICER
from activities.templatetags.figures import format_count, format_count_words
from tests.fixtures_roles import logged_in, make_role_user

pytestmark = pytest.mark.django_db

NBSP = "\xa0"


def text_of(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"[ \t\n]+", " ", text)


def in_language(client, url: str, language: str, *, how: str = "header"):
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client.get(url)
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


PAGES = {
    # url: (English heading, French heading, Spanish heading)
    "/": (
        "What the programme delivered",
        "Ce que le programme a réalisé",
        "Lo que el programa realizó",
    ),
    "/activities/": ("Download CSV", "Télécharger en CSV", "Descargar CSV"),
    "/countries/SV/": (
        "List and download these activities",
        "Lister et télécharger ces activités",
        "Listar y descargar estas actividades",
    ),
    "/regions/013/": (
        "Countries with activities",
        "Pays ayant des activités",
        "Países con actividades",
    ),
    "/hubs/": ("Regional hubs", "Pôles régionaux", "Centros regionales"),
    "/hubs/senegal/": (
        "Delivery within its coverage",
        "Réalisations dans sa couverture",
        "Ejecución dentro de su cobertura",
    ),
    "/figures/": ("Reported figures", "Chiffres communiqués", "Cifras informadas"),
    "/projects/": (
        "The funded work activities belong to",
        "Les travaux financés dont relèvent les activités",
        "El trabajo financiado al que pertenecen",
    ),
}


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("how", ["header", "cookie"])
def test_each_page_speaks_the_language_the_reader_asked_for(client, url, how):
    english, french, spanish = PAGES[url]
    for language, heading in (("en", english), ("fr", french), ("es", spanish)):
        client.cookies.clear()
        response = in_language(client, url, language, how=how)
        assert response.status_code == 200
        assert response["Content-Language"] == language
        assert f'<html lang="{language}">' in response.content.decode()
        assert heading in text_of(response), (url, language)


def test_a_reader_without_a_preference_gets_english(client):
    response = client.get("/")
    assert response["Content-Language"] == "en"
    assert "What the programme delivered" in text_of(response)


def test_an_unknown_language_falls_back_to_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response["Content-Language"] == "en"


def test_a_regional_variant_gets_its_language(client):
    # Officers in Guatemala or Senegal send es-GT / fr-SN.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="es-GT,es;q=0.9")["Content-Language"] == "es"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="fr-SN")["Content-Language"] == "fr"


def test_the_switcher_remembers_the_choice_in_a_cookie_and_returns_to_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/activities/"})
    assert response.status_code == 302
    assert response["Location"] == "/activities/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    # The cookie outweighs the browser's own language.
    page = client.get("/activities/", HTTP_ACCEPT_LANGUAGE="es")
    assert page["Content-Language"] == "fr"
    assert "Télécharger en CSV" in text_of(page)


def test_every_page_offers_the_switcher_with_the_current_language_selected(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert '<option value="es" lang="es" selected>Español</option>' in html
    assert '<option value="fr" lang="fr">Français</option>' in html


def test_the_kept_page_of_one_language_is_not_served_in_another(client):
    # The answer cache keys pages by language (activities/answer_cache/).
    assert "Tableau de bord" in text_of(client.get("/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Panel" in text_of(client.get("/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "Dashboard" in text_of(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Tableau de bord" in text_of(client.get("/", HTTP_ACCEPT_LANGUAGE="fr"))


def test_numbers_are_grouped_as_the_reader_writes_them():
    cases = {
        "en": ("5,600+", "more than 5,600", "about 1,234"),
        "fr": (f"5{NBSP}600+", f"plus de 5{NBSP}600", f"environ 1{NBSP}234"),
        # Django's Spanish formats group with a space, as the RAE recommends: "5.600"
        # would read as five point six in Guatemala or Mexico.
        "es": (f"5{NBSP}600+", f"más de 5{NBSP}600", f"unos 1{NBSP}234"),
    }
    for language, (short, words, about) in cases.items():
        with translation.override(language):
            assert format_count(5600, "at_least") == short
            assert format_count_words(5600, "more_than") == words
            assert format_count_words(1234, "about") == about


def test_the_dashboard_headline_numbers_follow_the_locale(client):
    english = text_of(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    french = text_of(client.get("/", HTTP_ACCEPT_LANGUAGE="fr"))
    grouped_en = re.findall(r"\b\d{1,3}(?:,\d{3})+\+?", english)
    assert grouped_en, "the seed has participations in the thousands"
    for number in grouped_en:
        assert number.replace(",", NBSP) in french


def test_dates_use_the_month_names_of_the_language(client):
    french = text_of(client.get("/activities/?year=2020", HTTP_ACCEPT_LANGUAGE="fr"))
    spanish = text_of(client.get("/activities/?year=2020", HTTP_ACCEPT_LANGUAGE="es"))
    assert re.search(
        r"\b(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre"
        r"|décembre) 2020",
        french,
    )
    assert re.search(
        r"\b(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre"
        r"|diciembre) de 2020",
        spanish,
    )


def test_country_and_region_names_are_the_un_names_in_the_language(client):
    french = text_of(client.get("/countries/SV/", HTTP_ACCEPT_LANGUAGE="fr"))
    spanish = text_of(client.get("/countries/SV/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "El Salvador" in spanish and "Amérique centrale" in french
    assert "Centroamérica" in spanish
    sn = text_of(client.get("/countries/SN/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "Senegal" in sn and "África occidental" in sn
    region = text_of(client.get("/regions/011/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Afrique de l&#x27;Ouest" in region
    senegal = text_of(client.get("/countries/SN/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Sénégal" in senegal and "Senegal" not in senegal


def test_plurals_are_right_in_each_language():
    from django.utils.translation import ngettext

    for language, one, many in (
        ("en", "1 activity", "2 activities"),
        ("fr", "1 activité", "2 activités"),
        ("es", "1 actividad", "2 actividades"),
    ):
        with translation.override(language):
            assert ngettext("%(count)s activity", "%(count)s activities", 1) % {"count": 1} == one
            assert ngettext("%(count)s activity", "%(count)s activities", 2) % {"count": 2} == many
    # French puts 0 in the singular; Spanish and English in the plural.
    with translation.override("fr"):
        assert (
            ngettext("%(count)s activity", "%(count)s activities", 0) % {"count": 0} == "0 activité"
        )
    with translation.override("es"):
        assert (
            ngettext("%(count)s activity", "%(count)s activities", 0) % {"count": 0}
            == "0 actividades"
        )


def test_the_activity_count_heading_is_singular_for_one(client):
    page = text_of(client.get("/activities/?country=SV&year=2020", HTTP_ACCEPT_LANGUAGE="fr"))
    match = re.search(r"(\d+) activités? correspond", page)
    assert match
    number = int(match.group(1))
    assert ("activité correspond" in page) == (number <= 1)


def test_the_log_form_is_translated(roles):
    officer = make_role_user("aminata-officer", PROGRAMME_OFFICER, countries=["SEN"])
    client = logged_in(officer)
    for language, words in (
        (
            "fr",
            (
                "Saisir une formation",
                "Précision des dates ?",
                "Enregistrer comme brouillon",
                "Femmes",
            ),
        ),
        (
            "es",
            (
                "Registrar una capacitación",
                "¿Qué precisión tienen las fechas?",
                "Guardar como borrador",
                "Mujeres",
            ),
        ),
    ):
        page = text_of(client.get("/log/", HTTP_ACCEPT_LANGUAGE=language))
        for word in words:
            assert word in page, (language, word)


def test_the_csv_export_stays_english_and_plain_whatever_the_language(client):
    url = reverse("pages:activity_export", args=["csv"]) + "?year=2020"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert english.status_code == french.status_code == 200
    assert b"".join(
        english.streaming_content if english.streaming else [english.content]
    ) == b"".join(french.streaming_content if french.streaming else [french.content])


def test_api_error_messages_follow_accept_language(client):
    english = client.get("/api/v1/activities/?year=nineteen", HTTP_ACCEPT_LANGUAGE="en")
    french = client.get("/api/v1/activities/?year=nineteen", HTTP_ACCEPT_LANGUAGE="fr")
    spanish = client.get("/api/v1/activities/?year=nineteen", HTTP_ACCEPT_LANGUAGE="es")
    assert english.status_code == french.status_code == spanish.status_code == 400
    assert french["Content-Language"] == "fr"
    assert english.json() != french.json() != spanish.json()
    assert "nombre" in str(french.json()).lower() or "entier" in str(french.json()).lower()


def test_api_data_keeps_codes_and_english_names_without_accept_language(client):
    body = client.get("/api/v1/activities/?country=SV").json()
    assert body["results"]
    names = {c["name"] for a in body["results"] for c in a.get("countries", [])}
    assert "El Salvador" in names


def test_the_switcher_needs_no_csrf_token_so_public_pages_stay_cacheable(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/")
    assert settings.CSRF_COOKIE_NAME not in page.cookies


@pytest.mark.parametrize("url", ["/activities/?year=2020", "/regions/013/", "/countries/SV/"])
def test_a_page_costs_the_same_queries_in_every_language(client, url):
    """Place and reference names in the language come from rows already read (UNSD's
    names) or from the catalogs: no query per name."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for language in ("en", "fr", "es"):
        client.get(url, HTTP_ACCEPT_LANGUAGE=language)  # warm per-process caches
        with CaptureQueriesContext(connection) as queries:
            # ?_=language: past the answer cache, so the page is computed each time.
            response = client.get(
                f"{url}&_={language}" if "?" in url else f"{url}?_={language}",
                HTTP_ACCEPT_LANGUAGE=language,
            )
        assert response.status_code == 200
        counts[language] = len(queries)
    assert counts["fr"] == counts["en"] == counts["es"], counts


# --- The report draft and the delivery status, in the reader's language ------------------

DRAFT_HEADINGS = {
    "fr": (
        "Projet de rapport sur l'assistance technique et le renforcement des capacités, 2020",
        "Appui normatif et renforcement des capacités par région",
        "Résultats au regard des cibles",
        "Mandats",
    ),
    "es": (
        "Proyecto de informe sobre asistencia técnica y fortalecimiento de capacidades, 2020",
        "Apoyo normativo y fortalecimiento de capacidades por región",
        "Resultados con respecto a las metas",
        "Mandatos",
    ),
}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_report_draft_speaks_the_language_with_its_numbers_grouped(client, language):
    page = text_of(client.get("/reports/draft/?year=2020", HTTP_ACCEPT_LANGUAGE=language))
    page = page.replace("&#x27;", "'")
    for heading in DRAFT_HEADINGS[language]:
        assert heading in page, heading
    more_than = {"fr": "plus de", "es": "más de"}[language]
    participations = {"fr": "participations", "es": "participaciones"}[language]
    # F16, the teachers of El Salvador, Guatemala and Honduras: "more than 5,600".
    assert f"{more_than} 5{NBSP}600 {participations}" in page
    assert "more than" not in page and "Draft report" not in page
    assert "sex not recorded" not in page
    # Countries named by the records (the engine names them in English) and M49 regions
    # are said with their UN names in the language.
    if language == "es":
        assert "en Belice y Burkina Faso" in page and "en Asia sudoriental" in page
    else:
        assert "Asie du Sud-Est" in page


@pytest.mark.parametrize("file_format", ["md", "docx"])
def test_the_report_draft_downloads_speak_the_language_of_the_page(client, file_format):
    from io import BytesIO

    url = f"/reports/draft/?year=2020&format={file_format}"
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content
    if file_format == "docx":
        from docx import Document

        from activities.reports.word import footnote_texts

        document = Document(BytesIO(body))
        text = "\n".join(paragraph.text for paragraph in document.paragraphs)
        notes = " ".join(footnote_texts(body).values())
    else:
        text = notes = body.decode()
    assert "Projet de rapport" in text
    assert f"plus de 5{NBSP}600 participations" in text
    assert "Enregistrements" in notes and "Records:" not in notes


def test_a_postponed_activity_says_its_moves_in_french(client):
    from activities.models import Activity

    session = Activity.objects.get(reference="report-2020/F31")
    page = text_of(client.get(f"/activities/{session.pk}/", HTTP_ACCEPT_LANGUAGE="fr"))
    page = page.replace("&#x27;", "'")
    assert "Reportée (prévue : août 2020 ; nouvelle date : 20–22 janvier 2021)" in page
    assert "Reportée (prévue : 20–22 janvier 2021 ; nouvelle date : 10–12 mai 2021)" in page
    assert "non comptée par défaut" in page
    assert "New York, États-Unis d’Amérique" in page  # UNSD's name, its apostrophe
    assert "Postponed from" not in page  # the title and description are the source's words


def test_a_quarter_draft_names_its_quarter_in_the_language_and_keeps_its_file_name(client):
    url = "/reports/draft/?year=2021&quarter=1"
    french = text_of(client.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "renforcement des capacités, T1 2021" in french
    spanish = text_of(client.get(url, HTTP_ACCEPT_LANGUAGE="es"))
    assert "fortalecimiento de capacidades, T1 de 2021" in spanish
    word = client.get(url + "&format=docx", HTTP_ACCEPT_LANGUAGE="fr")
    assert word["Content-Disposition"] == 'attachment; filename="draft-report-2021-Q1.docx"'


def test_the_log_form_names_the_venue_countries_in_the_language(roles):
    officer = make_role_user("aminata-officer", PROGRAMME_OFFICER, countries=["SEN"])
    page = logged_in(officer).get("/log/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    venue = page[page.index('name="venue_country"') :]
    venue = venue[: venue.index("</select>")]
    assert "États-Unis d’Amérique" in venue and "United States of America" not in venue
    assert "non indiqué, ou en ligne" in venue
    assert "Si elle a eu lieu : seules les activités réalisées ou en cours" in page
