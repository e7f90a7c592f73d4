"""A letter as HTML (officielebekendmakingen's kst page or a ministry page), via lxml.

Block elements become blank-line separated blocks and h1–h6 headings; navigation, scripts
and styles are dropped. The text reader does the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import lxml.html
from lxml import etree

from services.parser.draft import Draft, merge
from services.parser.formats.text import parse_text
from services.parser.metadata import kst_metadata
from shared.errors import Unprocessable

_DROP = ("script", "style", "nav", "header", "footer", "noscript", "form", "head")
_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "section",
           "article", "blockquote", "dd", "dt", "table", "ul", "ol"}
_INNER_BLOCKS = _BLOCKS - {"br"}  # a block holding one of these is no innermost block
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def read_root(body: bytes) -> etree._Element:
    """The parsed page; ``Unprocessable('malformed-html', …)`` when it cannot be read."""
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, huge_tree=False,
                                  encoding=_encoding(body))
    try:
        return lxml.html.document_fromstring(body, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise Unprocessable("malformed-html", f"the HTML cannot be read: {exc}") from exc


def head_metadata(root: etree._Element) -> dict[str, str]:
    """``<meta name=… content=…>`` pairs; officielebekendmakingen pages carry the kst ones."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        name, content = meta.get("name"), meta.get("content")
        if name and content is not None:
            key = f"{name}@{meta.get('scheme') or ''}" if name == "DC.type" else name
            found.setdefault(key, content.strip())
    return found


def extract_text(body: bytes) -> str:
    """The visible text as blank-line separated blocks, headings marked with '### '."""
    return _text(read_root(body))


def _text(root: etree._Element) -> str:
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for element in list(root.iter(*_DROP)):
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    blocks: list[str] = []
    _walk(root, blocks)
    return "\n\n".join(block for block in blocks if block.strip())


def _encoding(body: bytes) -> str | None:
    """UTF-8 when the bytes are UTF-8 (pages often declare nothing), else lxml's own guess."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


def _walk(element: etree._Element, blocks: list[str]) -> None:
    """Each innermost block element's text becomes one block (iteratively: no deep recursion)."""
    for node in element.iter():
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _BLOCKS and not any(
            isinstance(child.tag, str) and child.tag in _INNER_BLOCKS for child in node
        ):
            raw = "".join(cast("Iterator[str]", node.itertext()))  # an HTML tree's text is str
            if "\n" in raw:
                text = "\n".join(" ".join(line.split()) for line in raw.split("\n")
                                  if line.strip())
            else:  # one line: the same, without splitting into lines first
                text = " ".join(raw.split())
            if text:
                blocks.append(f"### {text}" if tag in _HEADINGS else text)


def parse_html(body: bytes) -> Draft:
    """Read the letter's fields from its HTML page; kst metadata in its head fills the gaps."""
    root = read_root(body)
    meta = head_metadata(root)
    text = _text(root)
    if not text.strip():
        raise Unprocessable("empty-body", "the HTML has no visible text")
    draft = parse_text(text)
    if "DC.identifier" in meta:
        merge(draft, kst_metadata.to_draft(meta), "page metadata")
    return draft
