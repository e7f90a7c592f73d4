"""A letter as DOCX (the Tweede Kamer's files), read from its WordprocessingML with lxml.

Paragraphs become blank-line separated blocks and 'Heading' styles become headings, so
the text reader sees the same shape as markdown. The package is read directly (the main
document part, its styles and footnotes), not through python-docx: building python-docx's
object model and resolving every paragraph's style through it cost about 60 times the XML
parse itself. The text and style rules are python-docx's own (``Paragraph.text``,
``Paragraph.style``), so both readings agree.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from functools import cache
from pathlib import Path
from typing import cast

import docx
from lxml import etree

from services.parser.draft import Draft
from services.parser.fields import citations
from services.parser.formats.text import parse_text
from shared.errors import Unprocessable
from shared.schema import Footnote
from shared.xml import safe_parser

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                    "officeDocument")
_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
_WORD_MAIN = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml")
_PART_LIMIT = 20 * 1024 * 1024  # a zip entry's unpacked size; guards against zip bombs
_ON = ("1", "true", "on")
# A run's inner content and its text (python-docx's CT_R.text); w:br depends on its type.
_T, _BR, _BR_TYPE = f"{_W}t", f"{_W}br", f"{_W}type"
_RUN_TEXT = {f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-", f"{_W}ptab": "\t", f"{_W}tab": "\t"}


class _Package:
    """The parts of one DOCX the reader needs: the main document, its styles, footnotes."""

    def __init__(self, body: bytes) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(body))
            self.main = _main_part_name(self._zip)
            self.document = self.part(self.main)
        except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
            raise Unprocessable("malformed-docx", f"the DOCX cannot be opened: {exc}") from exc
        if self.document is None:
            raise Unprocessable("malformed-docx", f"the DOCX has no part {self.main}")

    def part(self, name: str) -> etree._Element | None:
        """The parsed part ``name`` (no leading '/'), ``None`` when the package lacks it."""
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            return None
        if info.file_size > _PART_LIMIT:
            raise Unprocessable("too-large", f"{name} unpacks to {info.file_size} bytes")
        return etree.fromstring(self._zip.read(name), parser=safe_parser())

    def relationship_targets(self, source: str, rel_type: str) -> dict[str, str]:
        """Relationship id -> part name, for ``source``'s internal relationships of a type."""
        folder, name = posixpath.split(source)
        rels = self.part(posixpath.join(folder, "_rels", f"{name}.rels"))
        return {rel.get("Id", ""): _resolve(folder, rel.get("Target", ""))
                for rel in (rels.iter(f"{_REL}Relationship") if rels is not None else ())
                if rel.get("Type") == rel_type and rel.get("TargetMode") != "External"}

    def related(self, source: str, rel_type: str) -> etree._Element | None:
        """The first part ``source`` refers to with a relationship of ``rel_type``."""
        folder, name = posixpath.split(source)
        rels = self.part(posixpath.join(folder, "_rels", f"{name}.rels"))
        for rel in rels.iter(f"{_REL}Relationship") if rels is not None else ():
            if rel.get("Type") == rel_type and rel.get("TargetMode") != "External":
                return self.part(_resolve(folder, rel.get("Target", "")))
        return None


def _main_part_name(package: zipfile.ZipFile) -> str:
    """The officeDocument part, which must be a Word document or template (as python-docx)."""
    rels = etree.fromstring(package.read("_rels/.rels"), parser=safe_parser())
    targets = [rel.get("Target", "") for rel in rels.iter(f"{_REL}Relationship")
               if rel.get("Type") == _OFFICE_DOCUMENT]
    if not targets:
        raise ValueError("the package has no main document")
    name = _resolve("", targets[0])
    types = etree.fromstring(package.read("[Content_Types].xml"), parser=safe_parser())
    content_type = _content_type(types, name)
    if content_type not in _WORD_MAIN:
        raise ValueError(f"not a Word file, content type is {content_type!r}")
    return name


def _resolve(folder: str, target: str) -> str:
    path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
    return posixpath.normpath(path)


def _content_type(types: etree._Element, name: str) -> str | None:
    for override in types.iter(f"{_CT}Override"):
        if override.get("PartName", "").lstrip("/").lower() == name.lower():
            return override.get("ContentType")
    extension = posixpath.splitext(name)[1].lstrip(".").lower()
    for default in types.iter(f"{_CT}Default"):
        if default.get("Extension", "").lower() == extension:
            return default.get("ContentType")
    return None


def extract_text(body: bytes) -> str:
    """Paragraph texts separated by blank lines, headings marked with '### '.

    In document order: the headers, then the body with its tables and text boxes, then the
    footers. The Tweede Kamer's moties are laid out in a table, so table text is text.
    """
    return _text(_Package(body))


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_HEADER = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/header",
           f"{_W}headerReference")
_FOOTER = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer",
           f"{_W}footerReference")
# A paragraph whose parent is one of these is in the main flow or a table cell: only a
# paragraph elsewhere (a text box) can be the second copy Word keeps for old readers.
_FLOW_PARENTS = frozenset({f"{_W}body", f"{_W}tc", f"{_W}sdtContent"})


