"""Report drafting: a draft for a year in the shape of the programme's report
(`sections`), its statements counted by the stats engine in one batch (`records`), said
in words (`words`), built by `draft`, and rendered as a page, Markdown (`markdown`) and
DOCX (`docx`)."""

from .document import Draft, DraftError, Section, Statement
from .draft import build_draft

__all__ = ["Draft", "DraftError", "Section", "Statement", "build_draft"]
