"""Markdown and plain text into lines: emphasis and links unwrapped, '#' headings marked."""

from __future__ import annotations

import re

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"\[([^\[\]\n]{0,300})\]\([^()\s]{0,500}\)")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)([^*\n]{1,500}?)(?<=\S)\1")
_STRAY = re.compile(r"(?<!\w)\*{1,3}|\*{1,3}(?!\w)")


_MARKUP = ("#", "*", "[", "_")  # every pattern above needs one of these

HEADING_MARK = "\x01"  # prefixed to a line known to be a heading; survives line filtering


def to_lines(text: str) -> list[str]:
    """Lines of plain text; lines that were markdown headings start with ``HEADING_MARK``."""
    # The bullet glyph is no whitespace, line break or markup: replacing it first is the same.
    text = text.replace(HEADING_MARK, "").replace("\uf0b7", "•")
    if not any(mark in text for mark in _MARKUP):
        return [raw.strip() for raw in text.splitlines()]  # plain text: nothing to unwrap
    lines: list[str] = []
    for raw in text.splitlines():
        match = _HEADING.match(raw) if "#" in raw else None
        line = match[1] if match else raw
        # Every pattern needs a '[', '*' or '_': most lines (PDF text) have none to unwrap.
        if "*" in line or "[" in line or "_" in line:
            line = _STRAY.sub("", _EMPHASIS.sub(r"\2", _LINK.sub(r"\1", line)))
        line = line.strip()
        if match and line:
            line = HEADING_MARK + line
        lines.append(line)
    return lines
