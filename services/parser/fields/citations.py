"""References to other Kamerstukken in running text: 'Kamerstuk 33009, nr. 117'."""

from __future__ import annotations

import re

from shared.schema import Citation

# 'Kamerstuk 33009, nr. 117', 'Kamerstukken 32 698, nr. 64', 'Kamerstuk 33400-J, nr. 19',
# 'Kamerstukken 33 037, nrs. 431 en 437', 'Kamerstuk 36200 XII, nr. 5'.
_CITE = re.compile(
    r"Kamerstuk(?:ken)?\s{1,3}(\d{2}\s?\d{3})(?:[\s-]{1,3}([A-Z]{1,5}|[IVXL]{1,6}))?"
    r"\s{0,2},\s{0,2}nrs?\.\s{0,3}(\d{1,5})((?:\s{0,2}(?:,|en)\s{0,3}\d{1,5}){0,10})"
)
_MORE = re.compile(r"\d{1,5}")


def find_citations(text: str) -> list[Citation]:
    """Every Kamerstuk cited in ``text``, in order of first mention, without repeats."""
    seen: dict[tuple[str, str | None], Citation] = {}
    for match in _CITE.finditer(text):
        dossier = match[1].replace(" ", "") + (f"-{match[2]}" if match[2] else "")
        for number in [match[3], *_MORE.findall(match[4] or "")]:
            seen.setdefault((dossier, number), Citation(dossier=dossier, ondernummer=number))
    return list(seen.values())
