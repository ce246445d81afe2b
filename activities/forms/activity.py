"""The officer's activity form: what was delivered, when and where, forgiving of input.

Forgiving means: few required fields (a title, when and where, a source or why there is
none), defaults the officer sees (a training, delivered, in person, this year), dates as
precise as the officer knows them ("only the year is known" fills 1 January..31
December), and every error next to its field with what to do about it. Who came is asked
once, in the beneficiary rows: the activity's audiences are theirs (services). The
period's rules are services.period_errors, shared with the API; the form
validates, writes go through activities/services.py.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from .. import access, counting, services
from ..models import (
    Activity,
    Country,
    DatePrecision,
    Donor,
    Kind,
    Language,
    ModalityOption,
    Partner,
    Project,
    Region,
    Theme,
    active_or_current,
    validate_geographic_scope,
)
from ..models.activities import DeliveryStatus, Modality
from ..results import periods
from .pickers import model_choices, optional_picker, place_picker, reading_order, shown_name


class ActivityForm(forms.ModelForm):
    """The activity's own fields. `user` limits the country and region pickers."""

    date_precision = forms.ChoiceField(
        label=gettext_lazy("How precise are the dates?"),
        choices=[
            (DatePrecision.DAY, gettext_lazy("I know the days")),
            (DatePrecision.MONTH, gettext_lazy("Only the month is known")),
            (DatePrecision.YEAR, gettext_lazy("Only the year is known")),
        ],
        initial=DatePrecision.DAY,
        widget=forms.RadioSelect,
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=1990,
        max_value=2100,
        help_text=gettext_lazy("Used when only the year is known."),
    )
    start_date = forms.DateField(
        label=gettext_lazy("Start"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("When only the month is known, any day of that month."),
    )
    end_date = forms.DateField(
        label=gettext_lazy("End"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty for a one-day activity (or the same month)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Shown, and required, when the activity lies in a closed reporting period
    # (results/periods.py); the services check it again for the dates it is moved to.
    change_reason = forms.CharField(
        label=gettext_lazy("Reason for changing a reported figure"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Activity
        fields = [
            "kind",
            "title",
            "description",
            "date_precision",
            "start_date",
            "end_date",
            "modality",
            "delivery",
            "hours",
            "venue_country",
            "venue_city",
            "countries",
            "regions",
            "reported_countries_count",
            "languages",
            "themes",
            "partners",
            "donors",
            "projects",
            "source_paragraph",
            "source_note",
        ]
        labels = {
            "kind": gettext_lazy("What was it?"),
            "countries": gettext_lazy("Countries benefiting"),
            "regions": gettext_lazy("Regions benefiting (when no country is named)"),
            "venue_country": gettext_lazy("Held in (country)"),
            "venue_city": gettext_lazy("Held in (city)"),
            "hours": gettext_lazy("Hours of delivery (all sessions), if known"),
            "reported_countries_count": gettext_lazy("From how many countries (if not named)"),
            "source_paragraph": gettext_lazy("Source reference"),
            "source_note": gettext_lazy("No source? Say why (and what the source does not say)"),
            # The model's own names, for the form in every language (verbose names on the
            # model would cost a migration each time a wording changes).
            "title": gettext_lazy("Title"),
            "description": gettext_lazy("Description"),
            "modality": gettext_lazy("Modality"),
            "delivery": gettext_lazy("Delivery"),
            "languages": gettext_lazy("Languages"),
            "themes": gettext_lazy("Themes"),
            "partners": gettext_lazy("Partners"),
            "donors": gettext_lazy("Donors"),
            "projects": gettext_lazy("Projects"),
        }
        help_texts = {
            "countries": gettext_lazy(
                "Tick none when the rows below name the countries: theirs are taken."
            ),
            "regions": gettext_lazy(
                "Regions in scope when the source names a region rather than countries."
            ),
            "reported_countries_count": gettext_lazy(
                "“From N countries” when the source gives a count without naming them."
            ),
            "source_paragraph": gettext_lazy(
                "Where the figures come from: a report paragraph (“34”), a mission report "
                "(“MR 2021/12”), an attendance sheet."
            ),
            "source_note": gettext_lazy(
                "Required when there is no source reference, e.g. “no report yet: counted at "
                "the door”. Also what the source leaves unknown."
            ),
            "delivery": gettext_lazy(
                "Whether it took place: only delivered and ongoing activities are counted "
                "by default."
            ),
            "hours": gettext_lazy("Hours of delivery of the whole activity, when known."),
            "venue_country": gettext_lazy(
                "The country it was held in, when the source says (not whom it served)."
            ),
            "venue_city": gettext_lazy("The city it was held in, when the source says."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "source_note": forms.Textarea(attrs={"rows": 2}),
            "modality": forms.RadioSelect,
            "delivery": forms.RadioSelect,
        }

    # Set by the view when the beneficiary rows name countries: with no place ticked,
    # they are the activity's countries (officer_views._valid).
    places_from_rows = False

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["title"].widget.attrs.update({"autofocus": True, "maxlength": 300})
        self.fields["title"].error_messages["required"] = gettext_lazy(
            "Give it a title, e.g. “Electronic evidence for prosecutors”."
        )
        for name in ("modality", "delivery"):
            # A radio group: no empty "---------" choice.
            self.fields[name].choices = [  # type: ignore[attr-defined]
                choice
                for choice in self.fields[name].choices  # type: ignore[attr-defined]
                if choice[0] != ""
            ]
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year
            # Shown checked, changed with one click: what most logs are (the model's
            # default modality, "not recorded", is for sources that do not say).
            given = kwargs.get("initial") or {}
            self.initial["modality"] = given.get("modality", Modality.IN_PERSON)
            self.initial["delivery"] = given.get("delivery", DeliveryStatus.DELIVERED)
        elif self.instance.date_precision == DatePrecision.YEAR:
            self.fields["year"].initial = self.instance.start_date.year
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        # The closed periods it lies in (publishing or withdrawing it needs a reason);
        # a draft is in no reported figure: changing one needs none.
        self.periods_in = periods.closed_periods_of(self.instance)
        published = self.instance.status == Activity.Status.PUBLISHED
        self.closed_periods = self.periods_in if published else []
        if self.closed_periods:
            reason = self.fields["change_reason"]
            reason.required = True
            reason.help_text = periods.reason_message(self.closed_periods)
            reason.error_messages["required"] = reason.help_text
        # Active kinds and modalities, and the record's own if it has been retired since.
        saved = self.instance if self.instance.pk else None
        model_choices(self, "kind").queryset = active_or_current(
            Kind, saved.kind_id if saved else None
        )
        model_choices(self, "modality").queryset = active_or_current(
            ModalityOption, saved.modality_id if saved else None
        )
        model_choices(self, "countries").queryset = Country.objects.all()
        venue = model_choices(self, "venue_country")
        venue.queryset = Country.objects.all()
        venue.empty_label = gettext_lazy("not given, or online")
        # Named and sorted in the reader's language (UNSD names), read once.
        held_in = [
            (country.pk, shown_name(country))
            for country in Country.objects.only("pk", "name", "names")
        ]
        held_in.sort(key=lambda choice: reading_order(choice[1]))
        venue.widget.choices = [("", venue.empty_label), *held_in]
        model_choices(self, "regions").queryset = Region.objects.all()
        place_picker(
            model_choices(self, "countries"),
            access.scope_countries(user).only("pk", "name", "names"),
        )
        place_picker(model_choices(self, "regions"), access.scope_regions(user))
        model_choices(self, "languages").queryset = Language.objects.all()
        model_choices(self, "themes").queryset = Theme.objects.select_related("parent")
        model_choices(self, "partners").queryset = Partner.objects.all()
        model_choices(self, "donors").queryset = Donor.objects.all()
        if not Donor.objects.exists():
            del self.fields["donors"]  # none recorded yet: no empty picker
        model_choices(self, "projects").queryset = Project.objects.all()
        if not Project.objects.exists():
            del self.fields["projects"]  # none recorded yet: no empty picker
        for name in ("languages", "themes", "partners", "donors", "projects"):
            if name in self.fields:
                optional_picker(model_choices(self, name))
        # Acronyms spelled out: "Global Forum on Cyber Expertise (GFCE)".
        partners = model_choices(self, "partners")
        partners.label_from_instance = partner_label  # type: ignore[method-assign,assignment]
        partners.widget.choices = partners.choices

    def theme_groups(self) -> dict[str, list[dict[str, Any]]]:
        """The themes as the report arranges them, for checkboxes grouped in fieldsets:
        `single`, the thematic areas without topics; `areas`, each area with its training
        topics under it (Theme.parent)."""
        chosen = {str(value) for value in (self["themes"].value() or [])}
        themes = list(model_choices(self, "themes").queryset or [])

        def box(theme: Theme) -> dict[str, Any]:
            return {
                "value": theme.pk,
                "label": theme.display_name,
                "id": f"id_themes_{theme.pk}",
                "checked": str(theme.pk) in chosen,
            }

        topics: dict[int, list[dict[str, Any]]] = {theme.pk: [] for theme in themes}
        for theme in themes:
            if theme.parent_id in topics:
                topics[theme.parent_id].append(box(theme))
        areas: list[dict[str, Any]] = [
            {
                "theme": box(theme),
                "topics": sorted(topics[theme.pk], key=lambda topic: reading_order(topic["label"])),
            }
            for theme in themes
            if theme.parent_id is None
        ]
        areas.sort(key=lambda area: reading_order(area["theme"]["label"]))
        return {
            "single": [area["theme"] for area in areas if not area["topics"]],
            "areas": [area for area in areas if area["topics"]],
        }

    def clean_countries(self):
        countries = list(self.cleaned_data.get("countries") or [])
        outside, _ = access.places_within_scope(self.user, countries=countries, regions=[])
        if outside:
            names = ", ".join(c.display_name for c in outside)
            raise forms.ValidationError(
                ngettext(
                    "%(names)s is outside the countries and regions you log for. Ask a "
                    "programme manager to log it, or to widen your scope.",
                    "%(names)s are outside the countries and regions you log for. Ask a "
                    "programme manager to log it, or to widen your scope.",
                    len(outside),
                )
                % {"names": names}
            )
        return countries

    def clean_regions(self):
        regions = list(self.cleaned_data.get("regions") or [])
        _, outside = access.places_within_scope(self.user, countries=[], regions=regions)
        if outside:
            names = ", ".join(r.display_name for r in outside)
            raise forms.ValidationError(
                ngettext(
                    "%(names)s is outside the regions you log for. Pick the countries "
                    "instead, or ask a programme manager.",
                    "%(names)s are outside the regions you log for. Pick the countries "
                    "instead, or ask a programme manager.",
                    len(outside),
                )
                % {"names": names}
            )
        return regions

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        self._clean_period(cleaned)
        no_place = not cleaned.get("countries") and not cleaned.get("regions")
        if (
            "countries" in cleaned
            and "regions" in cleaned
            and not (no_place and self.places_from_rows)
        ):
            try:
                validate_geographic_scope(cleaned["countries"], cleaned["regions"])
            except forms.ValidationError as error:
                self.add_error("countries", error)
        if cleaned.get("venue_city") and not cleaned.get("venue_country"):
            self.add_error(
                "venue_country",
                gettext("Give the country of %(city)s.") % {"city": cleaned["venue_city"]},
            )
        missing_source = services.source_error(
            source_document=self.instance.source_document_id,
            source_paragraph=cleaned.get("source_paragraph", ""),
            source_note=cleaned.get("source_note", ""),
        )
        if missing_source and "source_paragraph" not in self.errors:
            self.add_error("source_paragraph", missing_source)
        if self.instance.pk and cleaned.get("version") is None:
            self.add_error(
                None, gettext("The form lost its version: reload the page and try again.")
            )
        return cleaned

    @property
    def asks_reason(self) -> bool:
        """Whether the page shows the reason field (a closed period, or the services
        found the activity moved into one)."""
        return bool(self.closed_periods or self.errors.get("change_reason"))

    def _clean_period(self, cleaned) -> None:
        """Fill start and end from what the officer knows, at the precision they chose."""
        precision = cleaned.get("date_precision")
        start, end, year = cleaned.get("start_date"), cleaned.get("end_date"), cleaned.get("year")
        if precision == DatePrecision.YEAR:
            if start is None and year is None:
                self.add_error("year", gettext("Give the year."))
                return
            first_year = start.year if start else year
            last_year = end.year if end else first_year
            start, end = counting.year_bounds(first_year)[0], counting.year_bounds(last_year)[1]
        elif precision == DatePrecision.MONTH:
            if start is None:
                self.add_error("start_date", gettext("Give a day in the month it started."))
                return
            last_month = end or start
            start = counting.month_bounds(start.year, start.month)[0]
            end = counting.month_bounds(last_month.year, last_month.month)[1]
        elif precision == DatePrecision.DAY:
            if start is None:
                if "start_date" not in self.errors:
                    self.add_error(
                        "start_date",
                        gettext("Give the first day, or choose “Only the year is known”."),
                    )
                return
            end = end or start
        else:
            return
        errors = services.period_errors(start=start, end=end, precision=precision)
        for name, message in errors.items():
            self.add_error(name, message)
        if not errors:
            cleaned["start_date"], cleaned["end_date"] = start, end

    def service_arguments(self) -> tuple[dict, dict]:
        """(fields, relations) for services.activity_create / activity_update."""
        relations = {
            name: self.cleaned_data.get(name) or []
            for name in ("countries", "regions", "languages", "themes")
        }
        relations["partners"] = self.cleaned_data.get("partners") or []
        for name in ("donors", "projects"):
            if name in self.fields:
                relations[name] = self.cleaned_data.get(name) or []
        fields = {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name not in relations and name in self.cleaned_data
        }
        return fields, relations


def partner_label(partner: Partner) -> str:
    """A partner's full name, with its acronym when it has one: "Global Forum on Cyber
    Expertise (GFCE)"."""
    if partner.short_name and partner.short_name != partner.name:
        return f"{partner.name} ({partner.short_name})"
    return partner.name


class ActivityDeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
