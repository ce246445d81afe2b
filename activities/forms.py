"""The "Log a training" form: the activity and its beneficiary rows, forgiving of input.

Forgiving means: few required fields (a title, when and where), sensible defaults (a
training, this year, sex not recorded), dates as precise as the officer knows them
("only the year is known" fills 1 January..31 December), empty extra rows ignored, and
every error next to its field with what to do about it. The form validates; writes go
through activities/services.py.
"""

from __future__ import annotations

import calendar
import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, services
from .models import (
    Activity,
    Audience,
    BeneficiaryGroup,
    Country,
    DatePrecision,
    Donor,
    Language,
    Partner,
    Region,
    Theme,
    validate_geographic_scope,
)

# Up to this many choices a picker is a list of checkboxes; above it, a multi-select.
CHECKBOX_LIMIT = 40


def _model_choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The field `name` of `form`, a model choice field (a foreign key or many-to-many
    field of the model): `form.fields` is typed as holding plain Fields."""
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def _picker(field: forms.ModelChoiceField[Any], choices_queryset) -> None:
    """Show only `choices_queryset` but keep validating against everything, so that a
    place outside the scope gets a clear message rather than "not a valid choice"."""
    choices = [(obj.pk, str(obj)) for obj in choices_queryset]
    widget_class = forms.CheckboxSelectMultiple if len(choices) <= CHECKBOX_LIMIT else None
    if widget_class is not None:
        field.widget = widget_class()
    else:
        field.widget.attrs["size"] = 10
    field.widget.choices = choices


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


class ActivityForm(forms.ModelForm):
    """The activity's own fields. `user` limits the country and region pickers."""

    date_precision = forms.ChoiceField(
        label="How precise are the dates?",
        choices=[
            (DatePrecision.DAY, "I know the days"),
            (DatePrecision.MONTH, "Only the month is known"),
            (DatePrecision.YEAR, "Only the year is known"),
        ],
        initial=DatePrecision.DAY,
        widget=forms.RadioSelect,
    )
    year = forms.IntegerField(
        label="Year",
        required=False,
        min_value=1990,
        max_value=2100,
        help_text="Used when only the year is known.",
    )
    start_date = forms.DateField(
        label="Start",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When only the month is known, any day of that month.",
    )
    end_date = forms.DateField(
        label="End",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for a one-day activity (or the same month).",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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
            "countries",
            "regions",
            "reported_countries_count",
            "languages",
            "audiences",
            "themes",
            "partners",
            "donors",
            "source_paragraph",
            "source_note",
        ]
        labels = {
            "kind": "What was it?",
            "countries": "Countries",
            "regions": "Regions (when no country is named)",
            "reported_countries_count": "From how many countries (if not named)",
            "source_paragraph": "Source reference (paragraph, mission report...)",
            "source_note": "What the source does not say",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "source_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["title"].widget.attrs.update({"autofocus": True, "maxlength": 300})
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year
        elif self.instance.date_precision == DatePrecision.YEAR:
            self.fields["year"].initial = self.instance.start_date.year
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        _model_choices(self, "countries").queryset = Country.objects.all()
        _model_choices(self, "regions").queryset = Region.objects.all()
        _picker(_model_choices(self, "countries"), access.scope_countries(user).only("pk", "name"))
        _picker(_model_choices(self, "regions"), access.scope_regions(user))
        _model_choices(self, "languages").queryset = Language.objects.all()
        _model_choices(self, "audiences").queryset = Audience.objects.all()
        _model_choices(self, "themes").queryset = Theme.objects.select_related("parent")
        _model_choices(self, "partners").queryset = Partner.objects.all()
        _model_choices(self, "donors").queryset = Donor.objects.all()
        if not Donor.objects.exists():
            del self.fields["donors"]  # none recorded yet: no empty picker
        for name in ("languages", "audiences", "themes", "partners", "donors"):
            if name not in self.fields:
                continue
            field = _model_choices(self, name)
            field.required = False
            assert field.queryset is not None  # set above
            choices = list(field.queryset)
            if len(choices) <= CHECKBOX_LIMIT:
                field.widget = forms.CheckboxSelectMultiple()
                field.widget.choices = field.choices

    def clean_countries(self):
        countries = list(self.cleaned_data.get("countries") or [])
        outside, _ = access.places_within_scope(self.user, countries=countries, regions=[])
        if outside:
            names = ", ".join(c.name for c in outside)
            raise forms.ValidationError(
                f"{names} {'is' if len(outside) == 1 else 'are'} outside the countries and "
                "regions you log for. Ask a programme manager to log it, or to widen your "
                "scope."
            )
        return countries

    def clean_regions(self):
        regions = list(self.cleaned_data.get("regions") or [])
        _, outside = access.places_within_scope(self.user, countries=[], regions=regions)
        if outside:
            names = ", ".join(r.name for r in outside)
            raise forms.ValidationError(
                f"{names} {'is' if len(outside) == 1 else 'are'} outside the regions you log "
                "for. Pick the countries instead, or ask a programme manager."
            )
        return regions

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        self._clean_period(cleaned)
        if "countries" in cleaned and "regions" in cleaned:
            try:
                validate_geographic_scope(cleaned["countries"], cleaned["regions"])
            except forms.ValidationError as error:
                self.add_error("countries", error)
        if self.instance.pk and cleaned.get("version") is None:
            self.add_error(None, "The form lost its version: reload the page and try again.")
        return cleaned

    def _clean_period(self, cleaned) -> None:
        """Fill start and end from what the officer knows, at the precision they chose."""
        precision = cleaned.get("date_precision")
        start, end, year = cleaned.get("start_date"), cleaned.get("end_date"), cleaned.get("year")
        if precision == DatePrecision.YEAR:
            if start is None and year is None:
                self.add_error("year", "Give the year.")
                return
            first_year = start.year if start else year
            last_year = end.year if end else first_year
            start, end = datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31)
        elif precision == DatePrecision.MONTH:
            if start is None:
                self.add_error("start_date", "Give a day in the month it started.")
                return
            start, end = start.replace(day=1), _month_end(end or start)
        elif precision == DatePrecision.DAY:
            if start is None:
                if "start_date" not in self.errors:
                    self.add_error(
                        "start_date",
                        "Give the first day, or choose “Only the year is known”.",
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
            for name in ("countries", "regions", "languages", "audiences", "themes")
        }
        relations["partners"] = self.cleaned_data.get("partners") or []
        if "donors" in self.fields:
            relations["donors"] = self.cleaned_data.get("donors") or []
        fields = {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name not in relations and name in self.cleaned_data
        }
        return fields, relations