def _text(package: _Package) -> str:
    assert package.document is not None
    names, default = _paragraph_styles(package.related(package.main, _STYLES))
    blocks: list[str] = []
    for root in [*_parts(package, _HEADER), package.document, *_parts(package, _FOOTER)]:
        for p in _paragraphs(root):
            text = _paragraph_text(p).strip()
            if not text:
                continue
            style_id = _style_id(p)
            style = names.get(style_id) if style_id is not None else None
            style = default if style is None else style
            blocks.append(f"### {text}" if style.lower().startswith("heading") else text)
    return "\n\n".join(blocks)


def _paragraphs(root: etree._Element) -> list[etree._Element]:
    """Every paragraph under ``root`` in document order: body, table cells, text boxes.

    A text box is stored twice (a drawing, and a VML copy under ``mc:Fallback`` for old
    readers); the copy is skipped.
    """
    found = []
    for p in root.iter(f"{_W}p"):
        parent = p.getparent()
        if parent is not None and parent.tag not in _FLOW_PARENTS and any(
                ancestor.tag == _MC_FALLBACK for ancestor in p.iterancestors()):
            continue
        found.append(p)
    return found


def _parts(package: _Package, kind: tuple[str, str]) -> list[etree._Element]:
    """The header (or footer) parts the document's sections refer to, each once, in order."""
    assert package.document is not None
    rel_type, reference = kind
    targets = package.relationship_targets(package.main, rel_type)
    parts: list[etree._Element] = []
    seen: set[str] = set()
    for ref in package.document.iter(reference):
        target = targets.get(ref.get(_R_ID, ""))
        if target is None or target in seen:
            continue
        seen.add(target)
        part = package.part(target)
        if part is not None:
            parts.append(part)
    return parts


_NS = {"w": _W[1:-1]}
_STYLE_ID = etree.XPath("w:pPr/w:pStyle/@w:val", namespaces=_NS)
# A paragraph's run content, in document order: its runs' children and its hyperlinks'.
_RUN_CONTENT = etree.XPath("w:r/* | w:hyperlink/w:r/*", namespaces=_NS)


def _style_id(p: etree._Element) -> str | None:
    found = cast("list[str]", _STYLE_ID(p))  # an attribute path: a list of strings
    return str(found[0]) if found else None


def _paragraph_text(p: etree._Element) -> str:
    """python-docx's ``Paragraph.text``: the runs and hyperlinked runs, in order."""
    parts: list[str] = []
    for item in cast("list[etree._Element]", _RUN_CONTENT(p)):  # an element path
        tag = item.tag
        if tag == _T:
            parts.append(item.text or "")
        elif tag == _BR:
            parts.append("\n" if item.get(_BR_TYPE, "textWrapping") == "textWrapping" else "")
        elif isinstance(tag, str) and tag in _RUN_TEXT:
            parts.append(_RUN_TEXT[tag])
    return "".join(parts)


def _paragraph_styles(styles: etree._Element | None) -> tuple[dict[str, str | None], str]:
    """Style id -> name (``None`` for a style that is no paragraph style), and the default
    paragraph style's name.

    As python-docx: a package without a styles part gets python-docx's default styles, the
    first style with an id is the one used, and an id that is missing or names no paragraph
    style falls back to the last default paragraph style.
    """
    root = styles if styles is not None else _default_styles()
    names: dict[str, str | None] = {}
    default = ""
    for style in root.iterchildren(f"{_W}style"):
        name_element = style.find(f"{_W}name")
        name = (name_element.get(f"{_W}val") if name_element is not None else None) or ""
        paragraph = style.get(f"{_W}type") == "paragraph"
        names.setdefault(style.get(f"{_W}styleId", ""), name if paragraph else None)
        if paragraph and style.get(f"{_W}default", "").lower() in _ON:
            default = name
    return names, default


@cache
def _default_styles() -> etree._Element:
    path = Path(docx.__file__).parent / "templates" / "default-styles.xml"
    return etree.fromstring(path.read_bytes(), parser=safe_parser())


def parse_docx(body: bytes) -> Draft:
    """Read the letter's fields from its DOCX; Word's footnotes become ``footnotes``."""
    package = _Package(body)
    text = _text(package)
    if not text.strip():
        raise Unprocessable("empty-body", "the DOCX has no text")
    draft = parse_text(text)
    notes = _footnotes(package)
    if notes:
        draft.footnotes = notes
        draft.cites = citations.find_citations(
            "\n".join([draft.body_text or ""] + [note.text for note in notes]))
    return draft


def read_footnotes(body: bytes) -> list[Footnote]:
    """Footnotes from the footnotes part, numbered in the order the text refers to them.

    Paragraph text leaves the reference marks out, so the running text needs no cleaning.
    """
    return _footnotes(_Package(body))


def _footnotes(package: _Package) -> list[Footnote]:
    texts = _note_texts(package.part("word/footnotes.xml"))
    order = _reference_order(package.document)
    ids = [i for i in order if i in texts] or list(texts)
    return [Footnote(number=str(n), text=texts[i]) for n, i in enumerate(ids, start=1)]


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
