"""The admin of projects and their results: a project with its fundings (and their
disbursements, through the funding's own page), outcomes and indicators; an indicator
with its targets and entered values. Imported by activities/admin.py.

Reporting periods and their snapshots are closed and reopened through their own
service (a recorded act), not edited here.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import (
    Disbursement,
    Funding,
    Indicator,
    IndicatorValue,
    Outcome,
    Project,
    Target,
)


class FundingInline(admin.TabularInline):
    model = Funding
    extra = 1
    fields = ["donor", "committed_amount", "currency", "committed_on", "note", "disbursements_link"]
    readonly_fields = ["disbursements_link"]
    autocomplete_fields = ["donor"]
    show_change_link = True

    @admin.display(description=_("disbursements"))
    def disbursements_link(self, obj):
        if not obj.pk:
            return "—"
        return _("%(count)s (open the funding to add)") % {"count": obj.disbursements.count()}


class DisbursementInline(admin.TabularInline):
    model = Disbursement
    extra = 1
    fields = ["date", "amount", "note"]


class OutcomeInline(admin.TabularInline):
    model = Outcome
    extra = 1
    fields = ["code", "title", "description"]


class IndicatorInline(admin.TabularInline):
    """The project's indicators at a glance; targets and values on the indicator's page."""

    model = Indicator
    extra = 0
    fields = ["code", "title", "kind", "outcome", "measure", "disaggregation"]
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only this project's outcomes (the project is in the URL of the change page).
        if db_field.name == "outcome":
            project_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Outcome.objects.filter(project_id=project_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "start_date", "end_date", "activity_count", "is_synthetic"]
    list_filter = ["is_synthetic", ("donors", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "title", "description"]
    autocomplete_fields = ["countries", "regions"]
    filter_horizontal = ["themes"]
    inlines = [FundingInline, OutcomeInline, IndicatorInline]
    fieldsets = [
        (None, {"fields": ["code", "title", "description"]}),
        (_("When"), {"fields": [("start_date", "end_date")]}),
        (_("Where and on what"), {"fields": ["countries", "regions", "themes"]}),
        (_("Provenance"), {"fields": ["source_document", "source_paragraph", "is_synthetic"]}),
    ]

    def get_queryset(self, request):
        # The number of activities in the same query: no N+1 on the changelist.
        return super().get_queryset(request).annotate(n_activities=Count("activities"))

    @admin.display(description=_("activities"), ordering="n_activities")
    def activity_count(self, obj):
        return obj.n_activities


@admin.register(Funding)
class FundingAdmin(admin.ModelAdmin):
    """A donor's commitment to a project, with its disbursements."""

    list_display = ["project", "donor", "committed_amount", "currency", "committed_on"]
    list_filter = ["currency", ("donor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["project__code", "project__title", "donor__name"]
    autocomplete_fields = ["project", "donor"]
    list_select_related = ["project", "donor"]
    inlines = [DisbursementInline]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 1
    fields = ["year", "quarter", "sex", "country", "value", "note"]
    autocomplete_fields = ["country"]


class IndicatorValueInline(admin.TabularInline):
    """Values of an ENTERED indicator, with what they rest on."""

    model = IndicatorValue
    extra = 1
    fields = ["year", "quarter", "sex", "country", "value", "qualifier", "evidence", "comment"]
    autocomplete_fields = ["country"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "project", "outcome", "kind", "measure", "disaggregation"]
    list_filter = ["kind", "disaggregation", ("project", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "title", "project__code", "project__title"]
    autocomplete_fields = ["project"]
    list_select_related = ["project", "outcome"]
    inlines = [TargetInline, IndicatorValueInline]
    fieldsets = [
        (None, {"fields": ["project", "outcome", "code", "title", "description", "unit"]}),
        (
            _("How it is measured"),
            {
                "fields": ["kind", "measure", "filters", "disaggregation"],
                "description": _(
                    "Computed: a counts question over the project's activities (a measure "
                    "such as participants, people or activities; filters as in "
                    '/api/v1/stats/, e.g. {"audience": "judges"}), answered live. Entered: '
                    "a value per period below, with its evidence."
                ),
            },
        ),
        (
            _("Baseline"),
            {
                "fields": [
                    ("baseline_value", "baseline_qualifier", "baseline_year"),
                    "baseline_note",
                ]
            },
        ),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "outcome":
            kwargs["queryset"] = Outcome.objects.select_related("project")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DonorFundingInline(admin.TabularInline):
    """On a donor's page: the projects it funds and how much (edited on the project)."""

    model = Funding
    extra = 0
    fields = ["project", "committed_amount", "currency", "committed_on"]
    readonly_fields = ["project", "committed_amount", "currency", "committed_on"]
    can_delete = False
    show_change_link = True
    verbose_name = _("funded project")
    verbose_name_plural = _("funded projects")

    def has_add_permission(self, request, obj=None):
        return False
