"""The review queue's filters (/review/): the submitting officer's hub, region, time
waiting."""

from __future__ import annotations

import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Hub, Region

from .fields import StrictFilterForm

# Days a submission has waited at least.
WAITING_CHOICES = [
    ("3", _("over 3 days")),
    ("7", _("over a week")),
    ("30", _("over a month")),
]


class ReviewQueueFilterSet(django_filters.FilterSet):
    # The hub the submitting officer works from (their scope's hub): where the draft
    # comes from, whether or not the hub's coverage is recorded yet.
    hub = django_filters.ModelChoiceFilter(
        label=_("Hub"),
        queryset=Hub.objects.select_related("location").order_by("code"),
        to_field_name="code",
        field_name="submitted_by__officer_scope__hub",
        empty_label=_("every hub"),
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"),
        queryset=Region.objects.order_by("path"),
        to_field_name="code",
        method="filter_region",
        empty_label=_("every region"),
    )
    waiting = django_filters.ChoiceFilter(
        label=_("Waiting"),
        choices=WAITING_CHOICES,
        method="filter_waiting",
        empty_label=_("any time"),
    )

    class Meta:
        model = Activity
        fields: list[str] = []
        form = StrictFilterForm

    def filter_region(self, queryset, name, value):
        return queryset.in_place(value)

    def filter_waiting(self, queryset, name, value):
        since = timezone.now() - datetime.timedelta(days=int(value))
        return queryset.filter(submitted_at__lte=since)
