"""The public pages. Addresses people can guess and share: the filters of the list are
its query parameters (/activities/?region=013&year=2020)."""

from django.urls import path, re_path

from . import views

app_name = "pages"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("activities/", views.activity_list, name="activity_list"),
    re_path(
        r"^activities/download\.(?P<file_format>csv|xlsx)$",
        views.activity_export,
        name="activity_export",
    ),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    re_path(r"^regions/(?P<code>[0-9]{3})/$", views.region_detail, name="region_detail"),
    re_path(r"^countries/(?P<iso2>[A-Za-z]{2})/$", views.country_detail, name="country_detail"),
    path("mentors/", views.mentor_list, name="mentor_list"),
    path("partners/", views.partner_list, name="partner_list"),
    path("mandates/", views.mandate_list, name="mandate_list"),
    path("figures/", views.figure_list, name="figure_list"),
]
