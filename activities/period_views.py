"""The manager's pages for reporting periods: /periods/ (programme-wide) and
/projects/<code>/periods/ (a project's), with add, close and reopen.

Signed-in users see the periods, their status, what each close froze (the headline
figures of its snapshots) and every close and reopen; managers (the `close_period`
permission) get the buttons. Writes go through activities/results/periods.py, which
checks the permission again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import access
from .forms.periods import CloseForm, PeriodForm, ReopenForm
from .models import PeriodEvent, PeriodSnapshot, Project, ReportingPeriod, SnapshotFigure
from .officer_views import SignedInRequest
from .results import periods


@login_required
@require_http_methods(["GET", "POST"])
def programme_periods(request: SignedInRequest) -> HttpResponse:
    return _periods_page(request, project=None)


@login_required
@require_http_methods(["GET", "POST"])
def project_periods(request: SignedInRequest, code: str) -> HttpResponse:
    return _periods_page(request, project=get_object_or_404(Project, code=code))


def periods_with_history(project: Project | None):
    """The periods of the project (None: programme-wide), each with its events and its
    snapshots (newest first, with their headline figures and how many indicator figures
    they froze): three queries however many periods."""
    snapshots = (
        PeriodSnapshot.objects.select_related("taken_by")
        .annotate(indicator_figures=Count("figures", filter=Q(figures__indicator__isnull=False)))
        .prefetch_related(
            Prefetch(
                "figures",
                queryset=SnapshotFigure.objects.filter(indicator__isnull=True).order_by("pk"),
                to_attr="headline",
            )
        )
        .order_by("-taken_at")
    )
    return (
        ReportingPeriod.objects.filter(project=project)
        .prefetch_related(
            Prefetch("events", queryset=PeriodEvent.objects.select_related("by")),
            Prefetch("snapshots", queryset=snapshots),
        )
        .order_by("start_date", "end_date")
    )


def _periods_page(request: SignedInRequest, *, project: Project | None) -> HttpResponse:
    manages = access.can_close_periods(request.user)
    add_form = PeriodForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if add_form.is_valid():
            try:
                period = periods.create_period(
                    project=project, user=request.user, **add_form.cleaned_data
                )
            except ValidationError as error:
                add_form.add_error(None, error)
            else:
                messages.success(
                    request, _("Added the period %(label)s.") % {"label": period.label}
                )
                return redirect(_list_url(period))
        status = 400
    return render(
        request,
        "officer/periods.html",
        {
            "project": project,
            "periods": periods_with_history(project),
            "manages": manages,
            "add_form": add_form,
            "close_form": CloseForm(),
            "reopen_form": ReopenForm(),
        },
        status=status,
    )


def _list_url(period: ReportingPeriod) -> str:
    from django.urls import reverse

    if period.project is not None:
        return reverse("officer-project-periods", args=[period.project.code])
    return reverse("officer-periods")


@login_required
@require_POST
def period_close(request: SignedInRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(ReportingPeriod.objects.select_related("project"), pk=pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not closed: say for which report."))
        return redirect(_list_url(period))
    try:
        snapshot = periods.close_period(period, user=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Closed %(label)s for %(report)s: its figures are kept as reported (%(count)s).")
            % {"label": period.label, "report": snapshot.report, "count": snapshot.figures.count()},
        )
    return redirect(_list_url(period))


@login_required
@require_POST
def period_reopen(request: SignedInRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(ReportingPeriod.objects.select_related("project"), pk=pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not reopened: say why."))
        return redirect(_list_url(period))
    try:
        periods.reopen_period(period, user=request.user, note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Reopened %(label)s: changes need no reason until it is closed again.")
            % {"label": period.label},
        )
    return redirect(_list_url(period))
