"""Parser inputs per format. Text is real; HTML, PDF and DOCX are constructed from it.

The real letters (``tests/fixtures/real/kamerbrieven-text/``) are plain-text extractions of
published PDFs. No real PDF, DOCX or HTML letter is recorded, so the benchmark lays the
same real text out in each format: a constructed document with a real letter's content
and size. The constructed bytes never leave the benchmark.
"""

from __future__ import annotations

import html
import io
import zipfile

from bench.corpus import ROOT

TEXT_FOLDER = ROOT / "tests" / "fixtures" / "real" / "kamerbrieven-text"
LINES_PER_PAGE = 48
LINE_CHARS = 95


def real_texts() -> list[str]:
    """The real letters as text, in a stable order; raises if none are found."""
    paths = sorted(p for p in TEXT_FOLDER.glob("*") if p.suffix in (".txt", ".md"))
    if not paths:
        raise FileNotFoundError(f"no letters in {TEXT_FOLDER}")
    return [p.read_text(encoding="utf-8") for p in paths]


def paragraphs(text: str) -> list[str]:
    """Non-empty lines of ``text`` (each extraction line is kept as a paragraph)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def to_html(text: str) -> bytes:
    """A minimal government-style HTML page with the letter's lines as paragraphs."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(text))
    title = html.escape(paragraphs(text)[0] if paragraphs(text) else "Kamerbrief")
    return (f'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8"><title>{title}</title>'
            f'</head><body><main><article class="kamerbrief">\n{body}\n</article></main></body></html>'
            ).encode()


def to_docx(text: str) -> bytes:
    """A minimal WordprocessingML package (one run per paragraph)."""
    runs = "".join(f'<w:p><w:r><w:t xml:space="preserve">{html.escape(p, quote=False)}</w:t></w:r></w:p>'
                   for p in paragraphs(text))
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{runs}</w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _RELS)
        package.writestr("word/document.xml", document)
    return buffer.getvalue()


def to_pdf(text: str) -> bytes:
    """A PDF 1.4 file with the letter's lines in Helvetica, ``LINES_PER_PAGE`` to a page."""
    lines = [chunk for p in paragraphs(text) for chunk in _wrap(p)]
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    n = len(pages)
    # Objects: 1 catalog, 2 pages, 3 font, then per page: page object and its content stream.
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(f"{4 + 2 * i} 0 R".encode() for i in range(n))
        + f"] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, page in enumerate(pages):
        stream = _content_stream(page)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                       f"<< /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    return _assemble(objects)


def _wrap(paragraph: str) -> list[str]:
    words, lines, current = paragraph.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > LINE_CHARS:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else lines


def _content_stream(lines: list[str]) -> bytes:
    out = [b"BT /F1 10 Tf 14 TL 50 800 Td"]
    for line in lines:
        encoded = line.encode("cp1252", errors="replace")
        escaped = encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        out.append(b"(" + escaped + b") Tj T*")
    out.append(b"ET")
    return b"\n".join(out)


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>")
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>')


def inputs(fmt: str) -> list[bytes]:
    """The benchmark's documents in ``fmt`` (one per real letter; kst-xml comes from corpus)."""
    makers = {"text": lambda t: t.encode(), "html": to_html, "docx": to_docx, "pdf": to_pdf}
    return [makers[fmt](text) for text in real_texts()]


__all__ = ["inputs", "real_texts", "to_docx", "to_html", "to_pdf"]
