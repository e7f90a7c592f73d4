"""Footnotes: taken from the foot of each page and their markers removed from running text."""

from __future__ import annotations

import re
from functools import lru_cache

from shared.schema import Footnote

# A footnote starts with its number, then a space or straight into a letter ('5https://...');
# a long URL may push the note's text to the next line, leaving the number alone.
_START = re.compile(r"^(\d{1,3})(?:\s+(\S.*)|([^\W\d_].*))?$")
_TAIL = 14  # footnotes sit in the last lines of a page


def split_page(lines: list[str], expected: int) -> tuple[list[str], list[Footnote]]:
    """Split one page's lines into running text and the footnotes at its foot.

    ``expected`` is the next footnote number; footnotes must follow it consecutively, which
    keeps numbered body lines ('2 5 15 XP', '1. Water') from passing as footnotes.
    """
    start = _first_footnote(lines, expected)
    if start is None:
        return lines, []
    notes: list[list[str]] = []
    number = expected
    for line in lines[start:]:
        match = _START.match(line.strip())
        if match and int(match[1]) == number:
            notes.append([match[1], (match[2] or match[3] or "").strip()])
            number += 1
        elif notes and line.strip():
            notes[-1][1] = join_note_lines(notes[-1][1], line.strip())
    return lines[:start], [Footnote(number=n, text=t) for n, t in notes]


def _first_footnote(lines: list[str], expected: int) -> int | None:
    low = max(0, len(lines) - _TAIL)
    for index in range(low, len(lines)):
        match = _START.match(lines[index].strip())
        if match and int(match[1]) == expected:
            return index
    return None


def join_note_lines(left: str, right: str) -> str:
    """A footnote's text and its next printed line; a URL broken over them continues
    without a space."""
    if not left:
        return right
    if re.search(r"https?://\S{0,300}$", left[-320:]) and not left.endswith("/"):
        return left + right
    return f"{left} {right}"


def remove_markers(text: str, numbers: list[str]) -> tuple[str, int]:
    """Remove the markers of ``numbers`` ('grondstoffen1.', 'HUF-toets6', 'bouw 4)') in order.

    Each marker is searched after the previous one, so an earlier 'CO2' is not taken for
    note 2. Stops at the first marker not in ``text``; returns the text and how many were
    removed, so the caller can go on in the next paragraph.
    """
    position = 0
    removed = 0
    for number in numbers:
        match = _marker(text, number, position)
        if match is None:
            break
        text = text[: match[0]] + text[match[1] :]
        position = match[0]
        removed += 1
    return text, removed


def _marker(text: str, number: str, position: int) -> tuple[int, int] | None:
    """The first marker of ``number`` at or after ``position``: (start, end) of what to cut.

    Only where ``number`` occurs can a marker start (attached) or a space before it
    (spaced), so the patterns are tried there alone: searching with them would test
    their lookbehinds at every character of the paragraph.
    """
    attached, spaced = _marker_patterns(number)
    index = text.find(number, position)
    while index >= 0:
        if index - 1 >= position:
            found = spaced.match(text, index - 1)
            if found:
                return found.start(), found.end()
        found = attached.match(text, index)
        if found:
            return found.start(), found.end()
        index = text.find(number, index + 1)
    return None


@lru_cache(maxsize=256)
def _marker_patterns(number: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    attached = re.compile(
        rf"(?:(?<=[^\W\d_)”’])|(?<=[^\W\d_]\.)|(?<=\)\.)){number}(?=[\s.,;:)”]|$)"
    )
    spaced = re.compile(rf"(?<=[^\W\d_]) {number}(?=[.,;:)])")
    return attached, spaced
