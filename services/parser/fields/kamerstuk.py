"""The head of a Kamerstuk as the Kamer prints it on a motie or amendement.

    Tweede Kamer der Staten-Generaal
    Vergaderjaar 2024–2025
    21 501-02 Raad Algemene Zaken en Raad Buitenlandse Zaken
    Nr. 3121 MOTIE VAN HET LID CEDER
    Voorgesteld 10 april 2025

The dossier and 'Nr.' lines are trusted only after a 'Vergaderjaar' line near the top:
elsewhere a number at the start of a line is just a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from services.parser.fields.dates import find_dutch_date
from services.parser.fields.markdown import HEADING_MARK
from shared.schema import Dossier

_VERGADERJAAR = re.compile(r"^vergaderjaar\s{1,3}(\d{4})\s?[-–/]\s?(\d{4})$", re.IGNORECASE)
# '21 501-02 Raad …', '36 682', '35 925 VII …', '33 400-J'
_DOSSIER = re.compile(r"^(\d{2}\s?\d{3})(?:\s?-\s?(\d{2}|[A-Z]{1,3})|\s([IVXL]{1,6}|[A-Z]))?(?:\s|$)")
_NUMBER = re.compile(r"^nr\.\s{0,30}(\d{1,5}|[A-Z]{1,2})(?:\s|$)", re.IGNORECASE)
_PROPOSED = re.compile(r"^voorgesteld\s{1,3}(.{6,40})$", re.IGNORECASE)
_HEAD = 20  # the head is in the first lines
_AFTER = 16  # and the dossier, number and date follow 'Vergaderjaar' closely


@dataclass
class KamerstukHead:
    """What the head says; ``origins`` maps each field to its line index; ``end`` is the
    index of its last line (-1 when there is no head)."""

    vergaderjaar: str | None = None
    dossier: Dossier | None = None
    ondernummer: str | None = None
    document_date: date | None = None
    origins: dict[str, int] = field(default_factory=dict)
    end: int = -1


def read(lines: list[str]) -> KamerstukHead:
    """The Kamerstuk head in the first lines of ``lines``, if there is one."""
    head = KamerstukHead()
    start = _vergaderjaar_line(lines, head)
    if start is None:
        return head
    for index in range(start + 1, min(start + 1 + _AFTER, len(lines))):
        _read_line(lines[index].strip().lstrip(HEADING_MARK), index, head)
    return head


def _vergaderjaar_line(lines: list[str], head: KamerstukHead) -> int | None:
    for index, line in enumerate(lines[:_HEAD]):
        match = _VERGADERJAAR.match(line.strip().lstrip(HEADING_MARK))
        if match:
            head.vergaderjaar = f"{match[1]}-{match[2]}"
            head.origins["vergaderjaar"] = head.end = index
            return index
    return None


def _read_line(text: str, index: int, head: KamerstukHead) -> None:
    if head.dossier is None and (match := _DOSSIER.match(text)):
        toevoeging = match[2] or match[3]
        head.dossier = Dossier(number=match[1].replace(" ", ""), toevoeging=toevoeging)
        head.origins["dossier"] = head.end = index
    elif head.dossier is not None and head.ondernummer is None and (match := _NUMBER.match(text)):
        head.ondernummer = match[1]
        head.origins["ondernummer"] = head.end = index
    elif head.document_date is None and (match := _PROPOSED.match(text)):
        head.document_date = find_dutch_date(match[1])
        head.origins["document_date"] = head.end = index
