"""ActivityFilterSet: which activities a list, an export or a statistic is about.

Periods and places are matched by the Activity queryset methods (which call
activities/counting.py); themes, audiences and the directories by EXISTS on their links.
"""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import translation
from django.utils.translation import gettext

from .. import counting
from ..models import (
    Activity,
    Audience,
    BeneficiaryGroup,
    Donor,
    Hub,
    Kind,
    Language,
    Mandate,
    Mentor,
    ModalityOption,
    Partner,
    Project,
    Region,
    ReportedFigure,
    Theme,
)
from .fields import (
    CountryCodeFilter,
    DeliveryStatusesFilter,
    IntegerFilter,
    MonthFilter,
    PlaceCodeFilter,
    QuarterFilter,
    StrictFilterForm,
    behind_figure,
    bound_filters,
    choice_of,
    code_of,
    linked_to,
    reference_code_of,
    under_theme,
)


class ActivityFilterForm(StrictFilterForm):
    """A date range runs forwards: `date_from` after `date_to` is an error (one day,
    date_from == date_to, is a range)."""

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error(
                "date_from",
                gettext("date_from (%(from)s) is after date_to (%(to)s): swap them.")
                % {"from": date_from.isoformat(), "to": date_to.isoformat()},
            )
        return cleaned


# The activity's own text, and nothing reached through a relation: no participant.
TEXT_SEARCH_FIELDS = ("title", "description")


