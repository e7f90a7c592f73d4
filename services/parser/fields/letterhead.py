"""The letterhead of a ministry letter: addressee, 'Datum', 'Betreft' and the salutation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from services.parser.fields.body import is_address, is_label, is_ministry_line
from services.parser.fields.dates import find_dutch_date
from services.parser.fields.markdown import HEADING_MARK

_ADDRESSEE = re.compile(
    r"^(?:aan\s+)?(?:de\s+)?(?:voorzitter|leden|president)\s+(?:van\s+de\s+)?"
    r"(?:tweede|eerste|vaste|verenigde)\b",
    re.IGNORECASE,
)
_DATUM = re.compile(r"^datum\s*:?\s+(.{6,40})$", re.IGNORECASE)
_PLACE_DATE = re.compile(r"^(?:den\s+haag|'s-gravenhage|\S{3,30}),\s+(.{6,40})$", re.IGNORECASE)
_BETREFT = re.compile(r"^(?:betreft|onderwerp)\s*:?\s+(\S.{0,300})$", re.IGNORECASE)
# A letterhead line that starts with a label and its value ('Kenmerk 2025D40330'): no part
# of a subject wrapped over two lines.
_LABELLED = re.compile(
    r"^(?:onze\s+referentie|ons\s+kenmerk|uw\s+kenmerk|kenmerk|uw\s+brief|bijlagen?|"
    r"bijlage\(n\)|contactpersoon|datum|doorkiesnummer)\b",
    re.IGNORECASE,
)
_SALUTATION = re.compile(r"^(?:geachte|hooggeachte|excellentie)\b.{0,60},?$", re.IGNORECASE)
_HEAD = 80  # the letterhead is in the first lines of the first page


@dataclass
class Letterhead:
    """What the letterhead says, and where the running text starts."""

    document_date: date | None = None
    subject: str | None = None
    addressee: str | None = None
    body_start: int = 0
    # Field name -> index of the line it was read from (for ``--explain``).
    origins: dict[str, int] = field(default_factory=dict)


def read(lines: list[str]) -> Letterhead:
    """Read the letterhead from the first lines; ``body_start`` is the first body line index."""
    head = Letterhead()
    last_header_line = -1
    for index, line in enumerate(lines[:_HEAD]):
        text = line.strip().lstrip(HEADING_MARK)  # a bold 'Betreft' line is no heading
        if head.addressee is None and _ADDRESSEE.match(text):
            head.addressee, end = _addressee(lines, index)
            head.origins["addressee"] = index
            last_header_line = max(last_header_line, end)
        elif head.document_date is None and (found := _date_line(text)):
            head.document_date = found
            head.origins["document_date"] = index
            last_header_line = max(last_header_line, index)
        elif head.subject is None and (match := _BETREFT.match(text)):
            head.subject, end = _subject(lines, index, match[1])
            head.origins["subject"] = index
            last_header_line = max(last_header_line, end)
        elif _SALUTATION.match(text):
            return _finish(head, index + 1)
    return _finish(head, last_header_line + 1)


def _finish(head: Letterhead, start: int) -> Letterhead:
    head.body_start = start
    return head


def _date_line(text: str) -> date | None:
    match = _DATUM.match(text) or _PLACE_DATE.match(text)
    return find_dutch_date(match[1]) if match else None


def _addressee(lines: list[str], index: int) -> tuple[str, int]:
    """The addressee line, continued on the next line when it only finishes the name."""
    parts = [lines[index].strip()]
    for following in range(index + 1, min(index + 3, len(lines))):
        nxt = lines[following].strip()
        if not nxt:
            continue
        if nxt.lower().startswith(("der staten-generaal", "staten-generaal",
                                   "der staten generaal")):
            parts.append(nxt)
            index = following
        break
    return " ".join(parts), index


def _subject(lines: list[str], index: int, first: str) -> tuple[str, int]:
    """The subject, with up to two wrapped lines when a salutation or blank line ends them."""
    parts = [first.strip()]
    for extra in range(1, 3):
        if index + extra >= len(lines):
            break
        text = lines[index + extra].strip()
        if not text or _SALUTATION.match(text):
            parts.extend(lines[index + k].strip() for k in range(1, extra))
            return " ".join(parts), index + extra - 1
        if (is_label(text) or is_address(text) or is_ministry_line(text)
                or _LABELLED.match(text)):
            break
    return parts[0], index


def read_colofon(lines: list[str]) -> Letterhead:
    """The date and subject a colofon column gives, each label on its own line above its
    value ('Datum' / '3 februari 2023'), or label and value on one line."""
    head = Letterhead()
    for index, line in enumerate(lines):
        text = line.strip()
        value = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if head.document_date is None and text.lower().rstrip(":") == "datum" and value:
            head.document_date = find_dutch_date(value)
            head.origins["document_date"] = index + 1
        elif head.document_date is None and (found := _date_line(text)):
            head.document_date = found
            head.origins["document_date"] = index
    return head
