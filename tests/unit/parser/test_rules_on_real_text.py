"""Rules first shown on one constructed line list, held again on two real letters' text.

Each case takes a real letter from ``tests/fixtures/real/kamerbrieven-text`` and inserts
at a named line what a Rijkshuisstijl letter prints there: a question as a section heading
(made from the letter's own heading or words), or a colofon block with the
'Overheidsidentificatienr' or 'Contactpersoon' label. The inserted lines are constructed;
everything around them is the letter as printed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.parser.fields import sections
from services.parser.parse import parse_bytes

LETTERS = Path(__file__).resolve().parents[2] / "fixtures" / "real" / "kamerbrieven-text"
WATER = "Kamerbrief_water_en_Bodem.txt"
CIRCULAIR = "Kamerbrief_circulaire_economie.txt"


def _lines(name: str) -> list[str]:
    return (LETTERS / name).read_text(encoding="utf-8").splitlines()


def _with(name: str, after_line: int, inserted: list[str]) -> list[str]:
    """The letter's lines with ``inserted`` after 1-based ``after_line``."""
    lines = _lines(name)
    return [*lines[:after_line], *inserted, *lines[after_line:]]


# (letter, the line after which the question goes, the line that must follow it)
_QUESTIONS = [
    # after 'bodem moeten we zuinig zijn.', before 'Tot duizend jaar geleden ...'
    (WATER, 20, "Hoe zijn we met water en bodem omgegaan?", "Tot duizend jaar geleden"),
    # the letter's own heading 'Maatregelen' (line 92) asked as a question
    (CIRCULAIR, 91, "Welke maatregelen staan in het NPCE?", "Maatregelen"),
]


@pytest.mark.parametrize(("name", "after", "question", "next_start"), _QUESTIONS)
def test_question_heads_a_section_in_a_real_letter(name: str, after: int, question: str,
                                                   next_start: str) -> None:
    """A short question after a finished paragraph, before a capital, is a heading."""
    lines = _with(name, after, [question])
    assert lines[after + 1].startswith(next_start)  # the insertion point is the one named
    headings = [block.text for block in sections.blocks_from_lines(lines) if block.heading]
    assert question in headings


def test_question_inside_a_paragraph_stays_text() -> None:
    """'Is de bodem te nat of juist te droog?' in the middle of a printed line heads nothing."""
    blocks = sections.blocks_from_lines(_lines(WATER)[:40])
    assert not [block.text for block in blocks if block.heading and "droog?" in block.text]
    assert any("te droog? Dan merken we" in block.text for block in blocks)


_COLOFON = [
    (WATER, 12, ["Overheidsidentificatienr", "00000001003214369000"]),
    (CIRCULAIR, 96, ["Overheidsidentificatienr", "00000001003214369000"]),
    (WATER, 12, ["Contactpersoon", "mr. J.A. de Vries", "T 070-456 0000"]),
    (CIRCULAIR, 96, ["Contactpersoon", "mr. J.A. de Vries", "T 070-456 0000"]),
]


@pytest.mark.parametrize(("name", "after", "block"), _COLOFON)
def test_colofon_label_block_leaves_a_real_letters_body(name: str, after: int,
                                                         block: list[str]) -> None:
    """The labelled colofon block between two body lines is not in ``body_text``; the lines
    on either side of it are."""
    lines = _with(name, after, block)
    record = parse_bytes("\n".join(lines).encode("utf-8"), format="text")
    assert record.body_text is not None
    assert not [line for line in block if line in record.body_text]
    before, following = lines[after - 1].strip(), lines[after + len(block)].strip()
    flat = " ".join(record.body_text.split())
    assert before.split()[-1] in flat and following.split()[0] in flat
    assert " ".join(before.split()[-3:]) + " " + " ".join(following.split()[:3]) in flat
