"""Running text into paragraphs and sections (heading + text), in order.

Two shapes of text arrive: one line per printed line (PDF extraction: paragraphs end with a
short line ending a sentence) and blank-line separated blocks (markdown, DOCX, HTML). In
both, a paragraph broken by a page break is joined again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.parser.fields.markdown import HEADING_MARK
from shared.schema import Section

_STOPS = frozenset(".!?:;")
_STOP_CLOSERS = frozenset(stop + closer for stop in _STOPS for closer in "'’”)")
_BULLET = re.compile(r"^(?:[-•\uf0b7▪●◦*]\s|\d{1,2}[.):]\s|[a-z][.)]\s)")
_CONJUNCTIONS = {"en", "of", "tot", "als", "dan"}
# A line ending in one of these runs on into the next: it is no heading.
_RUNS_ON = {
    "de", "het", "een", "van", "en", "in", "op", "voor", "te", "met", "die", "dat", "aan",
    "of", "om", "bij", "naar", "door", "over", "uit", "als", "is", "zijn", "wordt", "worden",
    "deze", "dit", "ook", "niet", "we", "wij", "zij", "ze", "tot", "onze", "ons", "hun",
}
_OPENS_CLAUSE = {"omdat", "als", "dat", "doordat", "wanneer", "waarbij", "zodat", "terwijl",
                 "maar", "en", "of"}
_BULLET_ENDS = frozenset(".):")
_NUMBERED = re.compile(r"^\d{1,2}\.\s")
_WRAP = 75  # printed lines are ~80 characters; a shorter one that ends a sentence ends a paragraph


@dataclass
class Block:
    """A heading or a paragraph of running text."""

    text: str
    heading: bool = False


def blocks_from_lines(lines: list[str]) -> list[Block]:
    """Paragraphs and headings; lines starting with ``HEADING_MARK`` are known headings."""
    blank_separated = sum(1 for line in lines if not line.strip()) * 4 >= len(lines) > 0
    if blank_separated:
        return _from_blank_separated(lines)
    return _from_printed(lines)


def _from_printed(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    texts = [line.strip() for line in lines]
    ends = [_ends_sentence(text) for text in texts]  # once per line, not per use
    following = _following_texts(texts)
    current_ended = False  # whether current[-1] ends a sentence
    for index, text in enumerate(texts):
        if not text:
            continue
        # A question can head a section ('Wat betekent dit voor gemeenten?'): '?' alone of
        # the stops does not rule a heading out.
        if text[0] == HEADING_MARK or (
            (not current or current_ended)
            and _looks_like_heading(text, following[index], ends[index] and text[-1] != "?")
        ):
            _flush(blocks, current)
            blocks.append(Block(text.lstrip(HEADING_MARK), heading=True))
            continue
        if current and _may_be_bullet(text) and _BULLET.match(text):
            _flush(blocks, current)
        current.append(text)
        current_ended = ends[index]
        if current_ended and len(text) < _WRAP:
            blocks.append(Block(join_lines(current)))
            current = []
    _flush(blocks, current)
    return _join_page_breaks(blocks)


def _may_be_bullet(text: str) -> bool:
    """Whether ``_BULLET`` can match: its marks are followed by whitespace within three
    characters, or are a number or letter followed by '.', ')' or ':'."""
    return text[1:2].isspace() or text[1:2] in _BULLET_ENDS or text[2:3] in _BULLET_ENDS


def _ends_sentence(text: str) -> bool:
    """A stop, perhaps followed by a quote or bracket, at the end (or before a final newline).

    What ``re.search(r"[.!?:;]['’”)]?$", text)`` says, without trying the pattern at every
    character of the line.
    """
    if text[-1:] in _STOPS or text[-2:] in _STOP_CLOSERS:
        return True
    return text[-1:] == "\n" and (text[-2:-1] in _STOPS or text[-3:-1] in _STOP_CLOSERS)


def _following_texts(texts: list[str]) -> list[str]:
    """For each line, the first non-empty line among the three after it ('' if none)."""
    following = [""] * len(texts)
    nearest = len(texts) + 3  # the nearest non-empty line after ``index`` (none yet)
    for index in range(len(texts) - 1, -1, -1):
        if nearest - index <= 3:
            following[index] = texts[nearest]
        if texts[index]:
            nearest = index
    return following


def _looks_like_heading(text: str, nxt: str, ends: bool) -> bool:
    """A short line that ends no sentence (``ends``), after a finished paragraph, before a
    capital."""
    if len(text) > 70 or ends or text.endswith(",") or not nxt:
        return False
    words = text.split()
    if words[-1].lower() in _RUNS_ON or words[0].lower() in _OPENS_CLAUSE:
        return False
    if _NUMBERED.match(text) and len(words) > 6:  # a numbered list item, not a chapter
        return False
    return (text[:1].isupper() or text[:1].isdigit()) and (nxt[:1].isupper() or
                                                          nxt[:1].isdigit())


def _from_blank_separated(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    for line in lines:
        text = line.strip()
        if text.startswith(HEADING_MARK):
            _flush(blocks, current)
            blocks.append(Block(text.lstrip(HEADING_MARK), heading=True))
        elif text:
            current.append(text)
        else:
            _flush(blocks, current)
    _flush(blocks, current)
    return _join_page_breaks(blocks)


def _flush(blocks: list[Block], current: list[str]) -> None:
    if current:
        blocks.append(Block(join_lines(current)))
        current.clear()


def join_lines(parts: list[str]) -> str:
    """Join printed lines with spaces, except a word hyphenated over a break ('SER-verkenning').

    'milieu-' before 'en' keeps its space: that hyphen stands for a left-out word part.
    Linear in the total length, however many lines.
    """
    if len(parts) == 1:
        return parts[0]
    joined = "\n".join(parts)
    # No part ends in a hyphen (and none holds a newline): nothing to glue, all spaces.
    if "-\n" not in joined and joined.count("\n") == len(parts) - 1:
        return joined.replace("\n", " ")
    pieces: list[str] = []
    previous = ""
    for part in parts:
        glued = previous.endswith("-") and previous[-2:-1].isalpha() and part[:1].islower()
        if pieces and not (glued and part.split(" ", 1)[0] not in _CONJUNCTIONS):
            pieces.append(" ")
        pieces.append(part)
        previous = part
    return "".join(pieces)


def _join_page_breaks(blocks: list[Block]) -> list[Block]:
    """Join a paragraph that stops mid-sentence with the paragraph after it."""
    groups: list[tuple[bool, list[str]]] = []
    for block in blocks:
        last = groups[-1] if groups else None
        if (
            last is not None and not last[0] and not block.heading
            and not _ends_sentence(last[1][-1]) and not _BULLET.match(block.text)
            and not last[1][-1].endswith(",")
        ):
            last[1].append(block.text)
        else:
            groups.append((block.heading, [block.text]))
    return [Block(join_lines(texts), heading) for heading, texts in groups]


def to_sections(blocks: list[Block]) -> list[Section]:
    """Group paragraphs under the heading before them (``None`` before the first heading)."""
    sections: list[Section] = []
    heading: str | None = None
    paragraphs: list[str] = []
    for block in blocks:
        if block.heading:
            if paragraphs or heading is not None:
                sections.append(Section(heading=heading, text="\n\n".join(paragraphs)))
            heading, paragraphs = block.text, []
        else:
            paragraphs.append(block.text)
    if paragraphs or heading is not None:
        sections.append(Section(heading=heading, text="\n\n".join(paragraphs)))
    return sections


def body_text(sections: list[Section]) -> str | None:
    """The sections as one text: heading, blank line, paragraphs; ``None`` when empty."""
    parts: list[str] = []
    for section in sections:
        if section.heading:
            parts.append(section.heading)
        if section.text:
            parts.append(section.text)
    return "\n\n".join(parts) or None