class BeneficiaryRowForm(forms.ModelForm):
    """One row of people reached. Blank counts are 0; the total is optional and, when
    given, must equal female + male + not recorded."""

    total = forms.IntegerField(
        label="Total (if you know it)",
        required=False,
        min_value=0,
        help_text="Checked against the sex split.",
    )

    class Meta:
        model = BeneficiaryGroup
        fields = ["audience", "country", "female", "male", "not_recorded", "total", "qualifier"]
        labels = {"not_recorded": "Sex not recorded", "qualifier": "The count is"}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("female", "male", "not_recorded"):
            self.fields[name].required = False
            self.fields[name].widget.attrs.update(
                {"min": 0, "inputmode": "numeric", "class": "count", "data-count": name}
            )
        # The total is a check of what the officer types, not a stored value to keep in
        # step: an edit of the split must not collide with the old total.
        self.initial["total"] = None
        self.fields["total"].widget.attrs.update(
            {"min": 0, "inputmode": "numeric", "data-count": "total"}
        )
        _model_choices(self, "audience").queryset = Audience.objects.all()
        _model_choices(self, "audience").empty_label = "several or not known"
        _model_choices(self, "country").queryset = Country.objects.all()
        _model_choices(self, "country").empty_label = "not split by country"
        if user is not None:
            self.fields["country"].widget.choices = [("", "not split by country")] + [
                (c.pk, c.name) for c in access.scope_countries(user).only("pk", "name")
            ]

    def has_changed(self):
        # A new row with nothing but zeros or blanks (and the default qualifier) is no row:
        # an untouched extra row, or one the officer emptied again.
        if self.instance.pk is None:
            typed = [
                str(self.data.get(self.add_prefix(name), "") or "").strip()
                for name in ("audience", "country", "female", "male", "not_recorded", "total")
            ]
            if all(value in {"", "0"} for value in typed):
                return False
        return super().has_changed()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        for name in ("female", "male", "not_recorded"):
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = 0
        if any(name in self.errors for name in ("female", "male", "not_recorded")):
            return cleaned
        female, male, not_recorded = (cleaned[n] for n in ("female", "male", "not_recorded"))
        split = female + male + not_recorded
        error = services.sex_split_error(
            female=female,
            male=male,
            not_recorded=not_recorded,
            total=cleaned.get("total"),
            not_recorded_label=_("“sex not recorded”"),
        )
        if error:
            self.add_error("total", error)
        elif split == 0 and not cleaned.get("DELETE"):
            self.add_error("not_recorded", "How many people? Give at least one count.")
        else:
            cleaned["total"] = split
        return cleaned

    def _post_clean(self):
        # Keep the model's own checks (the sex split CHECK) once the total is filled.
        if "total" in self.cleaned_data and self.cleaned_data["total"] is not None:
            # django-stubs omits BaseModelForm._post_clean, the hook Django calls after clean().
            super()._post_clean()  # type: ignore[misc]

    def service_row(self) -> dict:
        row = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        row.pop("total", None)
        if self.instance.pk:
            row["id"] = self.instance.pk
        return row


if TYPE_CHECKING:
    # The stubs' formsets are generic (their forms are BeneficiaryRowForms); the runtime
    # classes cannot be subscripted.
    _RowFormSet = BaseInlineFormSet[BeneficiaryGroup, Activity, BeneficiaryRowForm]
else:
    _RowFormSet = BaseInlineFormSet


class BaseBeneficiaryFormSet(_RowFormSet):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "user": self.user}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            user=self.user,
        )
        self.add_fields(form, None)
        return form

    def check_places(self, *, countries, regions) -> None:
        """A row's country must be one of the activity's places (or lie under one of its
        regions): people in Senegal cannot have been reached by a training in Honduras."""
        live = [
            form
            for form in self.forms
            if hasattr(form, "cleaned_data")
            and form.cleaned_data.get("country") is not None
            and not form.cleaned_data.get("DELETE")
        ]
        errors = services.row_country_errors(
            row_countries=[form.cleaned_data["country"] for form in live],
            countries=countries,
            regions=regions,
        )
        for form, error in zip(live, errors, strict=True):
            country = form.cleaned_data["country"]
            if error:
                form.add_error("country", error)
            elif self.user is not None:
                outside, _ = access.places_within_scope(self.user, countries=[country], regions=[])
                if outside:
                    form.add_error("country", f"{country.name} is outside your scope.")

    def service_rows(self) -> list[dict]:
        return [
            form.service_row()
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and form.cleaned_data.get("DELETE"))
            if form.cleaned_data
        ]


BeneficiaryFormSet = inlineformset_factory(
    Activity,
    BeneficiaryGroup,
    form=BeneficiaryRowForm,
    formset=BaseBeneficiaryFormSet,
    extra=2,
    can_delete=True,
    max_num=200,
    validate_max=True,
)


class ActivityDeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
