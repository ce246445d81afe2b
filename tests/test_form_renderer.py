"""The Python select renderer writes exactly what Django's select templates write."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.forms.renderers import DjangoTemplates
from django.test import RequestFactory
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from activities.views.filter_forms import filtered_activities, filtered_figures, filtered_projects
from tacbapp.form_renderer import FastSelectRenderer

TEMPLATES = DjangoTemplates()
FAST = FastSelectRenderer()


def both(widget: forms.Widget, name: str, value) -> tuple[str, str]:
    return (
        widget.render(name, value, attrs={"id": f"id_{name}"}, renderer=FAST),
        widget.render(name, value, attrs={"id": f"id_{name}"}, renderer=TEMPLATES),
    )


AWKWARD = [
    ("", "Any"),
    ("a&b", 'Quotes " and <tags> & ampersands'),
    (3, 2020),
    ("lazy", gettext_lazy("Any country")),
    ("safe", mark_safe("<b>kept</b>")),
    ("Group <1>", [("x", "Inside"), ("y", "Also inside")]),
    (None, "None as a value"),
]


WIDGETS = [
    forms.Select(choices=AWKWARD),
    forms.Select(choices=AWKWARD, attrs={"required": True, "disabled": False, "data-x": 1}),
    forms.SelectMultiple(choices=AWKWARD),
    forms.NullBooleanSelect(),
    forms.Select(choices=[]),
]
VALUES = [None, "", "a&b", ["x", 3], "y", True]


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (widget, value)
        for widget in WIDGETS
        for value in VALUES
        # Django's own NullBooleanSelect cannot render a list.
        if not (isinstance(widget, forms.NullBooleanSelect) and isinstance(value, list))
    ],
)
def test_awkward_selects_render_as_the_templates_do(widget, value):
    fast, templates = both(widget, "field", value)
    assert fast == templates


def test_a_select_with_its_own_option_template_goes_to_the_templates():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    fast, templates = both(Custom(choices=[("a", "A")]), "c", "a")
    assert fast == templates


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize(
    "build", [filtered_activities, filtered_figures, filtered_projects], ids=lambda f: f.__name__
)
def test_every_filter_select_of_the_app_renders_as_the_templates_do(db, build, language):
    request = RequestFactory().get("/", {"country": "SV", "region": "013", "theme": "ocsea"})
    request.user = AnonymousUser()
    with override(language):
        form = build(request).form
        selects = [b for b in form if isinstance(b.field.widget, forms.Select)]
        assert selects
        for bound in selects:
            fast = bound.as_widget()
            form.renderer = TEMPLATES
            templates = bound.as_widget()
            form.renderer = None
            assert fast == templates, bound.name
