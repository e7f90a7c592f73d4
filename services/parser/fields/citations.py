"""References to other Kamerstukken in running text, in the forms letters write them.

'Kamerstuk 33009, nr. 117'; 'Kamerstukken II 2009/10, 32 123 XVI, nr. 30';
'Kamerstuk 21 501-32, nr. 1703'; 'Kamerstukken 33 037, nrs. 431 en 437';
'Kamerstukken II 2020/21, 22 112 nr. 2953' (no comma); 'TK 2021–2022, 35 925 VII, nr. 6';
and the identifier 'kst-36124-3' / 'kst-21501-02-3121'. The dossier number is written
without spaces; its toevoeging ('XVI', 'J', '32') is kept apart.
"""

from __future__ import annotations

import re

from shared.schema import Citation

_YEAR = r"(?:\d{4}\s?[/–-]\s?\d{2,4}\s{0,2},?\s{0,3})?"
_TOEVOEGING = r"(?:\s?-\s?(\d{1,2}|[A-Z]{1,5}|[IVXL]{1,6})|\s{1,2}([IVXL]{1,6}|[A-Z]))"
_NUMBERS = (_YEAR + r"(\d{2}\s?\d{3})" + _TOEVOEGING + r"?"
            r"\s{0,2},?\s{0,3}nr(s?)\.\s{0,3}(\d{1,5})((?:\s{0,2}(?:,|en)\s{0,3}\d{1,5}(?!\d)){0,10})")
# Each pattern starts with a literal, which the regex engine finds by a fast scan; one
# pattern with an alternation of starts was tried at every character of the letter.
_CITES = (
    re.compile(r"Kamerstuk(?:ken)?(?:\s{1,3}(?:I{1,2}|EK|TK)\b)?\s{1,3}" + _NUMBERS),
    re.compile(r"TK\s{1,3}" + _NUMBERS),
    re.compile(r"EK\s{1,3}" + _NUMBERS),
)
_KST = re.compile(r"kst-(\d{4,6})(?:-(\d{1,2}|[A-Z]{1,5}|[IVXL]{1,6}))?-(\d{1,5})\b")
_MORE = re.compile(r"\d{1,5}")


def find_citations(text: str) -> list[Citation]:
    """Every Kamerstuk cited in ``text``, in order of first mention, without repeats."""
    found: list[tuple[int, Citation]] = []
    for match in (m for pattern in _CITES for m in pattern.finditer(text)
                  if _word_start(text, m.start())):
        dossier = match[1].replace(" ", "")
        toevoeging = match[2] or match[3]
        # Only 'nrs.' goes on to more numbers: after 'nr. 952, 2022' comes a year.
        more = _MORE.findall(match[6] or "") if match[4] else []
        for number in [match[5], *more]:
            found.append((match.start(), Citation(dossier=dossier, toevoeging=toevoeging,
                                                  ondernummer=number)))
    for match in (m for m in _KST.finditer(text) if _word_start(text, m.start())):
        found.append((match.start(), Citation(dossier=match[1], toevoeging=match[2],
                                              ondernummer=match[3])))
    seen: dict[tuple[str, str | None, str | None], Citation] = {}
    for _, citation in sorted(found, key=lambda item: item[0]):
        key = (citation.dossier, citation.toevoeging, citation.ondernummer)
        seen.setdefault(key, citation)
    return list(seen.values())


def _word_start(text: str, index: int) -> bool:
    """Whether a match at ``index`` starts a word (not 'ATK 2021' or 'ekst-1-2')."""
    return index == 0 or not text[index - 1].isalnum()
