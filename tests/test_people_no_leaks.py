"""No anonymous, donor or out-of-scope response anywhere holds a participant's name,
e-mail, phone, year of birth or test score.

The subjects are those of the authorization matrix (tests/test_authz_matrix.py: a
published activity in Senegal and a draft in Senegal and Burkina Faso, logged by the
West Africa officer), with named people attending both: their names, e-mails, phones,
years of birth and scores are canaries no one else's data could contain. Then, for an
anonymous visitor, a donor viewer and an officer whose scope does not cover them, the
test requests:
- every request of the authorization matrix (its lists are imported, not copied, so a
  row added there is searched here too);
- every URL the project routes (pages, API, whatever a later change adds, such as the
  attendance endpoints), with the published and the draft activity's id where the URL
  takes one;
- the downloads (CSV, Excel, CSV with HXL), the stats with every measure and every
  group_by, the history, 400 and 404 answers, and a search for a participant's name;
and searches every body and header (an Excel file unzipped, its XML searched) for the
canaries, and every log record emitted meanwhile, at DEBUG.

A 401, 403 or 404 is a fine answer, as long as it names no one.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import get_converters

import tests.test_authz_matrix as authz
from activities import stats
from activities.models import Activity, Attendance, Audience, Country, Participant
from activities.people import names, tallies

pytestmark = pytest.mark.django_db

# The authorization matrix's subjects (a fixture, taken by name).
world = authz.world

GIVEN_NAME = "Zyxwvuta"
FAMILY_NAME = "Qoppaleakova"
EMAIL = "leak-canary@example.org"
PHONE = "+221 77 913 4682"
BIRTH_YEAR = 1911
SECOND_GIVEN_NAME = "Vexqorith"
SECOND_EMAIL = "second-canary@example.org"
SECOND_BIRTH_YEAR = 1913
PRE_SCORE = Decimal("13.57")
POST_SCORE = Decimal("97.53")

CANARIES = [
    GIVEN_NAME,
    FAMILY_NAME,
    EMAIL,
    "leak-canary",
    PHONE,
    PHONE.replace(" ", ""),
    SECOND_GIVEN_NAME,
    SECOND_EMAIL,
    "13.57",
    "97.53",
]
# A year of birth as a word of its own: never four digits inside a longer number (a
# timestamp), a decimal, or a random token (a CSRF token held "...x1911k...", seen once
# in CI on /accounts/password/done/).
BIRTH_YEARS = re.compile(rf"(?<![\w.]){BIRTH_YEAR}(?!\w)|(?<![\w.]){SECOND_BIRTH_YEAR}(?!\w)")

# Those who may never see a participant of these activities.
OUTSIDERS = ["anonymous", "donor", "officer_out"]


@pytest.fixture
def people_world(world):
    """The matrix's subjects, each attended by the two named people."""
    senegal = Country.objects.get(iso3="SEN")
    audience = Audience.objects.order_by("pk").first()
    people = [
        Participant.objects.create(
            given_name=GIVEN_NAME,
            family_name=FAMILY_NAME,
            name_key=names.name_key(GIVEN_NAME, FAMILY_NAME),
            sex="female",
            birth_year=BIRTH_YEAR,
            institution="Tribunal de grande instance de Dakar",
            audience=audience,
            country=senegal,
            email=EMAIL,
            phone=PHONE,
        ),
        Participant.objects.create(
            given_name=SECOND_GIVEN_NAME,
            family_name=FAMILY_NAME,
            name_key=names.name_key(SECOND_GIVEN_NAME, FAMILY_NAME),
            sex="male",
            birth_year=SECOND_BIRTH_YEAR,
            audience=audience,
            country=senegal,
            email=SECOND_EMAIL,
        ),
    ]
    manager = world["users"]["manager"]
    for activity in (world["published"], world["draft"]):
        for person in people:
            Attendance.objects.create(
                activity=activity,
                participant=person,
                attended=True,
                completed=True,
                pre_score=PRE_SCORE,
                post_score=POST_SCORE,
            )
        tallies.sync_tallies(activity=activity, by=manager)
    return {**world, "people": people}


# --- what to ask ------------------------------------------------------------------------

# Values for the parameters of the project's URLs: a number is tried as the published
# activity's id, the draft's and each person's; any other parameter takes the first of these
# that its pattern accepts (a country, a region, an audience, a format...).
ACTIVITY_PARAMS = {"pk", "id", "activity_pk", "activity_id", "activity"}
CANDIDATE_VALUES = ["SN", "011", "prosecutors", "csv", "x"]


def routed_urls(activity_ids: list[int]) -> list[str]:
    """Every URL the project routes that can be built from PARAM_VALUES and an activity
    id (the admin apart: the matrix already asks for its pages)."""
    urls: set[str] = set()
    for route in _routes(get_resolver().url_patterns, ""):
        if route.startswith("admin/"):
            continue
        for activity_id in activity_ids:
            url = _fill(route, activity_id)
            if url is not None:
                urls.add("/" + url)
    return sorted(urls)


