"""Django's form renderer, with select boxes written in Python.

A filter sidebar holds some twenty select boxes, the country ones with 250 options
each; Django renders every option through two template includes, which cost the
activity list 60 % of its rendering (60 of 100 ms at 100,000 activities, computed right
after a write). `FastSelectRenderer` writes a select whose options all use Django's own
option template as that template would, character for character (tests/
test_form_renderer.py compares the two on every select of the app's filter forms);
every other widget, and a select with an option template of its own, goes through the
templates as before.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


class FastSelectRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if template_name == SELECT and widget is not None and _plain(widget):
            return _select(widget)
        return super().render(template_name, context, request)


def _plain(widget: dict[str, Any]) -> bool:
    return all(
        option["template_name"] == OPTION
        for _, options, _ in widget["optgroups"]
        for option in options
    )


# What `{{ value }}` does in a template (localized, escaped), with a context of defaults.
_CONTEXT = Context(autoescape=True)


def _text(value: Any) -> str:
    return render_value_in_context(value, _CONTEXT)


def _formatted(value: Any) -> str:
    """`value|stringformat:'s'`: a plain string, escaped afterwards like any other."""
    return str(value)  # "%s" % value, for any value but a tuple (never a choice)


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        shown = "" if value is True else f'="{_text(_formatted(value))}"'
        parts.append(f" {_text(name)}{shown}")
    return "".join(parts)


def _select(widget: dict[str, Any]) -> str:
    """django/forms/widgets/select.html with select_option.html included (its final
    newline too)."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            value = _text(_formatted(option["value"]))
            label = _text(option["label"])
            parts.append(f'\n  <option value="{value}"{_attrs(option["attrs"])}>{label}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)  # as the templates' output, stripped by the renderer
