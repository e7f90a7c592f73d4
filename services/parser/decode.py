"""Bytes to text: byte-order marks, declared encodings that lie, and what is not text at all."""

from __future__ import annotations

import codecs

from shared.errors import Unprocessable

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def strip_bom(body: bytes) -> tuple[bytes, str | None]:
    """``body`` without a byte-order mark, and the encoding the mark names (if any)."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :], encoding
    return body, None


def to_text(body: bytes) -> str:
    """Decode as UTF-8 (after any BOM), else Windows-1252; refuse binary.

    Raises ``Unprocessable('bad-encoding', …)`` when the bytes hold NULs or too many control
    characters to be text.
    """
    rest, encoding = strip_bom(body)
    try:
        text = rest.decode(encoding or "utf-8")
    except UnicodeDecodeError:
        text = rest.decode("cp1252", errors="replace")
    if _looks_binary(text):
        raise Unprocessable("bad-encoding", "the input is not text in any encoding we read")
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if "\x00" in sample:
        return True
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return control > max(8, len(sample) // 20)
