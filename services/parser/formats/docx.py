"""A letter as DOCX (the Tweede Kamer's files), via python-docx.

Paragraphs become blank-line separated blocks and 'Heading' styles become headings, so
the text reader sees the same shape as markdown.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from services.parser.draft import Draft
from services.parser.fields import citations
from services.parser.formats.text import parse_text
from shared.errors import Unprocessable
from shared.schema import Footnote
from shared.xml import safe_parser

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PART_LIMIT = 20 * 1024 * 1024  # a zip entry's unpacked size; guards against zip bombs


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
    """Read the letter's fields from its DOCX; Word's footnotes become ``footnotes``."""
    text = extract_text(body)
    if not text.strip():
        raise Unprocessable("empty-body", "the DOCX has no text")
    draft = parse_text(text)
    notes = read_footnotes(body)
    if notes:
        draft.footnotes = notes
        draft.cites = citations.find_citations(
            "\n".join([draft.body_text or ""] + [note.text for note in notes]))
    return draft


def read_footnotes(body: bytes) -> list[Footnote]:
    """Footnotes from ``word/footnotes.xml``, numbered in the order the text refers to them.

    python-docx leaves the reference marks out of paragraph text, so the running text
    needs no cleaning.
    """
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        texts = _note_texts(_part(package, "word/footnotes.xml"))
        order = _reference_order(_part(package, "word/document.xml"))
    ids = [i for i in order if i in texts] or list(texts)
    return [Footnote(number=str(n), text=texts[i]) for n, i in enumerate(ids, start=1)]


def _part(package: zipfile.ZipFile, name: str) -> etree._Element | None:
    try:
        info = package.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _PART_LIMIT:
        raise Unprocessable("too-large", f"{name} unpacks to {info.file_size} bytes")
    return etree.fromstring(package.read(name), parser=safe_parser())


def _note_texts(root: etree._Element | None) -> dict[str, str]:
    """Footnote id -> text; Word's separator notes (no text of the letter) are skipped."""
    if root is None:
        return {}
    texts: dict[str, str] = {}
    for note in root.iter(f"{_W}footnote"):
        if note.get(f"{_W}type") in ("separator", "continuationSeparator",
                                      "continuationNotice"):
            continue
        text = " ".join("".join(t.text or "" for t in note.iter(f"{_W}t")).split())
        if text:
            texts[note.get(f"{_W}id", "")] = text
    return texts


def _reference_order(root: etree._Element | None) -> list[str]:
    if root is None:
        return []
    return [ref.get(f"{_W}id", "") for ref in root.iter(f"{_W}footnoteReference")]
