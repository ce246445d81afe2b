"""Every page is accessible and valid: axe-core in Chromium finds no serious or critical
violation at 1280 and 375 px, and the Nu HTML checker (vnu) finds no error in its HTML.

axe-core is vendored (tests/vendor/axe-core/, see its VERSION.md) and injected into each
page before it loads (an init script, which the Content-Security-Policy does not stop).
vnu.jar comes from npm (`npm ci --ignore-scripts` with the package.json at the root, or
VNU_JAR naming the file) and runs on Debian's Java, once over every page saved to disk:
its start-up takes seconds, a page takes milliseconds.

The pages are visited once, by one module-scoped fixture, as the role that may see each;
each page and width is then a test of its own that reads its findings. The list cannot
fall behind the URLconf: `test_every_page_of_the_urlconf_is_checked` fails on a named
route that is neither in PAGES nor in NOT_PAGES (with its reason).

Without Chromium, Java or vnu.jar the tests skip and say why; REQUIRE_BROWSER=1 (browser)
and REQUIRE_VNU=1 (Java and vnu.jar), both set by .ci/run, turn a skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import Error as PlaywrightError

from tests.fixtures_browser import DESKTOP, PHONE, relaunched

# One worker runs them all under `pytest -n` (the Makefile's --dist loadgroup): each
# worker would otherwise visit every page again.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("accessibility")]

ROOT = Path(__file__).resolve().parent.parent
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
VNU_IN_NODE_MODULES = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
WIDTHS = {"1280": DESKTOP, "375": PHONE}
BLOCKING = {"serious", "critical"}


@dataclass(frozen=True)
class Page:
    """A page to check: its URL name, who looks at it, its address, what it expects."""

    name: str
    url_name: str
    role: str  # "anonymous", "donor", "officer", "manager"
    path: Callable[[dict], str]
    status: int = 200
    ready: str = ""  # a selector to wait for: what a script draws after the page loads


PAGES = [
    Page("dashboard", "pages:dashboard", "anonymous", lambda d: "/"),
    Page("activity list", "pages:activity_list", "anonymous", lambda d: "/activities/"),
    Page(
        "activity list filtered",
        "pages:activity_list",
        "anonymous",
        lambda d: "/activities/?region=013&year=2020",
    ),
    Page(
        "activity list with an error",
        "pages:activity_list",
        "anonymous",
        lambda d: "/activities/?country=XX",
        status=400,
    ),
    Page("activity record", "pages:activity_detail", "anonymous", lambda d: d["published_url"]),
    Page(
        "region",
        "pages:region_detail",
        "anonymous",
        lambda d: "/regions/013/",
    ),
    Page(
        "world",
        "pages:region_detail",
        "anonymous",
        lambda d: "/regions/001/",
    ),
    Page(
        "country",
        "pages:country_detail",
        "anonymous",
        lambda d: "/countries/SV/",
    ),
    Page("mentors", "pages:mentor_list", "anonymous", lambda d: "/mentors/"),
    Page("partners", "pages:partner_list", "anonymous", lambda d: "/partners/"),
    Page("mandates", "pages:mandate_list", "anonymous", lambda d: "/mandates/"),
    Page("figures", "pages:figure_list", "anonymous", lambda d: "/figures/"),
    Page("projects", "pages:project_list", "anonymous", lambda d: "/projects/"),
    Page("project", "pages:project_detail", "anonymous", lambda d: f"/projects/{d['project']}/"),
    Page(
        "project results",
        "pages:project_results",
        "anonymous",
        lambda d: f"/projects/{d['project']}/results/",
    ),
    Page("donor's projects", "pages:my_projects", "donor", lambda d: "/donor/"),
    Page("report form", "pages:report_form", "anonymous", lambda d: "/reports/"),
    Page("report draft", "pages:report_draft", "anonymous", lambda d: "/reports/draft/?year=2020"),
    Page("api docs", "api-docs", "anonymous", lambda d: "/api/v1/docs/", ready=".opblock"),
    Page("browsable api root", "", "anonymous", lambda d: "/api/v1/"),
    Page("browsable api list", "", "anonymous", lambda d: "/api/v1/activities/?region=013"),
    Page(
        "browsable api error",
        "",
        "anonymous",
        lambda d: "/api/v1/activities/?region=XX",
        status=400,
    ),
    # Not yet: the HTML forms DRF adds for a signed-in writer (its rest_framework/horizontal/
    # templates: labels without `for`, help text below a 4.5:1 contrast).
    Page("log form", "officer-log", "officer", lambda d: "/log/"),
    Page("my activities", "officer-my-activities", "officer", lambda d: "/my/activities/"),
    Page("hub list", "pages:hub_list", "anonymous", lambda d: "/hubs/"),
    Page("hub", "pages:hub_detail", "anonymous", lambda d: "/hubs/el-salvador/"),
    Page("review queue", "review-queue", "manager", lambda d: "/review/"),
    Page("returned to me", "review-returned", "officer", lambda d: "/review/returned/"),
    Page("notifications", "notifications", "manager", lambda d: "/notifications/"),
    Page("bulk entry", "officer-import", "officer", lambda d: "/log/import/"),
    Page(
        "bulk entry preview",
        "officer-import-preview",
        "officer",
        lambda d: f"/log/import/preview/{d['import_token']}/",
    ),
    Page(
        "edit form",
        "officer-activity-edit",
        "officer",
        lambda d: f"/activities/{d['draft']}/edit/",
    ),
    Page(
        "duplicate form",
        "officer-activity-duplicate",
        "officer",
        lambda d: f"/activities/{d['draft']}/duplicate/",
    ),
    Page(
        "draft record (officer)",
        "pages:activity_detail",
        "officer",
        lambda d: f"/activities/{d['draft']}/",
    ),
    Page(
        "history",
        "officer-activity-history",
        "officer",
        lambda d: f"/activities/{d['draft']}/history/",
    ),
    Page(
        "attendance",
        "officer-attendance",
        "officer",
        lambda d: f"/activities/{d['draft']}/attendance/",
    ),
    Page(
        "attendance preview",
        "officer-attendance-preview",
        "officer",
        lambda d: f"/activities/{d['draft']}/attendance/preview/{d['token']}/",
    ),
    Page("periods", "officer-periods", "manager", lambda d: "/periods/"),
    Page(
        "project periods",
        "officer-project-periods",
        "manager",
        lambda d: f"/projects/{d['project']}/periods/",
    ),
    Page("sign in", "login", "anonymous", lambda d: "/accounts/login/"),
    Page("password", "password_change", "officer", lambda d: "/accounts/password/"),
    Page(
        "password changed", "password_change_done", "officer", lambda d: "/accounts/password/done/"
    ),
    Page("api token", "officer-api-token", "officer", lambda d: "/accounts/token/"),
    Page("people", "people:list", "manager", lambda d: "/people/"),
    Page("people search", "people:list", "manager", lambda d: "/people/?q=Hern"),
    Page("duplicates", "people:duplicates", "manager", lambda d: "/people/duplicates/"),
    Page("person", "people:detail", "manager", lambda d: f"/people/{d['person']}/"),
    Page("merge", "people:merge", "manager", lambda d: f"/people/{d['duplicate']}/merge/"),
    Page("erase", "people:erase", "manager", lambda d: f"/people/{d['duplicate']}/erase/"),
    Page("not found", "", "anonymous", lambda d: "/no/such/page/", status=404),
    Page("forbidden", "", "donor", lambda d: "/log/", status=403),
]

# Named routes that are not pages to check, and why.
NOT_PAGES = {
    "healthz": "plain text for the load balancer",
    "set_language": "POST only: it redirects back to the page",
    "logout": "POST only: it redirects to the dashboard (LOGOUT_REDIRECT_URL)",
    "pages:activity_export": "a CSV or XLSX download",
    "officer-activity-publish": "POST only: it redirects to the record",
    "officer-period-close": "POST only: it redirects to the periods",
    "officer-period-reopen": "POST only: it redirects to the periods",
    "people:merge-undo": "POST only: it redirects to the person",
    "iati:activities": "IATI XML, checked against the IATI schema (tests/test_iati.py)",
    "iati:project": "IATI XML, checked against the IATI schema (tests/test_iati.py)",
    "signed-in": "a redirect to the signed-in user's work (My activities, My projects...)",
    "evidence-download": "a file download (attachment), not a page",
    "evidence-upload": "POST only: it redirects to the record (a refused upload shows the "
    "record page with the form's errors, tests/test_evidence.py)",
    "evidence-public": "POST only: it redirects to the record",
    "evidence-delete": "POST only: it redirects to the record",
    "evidence-import-attendance": "POST only: it redirects to the attendance import's preview",
    "officer-import-template": "an empty CSV or XLSX sheet, not a page",
    "review-activity-submit": "POST only: it redirects to the record",
    "review-activity-return": "POST only: it redirects to the record",
    "notifications-read": "POST only: it redirects to the notifications",
}


def _named_routes(resolver: URLResolver, namespace: str = "", prefix: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(("admin/", "api/")):
                # Django's admin, and the API: its routes answer JSON to programs, and
                # DRF's browsable HTML to browsers, checked through a few of them in
                # PAGES (one template, templates/rest_framework/base.html) with the docs.
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_routes(pattern, inner, route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_page_of_the_urlconf_is_checked():
    """A new named route is a new page to check here, or a reason in NOT_PAGES."""
    routes = _named_routes(get_resolver()) | {"api-docs"}
    checked = {page.url_name for page in PAGES if page.url_name}
    assert routes - checked - set(NOT_PAGES) == set(), "add these routes to PAGES or NOT_PAGES"
    assert (checked | set(NOT_PAGES)) - routes == set(), "these routes no longer exist"


def _require(variable: str, reason: str) -> None:
    if os.environ.get(variable) == "1":
        pytest.fail(f"{variable}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _vnu_command() -> tuple[list[str], str]:
    """The command that runs vnu, or why it cannot run."""
    java = shutil.which("java")
    if java is None:
        return [], "java is missing: install Debian's default-jre-headless"
    jar = Path(os.environ.get("VNU_JAR") or VNU_IN_NODE_MODULES)
    if not jar.is_file():
        return [], (
            f"{jar} is missing: run `npm ci --ignore-scripts` at the repository's root "
            "(or set VNU_JAR to a vnu.jar)"
        )
    command = [java, "-jar", str(jar), "--errors-only", "--format", "json", "--exit-zero-always"]
    return command, ""


def _data() -> dict:
    """The records the pages need: a seeded record, a draft, a project, two persons."""
    from activities import answer_cache, seeding
    from activities.models import Activity, DonorViewer
    from activities.people import uploads
    from activities.roles import DONOR_VIEWER, PROGRAMME_MANAGER, PROGRAMME_OFFICER, setup_roles
    from tests.factories import DonorFactory
    from tests.fixtures_roles import make_draft, make_role_user
    from tests.people_helpers import activity_in, attend, make_person
    from tests.people_sheets import csv_bytes, people
    from tests.project_factories import make_project

    answer_cache.ensure_row()
    seeding.load_reference()
    seeding.load_report_seed()
    setup_roles()
    officer = make_role_user("olga-officer", PROGRAMME_OFFICER, regions=["013"])
    manager = make_role_user("mona-manager", PROGRAMME_MANAGER)
    donor = make_role_user("dana-donor", DONOR_VIEWER)
    DonorViewer.objects.create(user=donor, donor=DonorFactory(name="Fondation Alpha"))
    draft = make_draft("San Salvador prosecutors", ["SLV"], by=officer, female=12, male=9)
    project = make_project()
    training = activity_in("SLV", title="San Salvador prosecutors on cryptocurrency tracing")
    kept = make_person("María José", "Hernández Castillo", sex="female", birth_year=1986)
    duplicate = make_person("Maria Jose", "Hernandez", sex="female")
    attend(kept, training)
    attend(duplicate, training)
    attend(kept, draft)
    token = uploads.keep(
        user_id=officer.pk,
        activity_id=draft.pk,
        filename="asistencia.csv",
        data=csv_bytes(people(4)),
    )
    # A sheet of activities waiting for its preview (bulk entry): two rows, one of them
    # with an error, so the preview shows both outcomes.
    import_token = uploads.keep(
        user_id=officer.pk,
        activity_id=0,
        filename="activities.csv",
        data=(
            b"reference,title,start_date,end_date,countries\r\n"
            b"a11y-1,Prosecutors in San Salvador,2021-03-01,2021-03-02,SV\r\n"
            b"a11y-2,,2021-03-01,2021-02-01,SV\r\n"
        ),
    )
    # The officer submits the draft: the manager's queue holds it, a notification too.
    from activities import review

    draft.refresh_from_db()
    review.activity_submit(activity=draft, by=officer, expected_version=draft.version)
    published = Activity.objects.filter(reference="report-2020/F16").get()
    return {
        "users": {"officer": officer, "manager": manager, "donor": donor},
        "published_url": f"/activities/{published.pk}/",
        "draft": draft.pk,
        "project": project.code,
        "person": kept.pk,
        "duplicate": duplicate.pk,
        "token": token,
        "import_token": import_token,
    }


def _sessions(users: dict) -> dict[str, str]:
    from django.test import Client

    sessions = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


# axe only asks for a review of an aria-describedby whose id is missing (a screen reader
# then says nothing), so it is checked here: every id a reference names must exist.
DANGLING_REFERENCES = """() => {
  const nodes = [];
  for (const attribute of ["aria-describedby", "aria-labelledby", "aria-controls", "for"]) {
    for (const element of document.querySelectorAll(`[${attribute}]`)) {
      const missing = element.getAttribute(attribute).split(/\\s+/)
        .filter((id) => id && !document.getElementById(id));
      if (missing.length) nodes.push({
        target: [`${attribute}=${missing.join(" ")}`], html: element.outerHTML.slice(0, 200),
      });
    }
  }
  return nodes;
}"""


def _axe(page) -> list[dict]:
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [v for v in result["violations"] if v["impact"] in BLOCKING]
    dangling = page.evaluate(DANGLING_REFERENCES)
    if dangling:
        violations.append(
            {
                "id": "dangling-reference",
                "impact": "serious",
                "help": "A reference names an id that no element has: it is never read",
                "nodes": dangling,
            }
        )
    return violations


@dataclass
class Findings:
    axe: dict[tuple[str, str], list[dict]]  # (page, width) -> violations
    vnu: dict[str, list[dict]]  # page -> errors
    statuses: dict[str, int]
    vnu_missing: str = ""  # why vnu did not run


@dataclass
class _Visit:
    status: int
    violations: list[dict]
    html: str


def _visit(browser, url: str, viewport: dict, cookie: dict | None, ready: str | None) -> _Visit:
    """One page at one width in a fresh context: its status, axe's findings, its HTML."""
    context = browser.new_context(viewport=viewport)
    try:
        context.add_init_script(path=str(AXE))
        if cookie is not None:
            context.add_cookies([cookie])
        page = context.new_page()
        response = page.goto(url)
        assert response is not None
        page.wait_for_load_state("load")
        if ready:
            page.wait_for_selector(ready)
        return _Visit(response.status, _axe(page), response.text())
    finally:
        if browser.is_connected():
            context.close()


