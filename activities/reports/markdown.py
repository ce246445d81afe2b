"""A draft as Markdown: one paragraph per statement, each with its footnote ([^n]) giving
the figure's provenance, its records (the activity list) and their counts (the stats API)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .document import Draft


def render_markdown(draft: Draft, absolute: Callable[[str], str]) -> str:
    """`absolute` turns a site path into the URL a reader of the file can follow."""
    lines = [f"# {draft.title}", ""]
    lines += _front(draft)
    notes = []
    for section in draft.sections:
        heading = (
            f"{section.spec.chapter}. {section.title}" if section.spec.chapter else section.title
        )
        lines += [f"## {heading}", ""]
        for statement in section.statements:
            lines += [f"{statement.text}[^{statement.number}]", ""]
            note = statement.footnote
            if statement.link:
                note += " " + _("Records: <%(url)s>") % {"url": absolute(statement.link)}
            if statement.stats_link:
                note += " " + _("Counts: <%(url)s>") % {"url": absolute(statement.stats_link)}
            notes.append(f"[^{statement.number}]: {note.strip()}")
    return "\n".join(lines + notes) + "\n"


def _front(draft: Draft) -> list[str]:
    lines = []
    if draft.filter_labels:
        shown = draft.filters_text
        lines += [_("Filters: %(filters)s.") % {"filters": shown}, ""]
    for sentence in front_matter(draft):
        lines += [f"*{sentence}*", ""]
    return lines


def front_matter(draft: Draft) -> list[str]:
    """What every rendering says before the sections (the same words in each)."""
    said = [
        _(
            "Generated on %(date)s from the records. Participations count one person at "
            "one activity (a person at two activities counts twice); people are counted "
            "once only where attendance names them. Every figure has a note naming its "
            "records; a programme-wide total is never added to the itemised figures."
        )
        % {"date": date_format(draft.generated_at.date())}
    ]
    if draft.reported and draft.period is not None:
        said.append(
            _(
                "The period %(period)s was closed for a report (%(report)s): the report's "
                "figures are stated with the value their records give now and the value "
                "as reported."
            )
            % {"period": draft.period.label, "report": draft.period.report}
        )
    if draft.includes_drafts:
        said.append(_("Includes unpublished (draft) records: not for publication as is."))
    return said
