"""Safe XML parsing and namespace-agnostic lookups for feed responses."""

from __future__ import annotations

from lxml import etree

from shared.xml import safe_parser

# Untrusted input: no entity expansion, no network, no huge-tree mode.
SAFE_PARSER = safe_parser()


def first_text(element: etree._Element, local_name: str) -> str | None:
    """Stripped text of the first descendant with ``local_name`` in any namespace."""
    for found in element.iter(f"{{*}}{local_name}"):
        text = (found.text or "").strip()
        if text:
            return text
    return None


def local_children(element: etree._Element, local_name: str) -> list[etree._Element]:
    """Descendants named ``local_name`` in any namespace (or none)."""
    return list(element.iter(f"{{*}}{local_name}"))
