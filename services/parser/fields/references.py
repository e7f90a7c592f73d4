"""The sender's reference: 'Onze referentie', 'Ons kenmerk', 'Kenmerk'.

PDF text extraction splits references ('I E NW/BSK-2023/33017'); the spaces are repaired
only where that is unambiguous: every piece but one is a single letter or digit run that
cannot stand alone.
"""

from __future__ import annotations

import re

LABELS = ("onze referentie", "ons kenmerk", "kenmerk")
_LABEL = re.compile(r"^(?:onze\s+referentie|ons\s+kenmerk|kenmerk)\s*:?\s*(.*)$", re.IGNORECASE)
_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._\-]{2,60}$")


def reference_label_value(line: str) -> tuple[bool, str]:
    """Whether ``line`` starts with a reference label, and the text after the label."""
    match = _LABEL.match(line.strip())
    return (False, "") if match is None else (True, match[1].strip())


def repair_spaces(value: str) -> str:
    """Join pieces split by extraction spaces when the result is one plausible reference.

    'I E NW/BSK-2023/33017' -> 'IENW/BSK-2023/33017'; a value whose pieces are all longer
    than one character ('DGB 2024 123') is left as it is.
    """
    pieces = value.split()
    if len(pieces) < 2 or not any(len(p) == 1 for p in pieces):
        return value
    joined = "".join(pieces)
    return joined if _SHAPE.match(joined) else value


def find_reference(lines: list[str]) -> str | None:
    """The reference under the first label in ``lines`` (same line or the next non-empty one)."""
    found = find_reference_at(lines)
    return None if found is None else found[0]


def find_reference_at(lines: list[str]) -> tuple[str, int] | None:
    """As :func:`find_reference`, with the index of the label's line."""
    for index, line in enumerate(lines):
        is_label, rest = reference_label_value(line)
        if not is_label:
            continue
        value = rest or _next_nonempty(lines, index)
        if value and not value.lower().startswith(("uw ", "bijlage")):
            return repair_spaces(value), index
    return None


def _next_nonempty(lines: list[str], index: int) -> str:
    for line in lines[index + 1 : index + 3]:
        if line.strip():
            return line.strip()
    return ""
