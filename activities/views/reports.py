"""Report drafting: the form (/reports/) and the draft (/reports/draft/) as a page,
Markdown or DOCX. Thin: the form validates, `reports.build_draft` builds, a renderer
renders. Who asks decides what is counted (the public: published records only)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..answer_cache import cached_page
from ..models import Donor, Project
from ..reports import DraftError, build_draft
from ..reports.markdown import front_matter, render_markdown
from ..reports.word import render_docx
from .filter_forms import _region_choices, _theme_choices

FORMATS = ("html", "md", "docx")


class DraftForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", _("The whole year"))],  # and the quarters, named in __init__
        coerce=int,
        empty_value=None,
        required=False,
    )
    region = forms.ChoiceField(label=_("Region (M49)"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    project = forms.ModelChoiceField(
        Project.objects.all(), to_field_name="code", label=_("Project"), required=False
    )
    donor = forms.ModelChoiceField(Donor.objects.all(), label=_("Donor"), required=False)
    format = forms.ChoiceField(
        choices=[(name, name) for name in FORMATS], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = self.fields["region"]
        themes = self.fields["theme"]
        quarters = self.fields["quarter"]
        assert isinstance(regions, forms.ChoiceField) and isinstance(themes, forms.ChoiceField)
        assert isinstance(quarters, forms.ChoiceField)
        quarters.choices = [("", _("The whole year"))] + [
            (str(n), gettext("Q%(number)s") % {"number": n}) for n in range(1, 5)
        ]
        regions.choices = _region_choices(str(_("Any region")))
        themes.choices = _theme_choices()
        self.fields["project"].empty_label = _("Any project")  # type: ignore[attr-defined]
        self.fields["donor"].empty_label = _("Any donor")  # type: ignore[attr-defined]

    def filters(self) -> dict[str, str]:
        """The filters as the activity list's query spells them (codes, slugs, ids)."""
        data = self.cleaned_data
        found = {
            "region": data.get("region") or "",
            "theme": data.get("theme") or "",
            "project": data["project"].code if data.get("project") else "",
            "donor": str(data["donor"].pk) if data.get("donor") else "",
        }
        return {name: value for name, value in found.items() if value}


@cached_page
def report_form(request: HttpRequest) -> HttpResponse:
    form = DraftForm(request.GET or None)
    return render(request, "reports/form.html", {"form": form})


@cached_page
def report_draft(request: HttpRequest) -> HttpResponse:
    """The draft for the visitor: the public's is kept until the data changes (its page and
    its downloads, each under its own address)."""
    form = DraftForm(request.GET)
    if not form.is_valid():
        return render(request, "reports/form.html", {"form": form}, status=400)
    try:
        draft = build_draft(
            year=form.cleaned_data["year"],
            quarter=form.cleaned_data.get("quarter"),
            filters=form.filters(),
            user=request.user,
        )
    except DraftError as error:
        for name, messages in error.errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        return render(request, "reports/form.html", {"form": form}, status=400)
    file_format = form.cleaned_data.get("format") or "html"
    name = f"draft-report-{draft.label.replace(' ', '-')}"
    if file_format == "md":
        body = render_markdown(draft, request.build_absolute_uri)
        return _attachment(body.encode(), "text/markdown; charset=utf-8", f"{name}.md")
    if file_format == "docx":
        return _attachment(
            render_docx(draft, request.build_absolute_uri),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            f"{name}.docx",
        )
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "reports/draft.html",
        {
            "draft": draft,
            "form": form,
            "query": query.urlencode(),
            "front": front_matter(draft),
        },
    )


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
