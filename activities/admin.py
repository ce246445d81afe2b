from django import forms
from django.contrib import admin
from django.db.models import Count, Sum
from django.utils.html import format_html
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import series, services
from .admin_results import DonorFundingInline
from .models import (
    Activity,
    ActivitySession,
    Audience,
    BeneficiaryGroup,
    Country,
    Donor,
    DonorViewer,
    Hub,
    Kind,
    Language,
    Mandate,
    Mentor,
    ModalityOption,
    Notification,
    NotificationPreference,
    OfficerScope,
    Partner,
    PersonErasure,
    Region,
    ReportedFigure,
    SourceDocument,
    Theme,
    active_or_current,
    validate_geographic_scope,
)
from .results import periods


class YearFilter(admin.SimpleListFilter):
    """Activities whose period overlaps the year (the same rule as the API's `year`)."""

    title = "year"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("start_date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        year = self.value()
        if year and year.isdigit():
            return queryset.in_year(int(year))
        return queryset


class RegionFilter(admin.SimpleListFilter):
    """Activities in a country under the region, or scoped to it or a region below."""

    title = "region"
    parameter_name = "region"

    def lookups(self, request, model_admin):
        return [
            (r.code, f"{'— ' * r.level}{r.name}")
            for r in Region.objects.order_by("path").only("code", "name", "level")
        ]

    def queryset(self, request, queryset):
        region = Region.objects.filter(code=self.value()).first() if self.value() else None
        return queryset.in_place(region) if region else queryset


class ActivityAdminForm(forms.ModelForm):
    # The version the form was opened at: a save over someone else's newer save is
    # refused (no lost updates in the admin either; activities/services.py elsewhere).
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Required for a published activity dated in a closed reporting period, as in the
    # officer's form (activities/results/periods.py); kept in its history.
    change_reason = forms.CharField(
        label=gettext_lazy("Reason for changing a reported figure"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Activity
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
        # Active kinds and modalities, and the record's own if it has been retired since.
        saved = self.instance if self.instance.pk else None
        for name, model in (("kind", Kind), ("modality", ModalityOption)):
            if name in self.fields:
                current = getattr(saved, f"{name}_id") if saved else None
                self.fields[name].queryset = active_or_current(model, current)  # type: ignore[attr-defined]
        published = self.instance.status == Activity.Status.PUBLISHED
        closed = periods.closed_periods_of(self.instance) if published else []
        if closed:
            reason = self.fields["change_reason"]
            reason.required = True
            reason.help_text = periods.reason_message(closed)
            reason.error_messages["required"] = reason.help_text

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        try:
            validate_geographic_scope(cleaned.get("countries"), cleaned.get("regions"))
        except forms.ValidationError as error:
            self.add_error("countries", error)
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and loaded is not None and loaded != self.instance.version:
            self.add_error(
                None,
                f"Someone saved this activity since you opened it (now version "
                f"{self.instance.version}, you opened version {loaded}): see its History, "
                "then reload the page and make your change again.",
            )
        return cleaned


class BeneficiaryGroupInline(admin.TabularInline):
    model = BeneficiaryGroup
    extra = 1
    fields = ["audience", "country", "female", "male", "not_recorded", "total", "qualifier", "note"]
    autocomplete_fields = ["country"]


class SessionFormSet(forms.BaseInlineFormSet):
    """Each session within the activity's period, as the services check it (series.py)."""

    def clean(self) -> None:
        super().clean()
        activity = self.instance
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        errors = series.session_errors(
            start=activity.start_date,
            end=activity.end_date,
            sessions=[form.cleaned_data for form in kept],
        )
        for form, error in zip(kept, errors, strict=True):
            for field, message in error.items():
                form.add_error(field, message)


class ActivitySessionInline(admin.TabularInline):
    model = ActivitySession
    formset = SessionFormSet
    extra = 0
    fields = ["position", "date", "title", "hours", "modality", "language"]


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    form = ActivityAdminForm
    inlines = [BeneficiaryGroupInline, ActivitySessionInline]
    list_display = [
        "title",
        "kind",
        "period_label",
        "modality",
        "status",
        "participants",
        "provenance",
    ]
    list_filter = [
        RegionFilter,
        ("countries", admin.RelatedOnlyFieldListFilter),
        ("themes", admin.RelatedOnlyFieldListFilter),
        "kind",
        "modality",
        YearFilter,
        "status",
        "delivery",
        "is_synthetic",
    ]
    search_fields = ["title", "description", "reference", "source_paragraph"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["countries", "regions", "partners", "mentors"]
    filter_horizontal = ["languages", "audiences", "themes", "mandates", "donors", "projects"]
    readonly_fields = ["scope_region", "created_by", "created_at", "updated_at", "version"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "kind",
                    "title",
                    "description",
                    "status",
                    "delivery",
                    "loaded_version",
                    "change_reason",
                ]
            },
        ),
        ("When", {"fields": [("start_date", "end_date", "date_precision")]}),
        ("How", {"fields": ["modality", "languages"]}),
        (
            "Where",
            {"fields": ["countries", "regions", "reported_countries_count", "scope_region"]},
        ),
        ("For whom and with whom", {"fields": ["audiences", "themes", "partners", "mentors"]}),
        ("Why and funded by", {"fields": ["mandates", "donors", "projects"]}),
        (
            "Provenance",
            {
                "fields": [
                    "source_document",
                    "source_paragraph",
                    "source_note",
                    "reference",
                    "is_synthetic",
                    ("created_by", "created_at", "updated_at", "version"),
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        # Participants per activity in the same query: no N+1 on the changelist.
        return (
            super()
            .get_queryset(request)
            .select_related("source_document")
            .annotate(participants_total=Sum("beneficiaries__total"))
        )

    @admin.display(description="participants", ordering="participants_total")
    def participants(self, obj):
        return obj.participants_total if obj.participants_total is not None else "—"

    @admin.display(description="source")
    def provenance(self, obj):
        if not obj.source_document:
            return "—"
        paragraph = f", para. {obj.source_paragraph}" if obj.source_paragraph else ""
        return f"{obj.source_document.symbol or obj.source_document.key}{paragraph}"

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        if change:
            obj.version += 1
        # django-simple-history reads the reason of the record from `_change_reason`.
        obj._change_reason = form.cleaned_data.get("change_reason") or None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        reason = form.cleaned_data.get("change_reason") or None
        for formset in formsets:
            for row_form in formset.forms:
                row_form.instance._change_reason = reason
        super().save_related(request, form, formsets, change)
        # Countries, regions and beneficiary rows are saved now: refresh the places
        # people are attributed to, inside the admin's transaction.
        services.refresh_attribution(activity=form.instance)
        # Sessions saved too: the hours follow their durations (counting rule 13).
        series.follow_activity(activity=form.instance)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "country_count"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["path", "m49_region", "m49_subregion"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").annotate(n=Count("countries"))

    @admin.display(description="countries", ordering="n")
    def country_count(self, obj):
        return obj.n


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "iso2", "iso3", "m49_code", "region", "m49_subregion", "m49_region"]
    list_filter = ["m49_region", "m49_subregion"]
    search_fields = ["name", "iso2", "iso3", "m49_code"]
    readonly_fields = ["path"]
    list_select_related = ["region", "m49_region", "m49_subregion"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "source_paragraph"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "activity_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(activities_total=Count("activities"))

    @admin.display(description=_("activities"), ordering="activities_total")
    def activity_count(self, obj):
        return obj.activities_total

    def has_delete_permission(self, request, obj=None):
        """An audience still named by an activity, a row of people or a figure is not
        deleted (that would strip it from them silently): rename it instead."""
        if obj is not None and obj.is_in_use():
            return False
        return super().has_delete_permission(request, obj)


class CodedReferenceAdmin(admin.ModelAdmin):
    """Kinds and modalities: list, add, relabel, reorder, retire (inactive: offered for
    no new record, still shown on old ones). A code never changes once saved, since
    links and filters name it; a built-in code (the code relies on it) or one in use is
    never deleted."""

    list_display = ["code", "label", "label_fr", "label_es", "position", "is_active", "in_use"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "label", "label_fr", "label_es"]
    fields = ["code", "label", "label_fr", "label_es", "description", "position", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(activities_total=Count("activities"))

    @admin.display(description=_("activities"), ordering="activities_total")
    def in_use(self, obj):
        return obj.activities_total

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_built_in or obj.activities.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # The bulk delete would bypass the per-row refusal above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Kind)
class KindAdmin(CodedReferenceAdmin):
    pass


@admin.register(ModalityOption)
class ModalityOptionAdmin(CodedReferenceAdmin):
    pass


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "country", "name_is_descriptive", "source"]
    list_filter = ["kind", "name_is_descriptive"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["country"]
    list_select_related = ["country"]

    @admin.display(description="paragraph")
    def source(self, obj):
        return obj.source_paragraph or "—"


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    list_display = ["symbol", "body", "year", "title", "source_paragraph"]
    list_filter = ["body", "year"]
    search_fields = ["symbol", "title", "summary"]


class DonorViewerInline(admin.TabularInline):
    """The donor viewers linked to a donor: they count the drafts it funds and see its
    projects at /donor/ (also: manage.py create_role_user NAME --role donor --donor X)."""

    model = DonorViewer
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = _("donor viewer")


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country"]
    inlines = [DonorFundingInline, DonorViewerInline]
    search_fields = ["name"]
    autocomplete_fields = ["country"]
    list_select_related = ["country"]


@admin.register(Hub)
class HubAdmin(admin.ModelAdmin):
    """A regional hub. Its coverage is read live by its officers' scopes: a country added
    here is in their scope at once, one removed leaves it."""

    list_display = ["code", "shown_name", "location", "coverage", "source_paragraph"]
    search_fields = ["code", "name", "location__name"]
    autocomplete_fields = ["location", "countries", "regions"]
    list_select_related = ["location"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("countries", "regions")

    @admin.display(description="name", ordering="name")
    def shown_name(self, obj):
        return obj.display_name

    @admin.display(description="covers")
    def coverage(self, obj):
        names = [c.name for c in obj.countries.all()] + [r.name for r in obj.regions.all()]
        return ", ".join(names) or "— (not recorded)"


@admin.register(Mentor)
class MentorAdmin(admin.ModelAdmin):
    list_display = ["shown_name", "hub", "hub_country", "source_paragraph"]
    list_filter = ["hub_country"]
    search_fields = ["name", "hub_country__name", "hub__code"]
    autocomplete_fields = ["hub_country", "hub", "regions_covered"]
    filter_horizontal = ["themes"]
    list_select_related = ["hub_country", "hub__location"]

    @admin.display(description="name", ordering="name")
    def shown_name(self, obj):
        return obj.display_name


@admin.register(SourceDocument)
class SourceDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "symbol", "issued", "file_name"]
    search_fields = ["title", "symbol", "key"]


@admin.register(ReportedFigure)
class ReportedFigureAdmin(admin.ModelAdmin):
    list_display = ["code", "subject", "shown_value", "unit", "role", "period_text", "paragraph"]
    list_filter = ["role", "category", "source_document"]
    search_fields = ["code", "subject", "note"]
    autocomplete_fields = ["countries", "regions", "partners", "activities", "mentors"]
    filter_horizontal = ["audiences", "languages", "themes"]

    @admin.display(description="value", ordering="value")
    def shown_value(self, obj):
        if obj.value is None:
            return "—"
        prefix = {"more_than": "more than ", "about": "about "}.get(obj.qualifier, "")
        return format_html("{}{}", prefix, f"{obj.value:,}")

    @admin.display(description="paragraph", ordering="source_paragraph")
    def paragraph(self, obj):
        return obj.source_paragraph


@admin.register(OfficerScope)
class OfficerScopeAdmin(admin.ModelAdmin):
    """The countries and regions a programme officer logs for (activities/access.py)."""

    list_display = ["user", "places", "hub", "note"]
    search_fields = ["user__username", "user__email", "countries__name", "regions__name"]
    autocomplete_fields = ["user", "countries", "regions", "hub"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user", "hub__location")
            .prefetch_related("countries", "regions")
        )

    @admin.display(description="countries and regions")
    def places(self, obj):
        names = [c.name for c in obj.countries.all()] + [r.name for r in obj.regions.all()]
        if obj.hub_id is not None:
            names.append(f"the {obj.hub.code} hub's coverage")
        return ", ".join(names) or "— (edits nothing)"


# Participant, Attendance and ParticipantMerge are not registered, on purpose: the admin
# would show names, contacts and scores to every administrator whatever their scope,
# write them into its change log (LogEntry keeps the change messages), and edit or delete
# people past the services that keep the name key and the derived tallies right
# (activities/people/). People are read and changed on the /people/ pages, which check
# `view_personal_data`, the officer's scope, `merge_participants` and `erase_participant`.


@admin.register(PersonErasure)
class PersonErasureAdmin(admin.ModelAdmin):
    """The log of erasures (no personal data: the record id, when, by whom, why)."""

    list_display = ["participant_id", "erased_at", "erased_by", "reason"]
    list_select_related = ["erased_by"]
    readonly_fields = ["participant", "erased_at", "erased_by", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Notifications of the review (activities/notifications.py): read here, written by the
# review's steps; a user's e-mail choice is theirs to change at /notifications/.


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "activity", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "activity"]
    readonly_fields = ["user", "kind", "activity", "params", "created_at", "read_at", "emailed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "delivery", "language"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
