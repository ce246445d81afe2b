"""The error summary at the top of the officer's form: every error, each linking to its
field (GOV.UK's pattern), so that a keyboard or screen-reader user goes straight there."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorList
from django.utils.translation import gettext


def _href(field: forms.BoundField) -> str:
    if field.name == "themes":
        return "#field-themes"  # grouped by hand: no input id_themes_0
    if field.use_fieldset:
        return f"#{field.auto_id}_0"  # the first box or radio of the group
    return f"#{field.id_for_label}"


def _items(form: forms.BaseForm, *, row: int | None = None) -> list[dict[str, str]]:
    items = []
    for name, errors in form.errors.items():
        messages = ErrorList(errors)
        if name == NON_FIELD_ERRORS:
            items += [{"href": "", "label": "", "message": str(m)} for m in messages]
            continue
        field = form[name]
        label = str(field.label)
        if row is not None:
            label = gettext("Row %(number)s, %(field)s") % {"number": row + 1, "field": label}
        items += [{"href": _href(field), "label": label, "message": str(m)} for m in messages]
    return items


def error_summary(form: forms.BaseForm, formset: Any) -> list[dict[str, str]]:
    """[{href, label, message}] for the form's errors, then the rows'; empty when the
    form is not bound or has none."""
    if not form.is_bound:
        return []
    items = _items(form)
    if formset is not None and not formset.from_attendance and formset.is_bound:
        items += [{"href": "", "label": "", "message": str(m)} for m in formset.non_form_errors()]
        for number, row in enumerate(formset.forms):
            items += _items(row, row=number)
    return items
