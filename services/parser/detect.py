"""Which format a body is in, from its first bytes (and the content type when given)."""

from __future__ import annotations

from services.parser.decode import strip_bom

FORMATS = ("kst-xml", "html", "pdf", "docx", "text")


def detect(body: bytes, content_type: str | None = None) -> str:
    """One of ``FORMATS``: magic bytes first, then the content type, then 'text'."""
    head, _ = strip_bom(body[:2048])
    start = head.lstrip()[:512].lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        return "html"
    if start.startswith((b"<?xml", b"<officiele-publicatie")):
        return "kst-xml"
    return _from_content_type(content_type)


def _from_content_type(content_type: str | None) -> str:
    kind = (content_type or "").lower()
    for marker, name in (("pdf", "pdf"), ("wordprocessingml", "docx"), ("html", "html"),
                         ("xml", "kst-xml")):
        if marker in kind:
            return name
    return "text"
