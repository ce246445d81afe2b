"""A draft as a Word document (python-docx), with real Word footnotes.

An editor rewords the paragraphs; each figure stays traceable through its footnote, which
Word and LibreOffice keep attached to its place in the text (a footnote reference, not a
typed number). python-docx has no footnote API, so the footnotes part is written here:
`word/footnotes.xml` with the two separators Word expects (ids -1 and 0) and one
`w:footnote` per statement (ids from 1), related to the document part and given its
content type; each footnote's links are hyperlinks related to the footnotes part itself.
tests/test_reports_draft.py reads the file back (python-docx, the XML) and, where it is
installed, converts it with LibreOffice as a real client.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from xml.sax.saxutils import escape

import docx
from django.utils.translation import gettext as _
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part, XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph

from . import words
from .document import Draft, Statement
from .markdown import front_matter

FOOTNOTES_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
)
W = nsdecls("w", "r")

_SEPARATORS = (
    f"<w:footnotes {W}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
    "<w:continuationSeparator/></w:r></w:p></w:footnote>"
    "</w:footnotes>"
)


def render_docx(draft: Draft, absolute: Callable[[str], str]) -> bytes:
    document = docx.Document()
    document.core_properties.title = draft.title
    document.add_heading(draft.title, level=0)
    if draft.filter_labels:
        shown = draft.filters_text
        document.add_paragraph(_("Filters: %(filters)s.") % {"filters": shown})
    for sentence in front_matter(draft):
        document.add_paragraph().add_run(sentence).italic = True
    footnotes = _Footnotes(document)
    for section in draft.sections:
        heading = (
            f"{section.spec.chapter}. {section.title}" if section.spec.chapter else section.title
        )
        document.add_heading(heading, level=1)
        for statement in section.statements:
            paragraph = document.add_paragraph(statement.text)
            footnotes.add(paragraph, statement, absolute)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class _Footnotes:
    """The document's footnotes part, created on first use."""

    def __init__(self, document: docx.document.Document):
        self.document_part = document.part
        self.part = XmlPart(
            PackURI("/word/footnotes.xml"),
            FOOTNOTES_CONTENT_TYPE,
            parse_xml(_SEPARATORS),
            self.document_part.package,
        )
        self.document_part.relate_to(self.part, RT.FOOTNOTES)

    def add(
        self, paragraph: Paragraph, statement: Statement, absolute: Callable[[str], str]
    ) -> None:
        number = statement.number
        reference = parse_xml(
            f'<w:r {W}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{number}"/></w:r>'
        )
        paragraph._p.append(reference)
        runs = [_run(" " + statement.footnote)]
        for label, path in ((_("Records"), statement.link), (_("Counts"), statement.stats_link)):
            if path:
                url = absolute(path)
                rel_id = self.part.relate_to(url, RT.HYPERLINK, is_external=True)
                runs.append(_run(" " + words.labelled(str(label), "")))
                runs.append(
                    f'<w:hyperlink r:id="{rel_id}"><w:r><w:rPr><w:color w:val="0563C1"/>'
                    f'<w:u w:val="single"/></w:rPr><w:t xml:space="preserve">{escape(url)}'
                    "</w:t></w:r></w:hyperlink>"
                )
        note = parse_xml(
            f'<w:footnote {W} w:id="{number}"><w:p>'
            '<w:pPr><w:spacing w:after="0"/><w:rPr><w:sz w:val="18"/></w:rPr></w:pPr>'
            '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
            + "".join(runs)
            + "</w:p></w:footnote>"
        )
        self.part.element.append(note)


def _run(text: str) -> str:
    return (
        '<w:r><w:rPr><w:sz w:val="18"/></w:rPr>'
        f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
    )


def footnote_texts(data: bytes) -> dict[int, str]:
    """The text of each footnote of a DOCX (for tests and checks): id -> text."""
    document = docx.Document(io.BytesIO(data))
    part: Part | None = None
    for rel in document.part.rels.values():
        if rel.reltype == RT.FOOTNOTES:
            part = rel.target_part
    if part is None:
        return {}
    root = parse_xml(part.blob)
    texts = {}
    for note in root.iter(qn("w:footnote")):
        number = int(note.get(qn("w:id")))
        if number > 0:
            texts[number] = "".join(t.text or "" for t in note.iter(qn("w:t")))
    return texts
