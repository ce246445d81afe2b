"""The REST API under /api/v1/: the resources (a router), the stats, the schema, the docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import activity_import, attendance, evidence, periods, projects, stats_views, views

# URL names are "api-<resource>-list" and "api-<resource>-detail"; the stats rows link
# to "api-activity-list".
router = DefaultRouter(trailing_slash=True)
router.include_format_suffixes = False  # ?format=csv, not .csv: one way to ask
router.register("activities", views.ActivityViewSet, basename="api-activity")
router.register("countries", views.CountryViewSet, basename="api-country")
router.register("regions", views.RegionViewSet, basename="api-region")
router.register("themes", views.ThemeViewSet, basename="api-theme")
router.register("partners", views.PartnerViewSet, basename="api-partner")
router.register("hubs", views.HubViewSet, basename="api-hub")
router.register("mentors", views.MentorViewSet, basename="api-mentor")
router.register("mandates", views.MandateViewSet, basename="api-mandate")
router.register("donors", views.DonorViewSet, basename="api-donor")
router.register("figures", views.FigureViewSet, basename="api-figure")
router.register("audiences", views.AudienceViewSet, basename="api-audience")
router.register("languages", views.LanguageViewSet, basename="api-language")
router.register("kinds", views.KindViewSet, basename="api-kind")
router.register("modalities", views.ModalityViewSet, basename="api-modality")
router.register("projects", projects.ProjectViewSet, basename="api-project")
router.register("indicators", projects.IndicatorViewSet, basename="api-indicator")
router.register("periods", periods.ReportingPeriodViewSet, basename="api-period")

urlpatterns = [
    path("stats/", stats_views.StatsView.as_view(), name="api-stats"),
    # Bulk entry: before the router, whose activities/<pk>/ would take "import" as an id.
    path(
        "activities/import/",
        activity_import.ActivityImportView.as_view(),
        name="api-activity-import",
    ),
    # Attendance: personal data, for those who may see the activity's people.
    path(
        "activities/<int:pk>/attendance/import/",
        attendance.AttendanceImportView.as_view(),
        name="api-attendance-import",
    ),
    path(
        "activities/<int:pk>/attendance/",
        attendance.AttendanceListView.as_view(),
        name="api-attendance-list",
    ),
    # Evidence files: private unless a manager marks them public (activities/evidence/).
    path(
        "activities/<int:pk>/evidence/",
        evidence.EvidenceListView.as_view(),
        name="api-evidence-list",
    ),
    path(
        "activities/<int:pk>/evidence/<int:file_pk>/",
        evidence.EvidenceDetailView.as_view(),
        name="api-evidence-detail",
    ),
    path(
        "activities/<int:pk>/evidence/<int:file_pk>/download/",
        evidence.EvidenceDownloadView.as_view(),
        name="api-evidence-download",
    ),
    path(
        "attendance/template.xlsx",
        attendance.AttendanceTemplateXlsxView.as_view(),
        name="api-attendance-template-xlsx",
    ),
    path(
        "attendance/template.csv",
        attendance.AttendanceTemplateCsvView.as_view(),
        name="api-attendance-template-csv",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, and the page's styles are in
    # activities/api-docs.css (templates/drf_spectacular/swagger_ui.html): the site's CSP
    # holds here too, with no inline script or style.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    *router.urls,
    # Last: any other path ending in / is a JSON 404 (and one without the slash is first
    # redirected to it by CommonMiddleware, as everywhere else).
    re_path(r"^[\s\S]*/$", views.NotFoundView.as_view(), name="api-not-found"),
]
