"""Build PDF, DOCX and HTML versions of the real letter texts, for the format tests.

These are constructed documents: the words are the real letters', the layout is ours.
PDFs use the core Helvetica font (Latin-1), so typographic quotes and the PDF bullet glyph
are written as their plain equivalents; every other character is the letter's own.
"""

from __future__ import annotations

import io
import re

import docx
from fpdf import FPDF

_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\uf0b7": "-", "–": "-",
                        "—": "-", "…": "..."})
_PAGE_FOOTER = re.compile(r"^P\s?agina \d+ van \d+$")


def latin1(text: str) -> str:
    """``text`` with the few characters Helvetica lacks replaced by plain ones."""
    return text.translate(_PLAIN).encode("latin-1", errors="replace").decode("latin-1")


def printed_lines_pdf(text: str) -> bytes:
    """A PDF with one printed line per line of ``text``, a new page after each page footer."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_font("Helvetica", size=9)
    pdf.add_page()
    for line in text.splitlines():
        pdf.cell(0, 4.2, latin1(line), new_x="LMARGIN", new_y="NEXT")
        if _PAGE_FOOTER.match(line.strip()):
            pdf.add_page()
    return bytes(pdf.output())


def markdown_pdf(markdown: str) -> bytes:
    """A PDF of a markdown letter: blocks wrapped to the page width, '###' headings bold."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    for block in [b.strip() for b in markdown.split("\n\n") if b.strip()]:
        heading = block.startswith("#")
        plain = re.sub(r"[*#]|\[([^\]]*)\]\([^)]*\)", r"\1", block).strip()
        pdf.set_font("Helvetica", style="B" if heading else "", size=10)
        for line in plain.split("  \n") if "  \n" in plain else [plain]:
            pdf.multi_cell(0, 5, latin1(" ".join(line.split())), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def markdown_docx(markdown: str) -> bytes:
    """A DOCX of a markdown letter: one paragraph per block, '###' blocks as Heading 3."""
    document = docx.Document()
    for block in [b.strip() for b in markdown.split("\n\n") if b.strip()]:
        plain = re.sub(r"[*#]|\[([^\]]*)\]\([^)]*\)", r"\1", block).strip()
        for line in plain.split("  \n") if "  \n" in plain else [plain]:
            text = " ".join(line.split())
            if block.startswith("#"):
                document.add_heading(text, level=3)
            else:
                document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def markdown_html(markdown: str) -> bytes:
    """An HTML page of a markdown letter, with navigation and a script to be ignored."""
    from html import escape

    parts = ["<!DOCTYPE html><html><head><title>x</title><script>var a=1;</script></head>",
             "<body><nav><a href='/'>Home</a> Menu</nav><main>"]
    for block in [b.strip() for b in markdown.split("\n\n") if b.strip()]:
        plain = re.sub(r"[*#]|\[([^\]]*)\]\([^)]*\)", r"\1", block).strip()
        tag = "h3" if block.startswith("#") else "p"
        lines = plain.split("  \n") if "  \n" in plain else [plain]
        inner = "<br>".join(escape(" ".join(line.split())) for line in lines)
        parts.append(f"<{tag}>{inner}</{tag}>")
    parts.append("</main><footer>Rijksoverheid footer</footer></body></html>")
    return "\n".join(parts).encode("utf-8")


_FOOTNOTES_XML = (
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    "{notes}</w:footnotes>"
)


def docx_with_footnotes(paragraphs: list[str], notes: list[str]) -> bytes:
    """A DOCX whose first paragraph refers to each of ``notes`` (Word's footnotes part)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    first = document.add_paragraph(paragraphs[0])
    for index in range(1, len(notes) + 1):
        # python-docx has no footnote API: append the reference run to the paragraph XML.
        first._p.append(parse_xml(
            f'<w:r {nsdecls("w")}><w:footnoteReference w:id="{index}"/></w:r>'))
    for text in paragraphs[1:]:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    body = "".join(
        f'<w:footnote w:id="{i}"><w:p><w:r><w:t>{note}</w:t></w:r></w:p></w:footnote>'
        for i, note in enumerate(notes, start=1))
    return _add_part(out.getvalue(), "word/footnotes.xml", _FOOTNOTES_XML.format(notes=body))


def _add_part(package: bytes, name: str, content: str) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(name, content)
    return out.getvalue()