class ActivityFilterSet(django_filters.FilterSet):
    year = IntegerFilter(
        method="filter_year",
        min_value=settings.PLAUSIBLE_YEARS[0],
        max_value=settings.PLAUSIBLE_YEARS[1],
        help_text="Activities whose period overlaps this calendar year.",
    )
    date_from = django_filters.DateFilter(
        method="filter_date_from", help_text="Activities still running on or after this date."
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to", help_text="Activities started on or before this date."
    )
    month = MonthFilter(
        method="filter_month",
        help_text=(
            "YYYY-MM. Activities whose known period lies within this month; an activity "
            "known only by its year is in no month."
        ),
    )
    quarter = QuarterFilter(
        method="filter_quarter",
        help_text=(
            "YYYY-Qn. Activities whose known period lies within this quarter; an activity "
            "known only by its year is in no quarter."
        ),
    )
    region = code_of(
        Region,
        "code",
        "M49 region code",
        method="filter_region",
        help_text=(
            "M49 region code (e.g. 013). Activities in any country under the region, or "
            "scoped to it or a region below it; not activities scoped to a wider region."
        ),
    )
    country = CountryCodeFilter(
        method="filter_country",
        help_text=(
            "ISO alpha-2 or alpha-3. Activities benefiting the country: they list it, or "
            "a row of their people names it. Not where they were held (see held_in)."
        ),
    )
    hub = code_of(
        Hub,
        "code",
        "hub code",
        method="filter_hub",
        help_text=(
            "Regional hub code (e.g. el-salvador). Activities in a country or region the hub "
            "covers (as region and country match them); none while its coverage is not "
            "recorded. Not the hub's mentors (see mentor)."
        ),
    )
    held_in = PlaceCodeFilter(
        method="filter_held_in",
        help_text=(
            "ISO alpha-2 or -3 country code, or M49 region code. Activities held in a "
            "country under it (their venue), whoever they served; region and country "
            "mean the places benefiting."
        ),
    )
    delivery = DeliveryStatusesFilter(
        method="filter_delivery",
        help_text=(
            "Delivery statuses, comma-separated (delivered, ongoing, scheduled, postponed, "
            "cancelled), or all. Default: delivered,ongoing, the activities that took "
            "place or are under way; planned, postponed and cancelled ones are counted "
            "and listed only when asked for here."
        ),
    )
    theme = code_of(
        Theme,
        "slug",
        "theme",
        method="filter_theme",
        help_text="Theme slug; a theme also matches activities tagged with its topics.",
    )
    kind = reference_code_of(
        Kind,
        "kind",
        "/api/v1/kinds/",
        help_text="Kind code: what was delivered (training, webinar...; /api/v1/kinds/ "
        "lists them).",
    )
    modality = reference_code_of(
        ModalityOption,
        "modality",
        "/api/v1/modalities/",
        help_text="Modality code: how it was delivered (in_person, online...; "
        "/api/v1/modalities/ lists them).",
    )
    status = choice_of(
        Activity.Status.choices,
        "status",
        help_text="Publication status; only signed-in staff see drafts.",
    )
    language = code_of(
        Language,
        "code",
        "language code",
        method="filter_through",
        help_text="ISO 639-1 code (en, fr, es...).",
    )
    audience = code_of(
        Audience,
        "slug",
        "audience",
        method="filter_audience",
        help_text="Audience slug: the activity was for them, or counted them.",
    )
    partner = code_of(Partner, "pk", "partner id", method="filter_through", help_text="Partner id.")
    mentor = code_of(Mentor, "pk", "mentor id", method="filter_through", help_text="Mentor id.")
    mandate = code_of(Mandate, "pk", "mandate id", method="filter_through", help_text="Mandate id.")
    donor = code_of(
        Donor,
        "pk",
        "donor id",
        method="filter_donor",
        help_text="Donor id. Activities it funds: tagged with the donor, or in a project it funds.",
    )
    project = code_of(
        Project,
        "code",
        "project code",
        method="filter_through",
        help_text="Project code. Activities that belong to the project.",
    )
    figure = code_of(
        ReportedFigure,
        "code",
        "reported figure code",
        method="filter_through_figure",
        help_text="Reported figure code (e.g. F16). The activity records behind the figure.",
    )
    q = django_filters.CharFilter(
        method="filter_text", max_length=200, help_text="Words in the title or description."
    )

    class Meta:
        model = Activity
        form = ActivityFilterForm
        fields = [
            "year",
            "date_from",
            "date_to",
            "month",
            "quarter",
            "region",
            "country",
            "hub",
            "held_in",
            "delivery",
            "theme",
            "kind",
            "modality",
            "language",
            "audience",
            "partner",
            "mentor",
            "mandate",
            "donor",
            "project",
            "figure",
            "status",
            "q",
        ]

    # The form class, built once per process and language: django-filter builds one
    # for every request (a class and thirty fields, a millisecond of each computed
    # answer) from filters that never change. Each form still copies its fields, so a
    # page that adapts them (views/filter_forms.py) changes only its own; the labels are
    # made in the request's language, hence the key.
    _form_classes: ClassVar[dict[tuple[type, str | None], type[forms.Form]]] = {}

    def get_form_class(self) -> type[forms.Form]:
        key = (type(self), translation.get_language())
        form_class = self._form_classes.get(key)
        if form_class is None:
            form_class = self._form_classes[key] = super().get_form_class()
        return form_class

    def __init__(
        self,
        data: QueryDict | dict[str, Any] | None = None,
        queryset: QuerySet[Any] | None = None,
        *,
        request: HttpRequest | None = None,
        prefix: str | None = None,
    ) -> None:
        # django-filter deep-copies every filter for each FilterSet (their querysets,
        # widgets and choices: over a millisecond of each computed answer) only to give
        # each its own `model` and `parent`. `bound_filters` copies what a request
        # changes and shares the rest, which no request writes.
        if queryset is None:
            queryset = Activity.objects.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = bound_filters(self.base_filters, self, queryset.model)

    def filter_year(self, queryset, name, value):
        return queryset.in_year(int(value))

    def filter_date_from(self, queryset, name, value):
        return queryset.overlapping(start=value)

    def filter_date_to(self, queryset, name, value):
        return queryset.overlapping(end=value)

    def filter_month(self, queryset, name, value):
        year, month = value
        return queryset.within_month(year, month)

    def filter_quarter(self, queryset, name, value):
        year, quarter = value
        return queryset.within_quarter(year, quarter)

    def filter_region(self, queryset, name, value):
        return queryset.in_place(value)

    def filter_country(self, queryset, name, value):
        return queryset.in_place(value)

    def filter_hub(self, queryset, name, value):
        # The coverage as it is now (two small queries); each place by rule 3.
        return queryset.in_any_place([*value.countries.all(), *value.regions.all()])

    def filter_held_in(self, queryset, name, value):
        return queryset.held_in(value)

    def filter_delivery(self, queryset, name, value):
        # Applied when absent too: the field cleans "" to the statuses counted by default.
        return queryset.delivered_as(value)

    def filter_theme(self, queryset, name, value):
        return queryset.filter(under_theme(Activity, value))

    def filter_audience(self, queryset, name, value):
        through = Activity.audiences.through
        return queryset.filter(
            Exists(through.objects.filter(activity_id=OuterRef("pk"), audience=value))
            | Exists(BeneficiaryGroup.objects.filter(activity_id=OuterRef("pk"), audience=value))
        )

    def filter_text(self, queryset, name, value):
        """Words in the title or description of activities the user may read. A donor
        viewer counts drafts without reading them: searching their text word by word
        would read them, so text matches only readable activities (all of them without
        a request: published ones).

        Never the names, e-mails or anything else of the participants: a search that
        found an activity by a person's name would tell whoever cannot see names that
        this person attended it (tests/test_people_no_leaks.py searches for one)."""
        user = getattr(self.request, "user", None) or AnonymousUser()
        queryset = queryset.visible_to(user)
        for word in value.split():
            matches = Q()
            for field in TEXT_SEARCH_FIELDS:
                matches |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(matches)
        return queryset

    # Filter name -> many-to-many field on Activity, matched through EXISTS so that a
    # match never duplicates rows (no JOIN, no DISTINCT that would upset aggregates).
    through_fields = {
        "language": "languages",
        "partner": "partners",
        "mentor": "mentors",
        "mandate": "mandates",
        "project": "projects",
    }

    def filter_donor(self, queryset, name, value):
        return queryset.filter(counting.funded_by([value.pk]))

    def filter_through_figure(self, queryset, name, value):
        return queryset.filter(behind_figure(value))

    def filter_through(self, queryset, name, value):
        return queryset.filter(linked_to(Activity, self.through_fields[name], value))
