"""Untrusted XML: one safe parser configuration for every feed response and document."""

from __future__ import annotations

from lxml import etree

from shared.errors import Unprocessable


def safe_parser(*, recover: bool = False) -> etree.XMLParser:
    """An XML parser that never fetches anything, loads no DTD and expands no entities."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, recover=recover)


def local_name(tag: object) -> str:
    """The tag without its namespace (``""`` for comments and processing instructions)."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_record(content: str, what: str) -> etree._Element:
    """Parse a feed record kept as text; ``Unprocessable("malformed-metadata")`` if it is not XML."""
    try:
        return etree.fromstring(content.lstrip("\ufeff").encode("utf-8"), parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise Unprocessable("malformed-metadata", f"{what}: {exc}") from exc
