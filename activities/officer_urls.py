"""Pages for signed-in staff: logging, editing, publishing, history, reporting periods;
sign-in and tokens.

Included at "/" before the public pages. No namespace, so that `LOGIN_URL = "login"`
and the admin's "log out" work as Django expects.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from . import (
    attendance_views,
    evidence_views,
    import_views,
    officer_views,
    period_views,
    review_views,
)

urlpatterns = [
    path("log/", officer_views.activity_log, name="officer-log"),
    path("my/activities/", officer_views.my_activities, name="officer-my-activities"),
    # Bulk entry (activities/bulk/): upload, preview, confirm; the template.
    path("log/import/", import_views.import_upload, name="officer-import"),
    path(
        "log/import/preview/<str:token>/",
        import_views.import_preview,
        name="officer-import-preview",
    ),
    re_path(
        r"^log/import/template\.(?P<file_format>csv|xlsx)$",
        import_views.import_template,
        name="officer-import-template",
    ),
    path("activities/<int:pk>/edit/", officer_views.activity_edit, name="officer-activity-edit"),
    path(
        "activities/<int:pk>/duplicate/",
        officer_views.activity_duplicate,
        name="officer-activity-duplicate",
    ),
    path(
        "activities/<int:pk>/publish/",
        officer_views.activity_publish,
        name="officer-activity-publish",
    ),
    # Review and notifications (activities/review.py, activities/notifications.py).
    path("review/", review_views.review_queue, name="review-queue"),
    path("review/returned/", review_views.returned_to_me, name="review-returned"),
    path(
        "activities/<int:pk>/submit/", review_views.activity_submit, name="review-activity-submit"
    ),
    path(
        "activities/<int:pk>/return/", review_views.activity_return, name="review-activity-return"
    ),
    path("notifications/", review_views.notification_list, name="notifications"),
    path("notifications/read/", review_views.notifications_read, name="notifications-read"),
    path(
        "activities/<int:pk>/history/",
        officer_views.activity_history,
        name="officer-activity-history",
    ),
    path(
        "activities/<int:pk>/attendance/",
        attendance_views.attendance,
        name="officer-attendance",
    ),
    path(
        "activities/<int:pk>/attendance/preview/<str:token>/",
        attendance_views.attendance_preview,
        name="officer-attendance-preview",
    ),
    # Evidence files, on the record page (activities/evidence_views.py).
    path(
        "activities/<int:pk>/evidence/",
        evidence_views.evidence_upload,
        name="evidence-upload",
    ),
    path(
        "activities/<int:pk>/evidence/<int:file_pk>/download/",
        evidence_views.evidence_download,
        name="evidence-download",
    ),
    path(
        "activities/<int:pk>/evidence/<int:file_pk>/public/",
        evidence_views.evidence_public,
        name="evidence-public",
    ),
    path(
        "activities/<int:pk>/evidence/<int:file_pk>/delete/",
        evidence_views.evidence_delete,
        name="evidence-delete",
    ),
    path(
        "activities/<int:pk>/evidence/<int:file_pk>/import-attendance/",
        evidence_views.evidence_import,
        name="evidence-import-attendance",
    ),
    # Reporting periods (activities/results/periods.py): programme-wide, a project's.
    path("periods/", period_views.programme_periods, name="officer-periods"),
    path(
        "projects/<slug:code>/periods/",
        period_views.project_periods,
        name="officer-project-periods",
    ),
    path("periods/<int:pk>/close/", period_views.period_close, name="officer-period-close"),
    path("periods/<int:pk>/reopen/", period_views.period_reopen, name="officer-period-reopen"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # settings.LOGIN_REDIRECT_URL: sign-in without a `next` lands on the user's own work.
    path("accounts/start/", officer_views.signed_in, name="signed-in"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(success_url="/accounts/password/done/"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/token/", officer_views.api_token, name="officer-api-token"),
]