def _routes(patterns, prefix: str):
    for pattern in patterns:
        text = prefix + _pattern_text(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern):
            yield text


def _pattern_text(pattern) -> str:
    text = str(pattern)
    if hasattr(pattern, "regex") and text.startswith("^"):
        return text.lstrip("^").rstrip("$").replace("\\Z", "")
    return text


def _fill(route: str, activity_id: int) -> str | None:
    def value_of(name: str, accepts: str) -> str | None:
        if name in ACTIVITY_PARAMS or (
            re.fullmatch(accepts, "1") and not re.fullmatch(accepts, "x")
        ):
            return str(activity_id)
        return next((value for value in CANDIDATE_VALUES if re.fullmatch(accepts, value)), None)

    def group(match: re.Match) -> str:
        return value_of(match.group(1), match.group(2)) or "\\(unfillable)"

    def converter(match: re.Match) -> str:
        accepts = get_converters()[match.group(1) or "str"].regex
        return value_of(match.group(2), accepts) or "\\(unfillable)"

    url = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", group, route)
    url = re.sub(r"<(?:(\w+):)?(\w+)>", converter, url)
    url = url.replace("\\.", ".").replace("\\-", "-")
    if re.search(r"[\\()\[\]*+?^$|{}]", url):
        return None  # a catch-all pattern: no one URL stands for it
    return url


def stats_urls() -> list[str]:
    """Every measure alone and all together, ungrouped and by every dimension; all of
    them together also as CSV and HXL, and under a country filter (its unattributed
    activities are listed). A combination the engine refuses is a 400, searched too."""
    every = ",".join(stats.MEASURES)
    urls = []
    for group_by in ["", *stats.DIMENSIONS]:
        grouping = f"&group_by={group_by}" if group_by else ""
        for measure in [*stats.MEASURES, every, "people,learning"]:
            urls.append(f"/api/v1/stats/?measures={measure}{grouping}")
        everything = f"/api/v1/stats/?measures={every}{grouping}"
        urls += [everything + "&format=csv", everything + "&format=csv&hxl=1"]
        urls.append(f"/api/v1/stats/?country=SN{grouping}")
    return urls


def extra_urls(world) -> list[str]:
    published, draft = world["published"].pk, world["draft"].pk
    urls = [
        f"/activities/?q={GIVEN_NAME}",
        f"/activities/?q={FAMILY_NAME}",
        f"/activities/?q={EMAIL}",
        "/activities/download.csv",
        "/activities/download.xlsx",
        f"/activities/download.csv?q={GIVEN_NAME}",
        "/activities/?year=abc",
        "/activities/99999999/",
        "/no/such/page/",
        "/regions/001/",
        "/regions/002/",
        "/countries/BF/",
        "/api/v1/activities/?format=csv&hxl=1",
        f"/api/v1/activities/?q={GIVEN_NAME}",
        f"/api/v1/activities/?q={EMAIL}",
        "/api/v1/activities/?year=abc",
        "/api/v1/activities/99999999/",
        "/api/v1/no/such/thing/",
        "/api/v1/stats/?group_by=nope",
        "/api/v1/stats/?measures=nope",
        "/admin/activities/participant/",
        "/admin/activities/attendance/",
        "/admin/",
    ]
    for pk in (published, draft):
        urls += [
            f"/activities/{pk}/",
            f"/activities/{pk}/history/",
            f"/activities/{pk}/edit/",
            f"/activities/{pk}/attendance/",
            f"/api/v1/activities/{pk}/",
            f"/api/v1/activities/{pk}/?format=csv",
            f"/api/v1/activities/{pk}/?format=csv&hxl=1",
            f"/api/v1/activities/{pk}/history/",
            f"/api/v1/activities/{pk}/attendance/",
            f"/api/v1/activities/{pk}/attendance/?format=csv",
            f"/api/v1/activities/{pk}/attendance/import/",
            f"/api/v1/stats/?activity={pk}",
        ]
    return urls


# --- what to look for -------------------------------------------------------------------


def body_text(response) -> str:
    """The body as text: streamed or not, an Excel file unzipped (every XML part), and the
    headers (a file name, a redirect's Location)."""
    content = (
        b"".join(response.streaming_content) if response.streaming else bytes(response.content)
    )
    if content.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            text = "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    else:
        text = content.decode("utf-8", "replace")
    headers = "\n".join(f"{key}: {value}" for key, value in response.items())
    return headers + "\n" + text


def leaks(text: str, asked: str = "") -> list[str]:
    """The canaries in `text`, but those the request itself carries (a search box shows
    the words searched for: the asker's own words, not a participant's data)."""
    text = text.lower()
    found = [c for c in CANARIES if c.lower() in text and c.lower() not in asked.lower()]
    found += BIRTH_YEARS.findall(text)
    return found


