"""The public pages. Addresses people can guess and share: the filters of the list are
its query parameters (/activities/?region=013&year=2020)."""

from django.urls import path, re_path

from .views import activities, dashboard, directories, donor, hubs, places, projects, reports

app_name = "pages"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("activities/", activities.activity_list, name="activity_list"),
    re_path(
        r"^activities/download\.(?P<file_format>csv|xlsx)$",
        activities.activity_export,
        name="activity_export",
    ),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    re_path(r"^regions/(?P<code>[0-9]{3})/$", places.region_detail, name="region_detail"),
    re_path(r"^countries/(?P<iso2>[A-Za-z]{2})/$", places.country_detail, name="country_detail"),
    path("hubs/", hubs.hub_list, name="hub_list"),
    re_path(r"^hubs/(?P<code>[-a-zA-Z0-9_]+)/$", hubs.hub_detail, name="hub_detail"),
    path("mentors/", directories.mentor_list, name="mentor_list"),
    path("partners/", directories.partner_list, name="partner_list"),
    path("mandates/", directories.mandate_list, name="mandate_list"),
    path("figures/", directories.figure_list, name="figure_list"),
    path("projects/", projects.project_list, name="project_list"),
    re_path(
        r"^projects/(?P<code>[-a-zA-Z0-9_]+)/$", projects.project_detail, name="project_detail"
    ),
    re_path(
        r"^projects/(?P<code>[-a-zA-Z0-9_]+)/results/$",
        projects.project_results,
        name="project_results",
    ),
    path("donor/", donor.my_projects, name="my_projects"),
    path("reports/", reports.report_form, name="report_form"),
    path("reports/draft/", reports.report_draft, name="report_draft"),
]
