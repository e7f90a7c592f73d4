"""The DOCX reader reads paragraphs and styles as python-docx does, on constructed packages."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from services.parser.formats.docx import extract_text
from shared.errors import Unprocessable
from tests.unit.parser import makers


def _python_docx_text(body: bytes) -> str:
    """The reading the reader must match: python-docx's paragraphs in document order, table
    cells included, 'Heading' styles marked."""
    blocks = []
    for paragraph in _paragraphs(docx.Document(io.BytesIO(body))):
        text = paragraph.text.strip()
        if text:
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            blocks.append(f"### {text}" if style.lower().startswith("heading") else text)
    return "\n\n".join(blocks)


def _paragraphs(container: Any) -> Iterator[Paragraph]:
    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            yield item
        else:
            for tr in item._tbl.tr_lst:
                for tc in tr.tc_lst:
                    yield from _paragraphs(_Cell(tc, item))


def _mixed_runs_docx() -> bytes:
    """Tabs, line and page breaks, a no-break hyphen, a hyperlink, headings and a table."""
    document = docx.Document()
    document.add_heading("Inleiding", level=2)
    paragraph = document.add_paragraph("Eerste")
    paragraph._p.append(parse_xml(
        f'<w:r {nsdecls("w")}><w:tab/><w:t>tweede</w:t><w:br/><w:t>derde</w:t>'
        '<w:br w:type="page"/><w:noBreakHyphen/><w:t>vierde</w:t><w:cr/><w:ptab/></w:r>'))
    paragraph._p.append(parse_xml(
        f'<w:hyperlink {nsdecls("w")}><w:r><w:t xml:space="preserve"> zie </w:t></w:r>'
        '<w:r><w:t>www.rijksoverheid.nl</w:t></w:r></w:hyperlink>'))
    document.add_paragraph("Titelachtig", style="Title")
    document.add_paragraph("Onbekende stijl")._p.get_or_add_pPr().style = "GeenStijl"
    document.add_table(rows=1, cols=1).cell(0, 0).text = "In een tabel"
    document.add_paragraph("Slot.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("make", [_mixed_runs_docx, lambda: makers.markdown_docx(
    "# Brief\n\nTekst met **nadruk**.\n\n### Kopje\n\nMeer tekst.")], ids=["runs", "markdown"])
def test_reads_as_python_docx(make: Callable[[], bytes]) -> None:
    """Paragraph text (tabs, breaks, hyperlinks) and heading styles match python-docx's."""
    body = make()
    assert _python_docx_text(body) == extract_text(body)


def test_package_without_styles_part() -> None:
    """Without a styles part the reader falls back on python-docx's default styles, as it does."""
    source = makers.markdown_docx("Tekst.\n\n### Kopje\n\nMeer.")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            content = old.read(item.filename)
            if item.filename == "word/_rels/document.xml.rels":
                content = re.sub(rb"<Relationship [^>]*styles\.xml\"/>", b"", content)
            if item.filename != "word/styles.xml":
                new.writestr(item, content)
    body = out.getvalue()
    assert b'"styles.xml"' not in zipfile.ZipFile(io.BytesIO(body)).read("word/_rels/document.xml.rels")
    assert _python_docx_text(body) == extract_text(body)


def test_zip_that_is_no_word_document() -> None:
    """A valid zip whose main part is not a Word document is a malformed DOCX."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Default Extension="xml" '
                         'ContentType="application/xml"/></Types>')
        package.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/relationships"><Relationship Id="r1" Type="http://schemas.'
                         'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                         'Target="word/document.xml"/></Relationships>')
        package.writestr("word/document.xml", "<x/>")
    with pytest.raises(Unprocessable) as caught:
        extract_text(out.getvalue())
    assert "malformed-docx" == caught.value.reason


def _text_box(text: str) -> str:
    """A run holding a text box as Word writes one: a drawing, and a VML copy as fallback."""
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
          'xmlns:v="urn:schemas-microsoft-com:vml"')
    content = f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
    return (f"<w:r {ns}><mc:AlternateContent><mc:Choice Requires=\"wps\"><wps:txbx>{content}"
            f"</wps:txbx></mc:Choice><mc:Fallback><v:textbox>{content}</v:textbox>"
            "</mc:Fallback></mc:AlternateContent></w:r>")


def test_reads_headers_text_boxes_tables_and_footers_in_order() -> None:
    """Header, body, a text box (once, not its fallback copy), a table cell, footer."""
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Ministerie van Defensie"
    document.add_paragraph("Geachte voorzitter,")
    document.add_paragraph("Hier staat een kader:")._p.append(parse_xml(_text_box("In het kader")))
    document.add_table(rows=1, cols=2).cell(0, 1).text = "Nr. 10"
    document.sections[0].footer.paragraphs[0].text = "Pagina 1 van 1"
    out = io.BytesIO()
    document.save(out)
    assert ["Ministerie van Defensie", "Geachte voorzitter,", "Hier staat een kader:",
            "In het kader", "Nr. 10", "Pagina 1 van 1"] == extract_text(out.getvalue()).split("\n\n")
