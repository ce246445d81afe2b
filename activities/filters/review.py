"""The review queue's filters (/review/): hub, region, time waiting."""

from __future__ import annotations

import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, OfficerScope, Region

from .fields import StrictFilterForm

# Days a submission has waited at least.
WAITING_CHOICES = [
    ("3", _("over 3 days")),
    ("7", _("over a week")),
    ("30", _("over a month")),
]


def hub_choices() -> list[tuple[str, str]]:
    """The hubs officers work from, as their scopes' notes say (one query). Hubs become
    records of their own later; until then the note is the hub."""
    notes = (
        OfficerScope.objects.exclude(note="")
        .order_by("note")
        .values_list("note", flat=True)
        .distinct()
    )
    return [(note, note) for note in notes]


class ReviewQueueFilterSet(django_filters.FilterSet):
    hub = django_filters.ChoiceFilter(
        label=_("Hub"),
        choices=[],
        field_name="submitted_by__officer_scope__note",
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["hub"].extra["choices"] = hub_choices()

    def filter_region(self, queryset, name, value):
        return queryset.in_place(value)

    def filter_waiting(self, queryset, name, value):
        since = timezone.now() - datetime.timedelta(days=int(value))
        return queryset.filter(submitted_at__lte=since)
