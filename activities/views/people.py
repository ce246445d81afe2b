"""Thin views of the people pages: the directory, a person, merge and un-merge, erasure,
and the likely duplicates.

Who may do what: activities/people/directory.py (reads, 403 without the personal-data
permission, 404 for a person outside the officer's scope) and the permissions
`merge_participants` and `erase_participant` (managers). Writes go through
activities/people/merging.py and erasure.py. No name ever goes into a message, an error
or a log: messages are kept in the session between two requests.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..forms.people import DirectoryForm, DuplicatesForm, EraseForm, MergeForm
from ..models import Participant, ParticipantMerge
from ..officer_views import SignedInRequest
from ..people import directory, duplicates, erasure, merging

PAGE_SIZE = 50


def _require(request: HttpRequest, codename: str) -> None:
    directory.require_people_access(request.user)
    if not request.user.has_perm(f"activities.{codename}"):
        raise PermissionDenied("Your role does not allow this.")


@never_cache
@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    """The directory: search by name and country, 50 a page."""
    directory.require_people_access(request.user)
    form = DirectoryForm(request.GET)
    context: dict[str, Any] = {"form": form}
    if not form.is_valid():
        return render(request, "people/person_list.html", context, status=400)
    country = form.cleaned_data["country"]
    people = directory.search(
        request.user,
        query=form.cleaned_data["q"],
        country_id=country.pk if country else None,
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        {
            "page": page,
            "people": page.object_list,
            "can_merge": request.user.has_perm("activities.merge_participants"),
        }
    )
    return render(request, "people/person_list.html", context)


@never_cache
@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person: their attendance (within the user's reach) and merge history."""
    record = directory.get_person_for_user(request.user, pk)
    can_merge = request.user.has_perm("activities.merge_participants")
    merges = list(directory.merges_of(record)) if can_merge else []
    return render(
        request,
        "people/person_detail.html",
        {
            "person": record,
            "attendance": directory.visible_attendance(request.user, record),
            "merges": [(merge, merging.unmerge_error(merge)) for merge in merges],
            "merged_records": directory.merged_records(record) if can_merge else [],
            "can_merge": can_merge,
            "can_erase": request.user.has_perm("activities.erase_participant"),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def person_merge(request: SignedInRequest, pk: int) -> HttpResponse:
    """Pick the duplicate (proposals and a name search), compare side by side, confirm."""
    _require(request, "merge_participants")
    person = directory.get_person_for_user(request.user, pk)
    if person.merged_into_id is not None:
        messages.info(request, _("This record is merged: merge its person instead."))
        return redirect("people:merge", pk=merging.root_of(person).pk)
    form = MergeForm(request.POST or None, initial={"other": request.GET.get("with")})
    if request.method == "POST" and form.is_valid():
        duplicate = directory.get_person_for_user(request.user, form.cleaned_data["other"])
        keep_this = form.cleaned_data["keep"] == MergeForm.KEEP_THIS
        kept, merged = (person, duplicate) if keep_this else (duplicate, person)
        try:
            record = merging.merge(kept=kept, merged=merged, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _(
                    "Merged record %(merged)s into record %(kept)s. Undo it from the merge "
                    "history below if it was a mistake."
                )
                % {"merged": record.merged_id, "kept": record.kept_id},
            )
            return redirect("people:detail", pk=record.kept_id)
    other: Participant | None = None
    other_id = request.POST.get("other") or request.GET.get("with")
    if other_id:
        other = directory.get_person_for_user(request.user, other_id)
    search = DirectoryForm(request.GET)
    found = None
    if request.GET.get("q") and search.is_valid():
        found = directory.search(request.user, query=search.cleaned_data["q"]).exclude(
            pk=person.pk
        )[:20]
    person_attendance = list(directory.visible_attendance(request.user, person))
    other_attendance = list(directory.visible_attendance(request.user, other)) if other else None
    shared = {row.activity_id for row in person_attendance} & {
        row.activity_id for row in other_attendance or []
    }
    proposals = duplicates.similar_to(person)
    proposed = Participant.objects.in_bulk([pair.second for pair in proposals])
    return render(
        request,
        "people/person_merge.html",
        {
            "person": person,
            "other": other,
            "form": form,
            "search": search,
            "found": found,
            "proposals": [(proposed[p.second], p.score) for p in proposals if p.second in proposed],
            "person_attendance": person_attendance,
            "other_attendance": other_attendance,
            "shared": shared,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def merge_undo(request: SignedInRequest, pk: int) -> HttpResponse:
    _require(request, "merge_participants")
    merge = get_object_or_404(ParticipantMerge, pk=pk)
    try:
        merging.unmerge(merge=merge, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Separated record %(merged)s from record %(kept)s again.")
            % {"merged": merge.merged_id, "kept": merge.kept_id},
        )
    return redirect("people:detail", pk=merge.kept_id)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def person_erase(request: SignedInRequest, pk: int) -> HttpResponse:
    """Erase on request: a confirmation step with the reason, then the erasure."""
    _require(request, "erase_participant")
    person = directory.get_person_for_user(request.user, pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure.erase(participant=person, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Erased the personal data of record %(pk)s. The counts are unchanged.")
                % {"pk": person.pk},
            )
        return redirect("people:detail", pk=person.pk)
    return render(
        request,
        "people/person_erase.html",
        {"person": person, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@login_required
def duplicate_list(request: HttpRequest) -> HttpResponse:
    """Likely duplicate pairs over the whole table, best first: proposals only."""
    _require(request, "merge_participants")
    data = request.GET.copy()
    data.setdefault("threshold", str(duplicates.DEFAULT_THRESHOLD))
    form = DuplicatesForm(data)
    if not form.is_valid():
        return render(request, "people/duplicate_list.html", {"form": form}, status=400)
    country = form.cleaned_data["country"]
    threshold = form.cleaned_data["threshold"] or duplicates.DEFAULT_THRESHOLD
    pairs = duplicates.find_pairs(
        duplicates.candidates(country_id=country.pk if country else None), threshold=threshold
    )
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = {pk for pair in page.object_list for pk in (pair.first, pair.second)}
    records = Participant.objects.select_related("country").in_bulk(ids)
    return render(
        request,
        "people/duplicate_list.html",
        {
            "form": form,
            "page": page,
            "pairs": [
                (records[pair.first], records[pair.second], pair.score) for pair in page.object_list
            ],
        },
    )
