"""Writes. Every write goes through here, is atomic, and keeps derived fields current."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from . import counting
from .models import Activity, BeneficiaryGroup


@transaction.atomic
def refresh_attribution(*, activity: Activity) -> None:
    """Recompute the activity's scope region and the place of each beneficiary row.

    Called after any change to an activity's countries, regions or beneficiary rows, in
    the same transaction, so counts by place are never stale.
    """
    scope_country, scope_region = counting.scope_of(activity)
    activity_region = scope_region or (scope_country.region if scope_country else None)
    if activity.scope_region_id != (activity_region.pk if activity_region else None):
        activity.scope_region = activity_region
        Activity.objects.filter(pk=activity.pk).update(scope_region=activity_region)
    # Two set-based UPDATEs rather than a save() per row: derived fields only, so
    # they leave no entry in the audit history.
    rows = BeneficiaryGroup.objects.filter(activity=activity)
    rows.filter(country__isnull=False).update(place_country=F("country"), place_region=None)
    rows.filter(country__isnull=True).update(place_country=scope_country, place_region=scope_region)
