"""URLs: public pages, officer pages, accounts, the API and the admin.

Each area has its own module so that its routes stay together:
- activities/urls.py: public browsing pages (dashboard, lists, region/country pages)
- activities/officer_urls.py: logging, editing, publishing and history (signed-in staff)
- activities/people_urls.py: the people directory, merges and erasure (personal data)
- activities/api/urls.py: the REST API under /api/v1/
- activities/iati/urls.py: the validated IATI 2.03 files under /iati/
"""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

# An unreachable database met outside a view is a 503 too (activities/outage.py).
handler500 = "activities.outage.server_error"

urlpatterns = [
    # Liveness, and the framework's own ceiling in the benchmark (bench/run.py).
    path("healthz", lambda request: HttpResponse("ok", content_type="text/plain"), name="healthz"),
    # The language switcher's form posts here (Django's set_language: cookie, redirect).
    # Without a CSRF token: a token in every page's header would make each page set a
    # cookie, and no public page could be kept by the answer cache. A forged post can
    # only change the language a browser reads in, which the reader changes back.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("activities.api.urls")),
    path("people/", include("activities.people_urls")),
    path("iati/", include("activities.iati.urls")),
    path("", include("activities.officer_urls")),
    path("", include("activities.urls")),
]
