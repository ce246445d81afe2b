"""The activity list (filters, order, pages), its downloads, and one activity's page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .. import counting, exports, selectors, stats
from ..answer_cache import cached_page
from ..models import Activity
from ..people import privacy, suppression
from .common import filter_query, page_totals, person_answer, stats_for
from .filter_forms import DEFAULT_SORT, ListOptionsForm, filtered_activities, kept_sidebar_key


@cached_page
def activity_list(request: HttpRequest) -> HttpResponse:
    """The filtered activities, one page at a time, with the totals of the whole set."""
    filterset = filtered_activities(request)
    options = ListOptionsForm(request.GET)
    valid = filterset.is_valid() & options.is_valid()
    context: dict[str, Any] = {"filterset": filterset, "options": options}
    if not valid:
        return render(request, "activities/activity_list.html", context, status=400)
    sort = options.cleaned_data.get("sort") or ""
    activities = filterset.qs.order_by(*selectors.ACTIVITY_SORTS[sort or DEFAULT_SORT][1])
    cleaned = filterset.form.cleaned_data
    restriction = stats.restriction_from_filters(cleaned)
    summary = stats_for(request.user, filterset.qs, restriction=restriction)
    people = person_answer(filterset.qs, user=request.user, restriction=restriction)
    paginator = Paginator(activities, options.cleaned_data["page_size"])
    # The engine has counted these very activities: no second COUNT(*) for the pages.
    paginator.count = summary["totals"]["activities"]
    page = paginator.get_page(request.GET.get("page"))
    for listed in page.object_list:
        suppression.hide_activity_figures(listed, request.user)
    query = filter_query(request)
    context.update(
        {
            "page": page,
            "activities": page.object_list,
            "sort": sort,
            "page_size": str(options.cleaned_data["page_size"]),
            "totals": page_totals(summary, request.user, people),
            "drafts_in_counts": summary["includes_drafts"],
            "delivery": counting.delivery_answer(cleaned["delivery"]),
            "place": stats.place_from_filters(cleaned),
            "filter_query": query,
            "is_filtered": bool(query),
            "sidebar_kept_under": kept_sidebar_key(request),
            "csv_url": f"{reverse('pages:activity_export', args=['csv'])}?{query}",
            "xlsx_url": f"{reverse('pages:activity_export', args=['xlsx'])}?{query}",
        }
    )
    return render(request, "activities/activity_list.html", context)


def activity_export(request: HttpRequest, file_format: str) -> HttpResponse:
    """Exactly the filtered list, one row per activity, as CSV or Excel."""
    filterset = filtered_activities(request)
    if not filterset.is_valid():
        return render(
            request,
            "activities/activity_list.html",
            {"filterset": filterset, "options": ListOptionsForm(request.GET)},
            status=400,
        )
    activities = filterset.qs.order_by(*selectors.ACTIVITY_SORTS[DEFAULT_SORT][1])
    if file_format == "csv":
        return exports.activities_csv(activities, request=request)
    return exports.activities_xlsx(activities, request=request)


@cached_page
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One activity: its fields, its beneficiary rows with their totals, its source, its
    evidence files."""
    activity = selectors.activity_detail(request.user, pk)
    if activity is None:
        raise Http404("No such activity, or it is not published.")
    return render(
        request, "activities/activity_detail.html", activity_detail_context(request, activity)
    )


def activity_detail_context(
    request: HttpRequest, activity: Activity, *, evidence_form: Any = None
) -> dict[str, Any]:
    """What the record page shows (also for a refused evidence upload, with its form)."""
    from ..evidence_views import evidence_section

    if evidence_form is not None:
        # The refused upload's page: the record as the page reads it.
        activity = selectors.activity_detail(request.user, activity.pk) or activity
    counted = stats_for(
        request.user, Activity.objects.visible_to(request.user).filter(pk=activity.pk)
    )
    # Who came to which session rests on named people: counted only for those who may
    # see them; the sessions themselves (dates, hours, language) are for everyone.
    sees_people = privacy.may_see_people_of(request.user, activity)
    return {
        "activity": activity,
        "sessions": list(activity.sessions.all()),
        "session_presence": selectors.session_presence(activity) if sees_people else None,
        "totals": counted["totals"],
        "counted_places": selectors.counted_places(activity),
        "beneficiaries": suppression.rows_as_shown(
            list(activity.beneficiaries.all()), request.user
        ),
        **evidence_section(request, activity, evidence_form),
    }
