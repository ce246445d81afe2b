"""The REST API under /api/v1/."""

from django.urls import path

from . import stats_views

# The stats rows link to the activity list by the URL name "api-activity-list"
# (register the activity viewset with basename "api-activity").
urlpatterns = [
    path("stats/", stats_views.StatsView.as_view(), name="api-stats"),
]
