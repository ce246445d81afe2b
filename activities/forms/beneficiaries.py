"""The beneficiary rows of the officer's form: who was reached, one row per group.

Blank counts are 0, an untouched extra row is no row, the total is optional and checked
against the sex split (services.sex_split_error), and a row's country must be one of the
activity's places (services.row_country_errors): the rules shared with the API live in
activities/services.py, the form only puts their messages next to the fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from .. import access, services
from ..models import Activity, Audience, BeneficiaryGroup
from .pickers import CountryByNameField, CountryIndex, model_choices, shown_name

# The id of the page's one <datalist> of countries, shared by every row.
COUNTRY_DATALIST = "row-countries"


class BeneficiaryRowForm(forms.ModelForm):
    """One row of people reached. Blank counts are 0; the total is optional and, when
    given, must equal female + male + not recorded."""

    country = CountryByNameField(
        label=gettext_lazy("Country"),
        required=False,
        datalist=COUNTRY_DATALIST,
        help_text=gettext_lazy(
            "Empty when the source does not split the people by country. A name or an ISO "
            "code (SV, SLV)."
        ),
    )
    total = forms.IntegerField(
        label=gettext_lazy("Total (if you know it)"),
        required=False,
        min_value=0,
        help_text=gettext_lazy("Checked against the sex split."),
    )

    class Meta:
        model = BeneficiaryGroup
        fields = ["audience", "country", "female", "male", "not_recorded", "total", "qualifier"]
        labels = {
            "audience": gettext_lazy("Audience"),
            "female": gettext_lazy("Female"),
            "male": gettext_lazy("Male"),
            "not_recorded": gettext_lazy("Sex not recorded"),
            "qualifier": gettext_lazy("The count is"),
        }
        help_texts = {
            "audience": gettext_lazy(
                "Empty when the source gives one number for several audiences."
            ),
        }

    def __init__(
        self,
        *args,
        user=None,
        countries: CountryIndex | None = None,
        audience_choices: list[tuple[Any, str]] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, CountryByNameField)
        country.index = countries or CountryIndex()
        for name in ("female", "male", "not_recorded"):
            if self.instance.pk is None:
                self.initial[name] = None  # blank, not a 0 to delete first: blank is 0
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
        audience = model_choices(self, "audience")
        audience.queryset = Audience.objects.all()
        audience.empty_label = gettext_lazy("several or not known")
        audience.label_from_instance = shown_name  # type: ignore[method-assign]
        if audience_choices is not None:
            # Read once by the formset for every row (validation still uses the queryset).
            audience.widget.choices = audience_choices

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
            self.add_error("not_recorded", _("How many people? Give at least one count."))
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
    # True when the activity's tallies come from its attendance: shown, not posted.
    from_attendance = False

    def __init__(self, *args, user=None, from_attendance=False, **kwargs):
        self.user = user
        self.from_attendance = from_attendance
        super().__init__(*args, **kwargs)
        # Read once for all the rows: every country by name and code, and the ones the
        # user logs for, suggested in the page's one datalist.
        suggested = (
            None
            if user is None
            else list(access.scope_countries(user).values_list("pk", flat=True))
        )
        self.countries = CountryIndex(suggested_ids=suggested)
        self.datalist_id = COUNTRY_DATALIST
        self._audience_choices: list[tuple[Any, str]] | None = None

    @property
    def audience_choices(self) -> list[tuple[Any, str]]:
        """The rows' audience options, read once for all the rows."""
        if self._audience_choices is None:
            # A bare row form costs no query: its querysets are lazy.
            field = model_choices(self.form(countries=self.countries), "audience")
            # A comprehension, not list(): that would ask COUNT(*) first.
            choices: Any = field.choices
            self._audience_choices = [choice for choice in choices]  # noqa: C416
        return self._audience_choices

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "user": self.user,
            "countries": self.countries,
            "audience_choices": self.audience_choices,
        }

    def names_countries(self) -> bool:
        """Whether a posted row not removed names a country (before validation)."""
        return any(
            str(form.data.get(form.add_prefix("country"), "") or "").strip()
            and not form.data.get(form.add_prefix("DELETE"))
            for form in self.forms
        )

    def row_countries(self) -> list:
        """The countries the valid rows name, once each, in row order."""
        countries: dict = {}
        for form in self.forms:
            cleaned = getattr(form, "cleaned_data", None) or {}
            if cleaned.get("country") is not None and not cleaned.get("DELETE"):
                countries.setdefault(cleaned["country"].pk, cleaned["country"])
        return list(countries.values())

    def typed_total(self) -> int | None:
        """The participations of every row not removed, as posted (or as saved when the
        form is not bound): the page's total without script. None when a count is not a
        number."""
        total = 0
        for form in self.forms:
            if self.is_bound:
                if form.data.get(form.add_prefix("DELETE")):
                    continue
                for name in ("female", "male", "not_recorded"):
                    typed = str(form.data.get(form.add_prefix(name), "") or "").strip()
                    if not typed:
                        continue
                    if not typed.isdigit():
                        return None
                    total += int(typed)
            elif form.instance.pk:
                total += form.instance.total
        return total

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            user=self.user,
            countries=self.countries,
            audience_choices=self.audience_choices,
        )
        self.add_fields(form, None)
        return form

    def clean(self):
        super().clean()
        error = services.beneficiary_rows_error(count=len(self.service_rows()))
        if error:
            raise forms.ValidationError(error)

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
                    form.add_error(
                        "country",
                        gettext("%(country)s is outside the countries you log for.")
                        % {"country": country.display_name},
                    )

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