@pytest.fixture(scope="module")
def findings(
    chromium, live_server, django_db_setup, django_db_blocker, tmp_path_factory
) -> Findings:
    """Every page visited at both widths (axe), its HTML saved, then vnu once over all."""
    vnu, vnu_missing = _vnu_command()
    tmp_dir = tmp_path_factory.mktemp("accessibility")
    html_dir = tmp_dir / "html"
    html_dir.mkdir()
    with (
        django_db_blocker.unblock(),
        override_settings(ATTENDANCE_UPLOAD_DIR=str(tmp_dir / "uploads")),
    ):
        data = _data()
        sessions = _sessions(data["users"])
        found = Findings(axe={}, vnu={}, statuses={}, vnu_missing=vnu_missing)
        saved: dict[str, str] = {}
        browser = chromium
        for index, page_spec in enumerate(PAGES):
            url = live_server.url + page_spec.path(data)
            cookie = None
            if page_spec.role in sessions:
                cookie = {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": sessions[page_spec.role],
                    "url": live_server.url,
                }
            for width, viewport in WIDTHS.items():
                try:
                    visit = _visit(browser, url, viewport, cookie, page_spec.ready)
                except PlaywrightError:
                    # A browser that dies under load (CI once lost it halfway, and every
                    # page after it failed) is launched again and the page visited once
                    # more; a page that fails twice is a real failure.
                    if not browser.is_connected():
                        browser = relaunched(browser)
                    visit = _visit(browser, url, viewport, cookie, page_spec.ready)
                found.statuses[page_spec.name] = visit.status
                found.axe[(page_spec.name, width)] = visit.violations
                if width == "1280":
                    file = html_dir / f"page-{index:02}.html"
                    file.write_text(visit.html, encoding="utf-8")
                    saved[file.name] = page_spec.name
        if browser is not chromium:
            browser.close()
    if vnu_missing:
        return found
    result = subprocess.run(
        [*vnu, *sorted(str(html_dir / name) for name in os.listdir(html_dir))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    found.vnu = {name: [] for name in saved.values()}
    for message in messages:
        # vnu names a file "file:/tmp/.../page-07.html"; a message about no file (a
        # failure of vnu itself) would otherwise be lost, so it fails every page.
        name = saved.get(message.get("url", "").rsplit("/", 1)[-1])
        for page_name in [name] if name else found.vnu:
            found.vnu[page_name].append(message)
    return found


def _axe_report(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:160]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def _vnu_report(messages: list[dict]) -> str:
    return "\n".join(
        f"line {message.get('lastLine', '?')}: {message['message']}\n"
        f"    {message.get('extract', '').strip()[:160]}"
        for message in messages
    )


def _params(widths: list[str | None]) -> list:
    params = []
    for page in PAGES:
        for width in widths:
            ids = f"{page.name}-{width}" if width else page.name
            params.append(pytest.param(page, width, id=ids))
    return params


@pytest.mark.parametrize(("page", "width"), _params(list(WIDTHS)))
def test_axe_finds_no_serious_or_critical_violation(findings, page, width):
    violations = findings.axe[(page.name, width)]
    assert violations == [], f"{page.name} at {width} px:\n{_axe_report(violations)}"


@pytest.mark.parametrize(("page", "width"), _params([None]))
def test_the_nu_html_checker_finds_no_error(findings, page, width):
    assert findings.statuses[page.name] == page.status
    if findings.vnu_missing:
        _require("REQUIRE_VNU", findings.vnu_missing)
    errors = [m for m in findings.vnu[page.name] if m.get("type") == "error"]
    assert errors == [], f"{page.name}:\n{_vnu_report(errors)}"
