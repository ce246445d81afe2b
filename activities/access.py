"""Who may see and edit which activity: the one place the role rules are written.

Pages, API, statistics, exports and the map all start from
`Activity.objects.visible_to(user)`, which delegates here.

The rules, in plain words (roles are set up in activities/roles.py)
- Anonymous users and users with no role see published activities only.
- Donor viewers see published records only (lists, details, exports). A donor viewer
  linked to donors (DonorViewer) also counts, in the aggregate statistics, the drafts
  those donors fund: tagged with one of them, or in a project one of them funds
  (`can_see_draft_aggregates` and `viewer_donor_ids`, applied by `counting.countable`),
  so a donor can follow what is being logged for them without reading unreviewed records
  one by one. Every other draft is invisible to them, as to the public; a donor viewer
  linked to no donor counts no draft at all.
- Programme officers see published activities and the drafts within their scope, and
  edit (published or draft) only activities within their scope. An activity is within
  the scope when it has at least one country or region and every one of its countries
  and regions lies under a country or region of the officer's OfficerScope (M49 path
  prefix), or of its hub's coverage: the scope follows the hub when its coverage
  changes. An officer without a scope edits nothing.
- Programme managers and administrators (permission `edit_any_activity`; superusers
  have every permission) see and edit everything; managers publish.
- An activity the user cannot see is a 404; one they see but may not edit is a 403
  when they ask to edit it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from . import counting
from .models import Activity, Country, Region

if TYPE_CHECKING:
    from .counting import ActivityQS, AnyUser


def _perm(user: AnyUser, codename: str) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.has_perm(f"activities.{codename}")
    )


def edits_everything(user: AnyUser) -> bool:
    return _perm(user, "edit_any_activity") and _perm(user, "change_activity")


def is_scoped_officer(user: AnyUser) -> bool:
    """May log and edit activities, but only within an OfficerScope."""
    return _perm(user, "change_activity") and not edits_everything(user)


def can_log(user: AnyUser) -> bool:
    """May open the "Log a training" form (officers, managers, administrators)."""
    return _perm(user, "add_activity")


def can_publish(user: AnyUser) -> bool:
    return _perm(user, "publish_activity")


def can_see_draft_aggregates(user: AnyUser) -> bool:
    """Statistics (totals, charts, map) include drafts for managers (every draft) and
    donor viewers (those their donors fund: `viewer_donor_ids`)."""
    return _perm(user, "view_draft_aggregates")


def can_close_periods(user: AnyUser) -> bool:
    """May close and reopen reporting periods (managers): activities/results/periods.py."""
    return _perm(user, "close_period")


# The attribute that caches a user's donors on the user object.
_DONORS_CACHE = "_viewer_donor_ids"


def viewer_donor_ids(user: AnyUser) -> list[int]:
    """The donors the user is linked to as a donor viewer (DonorViewer); cached on the
    user object, as one request asks several times."""
    if user is None or not user.is_authenticated:
        return []
    cached: list[int] | None = getattr(user, _DONORS_CACHE, None)
    if cached is not None:
        return cached
    from .models import DonorViewer

    ids = sorted(DonorViewer.objects.filter(user=user).values_list("donor_id", flat=True))
    setattr(user, _DONORS_CACHE, ids)
    return ids


def forget_donors(user: AnyUser) -> None:
    """Drop the cached donor links (after they were changed in the same request or test)."""
    if user is not None:
        user.__dict__.pop(_DONORS_CACHE, None)


def can_read_history(user: AnyUser) -> bool:
    """The audit history, in full, through the API (managers and administrators)."""
    return _perm(user, "view_activity_history")


# --- Scope ----------------------------------------------------------------------------

# The attribute that caches a user's scope on the user object (User declares no such field).
_SCOPE_CACHE = "_officer_scope_paths"


def scope_paths(user: AnyUser) -> tuple[list[int], list[str]]:
    """(country ids, region paths) of the user's OfficerScope, with the countries and
    regions its hub covers (a Hub's coverage, read live); empty when none.

    Cached on the user object: one request asks several times (list, pickers, checks).
    """
    if user is None or not user.is_authenticated:
        return [], []
    cached: tuple[list[int], list[str]] | None = getattr(user, _SCOPE_CACHE, None)
    if cached is not None:
        return cached
    # The scope's own places and its hub's coverage, one query each: the hub's coverage
    # is read here, not copied, so the scope follows it (cached for one request only).
    paths: tuple[list[int], list[str]] = (
        list(
            Country.objects.filter(
                Q(officer_scopes__user=user) | Q(hubs_covering__officer_scopes__user=user)
            )
            .distinct()
            .values_list("pk", flat=True)
        ),
        list(
            Region.objects.filter(
                Q(officer_scopes__user=user) | Q(hubs_covering__officer_scopes__user=user)
            )
            .distinct()
            .values_list("path", flat=True)
        ),
    )
    setattr(user, _SCOPE_CACHE, paths)
    return paths


def forget_scope(user: AnyUser) -> None:
    """Drop the cached scope (after it was changed in the same request or test)."""
    user.__dict__.pop(_SCOPE_CACHE, None)


def scope_countries(user: AnyUser) -> QuerySet[Country]:
    """The countries the user may pick: all for managers, their scope's for officers."""
    if edits_everything(user):
        return Country.objects.all()
    country_ids, region_paths = scope_paths(user)
    if not country_ids and not region_paths:
        return Country.objects.none()
    condition = Q(pk__in=country_ids)
    if region_paths:
        condition |= counting.under_any(region_paths)
    return Country.objects.filter(condition)


def scope_regions(user: AnyUser) -> QuerySet[Region]:
    """The regions the user may pick: those under a region of their scope."""
    if edits_everything(user):
        return Region.objects.all()
    _country_ids, region_paths = scope_paths(user)
    if not region_paths:
        return Region.objects.none()
    return Region.objects.filter(counting.under_any(region_paths))


def within_scope(queryset: ActivityQS, user: AnyUser) -> ActivityQS:
    """The activities of `queryset` whose whole geographic scope lies in the user's."""
    country_ids, region_paths = scope_paths(user)
    if not country_ids and not region_paths:
        return queryset.none()
    through_countries = Activity.countries.through
    through_regions = Activity.regions.through
    country_ok = Q(country_id__in=country_ids)
    if region_paths:
        country_ok |= counting.under_any(region_paths, "country__path")
    region_ok = counting.under_any(region_paths, "region__path")
    outside_country = through_countries.objects.filter(activity_id=OuterRef("pk")).exclude(
        country_ok
    )
    outside_region = through_regions.objects.filter(activity_id=OuterRef("pk")).exclude(region_ok)
    has_place = Exists(through_countries.objects.filter(activity_id=OuterRef("pk"))) | Exists(
        through_regions.objects.filter(activity_id=OuterRef("pk"))
    )
    return queryset.filter(has_place, ~Exists(outside_country), ~Exists(outside_region))


def places_within_scope(
    user: AnyUser, *, countries: Iterable[Country], regions: Iterable[Region]
) -> tuple[list[Country], list[Region]]:
    """The countries and regions given that lie outside the user's scope (for forms)."""
    if edits_everything(user):
        return [], []
    allowed_countries = set(scope_countries(user).values_list("pk", flat=True))
    allowed_regions = set(scope_regions(user).values_list("pk", flat=True))
    return (
        [c for c in countries if c.pk not in allowed_countries],
        [r for r in regions if r.pk not in allowed_regions],
    )


# --- Querysets and the one access function --------------------------------------------


def visible_condition(user: AnyUser) -> Q | None:
    """The condition on an activity for the user to read it; None: they read every one."""
    if edits_everything(user):
        return None
    if is_scoped_officer(user):
        in_scope = within_scope(Activity.objects.all(), user).values("pk")
        return Q(status=Activity.Status.PUBLISHED) | Q(pk__in=in_scope)
    return Q(status=Activity.Status.PUBLISHED)


def filter_visible(queryset: ActivityQS, user: AnyUser) -> ActivityQS:
    """The activities of `queryset` the user may read one by one (lists, details, CSV)."""
    condition = visible_condition(user)
    return queryset if condition is None else queryset.filter(condition)


def filter_editable(queryset: ActivityQS, user: AnyUser) -> ActivityQS:
    if edits_everything(user):
        return queryset
    if is_scoped_officer(user):
        return within_scope(queryset, user)
    return queryset.none()


def visible_activities(user: AnyUser) -> QuerySet[Activity]:
    return filter_visible(Activity.objects.all(), user)


def editable_activities(user: AnyUser) -> QuerySet[Activity]:
    return filter_editable(Activity.objects.all(), user)


def get_activity_for_user(user: AnyUser, pk: int | str, *, for_edit: bool = False) -> Activity:
    """The activity, if the user may see it (else Http404) and, with `for_edit`, edit it
    (else PermissionDenied: they can see it exists, so a 404 would be a lie)."""
    try:
        activity = visible_activities(user).get(pk=pk)
    except (Activity.DoesNotExist, ValueError, TypeError):
        raise Http404("No such activity.") from None
    if for_edit and not can_edit(user, activity):
        raise PermissionDenied("This activity is outside what you may edit.")
    return activity


def can_edit(user: AnyUser, activity: Activity) -> bool:
    if edits_everything(user):
        return True
    if not is_scoped_officer(user):
        return False
    return filter_editable(Activity.objects.filter(pk=activity.pk), user).exists()
