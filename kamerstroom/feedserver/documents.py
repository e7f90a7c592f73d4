"""Constructed enclosure files (PDF and DOCX) holding a given text.

No real PDF or DOCX of a letter was recorded, so the feed server builds them: a plain PDF
1.4 (Helvetica, one text line per line, 60 lines a page) and a minimal WordprocessingML
package (one paragraph per line). Both are deterministic: the same text gives the same bytes.
"""

from __future__ import annotations

import io
import textwrap
import zipfile
from xml.sax.saxutils import escape

LINES_PER_PAGE = 60
LINE_WIDTH = 95


def pdf_bytes(text: str, title: str = "") -> bytes:
    """A text-only PDF of ``text`` (characters outside Latin-1 become ``?``)."""
    lines = _wrapped(text)
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree (filled in below)
    font = _add(objects, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                         b"/Encoding /WinAnsiEncoding >>")
    kids = []
    for page in pages:
        stream = _page_stream(page)
        content = _add(objects, b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(_add(objects, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                                  b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                                  % (font, content)))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                  + b"] /Count %d >>" % len(kids))
    info = _add(objects, b"<< /Title (" + _pdf_string(title) + b") /Producer (kamerstroom) >>")
    return _serialise(objects, info)


def docx_bytes(text: str) -> bytes:
    """A minimal DOCX (Office Open XML) with one paragraph per line of ``text``."""
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in text.splitlines()
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraphs}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                              ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            package.writestr(info, content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def _wrapped(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines():
        lines.extend(textwrap.wrap(line, LINE_WIDTH) or [""])
    return lines


def _page_stream(lines: list[str]) -> bytes:
    parts = [b"BT /F1 10 Tf 12 TL 50 800 Td"]
    parts.extend(b"(" + _pdf_string(line) + b") Tj T*" for line in lines)
    parts.append(b"ET")
    return b"\n".join(parts)


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _add(objects: list[bytes], body: bytes) -> int:
    objects.append(body)
    return len(objects)


def _serialise(objects: list[bytes], info: int) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, info, xref)
    return bytes(out)