def without_paths(text: str, paths: list[str]) -> str:
    """`text` without the request paths it echoes (a 404 page, a log line). A birth year
    is a number: on a database whose sequences run on, an activity's or a person's id can
    be that number, and the path holding it is then the asker's, not a person's data."""
    for path in sorted(set(paths), key=len, reverse=True):
        text = text.replace(path, " ")
    return text


def log_text(records) -> str:
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(str(record.exc_text or ""))
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        request = getattr(record, "request", None)
        if request is not None:
            parts.append(str(getattr(request, "GET", "")))
    return "\n".join(parts)


# --- the tests --------------------------------------------------------------------------


def test_the_canaries_are_where_they_should_be(people_world):
    """The seeded people exist and their activities' tallies come from them: a test that
    found nothing because nothing was there would prove nothing."""
    manager = authz.page_client(people_world["users"]["manager"])
    assert Participant.objects.filter(email=EMAIL).exists()
    published = Activity.objects.get(pk=people_world["published"].pk)
    assert published.beneficiaries.filter(from_attendance=True).exists()
    response = manager.get(f"/activities/{published.pk}/")
    assert response.status_code == 200
    # Nothing about these URLs is blind: every one was built, and each role is asked.
    urls = routed_urls([people_world["published"].pk, people_world["draft"].pk])
    assert f"/activities/{published.pk}/" in urls
    assert f"/api/v1/activities/{published.pk}/history/" in urls


@pytest.mark.parametrize("role", OUTSIDERS)
def test_no_response_to_an_outsider_names_a_participant(people_world, role, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")  # Django's own stops at INFO
    user = people_world["users"][role]
    pages, api = authz.page_client(user), authz.api_client(user)
    asked: list[tuple[str, object]] = []
    # The authorization matrix, as it stands (refused writes change nothing).
    for name, (request, _expected) in authz.MATRIX.items():
        asked.append((name, request(pages, people_world)))
    for name, (request, _expected) in authz.API_MATRIX.items():
        asked.append((name, request(api, people_world)))
    # A URL's number is tried as each activity's id and each person's (/people/{id}/).
    ids = [people_world["published"].pk, people_world["draft"].pk]
    ids += [participant.pk for participant in people_world["people"]]
    urls = routed_urls(ids) + extra_urls(people_world) + stats_urls()
    for url in dict.fromkeys(urls):
        client = api if url.startswith("/api/") else pages
        asked.append((url, client.get(url)))
    failures = []
    paths = []
    for where, response in asked:
        assert response.status_code < 500, (where, response.status_code)
        path = response.request["PATH_INFO"]
        paths.append(path)
        found = leaks(without_paths(body_text(response), [path]), asked=where)
        if found:
            failures.append((where, response.status_code, found))
    assert failures == []
    # The refused stats questions were logged ("Bad Request"): the log was listened to.
    assert any("Bad Request" in record.getMessage() for record in caplog.records)
    assert leaks(without_paths(log_text(caplog.records), paths)) == []


@pytest.mark.parametrize("role", OUTSIDERS)
def test_searching_a_participants_name_finds_nothing(people_world, role):
    user = people_world["users"][role]
    api = authz.api_client(user)
    for word in (GIVEN_NAME, FAMILY_NAME, EMAIL, "leak-canary"):
        body = api.get(f"/api/v1/activities/?q={word}").json()
        assert body["count"] == 0, word
        page = authz.page_client(user).get(f"/activities/?q={word}").content.decode()
        assert "Dakar judges on cybercrime legislation" not in page, word
    # The same search by title does find it: the search works.
    assert api.get("/api/v1/activities/?q=Dakar").json()["count"] == 1


def test_the_text_search_reads_only_the_activitys_own_text():
    from activities.filters.activities import TEXT_SEARCH_FIELDS

    fields = {field.name for field in Activity._meta.get_fields()}
    assert all("__" not in name and name in fields for name in TEXT_SEARCH_FIELDS)


def test_a_birth_year_counts_as_a_leak_unless_it_is_the_path_asked():
    """The check itself: an id in the path that a 404 page or a log line echoes is the
    asker's, but the same number anywhere else in the answer is a birth year shown."""
    echoed = f"No page at /activities/{BIRTH_YEAR}/ here"
    assert leaks(without_paths(echoed, [f"/activities/{BIRTH_YEAR}/"])) == []
    shown = f'{{"path": "/activities/{BIRTH_YEAR}/", "birth_year": {BIRTH_YEAR}}}'
    assert leaks(without_paths(shown, [f"/activities/{BIRTH_YEAR}/"])) == [str(BIRTH_YEAR)]
    assert leaks(echoed) == [str(BIRTH_YEAR)]
