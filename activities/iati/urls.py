"""The IATI files (README, "Reports and IATI"): /iati/activities.xml, the stable feed an
IATI registry or d-portal polls (the activity list's filters as query parameters), and
/iati/projects/<code>.xml."""

from django.urls import path, re_path

from ..views import iati

app_name = "iati"

urlpatterns = [
    re_path(r"^activities\.xml$", iati.activities_xml, name="activities"),
    path("projects/<slug:code>.xml", iati.project_xml, name="project"),
]
