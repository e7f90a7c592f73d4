"""A letter as DOCX (the Tweede Kamer's files), via python-docx.

Paragraphs become blank-line separated blocks and 'Heading' styles become headings, so
the text reader sees the same shape as markdown.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError

from services.parser.draft import Draft
from services.parser.formats.text import parse_text
from shared.errors import Unprocessable


def extract_text(body: bytes) -> str:
    """Paragraph texts separated by blank lines, headings marked with '### '."""
    try:
        document = docx.Document(io.BytesIO(body))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Unprocessable("malformed-docx", f"the DOCX cannot be opened: {exc}") from exc
    blocks: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        blocks.append(f"### {text}" if style.lower().startswith("heading") else text)
    return "\n\n".join(blocks)


def parse_docx(body: bytes) -> Draft:
    """Read the letter's fields from its DOCX."""
    text = extract_text(body)
    if not text.strip():
        raise Unprocessable("empty-body", "the DOCX has no text")
    return parse_text(text)
